// retouch web page. The mask is kept as geometry (strokes, rectangles, outlines and the
// masks the server found), drawn over a display copy of the photo and rasterised again
// at the photo's own size when it is sent. Every panel, menu, range, limit and format
// comes from GET /api/v1/methods; a photo is checked by the server (POST /api/v1/probe)
// when it is opened; long work runs as a server job that the page polls and can cancel.
"use strict";

const MAX_DISPLAY = 1024;  // longest side of the display copy, in pixels
const UNDO_LIMIT = 60;
const POLL_WAIT_S = 1;     // how long one poll of a job waits for its end
const FINAL = ["done", "failed", "cancelled"];
const MASK_COLOUR = "rgb(255, 40, 80)";
const $ = (id) => document.getElementById(id);

const state = {
  photo: null,       // Blob of the photo (full resolution), as sent to the server
  info: null,        // what POST /api/v1/probe said of it: size, format, output format
  name: "photo",     // the photo's file name without its extension (download names)
  natural: null,     // {w, h} of the photo
  gen: 0,            // bumped for every photo shown: answers for an older one are dropped
  opening: 0,        // bumped for every Open: only the latest one is shown
  ops: [],           // the mask: drawing operations in display-copy pixels
  redo: [],
  result: null,      // Blob of the last result, of this photo
  resultUrl: null,
  resultName: null,
  history: [],       // the photos before each "Apply again": {photo, info, name, ops}
  job: null,         // {abort, id, gen} of the work in flight
  busy: false,
  tool: "brush",
  size: 30,
  zoom: 0,           // 0: fit the window, else displayed pixels per photo pixel
  methods: null,     // the catalogue's tasks
  limits: null,      // the server's limits and formats
};

const photoCv = $("photo"), maskCv = $("mask"), resultCv = $("result"), tuneCv = $("tune");
const photoDetail = $("photo-detail"), resultDetail = $("result-detail");
const maskCtx = maskCv.getContext("2d");
const stage = $("stage");

// ---------- status ----------
function setStatus(text) { $("status").textContent = text; }
function setBusy(on, text) {
  state.busy = on;
  $("busy").hidden = !on;
  $("cancel").hidden = !on;
  if (!on) $("progress").hidden = true;
  if (text) setStatus(text);
  refreshButtons();
}
function showError(text) {
  const box = $("error");
  box.textContent = text || "";
  box.hidden = !text;
  if (text) { setStatus("Error"); showNotice(""); }
}
function showNotice(text) {
  $("notice").textContent = text || "";
  $("notice").hidden = !text;
}
function refreshButtons() {
  const hasPhoto = !!state.photo, idle = !state.busy, ready = hasPhoto && idle && !!state.methods;
  const editing = !state.result;  // the mask is shown (not the result)
  $("undo").disabled = !state.ops.length || !idle || !editing;
  $("redo").disabled = !state.redo.length || !idle || !editing;
  $("clear").disabled = !hasPhoto || !idle || !editing;
  for (const b of document.querySelectorAll("[data-run]")) b.disabled = !ready;
  const hasResult = !!state.result;
  $("apply").disabled = !hasResult || !idle;
  $("back").disabled = !hasResult || !idle;
  $("history-back").disabled = !state.history.length || !idle;
  $("tune-use").disabled = !hasPhoto || !idle || !tuner.bits;
  $("dl-result").disabled = !hasResult;
  $("compare").disabled = !hasResult;
  $("dl-mask").disabled = !hasPhoto;
  $("quality-row").hidden = !state.info || state.info.output !== "jpeg";
  for (const id of ["zoom-in", "zoom-out", "zoom-fit"]) $(id).disabled = !hasPhoto;
}
function updateInfo() {
  const n = state.natural;
  const fmt = state.info ? `${state.info.format} · ` : "";
  const photo = n ? `${fmt}${n.w} × ${n.h}  ·  ` : "";
  $("info").textContent = `${photo}${state.tool}  ·  size ${state.size}`;
}

// ---------- panels: built from the task records (GET /api/v1/methods) ----------
// Nothing here names a task's method, option or limit: a task the server adds gets
// its panel, menus, ranges and defaults without an edit to the page.
const FIELD_LABELS = { dilate: "Grow mask (px)" };  // wording only; ranges come from the server
const PAST = { erase: "Erased" };                    // wording only
const title = (name) => name.charAt(0).toUpperCase() + name.slice(1).replace(/[_-]/g, " ");
const label = (name) => FIELD_LABELS[name] || title(name);
const SELECT = "SELECT";

function element(tag, props = {}, children = []) {
  const el = Object.assign(document.createElement(tag), props);
  el.append(...children);
  return el;
}
function fillSelect(select, names, chosen) {
  select.replaceChildren(...names.map((n) => new Option(n, n, false, n === chosen)));
}
function methodSelect(select, t) {
  fillSelect(select, t.methods.map((m) => m.name), t.default);
  select.title = t.methods.map((m) => `${m.name}: ${m.summary}`).join("\n");
  return select;
}
function decimals(x) {
  const text = String(x);
  return text.includes("e-") ? Number(text.split("e-")[1]) : (text.split(".")[1] || "").length;
}
function stepOf(schema) {
  // Whole numbers step by 1; other numbers by a power of ten fine enough for a
  // hundredth of the range and for every digit of the bounds and the default.
  if (schema.type === "integer") return 1;
  const digits = Math.max(...[schema.minimum, schema.maximum, schema.default]
    .filter(Number.isFinite).map(decimals));
  const span = Math.floor(Math.log10((schema.maximum - schema.minimum) / 100));
  return Number((10 ** Math.min(span, -digits)).toPrecision(1));
}
function numberInput(id, schema, type) {
  const el = element("input", { id, type });
  if (Number.isFinite(schema.minimum)) el.min = schema.minimum;
  if (Number.isFinite(schema.maximum)) el.max = schema.maximum;
  el.step = Number.isFinite(schema.minimum) && Number.isFinite(schema.maximum) ? stepOf(schema) : "any";
  el.value = schema.default ?? schema.minimum ?? 0;
  return el;
}
function optionInput(id, name, schema) {
  // One input for an option, from its JSON schema: a menu, a check box, a number or text.
  let el;
  if (schema.enum) {
    el = element(SELECT, { id });
    fillSelect(el, schema.enum.map(String), String(schema.default ?? schema.enum[0]));
  } else if (schema.type === "boolean") {
    el = element("input", { id, type: "checkbox", checked: !!schema.default });
  } else if (schema.type === "integer" || schema.type === "number") {
    el = numberInput(id, schema, "number");
    if (schema.default === undefined) el.value = "";
  } else {
    el = element("input", { id, type: "text", value: schema.default ?? "" });
  }
  el.dataset.option = name;
  el.dataset.type = schema.type || "";
  el.dataset.default = JSON.stringify(schema.default ?? null);
  el.setAttribute("aria-label", label(name));
  const range = Number.isFinite(schema.minimum) ? `${schema.minimum} to ${schema.maximum}` : "";
  el.title = [label(name), range, schema.default !== undefined ? `default ${schema.default}` : ""]
    .filter(Boolean).join(", ");
  return el;
}
function optionValue(el) {
  if (el.type === "checkbox") return el.checked;
  if (el.dataset.type === "integer") return el.value === "" ? null : parseInt(el.value, 10);
  if (el.dataset.type === "number") return el.value === "" ? null : Number(el.value);
  return el.value;
}
function labelled(name, input) { return element("label", {}, [label(name), " ", input]); }

