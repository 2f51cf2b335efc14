// The API's docs, drawn from this server's /openapi.json (no CDN, no framework).
"use strict";

const node = (tag, props = {}, children = []) => {
  const el = Object.assign(document.createElement(tag), props);
  el.append(...children);
  return el;
};
const text = (tag, content, className = "") => node(tag, { textContent: content, className });

function resolve(schema, spec) {
  // Follow a "$ref" to its component schema.
  if (!schema || !schema.$ref) return schema || {};
  return schema.$ref.split("/").slice(1).reduce((o, k) => o[k], spec);
}
function typeOf(schema, spec) {
  schema = resolve(schema, spec);
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(" | ");
  if (schema.anyOf) return schema.anyOf.map((s) => typeOf(s, spec)).join(" or ");
  const range = [schema.minimum, schema.maximum].some((v) => v !== undefined)
    ? ` ${schema.minimum ?? "…"} to ${schema.maximum ?? "…"}` : "";
  const file = schema.format === "binary" || schema.contentMediaType;
  return `${file ? "file" : schema.type || "any"}${range}`;
}
function fieldRows(props, required, spec, where) {
  return Object.entries(props).map(([name, s]) => {
    const schema = resolve(s, spec);
    const def = schema.default !== undefined ? `default ${JSON.stringify(schema.default)}` : "";
    return node("tr", {}, [
      text("td", name + (required.includes(name) ? " *" : "")), text("td", where),
      text("td", typeOf(s, spec)), text("td", [schema.description || s.description || "", def].filter(Boolean).join(" · ")),
    ]);
  });
}
function parameters(op, spec) {
  const rows = (op.parameters || []).map((p) => node("tr", {}, [
    text("td", p.name + (p.required ? " *" : "")), text("td", p.in),
    text("td", typeOf(p.schema, spec)), text("td", p.description || (p.schema || {}).description || ""),
  ]));
  const body = op.requestBody && Object.entries(op.requestBody.content || {})[0];
  if (body) {
    const schema = resolve(body[1].schema, spec);
    rows.push(...fieldRows(schema.properties || {}, schema.required || [], spec, body[0]));
  }
  if (!rows.length) return [];
  return [node("table", {}, [node("tr", {}, ["name", "in", "type", "about"].map((h) => text("th", h))), ...rows])];
}
function responses(op, spec) {
  const rows = Object.entries(op.responses || {}).map(([code, r]) => node("tr", {}, [
    text("td", code), text("td", Object.keys(r.content || {}).join(", ")), text("td", r.description || ""),
  ]));
  return [node("table", {}, [node("tr", {}, ["status", "content", "about"].map((h) => text("th", h))), ...rows])];
}
function operation(path, verb, op, spec) {
  return node("details", { className: "op", id: op.operationId || `${verb}-${path}` }, [
    node("summary", {}, [text("span", verb, `verb ${verb}`), text("span", path, "path"), " ",
      text("span", op.summary || "", "dim")]),
    ...(op.description ? [text("pre", op.description)] : []),
    ...parameters(op, spec), ...responses(op, spec),
  ]);
}
async function main() {
  const main = document.getElementById("docs");
  try {
    const res = await fetch("/openapi.json");
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const spec = await res.json();
    document.getElementById("title").textContent = `${spec.info.title} ${spec.info.version} API`;
    const parts = [text("pre", spec.info.description || "")];
    for (const [path, ops] of Object.entries(spec.paths)) {
      for (const [verb, op] of Object.entries(ops)) parts.push(operation(path, verb, op, spec));
    }
    main.replaceChildren(...parts);
    document.body.dataset.ready = "true";
  } catch (err) {
    main.replaceChildren(text("P", `Could not read /openapi.json: ${err.message}`));
  }
}
main();
