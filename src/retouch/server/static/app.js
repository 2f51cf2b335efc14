// retouch web page: paint a mask over a display copy of the photo, send the
// full-resolution photo and the mask (scaled up to it) to the HTTP API.
"use strict";

const MAX_DISPLAY = 1024;  // longest side of the display copy, in pixels
const UNDO_LIMIT = 40;
const $ = (id) => document.getElementById(id);

const state = {
  photo: null,       // Blob sent to the server (full resolution)
  natural: null,     // {w, h} of the photo
  result: null,      // Blob of the last result
  resultUrl: null,
  tool: "brush",
  size: 30,
  undo: [],
  redo: [],
  busy: false,
  zoom: 0,           // 0: fit the window, else displayed pixels per display-copy pixel
  methods: null,
};

const photoCv = $("photo"), maskCv = $("mask"), resultCv = $("result"), tuneCv = $("tune");
const maskCtx = maskCv.getContext("2d");
const MASK_COLOUR = "rgb(255, 40, 80)";

// ---------- status ----------
function setStatus(text) { $("status").textContent = text; }
function setBusy(on, text) {
  state.busy = on;
  $("busy").hidden = !on;
  if (text) setStatus(text);
  refreshButtons();
}
function showError(text) {
  const box = $("error");
  box.textContent = text || "";
  box.hidden = !text;
  if (text) setStatus("Error");
}
function refreshButtons() {
  const hasPhoto = !!state.photo, idle = !state.busy;
  $("undo").disabled = !state.undo.length || !idle;
  $("redo").disabled = !state.redo.length || !idle;
  $("clear").disabled = !hasPhoto || !idle;
  $("erase").disabled = !hasPhoto || !idle || !state.methods;
  for (const b of document.querySelectorAll(".seg")) b.disabled = !hasPhoto || !idle || !state.methods;
  const hasResult = !!state.result;
  $("apply").disabled = !hasResult || !idle;
  $("back").disabled = !hasResult || !idle;
  $("tune-use").disabled = !hasPhoto || !idle || !tuner.bits;
  $("dl-result").disabled = !hasResult;
  $("compare").disabled = !hasResult;
  $("dl-mask").disabled = !hasPhoto;
  for (const id of ["zoom-in", "zoom-out", "zoom-fit"]) $(id).disabled = !hasPhoto;
}
function updateInfo() {
  const n = state.natural;
  const photo = n ? `${n.w} × ${n.h}  ·  view ${maskCv.width} × ${maskCv.height}  ·  ` : "";
  $("info").textContent = `${photo}${state.tool}  ·  size ${state.size}`;
}

