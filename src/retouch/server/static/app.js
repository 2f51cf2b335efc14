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
  $("tune-use").disabled = !hasPhoto || !idle;
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

// ---------- methods (from the registries, via the API) ----------
function fillSelect(select, names, chosen) {
  select.replaceChildren(...names.map((n) => new Option(n, n, false, n === chosen)));
}
async function loadMethods() {
  try {
    const res = await fetch("/api/v1/methods");
    if (!res.ok) throw new Error(`GET /api/v1/methods: HTTP ${res.status}`);
    const tasks = (await res.json()).tasks;
    for (const task of ["erase", "person", "skin", "face"]) {
      const t = tasks[task];
      if (!t) { $(`${task}-method`).disabled = true; continue; }
      fillSelect($(`${task}-method`), t.methods.map((m) => m.name), t.default);
      $(`${task}-method`).title = t.methods.map((m) => `${m.name}: ${m.summary}`).join("\n");
    }
    if (tasks.face) fillSelect($("face-part"), tasks.face.choices.part, tasks.face.choices.part[0]);
    state.methods = tasks;
  } catch (err) {
    showError(`Could not read the methods from the server: ${err.message}`);
  }
  refreshButtons();
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
  updateTuner();
}
function clearResult() {
  state.result = null;
  if (state.resultUrl) URL.revokeObjectURL(state.resultUrl);
  state.resultUrl = null;
  delete document.body.dataset.result;
  resultCv.hidden = true;
  $("divider").hidden = true;
  maskCv.hidden = false;
  updateTuner();
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
async function postForm(path, form) {
  const res = await fetch(path, { method: "POST", body: form, headers: { Accept: "image/png" } });
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
    form.append("dilate", $("dilate").value || "0");
    form.append("format", "png");
    const blob = await postForm("/api/v1/erase", form);
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
async function segment(task) {
  if (!state.photo || state.busy) return;
  showError("");
  const form = new FormData();
  form.append("image", state.photo, "image");
  form.append("method", $(`${task}-method`).value);
  if (task === "face") form.append("part", $("face-part").value);
  form.append("format", "png");
  const what = task === "face" ? `face ${$("face-part").value}` : task;
  setBusy(true, `Finding ${what}…`);
  try {
    const img = await loadImage(await postForm(`/api/v1/${task}`, form));
    addMask(img);
    if (state.result) clearResult();
    setStatus(`Mask of ${what} added; edit it with the brush and eraser`);
  } catch (err) {
    showError(`Mask of ${what} failed: ${err.message}`);
  } finally {
    setBusy(false);
  }
}
function addMask(img) {
  // Union of the current mask and a 0/255 mask image, drawn in the mask colour.
  snapshot();
  const w = maskCv.width, h = maskCv.height;
  const tmp = document.createElement("canvas");
  tmp.width = w; tmp.height = h;
  const tctx = tmp.getContext("2d");
  tctx.drawImage(img, 0, 0, w, h);
  const src = tctx.getImageData(0, 0, w, h).data;
  const dst = maskCtx.getImageData(0, 0, w, h);
  const d = dst.data;
  for (let i = 0; i < d.length; i += 4) {
    if (src[i] >= 128) { d[i] = 255; d[i + 1] = 40; d[i + 2] = 80; d[i + 3] = 255; }
  }
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

// ---------- skin tuner: YCrCb and HSV ranges, computed here on the display copy ----------
function tunerRanges() {
  const r = {};
  for (const el of document.querySelectorAll(".tune")) r[el.dataset.key] = Number(el.value);
  return r;
}
function tunerMask() {
  // Uint8Array (display size), 1 where every range holds.
  const w = photoCv.width, h = photoCv.height, r = tunerRanges();
  const d = photoCv.getContext("2d").getImageData(0, 0, w, h).data;
  const out = new Uint8Array(w * h);
  for (let p = 0, i = 0; p < out.length; p++, i += 4) {
    const R = d[i], G = d[i + 1], B = d[i + 2];
    const Y = 0.299 * R + 0.587 * G + 0.114 * B;
    const cr = (R - Y) * 0.713 + 128, cb = (B - Y) * 0.564 + 128;
    if (cr < r.crMin || cr > r.crMax || cb < r.cbMin || cb > r.cbMax) continue;
    const max = Math.max(R, G, B), min = Math.min(R, G, B), c = max - min;
    const sat = max ? (100 * c) / max : 0, val = (100 * max) / 255;
    if (sat < r.sMin || sat > r.sMax || val < r.vMin || val > r.vMax) continue;
    let hue = 0;
    if (c) hue = max === R ? 60 * (((G - B) / c + 6) % 6) : max === G ? 60 * ((B - R) / c + 2) : 60 * ((R - G) / c + 4);
    // A hue range with min > max wraps through red (e.g. 340..30 degrees).
    const inHue = r.hMin <= r.hMax ? hue >= r.hMin && hue <= r.hMax : hue >= r.hMin || hue <= r.hMax;
    if (inHue) out[p] = 1;
  }
  return out;
}
function updateTuner() {
  const show = $("tuner").open && !!state.photo && !state.result;
  tuneCv.hidden = !show;
  if (!show) return;
  const m = tunerMask(), ctx = tuneCv.getContext("2d");
  const img = ctx.createImageData(tuneCv.width, tuneCv.height);
  let n = 0;
  for (let p = 0; p < m.length; p++) {
    if (!m[p]) continue;
    n++;
    img.data.set([40, 230, 120, 255], p * 4);
  }
  ctx.putImageData(img, 0, 0);
  $("tune-out").textContent = `${((100 * n) / m.length).toFixed(1)}% of the photo`;
}
function useTunerMask() {
  if (!state.photo) return;
  if (state.result) clearResult();
  const m = tunerMask();
  snapshot();
  const dst = maskCtx.getImageData(0, 0, maskCv.width, maskCv.height);
  for (let p = 0; p < m.length; p++) if (m[p]) dst.data.set([255, 40, 80, 255], p * 4);
  maskCtx.putImageData(dst, 0, 0);
  setStatus("Skin tuner mask added; edit it with the brush and eraser");
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
for (const b of document.querySelectorAll(".seg")) b.addEventListener("click", () => segment(b.dataset.task));
$("size").addEventListener("input", (ev) => setSize(Number(ev.target.value)));
$("undo").addEventListener("click", undo);
$("redo").addEventListener("click", redo);
$("clear").addEventListener("click", clearMask);
$("erase").addEventListener("click", erase);
$("apply").addEventListener("click", applyAgain);
$("back").addEventListener("click", () => { clearResult(); setStatus("Back to the mask"); refreshButtons(); });
$("tuner").addEventListener("toggle", updateTuner);
for (const el of document.querySelectorAll(".tune")) {
  const out = document.createElement("output");
  out.className = "tune-value";
  out.textContent = el.value;
  el.after(out);
  el.addEventListener("input", () => { out.textContent = el.value; updateTuner(); });
}
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