const panels = {};  // verb -> {method, promoted: [inputs], options: container, fields: container}
function methodOptions(verb, t) {
  // The chosen method's options (besides the promoted ones), rebuilt when it changes.
  const box = element("div", { id: `${verb}-options`, className: "fields" });
  const details = element("details", { className: "options" }, [element("summary", { textContent: "Method options" }), box]);
  const rebuild = () => {
    const m = t.methods.find((x) => x.name === panels[verb].method.value) || t.methods[0];
    // Not the promoted options nor the task's own fields (erase's seed is a field).
    const own = Object.entries(m.options || {}).filter(([name]) => !(name in (t.promoted || {})) && !(name in (t.fields || {})));
    box.replaceChildren(...own.map(([name, schema]) => labelled(name, optionInput(`${verb}-opt-${name}`, name, schema))));
    details.hidden = !own.length;
  };
  return { details, box, rebuild };
}
function taskCard(verb, t, heading) {
  const method = methodSelect(element(SELECT, { id: `${verb}-method` }), t);
  method.setAttribute("aria-label", `${title(verb)} method`);
  const promoted = Object.entries(t.promoted || {}).map(([name, schema]) => optionInput(`${verb}-${name}`, name, schema));
  const options = methodOptions(verb, t);
  panels[verb] = { method, promoted, options: options.box };
  method.addEventListener("change", options.rebuild);
  const card = element("section", { className: "card", id: `card-${verb}`, title: t.summary || verb }, [
    element("h2", { textContent: heading }),
    labelled("method", method),
    ...promoted.map((el) => labelled(el.dataset.option, el)),
  ]);
  return { card, options };
}
function runButton(id, text, run, primary = false) {
  const b = element("button", { id, textContent: text, className: primary ? "primary" : "", disabled: true });
  b.dataset.run = "1";
  b.addEventListener("click", run);
  return b;
}
// A text option whose example is "X,Y X,Y" takes points of the photo: it gets a
// "Pick on the photo" button, and each click on the photo adds its point (photo pixels).
const POINTS = /^\s*\d+(\.\d+)?,\d+(\.\d+)?(\s+\d+(\.\d+)?,\d+(\.\d+)?)*\s*$/;
let picking = null;  // the text input that clicks on the photo add points to
function takesPoints(schema) {
  return schema.type === "string" && (schema.examples || []).some((x) => POINTS.test(String(x)));
}
function pickButton(input) {
  const b = element("button", { id: `${input.id}-pick`, textContent: "Pick on the photo",
    title: "Click the photo where the ones to choose are; click here again to stop" });
  b.addEventListener("click", () => setPicking(picking === input ? null : input));
  return b;
}
function setPicking(input) {
  picking = input;
  for (const b of document.querySelectorAll("[id$=-pick]")) {
    const on = !!input && b.id === `${input.id}-pick`;
    b.classList.toggle("picking", on);
    b.textContent = on ? "Done picking" : "Pick on the photo";
  }
  maskCv.style.cursor = input ? "copy" : "";
  if (input) setStatus("Click on the photo to choose; Done picking to stop");
}
function addPoint(ev) {
  const p = canvasPoint(ev), k = state.natural.w / maskCv.width;
  picking.value = `${picking.value} ${Math.round(p.x * k)},${Math.round(p.y * k)}`.trim();
  setStatus(`Chosen: ${picking.value.split(/\s+/).length} point(s) at ${picking.value}`);
}
function buildEditPanels(tasks) {
  // One card per edit task (erase, tattoo, remove people): method, options, fields, run.
  const cards = Object.entries(tasks).filter(([, t]) => t.kind === "edit").map(([verb, t]) => {
    const { card, options } = taskCard(verb, t, title(verb));
    for (const el of panels[verb].promoted) {
      if (takesPoints(t.promoted[el.dataset.option])) el.closest("label").after(pickButton(el));
    }
    const fields = element("div", { id: `${verb}-fields`, className: "fields" },
      Object.entries(t.fields || {}).map(([name, schema]) => {
        const input = numberInput(`${verb}-${name}`, schema, "number");
        input.dataset.field = name;
        input.title = `${schema.minimum} to ${schema.maximum}`;
        return labelled(name, input);
      }));
    const buttons = t.detects
      ? [element("div", { className: "row" }, [
          runButton(`${verb}-detect`, `Find ${t.detects}`, () => runEdit(verb, { detectOnly: true })),
          runButton(verb, "Remove", () => runEdit(verb), true)]),
        element("P", { className: "note", textContent: `Remove fills what the mask marks; with no mask, the ${t.detects} the method finds. Find adds them to the mask to edit first.` })]
      : [runButton(verb, title(verb), () => runEdit(verb), true)];
    card.append(fields, options.details, ...buttons);
    options.rebuild();
    return card;
  });
  $("edit-panels").replaceChildren(...cards);
}
function buildMakePanels(tasks) {
  // One card per transform task (line art, cartoon): method, its options, make.
  // The server says which can answer on a transparent sheet and which as SVG paths.
  const cards = Object.entries(tasks).filter(([, t]) => t.kind === "transform").map(([verb, t]) => {
    const { card, options } = taskCard(verb, t, title(verb));
    const extras = [];
    if (t.transparent) {
      const clear = element("input", { type: "checkbox", id: `${verb}-transparent` });
      extras.push(element("label", { title: "the white paper as transparency: ink on a clear sheet (PNG)" },
        [clear, " Transparent paper"]));
    }
    const live = element("input", { type: "checkbox", id: `${verb}-live` });
    extras.push(element("label", { title: `redraw a ${PREVIEW_SIDE} px copy each time an option changes` },
      [live, " Live preview"]));
    const make = runButton(`make-${verb}`, `Make ${title(verb).toLowerCase()}`, () => runMake(verb), true);
    const buttons = [make];
    if (t.vector) buttons.push(runButton(`svg-${verb}`, "Download SVG", () => runMake(verb, { svg: true })));
    card.append(options.details, ...extras, element("div", { className: "row" }, buttons));
    options.rebuild();
    // Any change in the card (method, options, paper) redraws the preview while it is on.
    const changed = (ev) => {
      if (ev.target === live) { if (live.checked) schedulePreview(verb, 0); else stopPreview(verb); return; }
      if (live.checked) schedulePreview(verb);
    };
    card.addEventListener("input", changed);
    card.addEventListener("change", changed);
    return card;
  });
  $("make-panels").replaceChildren(...cards);
}
function buildSegmenters(tasks) {
  // One row per task whose kind is "segment": its button, method menu, promoted options.
  const rows = Object.entries(tasks).filter(([, t]) => t.kind === "segment").map(([verb, t]) => {
    const button = runButton(`seg-${verb}`, title(verb), () => segment(verb));
    button.className = "seg";
    button.title = t.summary || verb;
    button.dataset.task = verb;
    const method = methodSelect(element(SELECT, { id: `${verb}-method` }), t);
    method.setAttribute("aria-label", `${title(verb)} method`);
    const promoted = Object.entries(t.promoted || {}).map(([name, schema]) => optionInput(`${verb}-${name}`, name, schema));
    panels[verb] = { method, promoted, options: null };
    // A promoted menu is labelled with its name ("Part"), so face's skin part is not
    // taken for the Skin button.
    const labels = promoted.map((el) => element("label", { title: `${title(verb)} ${el.dataset.option}` },
      [label(el.dataset.option), el]));
    return element("div", { className: "seg-row" }, [button, method, ...labels]);
  });
  $("segmenters").replaceChildren(...rows);
}
async function loadMethods() {
  try {
    const res = await fetch("/api/v1/methods");
    if (!res.ok) throw new Error(`GET /api/v1/methods: HTTP ${res.status}`);
    const body = await res.json();
    const tasks = body.tasks;
    state.limits = body.limits || null;
    buildEditPanels(tasks);
    // The first edit task (erase), then its result and the masks to start from.
    const first = $("edit-panels").firstElementChild;
    if (first) first.after($("result-card"), $("mask-card"));
    buildSegmenters(tasks);
    buildMakePanels(tasks);
    buildTuner(tasks);
    applyLimits(state.limits);
    state.methods = tasks;
  } catch (err) {
    showError(`Could not read the methods from the server: ${err.message}`);
  }
  refreshButtons();
}
function applyLimits(limits) {
  if (!limits) return;
  $("file").accept = limits.read_media_types.join(",");
  const q = limits.quality, input = $("quality");
  input.min = q.minimum; input.max = q.maximum; input.step = 1; input.value = q.default;
}
function appendOptions(verb, form) {
  // The promoted options as their own fields; the method's other options that differ
  // from their defaults as the options JSON object.
  const p = panels[verb];
  for (const el of p.promoted) {
    const v = optionValue(el);
    if (v !== null && v !== "") form.append(el.dataset.option, String(v));
  }
  const options = {};
  for (const el of p.options ? p.options.querySelectorAll("[data-option]") : []) {
    const v = optionValue(el);
    if (v !== null && v !== "" && JSON.stringify(v) !== el.dataset.default) options[el.dataset.option] = v;
  }
  if (Object.keys(options).length) form.append("options", JSON.stringify(options));
}

