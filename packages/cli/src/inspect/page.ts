import { findHighlights } from "./highlight.js";
import type { InspectModel } from "./model.js";

// The inspector page: one HTML document with its CSS and script inline, no framework, no CDN, so
// the served page and the `--out` file are the same and work offline. Everything from the service
// is put into the page as text (textContent, SVG attributes, table cells built one by one), never
// as HTML; a Content-Security-Policy allows nothing but the page's own inline code, its images and,
// when served, requests to the local server.

/**
 * The page for `model` (already redacted). `served`: the images come from the local server
 * (`preview/<page index>`); else every page carries its image as a data: URI.
 */
export function inspectorHtml(model: InspectModel, { served }: { served: boolean }): string {
  const csp = [
    "default-src 'none'",
    "img-src data: blob:",
    "style-src 'unsafe-inline'",
    "script-src 'unsafe-inline'",
    `connect-src ${served ? "'self'" : "'none'"}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
  const title = model.documents.map((document) => document.source).join(", ");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>sotaocr inspect: ${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
  <strong>sotaocr inspect</strong>
  <span id="source"></span>
  <nav>
    <button id="prev" title="previous page (←)">◀</button>
    <select id="page-select" aria-label="page"></select>
    <button id="next" title="next page (→)">▶</button>
    <span id="page-label"></span>
  </nav>
</header>
<main>
  <section id="viewer">
    <div id="stage"><img id="page-image" alt=""><svg id="overlay" xmlns="http://www.w3.org/2000/svg"></svg></div>
    <p id="image-status"></p>
  </section>
  <aside>
    <section>
      <h2>Selected element</h2>
      <div id="selected-meta" class="muted">Hover or click a box, or an element in the list.</div>
      <div id="selected-text"></div>
    </section>
    <section>
      <h2>Elements <span id="element-count" class="muted"></span></h2>
      <ol id="element-list"></ol>
    </section>
    <details>
      <summary>Page markdown</summary>
      <pre id="markdown"></pre>
    </details>
    <section>
      <h2>Highlight a Document</h2>
      <textarea id="paste" rows="4" placeholder="Paste a LangChain or LlamaIndex Document, its metadata, or a list of them (JSON)"></textarea>
      <button id="paste-go">Highlight</button>
      <p id="paste-status" class="muted"></p>
      <ol id="highlight-list"></ol>
    </section>
  </aside>
</main>
<script id="model" type="application/json">${jsonForScript(model)}</script>
<script>
"use strict";
const findHighlights = ${findHighlights.toString()};
const SERVED = ${served};
${SCRIPT}
</script>
</body>
</html>
`;
}

/** JSON that cannot end its <script> element or open a comment inside it. */
function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026");
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, sans-serif; color: #1d1d1f; background: #f4f4f6; }
header { display: flex; gap: 1em; align-items: center; padding: .5em 1em; background: #fff; border-bottom: 1px solid #ddd; position: sticky; top: 0; z-index: 2; }
header nav { margin-left: auto; display: flex; gap: .4em; align-items: center; }
#source { color: #555; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
main { display: flex; gap: 1em; padding: 1em; align-items: flex-start; }
#viewer { flex: 3; min-width: 0; }
#stage { position: relative; background: #fff; box-shadow: 0 1px 4px #0003; line-height: 0; }
#page-image { width: 100%; display: block; min-height: 200px; }
#overlay { position: absolute; inset: 0; width: 100%; height: 100%; }
aside { flex: 2; min-width: 280px; max-height: calc(100vh - 5em); overflow: auto; position: sticky; top: 4em; }
aside section, aside details { background: #fff; padding: .6em .8em; margin-bottom: .8em; border-radius: 4px; box-shadow: 0 1px 3px #0002; }
h2 { font-size: 1em; margin: 0 0 .4em; }
.muted { color: #777; }
#selected-text { white-space: pre-wrap; margin-top: .4em; }
#element-list, #highlight-list { margin: 0; padding-left: 2.2em; }
#element-list li { cursor: pointer; padding: .15em .3em; border-left: 4px solid var(--c, #999); margin-bottom: 2px; }
#element-list li:hover, #element-list li.selected { background: #eef3ff; }
#element-list li.highlighted { outline: 2px solid #f5a400; }
#element-list .cat { font-size: .8em; color: #666; margin-right: .4em; }
#highlight-list li { cursor: pointer; color: #0645ad; }
pre { white-space: pre-wrap; font-size: 12px; max-height: 40vh; overflow: auto; }
table { border-collapse: collapse; margin-top: .4em; font-size: 12px; }
td { border: 1px solid #ccc; padding: 2px 6px; vertical-align: top; }
textarea { width: 100%; font: 12px monospace; }
.box rect { fill: var(--c); fill-opacity: .08; stroke: var(--c); stroke-width: 2; vector-effect: non-scaling-stroke; cursor: pointer; }
.box:hover rect, .box.selected rect { fill-opacity: .28; stroke-width: 3; }
.box.highlighted rect { stroke: #f5a400; stroke-width: 4; fill: #f5a400; fill-opacity: .25; }
.box text { fill: #fff; font-family: system-ui, sans-serif; font-weight: bold; pointer-events: none; }
.box rect.tag, .box:hover rect.tag, .box.selected rect.tag { fill: var(--c); stroke: none; fill-opacity: .95; }
.box.highlighted rect.tag { fill: #f5a400; stroke: none; fill-opacity: 1; }
.extra { fill: #f5a400; fill-opacity: .2; stroke: #f5a400; stroke-width: 3; stroke-dasharray: 6 4; vector-effect: non-scaling-stroke; }
#image-status { color: #a00; }
`;

// The page's behaviour. Plain browser JavaScript (ES2020), kept as a string: no build step.
const SCRIPT = `
const model = JSON.parse(document.getElementById("model").textContent);
const COLORS = { title: "#c0392b", heading: "#e67e22", text: "#2e86de", list_item: "#16a085", table: "#8e44ad",
  table_caption: "#9b59b6", image: "#27ae60", figure_caption: "#2ecc71", chart: "#1abc9c", formula: "#d35400",
  code: "#34495e", header: "#7f8c8d", footer: "#7f8c8d", page_number: "#95a5a6", footnote: "#b33771",
  aside: "#6c5ce7", reference: "#596275", uncategorized: "#636e72" };
const colorOf = (category) => COLORS[category] || "#636e72";
const $ = (id) => document.getElementById(id);
const SVG = "http://www.w3.org/2000/svg";
const images = new Map(); // page index → object URL or data: URI, fetched once
let current = -1;
let selected;
let highlight; // { page, orders, boxes }

function el(tag, props, text) {
  const node = document.createElement(tag);
  if (props) for (const [key, value] of Object.entries(props)) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}
function svg(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  return node;
}
const pageName = (page) => {
  const doc = model.documents[page.document];
  return (model.documents.length > 1 ? doc.source + ", " : "") + "page " + page.pageNumber;
};

function init() {
  const select = $("page-select");
  model.pages.forEach((page, index) => select.append(el("option", { value: String(index) }, pageName(page))));
  select.addEventListener("change", () => show(Number(select.value)));
  $("prev").addEventListener("click", () => show(current - 1));
  $("next").addEventListener("click", () => show(current + 1));
  document.addEventListener("keydown", (event) => {
    if (event.target instanceof HTMLTextAreaElement || event.target instanceof HTMLSelectElement) return;
    if (event.key === "ArrowLeft") show(current - 1);
    if (event.key === "ArrowRight") show(current + 1);
  });
  $("source").textContent = model.documents.map((doc) => doc.source + " (" + doc.jobId + ")").join(", ");
  $("paste-go").addEventListener("click", pasted);
  listHighlights(model.highlights, model.highlightProblems);
  if (model.pages.length === 0) {
    $("page-label").textContent = "no pages";
    return;
  }
  if (model.highlights.length > 0) applyHighlight(model.highlights[0]);
  else show(0);
}

function show(index) {
  if (index < 0 || index >= model.pages.length || index === current) return;
  current = index;
  selected = undefined;
  const page = model.pages[index];
  $("page-select").value = String(index);
  $("page-label").textContent = (index + 1) + " / " + model.pages.length;
  $("prev").disabled = index === 0;
  $("next").disabled = index === model.pages.length - 1;
  $("markdown").textContent = page.markdown;
  $("element-count").textContent = "(" + page.elements.length + ")";
  drawBoxes(page);
  listElements(page);
  select(undefined);
  loadImage(index);
}

function setViewBox(width, height) {
  $("overlay").setAttribute("viewBox", "0 0 " + width + " " + height);
  $("overlay").setAttribute("preserveAspectRatio", "none");
}

async function loadImage(index) {
  const page = model.pages[index];
  const img = $("page-image");
  const status = $("image-status");
  status.textContent = "";
  img.removeAttribute("src");
  if (page.width && page.height) {
    setViewBox(page.width, page.height);
    img.style.aspectRatio = page.width + " / " + page.height;
  }
  let url = page.image || images.get(index);
  if (!url) {
    if (!SERVED || page.previewNumber === undefined) {
      status.textContent = "No page image for this page.";
      return;
    }
    status.textContent = "Loading the page image…";
    try {
      const response = await fetch("preview/" + index);
      if (!response.ok) {
        const body = await response.json().catch(() => ({}));
        throw new Error(body.error || "the local server answered " + response.status);
      }
      url = URL.createObjectURL(await response.blob());
      images.set(index, url);
    } catch (error) {
      if (current === index) status.textContent = "Could not load the page image: " + error.message;
      return;
    }
  }
  if (current !== index) return;
  status.textContent = "";
  img.onload = () => {
    if (!(page.width && page.height)) setViewBox(img.naturalWidth, img.naturalHeight);
  };
  img.src = url;
}

function drawBoxes(page) {
  const overlay = $("overlay");
  overlay.replaceChildren();
  if (!(page.width && page.height)) setViewBox(1000, 1000);
  // Order tags sized to the page, so they read the same at any image size (the SVG scales with the image).
  const tag = Math.max(page.width || 1000, page.height || 1000) / 50;
  for (const element of page.elements) {
    if (!element.bbox) continue;
    const [x0, y0, x1, y1] = element.bbox;
    const group = svg("g", { class: "box", "data-order": element.order, style: "--c: " + colorOf(element.category) });
    group.append(svg("rect", { x: x0, y: y0, width: Math.max(1, x1 - x0), height: Math.max(1, y1 - y0) }));
    const label = String(element.order);
    const top = Math.max(0, y0 - tag);
    group.append(svg("rect", { class: "tag", x: x0, y: top, width: tag * (0.5 + 0.6 * label.length), height: tag }));
    const number = svg("text", { x: x0 + tag * 0.25, y: top + tag * 0.8, "font-size": tag * 0.8 });
    number.textContent = label;
    group.append(number);
    const title = svg("title", {});
    title.textContent = element.order + " " + element.category + (element.label ? " (" + element.label + ")" : "");
    group.append(title);
    group.addEventListener("mouseenter", () => select(element.order, true));
    group.addEventListener("mouseleave", () => select(selected, true));
    group.addEventListener("click", () => select(element.order));
    overlay.append(group);
  }
  if (highlight && highlight.page === current) {
    for (const [x0, y0, x1, y1] of highlight.boxes)
      overlay.append(svg("rect", { class: "extra", x: x0, y: y0, width: x1 - x0, height: y1 - y0 }));
  }
  markHighlighted();
}

function listElements(page) {
  const list = $("element-list");
  list.replaceChildren();
  for (const element of page.elements) {
    const item = el("li", { value: String(element.order), "data-order": String(element.order), style: "--c: " + colorOf(element.category) });
    item.append(el("span", { class: "cat" }, element.category), document.createTextNode(preview(element.text)));
    item.addEventListener("mouseenter", () => select(element.order, true));
    item.addEventListener("mouseleave", () => select(selected, true));
    item.addEventListener("click", () => select(element.order));
    list.append(item);
  }
}

const preview = (text) => (text.length > 140 ? text.slice(0, 140) + "…" : text);

/** Selects an element (from a box or the list): its text or table in the panel, its box and entry marked. A hover does not replace a click's choice once the pointer leaves. */
function select(order, hover) {
  if (!hover) selected = order;
  const page = model.pages[current];
  const element = page && page.elements.find((candidate) => candidate.order === order);
  for (const node of document.querySelectorAll("[data-order]")) node.classList.toggle("selected", Number(node.dataset.order) === order);
  const meta = $("selected-meta");
  const body = $("selected-text");
  body.replaceChildren();
  if (!element) {
    meta.textContent = "Hover or click a box, or an element in the list.";
    return;
  }
  meta.textContent = "#" + element.order + " · " + element.category + (element.label ? " (" + element.label + ")" : "") +
    (element.bbox ? " · box " + element.bbox.map((n) => Math.round(n)).join(", ") : " · no box");
  if (element.rows) body.append(tableOf(element.rows));
  else body.textContent = element.text;
  if (!hover) {
    const item = document.querySelector('#element-list li[data-order="' + order + '"]');
    if (item) item.scrollIntoView({ block: "nearest" });
  }
}

function tableOf(rows) {
  const table = el("table");
  for (const row of rows) {
    const tr = el("tr");
    for (const cell of row) tr.append(el("td", {}, cell));
    table.append(tr);
  }
  return table;
}

function markHighlighted() {
  const orders = highlight && highlight.page === current ? highlight.orders : [];
  for (const node of document.querySelectorAll("[data-order]")) node.classList.toggle("highlighted", orders.includes(Number(node.dataset.order)));
}

function applyHighlight(found) {
  highlight = found;
  if (found.page !== current) show(found.page);
  else drawBoxes(model.pages[current]);
  if (found.orders.length > 0) select(found.orders[0]);
}

function listHighlights(found, problems) {
  const list = $("highlight-list");
  list.replaceChildren();
  for (const item of found) {
    const entry = el("li", {}, item.label);
    entry.addEventListener("click", () => applyHighlight(item));
    list.append(entry);
  }
  $("paste-status").textContent = problems.join(" ");
}

function pasted() {
  const text = $("paste").value.trim();
  let input;
  try {
    input = JSON.parse(text);
  } catch (error) {
    $("paste-status").textContent = "Not JSON: " + error.message;
    return;
  }
  const pages = model.pages.map((page) => ({ source: model.documents[page.document].source, pageNumber: page.pageNumber, elements: page.elements }));
  const match = findHighlights(input, pages);
  listHighlights(match.highlights, match.problems);
  if (match.highlights.length > 0) applyHighlight(match.highlights[0]);
}

init();
`;