// ---------- menus: built from the task records (GET /api/v1/methods) ----------
// Nothing here names a task's method, option or limit: a task the server adds
// appears with its menus, ranges and defaults without an edit to the page.
const FIELD_LABELS = { dilate: "Grow mask (px)" };  // wording only; ranges come from the server
const title = (name) => name.charAt(0).toUpperCase() + name.slice(1).replace(/[_-]/g, " ");
const label = (name) => FIELD_LABELS[name] || title(name);

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
function choiceSelect(id, name, schema) {
  const select = element("select", { id, title: label(name) });
  select.setAttribute("aria-label", label(name));
  fillSelect(select, schema.enum.map(String), String(schema.default ?? schema.enum[0]));
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
function buildErase(t) {
  // The erase panel: its method menu and one number input per field (dilate, seed).
  methodSelect($("erase-method"), t);
  $("erase-fields").replaceChildren(...Object.entries(t.fields || {}).map(([name, schema]) => {
    const input = numberInput(`erase-${name}`, schema, "number");
    input.dataset.field = name;
    input.title = `${schema.minimum} to ${schema.maximum}`;
    return element("label", {}, [label(name), " ", input]);
  }));
}
const promotedSelects = {};  // verb -> its promoted option selects
function buildSegmenters(tasks) {
  // One row per task whose kind is "segment": its button, method menu, promoted options.
  const rows = Object.entries(tasks).filter(([, t]) => t.kind === "segment").map(([verb, t]) => {
    const button = element("button", { id: `seg-${verb}`, className: "seg", textContent: title(verb),
      title: t.summary || verb, disabled: true });
    button.dataset.task = verb;
    button.addEventListener("click", () => segment(verb));
    const method = methodSelect(element("select", { id: `${verb}-method` }), t);
    method.setAttribute("aria-label", `${title(verb)} method`);
    const promoted = Object.entries(t.promoted || {}).map(([name, schema]) => {
      const select = choiceSelect(`${verb}-${name}`, name, schema);
      select.dataset.option = name;
      return select;
    });
    promotedSelects[verb] = promoted;
    return element("div", { className: "row seg-row" }, [button, method, ...promoted]);
  });
  $("segmenters").replaceChildren(...rows);
}
async function loadMethods() {
  try {
    const res = await fetch("/api/v1/methods");
    if (!res.ok) throw new Error(`GET /api/v1/methods: HTTP ${res.status}`);
    const tasks = (await res.json()).tasks;
    if (tasks.erase) buildErase(tasks.erase);
    else $("erase-method").disabled = true;
    buildSegmenters(tasks);
    buildTuner(tasks);
    state.methods = tasks;
  } catch (err) {
    showError(`Could not read the methods from the server: ${err.message}`);
  }
  refreshButtons();
}
function promotedFields(verb, form) {
  // The values of a task's promoted options (face's part), as the form fields of that name.
  for (const select of promotedSelects[verb] || []) form.append(select.dataset.option, select.value);
}

// ---------- opening a photo ----------
function loadImage(blob) {
  return new Promise((resolve, reject) => {
    const url = URL.createObjectURL(blob);
    const img = new Image();
    img.onload = () => { URL.revokeObjectURL(url); resolve(img); };
    img.onerror = () => { URL.revokeObjectURL(url); reject(new Error("the browser cannot read this file as an image")); };
    img.src = url;
  });
}
async function openPhoto(blob) {
  // A new photo (or the result, applied again) starts with an empty mask and history.
  showError("");
  let img;
  try { img = await loadImage(blob); } catch (err) { showError(err.message); return; }
  const w = img.naturalWidth, h = img.naturalHeight;
  const scale = Math.min(1, MAX_DISPLAY / Math.max(w, h));
  const dw = Math.round(w * scale), dh = Math.round(h * scale);
  for (const cv of [photoCv, maskCv, resultCv, tuneCv]) { cv.width = dw; cv.height = dh; }
  photoCv.getContext("2d").drawImage(img, 0, 0, dw, dh);
  state.photo = blob;
  state.natural = { w, h };
  state.undo = [];
  state.redo = [];
  clearResult();
  $("drop-hint").hidden = true;
  $("frame").hidden = false;
  setZoom(0);
  $("stage").classList.remove("empty");
  setStatus(`Opened ${blob.name || "image"} (${w} × ${h})`);
  updateInfo();
  refreshButtons();
  resetTuner();
}
function clearResult() {
  state.result = null;
  if (state.resultUrl) URL.revokeObjectURL(state.resultUrl);
  state.resultUrl = null;
  delete document.body.dataset.result;
  resultCv.hidden = true;
  $("divider").hidden = true;
  maskCv.hidden = false;
  showTuner();
}

// ---------- mask editing ----------
function snapshot() {
  state.undo.push(maskCtx.getImageData(0, 0, maskCv.width, maskCv.height));
  if (state.undo.length > UNDO_LIMIT) state.undo.shift();
  state.redo = [];
  refreshButtons();
}
function undo() {
  if (!state.undo.length || state.busy) return;
  state.redo.push(maskCtx.getImageData(0, 0, maskCv.width, maskCv.height));
  maskCtx.putImageData(state.undo.pop(), 0, 0);
  setStatus("Undo"); refreshButtons();
}
function redo() {
  if (!state.redo.length || state.busy) return;
  state.undo.push(maskCtx.getImageData(0, 0, maskCv.width, maskCv.height));
  maskCtx.putImageData(state.redo.pop(), 0, 0);
  setStatus("Redo"); refreshButtons();
}
function clearMask() {
  snapshot();
  maskCtx.clearRect(0, 0, maskCv.width, maskCv.height);
  setStatus("Mask cleared");
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

// ---------- zoom and the brush outline ----------
function displayScale() {
  return maskCv.getBoundingClientRect().width / maskCv.width || 1;
}
function setZoom(zoom) {
  state.zoom = zoom;
  $("frame").classList.toggle("zoomed", zoom > 0);
  photoCv.style.width = zoom > 0 ? `${Math.round(photoCv.width * zoom)}px` : "";
  $("zoom-fit").textContent = `${Math.round(displayScale() * 100)}%`;
}
function zoomBy(factor) {
  if (!state.photo) return;
  const z = Math.min(8, Math.max(0.1, displayScale() * factor));
  setZoom(Math.abs(z - 1) < 0.05 ? 1 : z);
}
function moveCursor(ev) {
  const c = $("cursor");
  const show = !SHAPE_TOOLS.includes(state.tool) && !!state.photo;
  c.hidden = !show;
  if (!show) return;
  const r = maskCv.getBoundingClientRect(), d = state.size * displayScale();
  c.style.width = c.style.height = `${d}px`;
  c.style.left = `${ev.clientX - r.left}px`;
  c.style.top = `${ev.clientY - r.top}px`;
}
maskCv.addEventListener("pointerleave", () => { $("cursor").hidden = true; });

let drag = null;  // {x, y, base} while the pointer is down
function canvasPoint(ev) {
  const r = maskCv.getBoundingClientRect();
  return { x: (ev.clientX - r.left) * maskCv.width / r.width, y: (ev.clientY - r.top) * maskCv.height / r.height };
}
function strokeTo(a, b) {
  maskCtx.save();
  maskCtx.globalCompositeOperation = state.tool === "eraser" ? "destination-out" : "source-over";
  maskCtx.strokeStyle = maskCtx.fillStyle = MASK_COLOUR;
  maskCtx.lineWidth = state.size;
  maskCtx.lineCap = maskCtx.lineJoin = "round";
  maskCtx.beginPath();
  maskCtx.moveTo(a.x, a.y);
  maskCtx.lineTo(b.x, b.y);
  maskCtx.stroke();
  maskCtx.restore();
}
function drawRect(a, b) {
  maskCtx.putImageData(drag.base, 0, 0);
  maskCtx.fillStyle = MASK_COLOUR;
  maskCtx.fillRect(Math.min(a.x, b.x), Math.min(a.y, b.y), Math.abs(b.x - a.x), Math.abs(b.y - a.y));
}
function drawLasso(points) {  // the closed outline so far, filled, over the mask as it was
  maskCtx.putImageData(drag.base, 0, 0);
  maskCtx.fillStyle = MASK_COLOUR;
  maskCtx.beginPath();
  points.forEach((q, i) => (i ? maskCtx.lineTo(q.x, q.y) : maskCtx.moveTo(q.x, q.y)));
  maskCtx.closePath();
  maskCtx.fill();
}
const SHAPE_TOOLS = ["rect", "lasso"];  // tools that draw a filled shape, not a brush stroke
// Pan: hold Space and drag, or drag with the middle button; the stage scrolls.
let pan = null;  // {x, y, left, top} while panning
let spaceHeld = false;
const stage = $("stage");
stage.addEventListener("pointerdown", (ev) => {
  if (!state.photo || !(ev.button === 1 || (ev.button === 0 && spaceHeld))) return;
  ev.preventDefault();
  ev.stopImmediatePropagation();
  stage.setPointerCapture(ev.pointerId);
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
maskCv.addEventListener("pointerdown", (ev) => {
  if (!state.photo || state.busy || ev.button !== 0 || pan) return;
  maskCv.setPointerCapture(ev.pointerId);
  snapshot();
  const p = canvasPoint(ev);
  drag = { ...p, start: p, points: [p], base: state.undo[state.undo.length - 1] };
  if (!SHAPE_TOOLS.includes(state.tool)) strokeTo(p, p);
});
maskCv.addEventListener("pointermove", (ev) => {
  moveCursor(ev);
  if (!drag) return;
  const p = canvasPoint(ev);
  if (state.tool === "rect") drawRect(drag.start, p);
  else if (state.tool === "lasso") { drag.points.push(p); drawLasso(drag.points); }
  else strokeTo(drag, p);
  drag.x = p.x; drag.y = p.y;
});
for (const type of ["pointerup", "pointercancel"]) {
  maskCv.addEventListener(type, () => { if (drag) { drag = null; setStatus("Painted"); } });
}

// ---------- exporting the mask at full resolution ----------
function maskIsEmpty() {
  const d = maskCtx.getImageData(0, 0, maskCv.width, maskCv.height).data;
  for (let i = 3; i < d.length; i += 4) if (d[i] > 0) return false;
  return true;
}
function fullMaskCanvas() {
  const { w, h } = state.natural;
  const cv = document.createElement("canvas");
  cv.width = w; cv.height = h;
  const ctx = cv.getContext("2d");
  ctx.drawImage(maskCv, 0, 0, w, h);
  const img = ctx.getImageData(0, 0, w, h), d = img.data;
  for (let i = 0; i < d.length; i += 4) {
    const v = d[i + 3] >= 64 ? 255 : 0;  // painted (alpha) -> white, else black
    d[i] = d[i + 1] = d[i + 2] = v; d[i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  return cv;
}
const toBlob = (cv) => new Promise((resolve) => cv.toBlob(resolve, "image/png"));

// ---------- talking to the API ----------
async function postForm(path, form, signal) {
  const res = await fetch(path, { method: "POST", body: form, headers: { Accept: "image/png" }, signal });
  if (!res.ok) {
    let message = `HTTP ${res.status}`;
    try { message = (await res.json()).error || message; } catch (_) { /* not JSON */ }
    throw new Error(`${message} (HTTP ${res.status})`);
  }
  return res.blob();
}
async function erase() {
  if (!state.photo || state.busy) return;
  if (maskIsEmpty()) { showError("Paint over what to erase first (the mask is empty)."); return; }
  showError("");
  const started = performance.now();
  setBusy(true, `Erasing with ${$("erase-method").value}…`);
  try {
    const form = new FormData();
    form.append("image", state.photo, "image");
    form.append("mask", await toBlob(fullMaskCanvas()), "mask.png");
    form.append("method", $("erase-method").value);
    for (const input of document.querySelectorAll("#erase-fields input")) {
      form.append(input.dataset.field, input.value === "" ? input.defaultValue : input.value);
    }
    form.append("format", "png");
    const blob = await postForm(state.methods.erase.endpoint, form);
    await showResult(blob);
    setStatus(`Erased in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } catch (err) {
    showError(`Erase failed: ${err.message}`);
  } finally {
    setBusy(false);
  }
}
async function showResult(blob) {
  const img = await loadImage(blob);
  resultCv.getContext("2d").drawImage(img, 0, 0, resultCv.width, resultCv.height);
  clearResult();
  state.result = blob;
  state.resultUrl = URL.createObjectURL(blob);
  resultCv.hidden = false;
  maskCv.hidden = true;
  $("divider").hidden = false;
  setCompare(Number($("compare").value));
  tuneCv.hidden = true;
  document.body.dataset.result = "ready";  // for tests and styling
}
function setCompare(percent) {
  // Left of the divider: the photo before; right of it: the result.
  resultCv.style.clipPath = `inset(0 0 0 ${percent}%)`;
  $("divider").style.left = `${percent}%`;
}
async function applyAgain() {
  if (!state.result) return;
  const blob = state.result;
  await openPhoto(new File([blob], "result.png", { type: "image/png" }));
  setStatus("The result is now the photo: paint what else to erase");
}
async function segment(verb) {
  if (!state.photo || state.busy) return;
  showError("");
  const form = new FormData();
  form.append("image", state.photo, "image");
  form.append("method", $(`${verb}-method`).value);
  promotedFields(verb, form);
  form.append("format", "png");
  const what = [verb, ...(promotedSelects[verb] || []).map((s) => s.value)].join(" ");
  setBusy(true, `Finding ${what}…`);
  try {
    addMask(maskBits(await loadImage(await postForm(state.methods[verb].endpoint, form))));
    if (state.result) clearResult();
    setStatus(`Mask of ${what} added; edit it with the brush and eraser`);
  } catch (err) {
    showError(`Mask of ${what} failed: ${err.message}`);
  } finally {
    setBusy(false);
  }
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
function addMask(bits) {
  // Union of the current mask and ``bits`` (from maskBits), drawn in the mask colour.
  snapshot();
  const dst = maskCtx.getImageData(0, 0, maskCv.width, maskCv.height);
  for (let p = 0; p < bits.length; p++) if (bits[p]) dst.data.set([255, 40, 80, 255], p * 4);
  maskCtx.putImageData(dst, 0, 0);
}
function download(href, name) {
  const a = document.createElement("a");
  a.href = href; a.download = name;
  document.body.append(a); a.click(); a.remove();
}
async function downloadMask() {
  const url = URL.createObjectURL(await toBlob(fullMaskCanvas()));
  download(url, "mask.png");
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// ---------- colour-rule tuner: the server computes the rule, the page shows it ----------
// The rules are the segment tasks' methods that load no weights and whose options are
// all bounded numbers (skin's HSV and YCrCb boxes today): a slider per option, with the
// method's own range and default. Each change asks the server for the mask.
const DEBOUNCE_MS = 250;
const tuner = { rules: [], timer: 0, abort: null, bits: null, image: null };

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
    promotedFields(rule.verb, form);
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
  addMask(tuner.bits);
  setStatus("Tuner mask added; edit it with the brush and eraser");
}

// ---------- wiring ----------
$("file").addEventListener("change", (ev) => { const f = ev.target.files[0]; if (f) openPhoto(f); ev.target.value = ""; });
stage.addEventListener("dragover", (ev) => { ev.preventDefault(); stage.classList.add("dragover"); });
stage.addEventListener("dragleave", () => stage.classList.remove("dragover"));
stage.addEventListener("drop", (ev) => {
  ev.preventDefault(); stage.classList.remove("dragover");
  const f = ev.dataTransfer.files[0];
  if (f) openPhoto(f);
});
for (const b of document.querySelectorAll(".tool")) b.addEventListener("click", () => setTool(b.dataset.tool));
$("size").addEventListener("input", (ev) => setSize(Number(ev.target.value)));
$("undo").addEventListener("click", undo);
$("redo").addEventListener("click", redo);
$("clear").addEventListener("click", clearMask);
$("erase").addEventListener("click", erase);
$("apply").addEventListener("click", applyAgain);
$("back").addEventListener("click", () => { clearResult(); setStatus("Back to the mask"); refreshButtons(); });
$("tuner").addEventListener("toggle", () => (tuner.bits ? showTuner() : scheduleTune(0)));
$("tune-method").addEventListener("change", () => { buildSliders(); scheduleTune(0); });
$("tune-use").addEventListener("click", useTunerMask);
$("compare").addEventListener("input", (ev) => setCompare(Number(ev.target.value)));
$("dl-result").addEventListener("click", () => state.resultUrl && download(state.resultUrl, "result.png"));
$("dl-mask").addEventListener("click", downloadMask);
$("zoom-in").addEventListener("click", () => zoomBy(1.25));
$("zoom-out").addEventListener("click", () => zoomBy(0.8));
$("zoom-fit").addEventListener("click", () => setZoom(0));
window.addEventListener("resize", () => setZoom(state.zoom));

document.addEventListener("keydown", (ev) => {
  if (ev.target.matches("input[type=number], select")) return;
  if (ev.key === " ") { spaceHeld = true; ev.preventDefault(); return; }
  const ctrl = ev.ctrlKey || ev.metaKey;
  if (ctrl && ev.key.toLowerCase() === "z") { ev.preventDefault(); (ev.shiftKey ? redo : undo)(); }
  else if (ctrl && ev.key.toLowerCase() === "y") { ev.preventDefault(); redo(); }
  else if (ctrl) return;
  else if (ev.key === "[") setSize(state.size - Math.max(2, state.size * 0.15));
  else if (ev.key === "]") setSize(state.size + Math.max(2, state.size * 0.15));
  else if (ev.key === "+" || ev.key === "=") zoomBy(1.25);
  else if (ev.key === "-") zoomBy(0.8);
  else if (ev.key === "0") setZoom(0);
  else if (ev.key === "b") setTool("brush");
  else if (ev.key === "e") setTool("eraser");
  else if (ev.key === "r") setTool("rect");
  else if (ev.key === "l") setTool("lasso");
  else if (ev.key === "\\" && state.result) resultCv.hidden = true;  // hold to compare
});
document.addEventListener("keyup", (ev) => {
  if (ev.key === " ") spaceHeld = false;
  if (ev.key === "\\" && state.result) resultCv.hidden = false;
});

setSize(state.size);
updateInfo();
refreshButtons();
loadMethods();