// ---------- opening a photo: the server says whether it can work on it ----------
function loadImage(blob) {
  return new Promise((resolve, reject) => {
    const url = URL.createObjectURL(blob);
    const img = new Image();
    img.onload = () => { URL.revokeObjectURL(url); resolve(img); };
    img.onerror = () => { URL.revokeObjectURL(url); reject(new Error("the browser cannot read this file as an image")); };
    img.src = url;
  });
}
const stem = (name) => (name || "photo").replace(/\.[^.]*$/, "").replace(/[\\/:*?"<>|]+/g, "_") || "photo";
const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
async function apiError(res) {
  let message = `HTTP ${res.status}`;
  try { message = (await res.json()).error || message; } catch (_) { /* not JSON */ }
  return new Error(`${message} (HTTP ${res.status})`);
}
async function probe(blob) {
  const form = new FormData();
  form.append("image", blob, "image");
  const res = await fetch("/api/v1/probe", { method: "POST", body: form });
  if (!res.ok) throw await apiError(res);
  return res.json();
}
async function openFile(file, name = file.name) {
  // Refused here what the server would refuse (its own limits and decoder), kept
  // the photo shown until then.
  showError(""); showNotice("");
  const limit = state.limits && state.limits.max_upload_bytes;
  if (limit && file.size > limit) {
    showError(`Cannot open ${name}: ${mib(file.size)} is over the server's limit of ${mib(limit)} a request.`);
    return;
  }
  const ticket = ++state.opening;
  setStatus(`Reading ${name}…`);
  const [info, img] = await Promise.allSettled([probe(file), loadImage(file)]);
  if (ticket !== state.opening) return;  // another photo was opened meanwhile
  if (info.status === "rejected") { showError(`Cannot open ${name}: ${info.reason.message}`); return; }
  if (img.status === "rejected") {
    showError(`Cannot open ${name}: the server reads this ${info.value.format} file, but this browser cannot show it; convert it to JPEG or PNG.`);
    return;
  }
  state.history = [];
  showPhoto({ photo: file, info: info.value, name: stem(name) }, img.value);
  setStatus(`Opened ${name} (${info.value.width} × ${info.value.height})`);
}
function showPhoto(entry, img, ops = []) {
  // Show a photo with its mask; whatever was in flight for the one before is cancelled.
  cancelJob();
  state.gen++;
  const w = img.naturalWidth, h = img.naturalHeight;
  const scale = Math.min(1, MAX_DISPLAY / Math.max(w, h));
  const dw = Math.round(w * scale), dh = Math.round(h * scale);
  for (const cv of [photoCv, maskCv, resultCv, tuneCv]) { cv.width = dw; cv.height = dh; }
  photoCv.getContext("2d").drawImage(img, 0, 0, dw, dh);
  state.img = img;  // the photo's own pixels, for the zoomed-in detail layer
  state.photo = entry.photo;
  state.info = entry.info;
  state.name = entry.name;
  state.natural = { w, h };
  state.ops = ops.slice();
  state.redo = [];
  maskFile.blob = null;
  renderAll();
  clearResult();
  $("drop-hint").hidden = true;
  $("frame").hidden = false;
  stage.classList.remove("empty");
  setZoom(0);
  updateInfo();
  refreshButtons();
  resetTuner();
  resetPreview();
}
function clearResult() {
  preview.shown = false;
  state.result = null;
  state.resultImg = null;
  resultDetail.hidden = true;
  if (state.resultUrl) URL.revokeObjectURL(state.resultUrl);
  state.resultUrl = null;
  delete document.body.dataset.result;
  resultCv.hidden = true;
  $("divider").hidden = true;
  maskCv.hidden = false;
  showTuner();
  refreshButtons();
}

// ---------- the mask: operations, drawn for display or at the photo's size ----------
function dab(ctx, p, width) {
  ctx.beginPath();
  ctx.arc(p.x, p.y, width / 2, 0, 2 * Math.PI);
  ctx.fill();
}
function line(ctx, a, b) {
  ctx.beginPath();
  ctx.moveTo(a.x, a.y);
  ctx.lineTo(b.x, b.y);
  ctx.stroke();
}
function outline(ctx, points) {
  ctx.beginPath();
  points.forEach((q, i) => (i ? ctx.lineTo(q.x, q.y) : ctx.moveTo(q.x, q.y)));
  ctx.closePath();
  ctx.fill();
}
function penFor(ctx, op, full) {
  // Display: the mask colour, the eraser cuts it away. Full size: white on black.
  const cut = op.kind === "stroke" && op.erase;
  ctx.globalCompositeOperation = cut && !full ? "destination-out" : "source-over";
  ctx.strokeStyle = ctx.fillStyle = cut && full ? "#000" : full ? "#fff" : MASK_COLOUR;
  ctx.lineWidth = op.width || 1;
  ctx.lineCap = ctx.lineJoin = "round";
}
function drawOp(ctx, op, full = false) {
  ctx.save();
  penFor(ctx, op, full);
  if (op.kind === "stroke") {
    dab(ctx, op.points[0], op.width);
    for (let i = 1; i < op.points.length; i++) line(ctx, op.points[i - 1], op.points[i]);
  } else if (op.kind === "rect") {
    const [a, b] = op.points;
    ctx.fillRect(Math.min(a.x, b.x), Math.min(a.y, b.y), Math.abs(b.x - a.x), Math.abs(b.y - a.y));
  } else if (op.kind === "lasso") {
    outline(ctx, op.points);
  } else if (op.kind === "bits") {
    if (full) { ctx.globalCompositeOperation = "lighten"; ctx.drawImage(op.full, 0, 0, maskCv.width, maskCv.height); }
    else ctx.drawImage(op.tint, 0, 0);
  } else if (op.kind === "clear") {
    if (full) { ctx.fillStyle = "#000"; ctx.fillRect(0, 0, maskCv.width, maskCv.height); }
    else ctx.clearRect(0, 0, maskCv.width, maskCv.height);
  }
  ctx.restore();
}
function pushOp(op) {
  state.ops.push(op);
  maskChanged();
  if (state.ops.length > UNDO_LIMIT) flattenOldest();
  state.redo = [];
  refreshButtons();
}
function flattenOldest() {
  // Past the undo limit the two oldest operations become one (still geometry).
  const [a, b] = state.ops.splice(0, 2);
  state.ops.unshift({ kind: "group", ops: [...(a.ops || [a]), ...(b.ops || [b])] });
}
const drawAny = (ctx, op, full) => (op.kind === "group" ? op.ops.forEach((o) => drawOp(ctx, o, full)) : drawOp(ctx, op, full));
function undo() {
  if (!state.ops.length || state.busy || state.result) return;
  state.redo.push(state.ops.pop());
  maskChanged(); renderAll(); setStatus("Undo"); refreshButtons();
}
function redo() {
  if (!state.redo.length || state.busy || state.result) return;
  state.ops.push(state.redo.pop());
  maskChanged(); renderAll(); setStatus("Redo"); refreshButtons();
}
function renderAll() {
  maskCtx.clearRect(0, 0, maskCv.width, maskCv.height);
  for (const op of state.ops) drawAny(maskCtx, op, false);
}
function clearMask() {
  if (state.result) return;
  pushOp({ kind: "clear" });
  renderAll();
  setStatus("Mask cleared");
}
function maskIsEmpty() {
  const d = maskCtx.getImageData(0, 0, maskCv.width, maskCv.height).data;
  for (let i = 3; i < d.length; i += 4) if (d[i] > 0) return false;
  return true;
}
function fullMaskCanvas() {
  // The mask at the photo's own size: every operation drawn again, white on black.
  const { w, h } = state.natural;
  const cv = element("canvas", { width: w, height: h });
  const ctx = cv.getContext("2d");
  ctx.fillStyle = "#000";
  ctx.fillRect(0, 0, w, h);
  ctx.setTransform(w / maskCv.width, 0, 0, h / maskCv.height, 0, 0);
  for (const op of state.ops) drawAny(ctx, op, true);
  return cv;
}
const toBlob = (cv, type = "image/png") => new Promise((resolve) => cv.toBlob(resolve, type));
// The full-size mask PNG is made ahead, once the mask has not changed for a moment, so
// Erase sends it at once (a 24 MP mask takes about a second to encode).
const MASK_AHEAD_MS = 400;
const maskFile = { ops: null, length: -1, blob: null, timer: 0 };
function maskChanged() {
  clearTimeout(maskFile.timer);
  maskFile.blob = null;
  maskFile.timer = setTimeout(fullMaskBlob, MASK_AHEAD_MS);
}
function fullMaskBlob() {
  // The PNG of the mask at the photo's size, made again only when the mask changed.
  const ops = state.ops, length = ops.length;
  if (!maskFile.blob || maskFile.ops !== ops || maskFile.length !== length) {
    Object.assign(maskFile, { ops, length, blob: toBlob(fullMaskCanvas()) });
  }
  return maskFile.blob;
}
function setTool(tool) {
  state.tool = tool;
  for (const b of document.querySelectorAll(".tool")) b.classList.toggle("active", b.dataset.tool === tool);
  updateInfo();
}
function setSize(size) {
  state.size = Math.max(2, Math.min(200, Math.round(size)));
  $("size").value = state.size;
  $("size-out").textContent = state.size;
  updateInfo();
}

// ---------- zoom (relative to the photo's own pixels) and the brush outline ----------
function displayScale() {  // CSS pixels per display-copy pixel
  return maskCv.getBoundingClientRect().width / maskCv.width || 1;
}
function shownScale() {    // CSS pixels per photo pixel
  return state.natural ? photoCv.getBoundingClientRect().width / state.natural.w : 1;
}
function fitScale() {
  const n = state.natural, pad = 2 * parseFloat(getComputedStyle(stage).paddingLeft || "0");
  const w = stage.clientWidth - pad, h = stage.clientHeight - pad;
  return Math.max(0.001, Math.min(w / n.w, h / n.h, photoCv.width / n.w));
}
function setZoom(zoom) {
  if (!state.natural) return;
  state.zoom = zoom;
  const s = zoom > 0 ? zoom : fitScale(), n = state.natural;
  photoCv.style.width = `${Math.max(1, Math.round(n.w * s))}px`;
  photoCv.style.height = `${Math.max(1, Math.round(n.h * s))}px`;
  $("zoom-fit").textContent = `${Math.round(shownScale() * 100)}%`;
  scheduleDetail();
}
// Zoomed past the display copy, the visible part of the photo (and of the result) is
// drawn again from its own pixels, on a layer the size of what the window shows.
let detailFrame = 0;
function scheduleDetail() {
  if (!detailFrame) detailFrame = requestAnimationFrame(() => { detailFrame = 0; drawDetail(); });
}
function drawDetail() {
  const n = state.natural, dpr = window.devicePixelRatio || 1;
  const shown = photoCv.getBoundingClientRect();
  const magnified = n && photoCv.width < n.w && shown.width * dpr > photoCv.width * 1.05;
  const view = stage.getBoundingClientRect();
  const x0 = Math.max(shown.left, view.left + stage.clientLeft), y0 = Math.max(shown.top, view.top + stage.clientTop);
  const x1 = Math.min(shown.right, view.left + stage.clientLeft + stage.clientWidth);
  const y1 = Math.min(shown.bottom, view.top + stage.clientTop + stage.clientHeight);
  const visible = magnified && x1 > x0 && y1 > y0;
  const layers = [[photoDetail, state.img, visible], [resultDetail, state.resultImg, visible && !resultCv.hidden]];
  for (const [cv, src, on] of layers) {
    cv.hidden = !(on && src);
    if (cv.hidden) continue;
    const k = n.w / shown.width;  // photo pixels per CSS pixel
    const sx = (x0 - shown.left) * k, sy = (y0 - shown.top) * k, sw = (x1 - x0) * k, sh = (y1 - y0) * k;
    cv.width = Math.max(1, Math.min(Math.ceil(sw), Math.round((x1 - x0) * dpr)));
    cv.height = Math.max(1, Math.min(Math.ceil(sh), Math.round((y1 - y0) * dpr)));
    Object.assign(cv.style, { left: `${x0 - shown.left}px`, top: `${y0 - shown.top}px`,
      width: `${x1 - x0}px`, height: `${y1 - y0}px` });
    cv.getContext("2d").drawImage(src, sx, sy, sw, sh, 0, 0, cv.width, cv.height);
  }
  if (!resultDetail.hidden) {  // the compare divider cuts it where it cuts the result
    const cut = (state.compare ?? 50) / 100 * shown.width - (x0 - shown.left);
    resultDetail.style.clipPath = `inset(0 0 0 ${Math.max(0, cut)}px)`;
  }
}
function zoomBy(factor, at) {
  if (!state.photo) return;
  const before = photoCv.getBoundingClientRect();
  const z = Math.min(8, Math.max(0.01, shownScale() * factor));
  setZoom(Math.abs(z - 1) < 0.05 ? 1 : z);
  if (at) {  // keep the point under the pointer where it was
    const after = photoCv.getBoundingClientRect();
    const fx = (at.x - before.left) / before.width, fy = (at.y - before.top) / before.height;
    stage.scrollLeft += after.left + fx * after.width - at.x;
    stage.scrollTop += after.top + fy * after.height - at.y;
  }
}
function moveCursor(ev) {
  const c = $("cursor");
  const show = !SHAPE_TOOLS.includes(state.tool) && !!state.photo && !state.result;
  c.hidden = !show;
  if (!show) return;
  const r = maskCv.getBoundingClientRect(), d = state.size * displayScale();
  c.style.width = c.style.height = `${d}px`;
  c.style.left = `${ev.clientX - r.left}px`;
  c.style.top = `${ev.clientY - r.top}px`;
}

// ---------- pointer: paint, compare, pan ----------
const SHAPE_TOOLS = ["rect", "lasso"];  // tools that draw a filled shape, not a brush stroke
let drag = null;  // {op, base} while painting
let pan = null;   // {x, y, left, top} while panning
let spaceHeld = false;
let comparing = false;
function canvasPoint(ev) {
  const r = maskCv.getBoundingClientRect();
  return { x: (ev.clientX - r.left) * maskCv.width / r.width, y: (ev.clientY - r.top) * maskCv.height / r.height };
}
stage.addEventListener("pointerdown", (ev) => {
  if (!state.photo || !(ev.button === 1 || (ev.button === 0 && spaceHeld))) return;
  ev.preventDefault();
  ev.stopImmediatePropagation();
  capture(stage, ev);
  pan = { x: ev.clientX, y: ev.clientY, left: stage.scrollLeft, top: stage.scrollTop };
  stage.classList.add("panning");
}, true);
stage.addEventListener("pointermove", (ev) => {
  if (!pan) return;
  stage.scrollLeft = pan.left - (ev.clientX - pan.x);
  stage.scrollTop = pan.top - (ev.clientY - pan.y);
});
for (const type of ["pointerup", "pointercancel"]) {
  stage.addEventListener(type, () => { pan = null; stage.classList.remove("panning"); });
}
stage.addEventListener("wheel", (ev) => {
  if (!state.photo) return;
  ev.preventDefault();
  zoomBy(ev.deltaY < 0 ? 1.1 : 1 / 1.1, { x: ev.clientX, y: ev.clientY });
}, { passive: false });
// Pinch with two fingers zooms about their middle (and drops a stroke the first began).
const touches = new Map();
let pinch = null;
const spread = () => { const [a, b] = [...touches.values()]; return Math.hypot(a.x - b.x, a.y - b.y) || 1; };
const middle = () => { const [a, b] = [...touches.values()]; return { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 }; };
stage.addEventListener("pointerdown", (ev) => {
  if (ev.pointerType !== "touch" || !state.photo) return;
  touches.set(ev.pointerId, { x: ev.clientX, y: ev.clientY });
  if (touches.size !== 2) return;
  if (drag) { maskCtx.putImageData(drag.base, 0, 0); drag = null; }
  pinch = { spread: spread() };
  ev.preventDefault();
  ev.stopImmediatePropagation();
}, true);
stage.addEventListener("pointermove", (ev) => {
  if (!touches.has(ev.pointerId)) return;
  touches.set(ev.pointerId, { x: ev.clientX, y: ev.clientY });
  if (!pinch || touches.size !== 2) return;
  const now = spread();
  zoomBy(now / pinch.spread, middle());
  pinch.spread = now;
  ev.stopImmediatePropagation();
}, true);
for (const type of ["pointerup", "pointercancel"]) {
  stage.addEventListener(type, (ev) => {
    touches.delete(ev.pointerId);
    if (touches.size < 2) pinch = null;
  }, true);
}
function capture(el, ev) {
  try { el.setPointerCapture(ev.pointerId); } catch (_) { /* a pointer that is already gone */ }
}
// In result mode a drag on the photo moves the compare divider.
const frame = $("frame");
function compareAt(ev) {
  const r = frame.getBoundingClientRect();
  const percent = Math.max(0, Math.min(100, ((ev.clientX - r.left) / r.width) * 100));
  $("compare").value = String(Math.round(percent));
  setCompare(percent);
}
frame.addEventListener("pointerdown", (ev) => {
  if (!state.result || pan || ev.button !== 0) return;
  comparing = true;
  capture(frame, ev);
  compareAt(ev);
});
frame.addEventListener("pointermove", (ev) => { if (comparing) compareAt(ev); });
for (const type of ["pointerup", "pointercancel"]) frame.addEventListener(type, () => { comparing = false; });

maskCv.addEventListener("pointerleave", () => { $("cursor").hidden = true; });
maskCv.addEventListener("pointerdown", (ev) => {
  if (!state.photo || state.busy || ev.button !== 0 || pan || state.result) return;
  if (picking) { addPoint(ev); return; }
  capture(maskCv, ev);
  const p = canvasPoint(ev);
  const kind = SHAPE_TOOLS.includes(state.tool) ? state.tool : "stroke";
  const op = { kind, erase: state.tool === "eraser", width: state.size, points: [p] };
  drag = { op, base: maskCtx.getImageData(0, 0, maskCv.width, maskCv.height) };
  if (kind === "stroke") {  // a single click leaves a dab
    maskCtx.save(); penFor(maskCtx, op, false); dab(maskCtx, p, op.width); maskCtx.restore();
  }
});
maskCv.addEventListener("pointermove", (ev) => {
  moveCursor(ev);
  if (!drag) return;
  const p = canvasPoint(ev), op = drag.op;
  if (op.kind === "stroke") {
    maskCtx.save(); penFor(maskCtx, op, false); line(maskCtx, op.points[op.points.length - 1], p); maskCtx.restore();
    op.points.push(p);
  } else {
    if (op.kind === "rect") op.points = [op.points[0], p];
    else op.points.push(p);
    maskCtx.putImageData(drag.base, 0, 0);
    drawOp(maskCtx, op);
  }
});
for (const type of ["pointerup", "pointercancel"]) {
  maskCv.addEventListener(type, () => {
    if (!drag) return;
    const { op } = drag;
    drag = null;
    if (op.kind === "rect" && op.points.length < 2) { renderAll(); return; }
    pushOp(op);
    setStatus("Painted");
  });
}

// ---------- work on the server: one job in flight, tied to its photo ----------
class Stale extends Error {}
function cancelJob() {
  // Stop what is in flight: the page drops its answer, the server stops the work.
  const job = state.job;
  if (!job) return;
  state.job = null;
  job.abort.abort();
  // Before the 202 is read the id is unknown: the key the request carried cancels it
  // (and, when the request has not arrived yet, the server refuses it when it does).
  const where = job.id ? `/api/v1/jobs/${job.id}` : `/api/v1/jobs?key=${job.key}`;
  fetch(where, { method: "DELETE" }).catch(() => {});
  setBusy(false);
}
function showProgress(job, what) {
  const bar = $("progress");
  bar.hidden = job.progress === null || job.progress === undefined;
  if (!bar.hidden) bar.value = job.progress;
  const part = job.total ? ` ${job.done} of ${job.total}` : "";
  setStatus(`${what}… ${job.state}${part} · ${job.elapsed_s.toFixed(1)} s`);
}
function jobKey() {
  // 24 random hex digits (getRandomValues works on plain-http LAN pages too)
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
async function runJob(endpoint, form, what) {
  // POST the task as a job, poll it, read its result; null when it no longer matters
  // (another photo was opened, or it was cancelled).
  const abort = new AbortController(), gen = state.gen;
  const job = { abort, id: null, gen, key: jobKey() };
  state.job = job;
  setBusy(true, `${what}…`);
  try {
    const res = await fetch(endpoint, { method: "POST", body: form, signal: abort.signal,
      headers: { Prefer: "respond-async", Accept: "image/png, image/jpeg", "Job-Key": job.key } });
    if (!res.ok) throw await apiError(res);
    if (res.status !== 202) {  // the preference may be ignored (RFC 7240): the answer itself
      const blob = await res.blob();
      if (state.job !== job || gen !== state.gen) throw new Stale();
      return blob;
    }
    let status = await res.json();
    job.id = status.id;
    if (state.job !== job) throw new Stale();
    while (!FINAL.includes(status.state)) {
      showProgress(status, what);
      const poll = await fetch(`/api/v1/jobs/${job.id}?wait=${POLL_WAIT_S}`, { signal: abort.signal });
      if (!poll.ok) throw await apiError(poll);
      status = await poll.json();
      if (state.job !== job) throw new Stale();
    }
    const out = await fetch(`/api/v1/jobs/${job.id}/result`, { signal: abort.signal });
    if (!out.ok) throw await apiError(out);
    const blob = await out.blob();
    if (state.job !== job || gen !== state.gen) throw new Stale();
    return blob;
  } catch (err) {
    if (err instanceof Stale || err.name === "AbortError") return null;
    throw err;
  } finally {
    if (state.job === job) { state.job = null; setBusy(false); }
  }
}
function baseForm(verb, format) {
  const form = new FormData();
  form.append("image", state.photo, "image");
  form.append("method", panels[verb].method.value);
  appendOptions(verb, form);
  form.append("format", format);
  if (format === "jpeg") form.append("quality", $("quality").value || $("quality").defaultValue);
  return form;
}
const outputFormat = () => (state.info ? state.info.output : "png");
const extension = (blob) => (blob.type === "image/jpeg" ? "jpg" : "png");
async function runEdit(verb, { detectOnly = false } = {}) {
  if (!state.photo || state.busy) return;
  const t = state.methods[verb];
  const empty = maskIsEmpty();
  if (empty && !t.detects) { showError(`Paint over what to ${verb} first (the mask is empty).`); return; }
  showError(""); showNotice("");
  const started = performance.now(), gen = state.gen;
  const what = detectOnly ? `Finding ${t.detects}` : `${title(verb)} with ${panels[verb].method.value}`;
  setBusy(true, `${what}…`);
  try {
    const form = baseForm(verb, detectOnly ? "png" : outputFormat());
    if (!detectOnly && !empty) form.append("mask", await fullMaskBlob(), "mask.png");
    if (detectOnly) form.append("mask_only", "true");
    for (const input of document.querySelectorAll(`#${CSS.escape(verb)}-fields input`)) {
      form.append(input.dataset.field, input.value === "" ? input.defaultValue : input.value);
    }
    if (gen !== state.gen) return;
    const blob = await runJob(t.endpoint, form, what);
    if (!blob) return;
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    if (detectOnly) {
      await addServerMask(blob, t.detects, seconds);
    } else {
      await showResult(blob, `${state.name}_retouched.${extension(blob)}`);
      setStatus(`${PAST[verb] || `${title(verb)} done`} in ${seconds} s`);
    }
  } catch (err) {
    showError(`${title(verb)} failed: ${err.message}`);
  } finally {
    if (!state.job) setBusy(false);
  }
}
async function runMake(verb, { svg = false } = {}) {
  // Make the drawing and show it; with svg, download its strokes as vector paths.
  if (!state.photo || state.busy) return;
  showError(""); showNotice("");
  const started = performance.now();
  try {
    const form = baseForm(verb, svg ? "svg" : "png");
    const clear = $(`${verb}-transparent`);
    if (clear && clear.checked && !svg) form.append("transparent", "true");
    const blob = await runJob(state.methods[verb].endpoint, form, `${title(verb)} with ${panels[verb].method.value}`);
    if (!blob) return;
    if (svg) {
      const url = URL.createObjectURL(blob);
      download(url, `${state.name}_${verb}.svg`);
      setTimeout(() => URL.revokeObjectURL(url), 10000);
      setStatus(`${title(verb)} SVG made in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      return;
    }
    await showResult(blob, `${state.name}_${verb}.${extension(blob)}`);
    setStatus(`${title(verb)} made in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } catch (err) {
    showError(`${title(verb)} failed: ${err.message}`);
  }
}
// ---------- live preview of a transform: a small copy redrawn as the options change ----------
const PREVIEW_SIDE = 512;  // longest side of the copy the preview is made from, in pixels
const preview = { verb: null, timer: 0, abort: null, image: null, shown: false };
function resetPreview() {
  // A new photo: forget its copy and ask again for the card whose preview is on.
  const verb = preview.verb;
  clearTimeout(preview.timer);
  if (preview.abort) preview.abort.abort();
  Object.assign(preview, { abort: null, image: null, shown: false });
  if (verb && $(`${verb}-live`) && $(`${verb}-live`).checked) schedulePreview(verb, 0);
}
function stopPreview(verb) {
  if (preview.verb !== verb) return;
  clearTimeout(preview.timer);
  if (preview.abort) preview.abort.abort();
  const shown = preview.shown;
  Object.assign(preview, { verb: null, abort: null, shown: false });
  if (shown) { clearResult(); setStatus("Preview off"); }
}
function schedulePreview(verb, delay = DEBOUNCE_MS) {
  // Only one card previews at a time: turning one on turns the other off.
  if (preview.verb && preview.verb !== verb) {
    const other = $(`${preview.verb}-live`);
    if (other) other.checked = false;
    stopPreview(preview.verb);
  }
  preview.verb = verb;
  clearTimeout(preview.timer);
  if (!state.photo) return;
  setStatus(`Updating the ${title(verb).toLowerCase()} preview…`);
  preview.timer = setTimeout(() => requestPreview(verb), delay);
}
async function previewImage() {
  // The photo scaled to PREVIEW_SIDE on its longest side (never enlarged), as a PNG.
  if (preview.image) return preview.image;
  const { w, h } = state.natural;
  const k = Math.min(1, PREVIEW_SIDE / Math.max(w, h));
  const cv = element("canvas", { width: Math.max(1, Math.round(w * k)), height: Math.max(1, Math.round(h * k)) });
  cv.getContext("2d").drawImage(state.img, 0, 0, cv.width, cv.height);
  preview.image = { blob: await toBlob(cv), w: cv.width, h: cv.height };
  return preview.image;
}
async function requestPreview(verb) {
  if (preview.verb !== verb || !state.photo) return;
  if (state.busy) { schedulePreview(verb); return; }  // a full-size job first; try again after
  if (preview.abort) preview.abort.abort();
  const abort = new AbortController(), gen = state.gen;
  preview.abort = abort;
  const started = performance.now();
  try {
    const small = await previewImage();
    const form = new FormData();
    form.append("image", small.blob, "image.png");
    form.append("method", panels[verb].method.value);
    appendOptions(verb, form);
    form.append("format", "png");
    const clear = $(`${verb}-transparent`);
    if (clear && clear.checked) form.append("transparent", "true");
    const img = await loadImage(await postForm(state.methods[verb].endpoint, form, abort.signal));
    if (preview.abort !== abort || gen !== state.gen || preview.verb !== verb || state.busy) return;
    showPreview(img);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    setStatus(`${title(verb)} preview at ${small.w} × ${small.h} px in ${seconds} s: Make for the full size`);
  } catch (err) {
    if (err.name === "AbortError" || preview.abort !== abort) return;
    showError(`${title(verb)} preview failed: ${err.message}`);
  } finally {
    if (preview.abort === abort) preview.abort = null;
  }
}
function showPreview(img) {
  // Shown where a result goes, but it is not one: nothing to download or apply.
  clearResult();
  resultCv.getContext("2d").drawImage(img, 0, 0, resultCv.width, resultCv.height);
  resultCv.hidden = false;
  maskCv.hidden = true;
  $("cursor").hidden = true;
  $("divider").hidden = false;
  setCompare(Number($("compare").value));
  tuneCv.hidden = true;
  preview.shown = true;
  document.body.dataset.result = "preview";
}
async function segment(verb) {
  if (!state.photo || state.busy) return;
  showError(""); showNotice("");
  const what = [verb, ...panels[verb].promoted.map((s) => s.value)].join(" ");
  try {
    const blob = await runJob(state.methods[verb].endpoint, baseForm(verb, "png"), `Finding ${what}`);
    if (blob) await addServerMask(blob, what);
  } catch (err) {
    showError(`Mask of ${what} failed: ${err.message}`);
  }
}
async function addServerMask(blob, what) {
  // A 0/255 mask at the photo's size: added to the mask unless nothing was found.
  const img = await loadImage(blob);
  const bits = maskBits(img);
  if (!bits.some((b) => b)) {
    showNotice(`No ${what} found in this photo; the mask is unchanged.`);
    setStatus(`No ${what} found`);
    return;
  }
  if (state.result) clearResult();
  addBits(bits, img);
  setStatus(`Mask of ${what} added; edit it with the brush and eraser`);
}
function maskBits(img) {
  // A 0/255 mask image, scaled to the display copy: Uint8Array, 1 where it is >= 128.
  const w = maskCv.width, h = maskCv.height;
  const tmp = element("canvas", { width: w, height: h });
  const tctx = tmp.getContext("2d");
  tctx.drawImage(img, 0, 0, w, h);
  const src = tctx.getImageData(0, 0, w, h).data;
  const bits = new Uint8Array(w * h);
  for (let p = 0; p < bits.length; p++) bits[p] = src[p * 4] >= 128 ? 1 : 0;
  return bits;
}
function bitsCanvas(bits, colour) {
  const cv = element("canvas", { width: maskCv.width, height: maskCv.height });
  const ctx = cv.getContext("2d"), img = ctx.createImageData(cv.width, cv.height);
  for (let p = 0; p < bits.length; p++) if (bits[p]) img.data.set(colour, p * 4);
  ctx.putImageData(img, 0, 0);
  return cv;
}
function addBits(bits, full) {
  // ``full``: the mask at the photo's size (a segmenter's answer); else the bits are it.
  const op = { kind: "bits", tint: bitsCanvas(bits, [255, 40, 80, 255]), full: full || bitsCanvas(bits, [255, 255, 255, 255]) };
  pushOp(op);
  drawOp(maskCtx, op);
}

// ---------- results, compare, history, downloads ----------
async function showResult(blob, name) {
  const img = await loadImage(blob);
  clearResult();
  resultCv.getContext("2d").drawImage(img, 0, 0, resultCv.width, resultCv.height);
  state.resultImg = img;
  state.result = blob;
  state.resultName = name;
  state.resultUrl = URL.createObjectURL(blob);
  resultCv.hidden = false;
  maskCv.hidden = true;
  $("cursor").hidden = true;
  $("divider").hidden = false;
  setCompare(Number($("compare").value));
  tuneCv.hidden = true;
  document.body.dataset.result = "ready";  // for tests and styling
  refreshButtons();
}
function setCompare(percent) {
  // Left of the divider: the photo before; right of it: the result.
  resultCv.style.clipPath = `inset(0 0 0 ${percent}%)`;
  $("divider").style.left = `${percent}%`;
  state.compare = percent;
  scheduleDetail();
}
async function applyAgain() {
  // The result becomes the photo; the photo before (and its mask) can be had back.
  if (!state.result || state.busy) return;
  const blob = state.result, img = await loadImage(blob);
  const output = blob.type === "image/jpeg" ? "jpeg" : "png";
  const info = { ...state.info, format: output.toUpperCase(), output, width: img.naturalWidth, height: img.naturalHeight };
  state.history.push({ photo: state.photo, info: state.info, name: state.name, ops: state.ops });
  showPhoto({ photo: blob, info, name: state.name }, img);
  setStatus("The result is now the photo: paint what else to erase");
}
async function historyBack() {
  const entry = state.history.pop();
  if (!entry || state.busy) return;
  showPhoto(entry, await loadImage(entry.photo), entry.ops);
  renderAll();
  setStatus("Back to the photo before Apply again, with its mask");
}
function download(href, name) {
  const a = element("a", { href, download: name });
  document.body.append(a); a.click(); a.remove();
}
function binarised(cv) {
  // The mask as the server reads it (a pixel is set where it is >= 128), 0/255 only.
  const ctx = cv.getContext("2d"), img = ctx.getImageData(0, 0, cv.width, cv.height), d = img.data;
  for (let i = 0; i < d.length; i += 4) d[i] = d[i + 1] = d[i + 2] = d[i] >= 128 ? 255 : 0;
  ctx.putImageData(img, 0, 0);
  return cv;
}
async function downloadMask() {
  const url = URL.createObjectURL(await toBlob(binarised(fullMaskCanvas())));
  download(url, `${state.name}_mask.png`);
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// ---------- colour-rule tuner: the server computes the rule, the page shows it ----------
// The rules are the segment tasks' methods that load no weights and whose options are
// all bounded numbers (skin's HSV and YCrCb boxes today): a slider per option, with the
// method's own range and default. Each change asks the server for the mask.
const DEBOUNCE_MS = 250;
const tuner = { rules: [], timer: 0, abort: null, bits: null, image: null };

async function postForm(path, form, signal) {
  const res = await fetch(path, { method: "POST", body: form, headers: { Accept: "image/png" }, signal });
  if (!res.ok) throw await apiError(res);
  return res.blob();
}
function isRule(m) {
  const options = Object.values(m.options || {});
  return !(m.weights || []).length && options.length > 0 && options.every((s) =>
    (s.type === "integer" || s.type === "number") && Number.isFinite(s.minimum) && Number.isFinite(s.maximum));
}
function buildTuner(tasks) {
  tuner.rules = [];
  for (const [verb, t] of Object.entries(tasks)) {
    if (t.kind !== "segment") continue;
    for (const m of t.methods) if (isRule(m)) tuner.rules.push({ verb, task: t, method: m });
  }
  $("tuner").hidden = !tuner.rules.length;
  const several = new Set(tuner.rules.map((r) => r.verb)).size > 1;
  $("tune-method").replaceChildren(...tuner.rules.map((r, i) =>
    new Option(several ? `${r.verb}: ${r.method.name}` : r.method.name, String(i))));
  buildSliders();
}
function currentRule() { return tuner.rules[Number($("tune-method").value)]; }
function buildSliders() {
  const rule = currentRule();
  if (!rule) return;
  $("tune-summary").textContent = rule.method.summary;
  $("tune-sliders").replaceChildren(...Object.entries(rule.method.options).map(([name, schema]) => {
    const input = numberInput(`tune-${name}`, schema, "range");
    input.className = "tune";
    input.dataset.option = name;
    input.dataset.type = schema.type;
    const out = element("output", { className: "tune-value", textContent: input.value });
    input.addEventListener("input", () => { out.textContent = input.value; scheduleTune(); });
    return element("label", { title: `${name}: ${schema.minimum} to ${schema.maximum}, default ${schema.default}` },
      [label(name), input, out]);
  }));
}
function tunerOptions() {
  // {option: value} of the sliders, as the method takes them (whole numbers stay whole).
  const options = {};
  for (const el of document.querySelectorAll("#tune-sliders .tune")) {
    options[el.dataset.option] = el.dataset.type === "integer" ? parseInt(el.value, 10) : Number(el.value);
  }
  return options;
}
function setTuneState(name, text) {
  $("tuner").dataset.state = name;
  $("tune-busy").hidden = name !== "updating";
  $("tune-out").textContent = text;
  refreshButtons();
}
function tunerActive() { return $("tuner").open && !!state.photo && !!currentRule(); }
function showTuner() {
  tuneCv.hidden = !(tunerActive() && !state.result && tuner.bits);
}
function resetTuner() {
  // A new photo: forget the preview, cancel what is in flight, ask again if open.
  clearTimeout(tuner.timer);
  if (tuner.abort) tuner.abort.abort();
  tuner.abort = null; tuner.bits = null; tuner.image = null;
  tuneCv.getContext("2d").clearRect(0, 0, tuneCv.width, tuneCv.height);
  setTuneState("idle", "");
  scheduleTune(0);
}
function scheduleTune(delay = DEBOUNCE_MS) {
  clearTimeout(tuner.timer);
  if (!tunerActive()) {
    if (tuner.abort) tuner.abort.abort();
    if (!tuner.bits) setTuneState("idle", "");
    showTuner();
    return;
  }
  tuner.bits = null;  // the preview no longer matches the sliders
  setTuneState("updating", "updating…");
  tuner.timer = setTimeout(requestTune, delay);
}
async function tunerImage() {
  // What the rule runs on: the photo itself when it is shown 1:1, else the display copy
  // (so the preview is the rule at the size of the mask it fills).
  const { w, h } = state.natural;
  if (w === photoCv.width && h === photoCv.height) return state.photo;
  tuner.image = tuner.image || (await toBlob(photoCv));
  return tuner.image;
}
async function requestTune() {
  if (tuner.abort) tuner.abort.abort();
  const abort = new AbortController();
  tuner.abort = abort;
  const rule = currentRule();
  try {
    const form = new FormData();
    form.append("image", await tunerImage(), "image");
    form.append("method", rule.method.name);
    for (const el of (panels[rule.verb] || { promoted: [] }).promoted) form.append(el.dataset.option, String(optionValue(el)));
    form.append("options", JSON.stringify(tunerOptions()));
    form.append("format", "png");
    const img = await loadImage(await postForm(rule.task.endpoint, form, abort.signal));
    if (tuner.abort !== abort) return;  // a newer request has started
    tuner.bits = maskBits(img);
    drawTune();
  } catch (err) {
    if (err.name === "AbortError" || tuner.abort !== abort) return;
    setTuneState("error", `Preview failed: ${err.message}`);
    showError(`Tuner preview failed: ${err.message}`);
    showTuner();  // no stale tint under an error
    $("tune-out").scrollIntoView({ block: "nearest" });
  } finally {
    if (tuner.abort === abort) tuner.abort = null;
  }
}
function drawTune() {
  const bits = tuner.bits, ctx = tuneCv.getContext("2d");
  const img = ctx.createImageData(tuneCv.width, tuneCv.height);
  let n = 0;
  for (let p = 0; p < bits.length; p++) {
    if (!bits[p]) continue;
    n++;
    img.data.set([40, 230, 120, 255], p * 4);
  }
  ctx.putImageData(img, 0, 0);
  showError("");
  setTuneState("ready", `${((100 * n) / bits.length).toFixed(1)}% of the photo`);
  showTuner();
}
function useTunerMask() {
  if (!state.photo || !tuner.bits) return;
  if (state.result) clearResult();
  addBits(tuner.bits, null);
  setStatus("Tuner mask added; edit it with the brush and eraser");
}

// ---------- keys: one table drives the shortcuts and the help dialog ----------
const KEYS = [
  { keys: ["b"], shown: "B", what: "Brush", run: () => setTool("brush") },
  { keys: ["e"], shown: "E", what: "Eraser", run: () => setTool("eraser") },
  { keys: ["r"], shown: "R", what: "Rectangle", run: () => setTool("rect") },
  { keys: ["l"], shown: "L", what: "Lasso (draw an outline, it is filled)", run: () => setTool("lasso") },
  { keys: ["["], shown: "[ ]", what: "Smaller / larger brush", run: () => setSize(state.size - Math.max(2, state.size * 0.15)) },
  { keys: ["]"], shown: null, run: () => setSize(state.size + Math.max(2, state.size * 0.15)) },
  { keys: ["+", "="], shown: "+ −  or the wheel", what: "Zoom in / out", run: () => zoomBy(1.25) },
  { keys: ["-"], shown: null, run: () => zoomBy(0.8) },
  { keys: ["0"], shown: "0", what: "Fit the photo to the window", run: () => setZoom(0) },
  { keys: [], shown: "Ctrl+Z / Ctrl+Shift+Z", what: "Undo / redo a mask edit" },
  { keys: [], shown: "\\ (hold)", what: "See the photo before the result" },
  { keys: [], shown: "Space + drag", what: "Pan a zoomed photo" },
  { keys: ["Escape"], shown: "Esc", what: "Cancel the work in flight", run: () => { if (state.job) { cancelJob(); setStatus("Cancelled"); } } },
  { keys: [], shown: "Ctrl+V", what: "Paste a photo" },
  { keys: ["?"], shown: "?", what: "This help", run: () => $("help").showModal() },
];
$("help-keys").replaceChildren(...KEYS.filter((k) => k.shown).map((k) =>
  element("tr", {}, [element("td", {}, [element("kbd", { textContent: k.shown })]), element("td", { textContent: k.what })])));

// ---------- wiring ----------
$("file").addEventListener("change", (ev) => { const f = ev.target.files[0]; if (f) openFile(f); ev.target.value = ""; });
stage.addEventListener("dragover", (ev) => { ev.preventDefault(); stage.classList.add("dragover"); });
stage.addEventListener("dragleave", () => stage.classList.remove("dragover"));
stage.addEventListener("drop", (ev) => {
  ev.preventDefault(); stage.classList.remove("dragover");
  const f = ev.dataTransfer.files[0];
  if (f) openFile(f);
});
document.addEventListener("paste", (ev) => {
  const f = [...(ev.clipboardData ? ev.clipboardData.files : [])].find((x) => x.type.startsWith("image/"));
  if (!f) return;
  ev.preventDefault();
  openFile(f, f.name && f.name !== "image.png" ? f.name : "pasted.png");
});
for (const b of document.querySelectorAll(".tool")) b.addEventListener("click", () => setTool(b.dataset.tool));
$("size").addEventListener("input", (ev) => setSize(Number(ev.target.value)));
$("undo").addEventListener("click", undo);
$("redo").addEventListener("click", redo);
$("clear").addEventListener("click", clearMask);
$("apply").addEventListener("click", applyAgain);
$("history-back").addEventListener("click", historyBack);
$("back").addEventListener("click", () => { clearResult(); setStatus("Back to the mask"); refreshButtons(); });
$("cancel").addEventListener("click", () => { cancelJob(); setStatus("Cancelled"); });
$("tuner").addEventListener("toggle", () => (tuner.bits ? showTuner() : scheduleTune(0)));
$("tune-method").addEventListener("change", () => { buildSliders(); scheduleTune(0); });
$("tune-use").addEventListener("click", useTunerMask);
$("compare").addEventListener("input", (ev) => setCompare(Number(ev.target.value)));
$("dl-result").addEventListener("click", () => state.resultUrl && download(state.resultUrl, state.resultName));
$("dl-mask").addEventListener("click", downloadMask);
$("zoom-in").addEventListener("click", () => zoomBy(1.25));
$("zoom-out").addEventListener("click", () => zoomBy(0.8));
$("zoom-fit").addEventListener("click", () => setZoom(0));
$("help-open").addEventListener("click", () => $("help").showModal());
window.addEventListener("resize", () => setZoom(state.zoom));
stage.addEventListener("scroll", scheduleDetail, { passive: true });

document.addEventListener("keydown", (ev) => {
  if (ev.target.matches("input[type=number], input[type=text], select") || $("help").open) return;
  if (ev.key === " ") { spaceHeld = true; ev.preventDefault(); return; }
  const ctrl = ev.ctrlKey || ev.metaKey;
  if (ctrl && ev.key.toLowerCase() === "z") { ev.preventDefault(); (ev.shiftKey ? redo : undo)(); return; }
  if (ctrl && ev.key.toLowerCase() === "y") { ev.preventDefault(); redo(); return; }
  if (ctrl) return;
  if (ev.key === "\\" && state.result) { resultCv.hidden = true; scheduleDetail(); return; }  // hold to compare
  const entry = KEYS.find((k) => k.keys.includes(ev.key));
  if (entry && entry.run) { ev.preventDefault(); entry.run(); }
});
document.addEventListener("keyup", (ev) => {
  if (ev.key === " ") spaceHeld = false;
  if (ev.key === "\\" && state.result) { resultCv.hidden = false; scheduleDetail(); }
});

setSize(state.size);
updateInfo();
refreshButtons();
loadMethods();
