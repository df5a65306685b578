// The lineage explorer: a lazy, paged, time-travelling view of the catalog's lineage.
// Cytoscape.js draws it, dagre lays it out in layers (upstream left, downstream right).
// Every number on the page (neighbour counts, inherited classifications, serving of a
// moment) comes from the GraphQL API; see docs/explorer.md.
import cytoscape from "cytoscape";
import dagre from "cytoscape-dagre";
import "./explore.css";
import { KINDS, kindOf, swatch } from "./kinds.js";
import { DETAILS, EXPLORE, NEIGHBOURS, SEARCH } from "./queries.js";
import { forgetToken, readToken, saveToken } from "./token.js";

cytoscape.use(dagre);

const AUTH_ON = document.body.dataset.auth !== "off";
const HOUR = 3600 * 1000;
const SLIDER_SPAN_DAYS = 730;
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
};

// ---------------------------------------------------------------- state and URL
const params = new URLSearchParams(window.location.search);
const state = {
  id: params.get("id"),
  direction: ["UPSTREAM", "DOWNSTREAM", "BOTH"].includes(params.get("direction")) ? params.get("direction") : "BOTH",
  depth: Math.min(6, Math.max(1, parseInt(params.get("depth") || "1", 10) || 1)),
  asOf: params.get("asOf") || null,
  first: Math.min(1000, Math.max(1, parseInt(params.get("first") || "25", 10) || 25)),
  selected: null,
};

function writeUrl() {
  const p = new URLSearchParams();
  if (state.id) p.set("id", state.id);
  p.set("direction", state.direction);
  p.set("depth", String(state.depth));
  if (state.asOf) p.set("asOf", state.asOf);
  if (state.first !== 25) p.set("first", String(state.first));
  window.history.replaceState(null, "", `${window.location.pathname}?${p.toString()}`);
}

// ---------------------------------------------------------------- the page
const app = document.getElementById("app");
app.textContent = "";
const q = el("input", { id: "q", type: "search", autocomplete: "off", placeholder: "credit-risk, pred-00000042 or ModelVersion:credit-risk@2" });
const direction = el("select", { id: "direction" },
  el("option", { value: "BOTH", text: "Both" }),
  el("option", { value: "UPSTREAM", text: "Upstream" }),
  el("option", { value: "DOWNSTREAM", text: "Downstream" }));
const depth = el("select", { id: "depth" }, ...[1, 2, 3, 4, 5, 6].map((d) => el("option", { value: String(d), text: String(d) })));
const slider = el("input", { id: "asof-slider", type: "range", step: "1", "aria-label": "As of: move back in time" });
const dateField = el("input", { id: "asof-date", type: "datetime-local", step: "60", "aria-label": "As of, date and time in UTC" });
const nowButton = el("button", { id: "asof-now", type: "button", text: "Now" });
const asOfLabel = el("output", { id: "asof-label", for: "asof-slider asof-date" });
const graphiqlLink = el("a", { id: "graphiql-link", href: "/graphql", target: "_blank", rel: "opener", text: "Open in GraphiQL" });
const signOut = el("button", { id: "signout", type: "button", text: "Forget token", hidden: !AUTH_ON });

const header = el("header", { class: "bar" },
  el("h1", { text: "Lineage explorer" }),
  el("form", { id: "search-form", role: "search", onsubmit: onSearch },
    el("label", { for: "q", text: "Find" }), q, el("button", { type: "submit", text: "Go" })),
  el("label", { for: "direction", text: "Direction" }), direction,
  el("label", { for: "depth", text: "Depth" }), depth,
  el("fieldset", { class: "asof" }, el("legend", { text: "As of (UTC)" }), slider, dateField, nowButton, asOfLabel),
  graphiqlLink, signOut);

const message = el("div", { id: "message", role: "alert" });
const tokenInput = el("input", { id: "token", type: "password", autocomplete: "off", "aria-describedby": "auth-message" });
const authMessage = el("p", { id: "auth-message" });
const authBox = el("section", { id: "auth", hidden: true, "aria-labelledby": "auth-title" },
  el("h2", { id: "auth-title", text: "API token needed" }), authMessage,
  el("form", { id: "auth-form", onsubmit: onToken },
    el("label", { for: "token", text: "Token (kept in this tab only)" }), tokenInput,
    el("button", { type: "submit", text: "Use token" })));
const results = el("section", { id: "results", "aria-label": "Search results", hidden: true });
const graphBox = el("div", {
  id: "graph", tabindex: "0", role: "application",
  "aria-label": "Lineage graph",
  "aria-describedby": "graph-help",
});
const help = el("p", { id: "graph-help", class: "help",
  text: "Arrow keys move between nodes; Enter shows details; U and D expand upstream and downstream; M shows more. Every node is also in the list below the graph." });
const details = el("aside", { id: "details", "aria-label": "Details of the selected node", "aria-live": "polite" },
  el("p", { class: "hint", text: "Select a node to see its properties, owners, classifications and audit trail." }));
const legend = el("section", { id: "legend", "aria-label": "Legend" });
const nodeList = el("ul", { id: "nodelist-items" });
const nodeNav = el("nav", { id: "nodelist", "aria-label": "Nodes in the graph" }, el("h2", { text: "Nodes in the graph" }), nodeList);
const status = el("p", { id: "status", role: "status" });
const announcer = el("p", { id: "announce", class: "sr-only", "aria-live": "assertive" });

app.append(header, message, authBox,
  el("main", {}, results, el("div", { class: "graph-column" }, graphBox, help, status), details),
  legend, nodeNav, announcer);

function buildLegend() {
  const items = ["Dataset", "DatasetVersion", "Feature", "Run", "CodeCommit", "ModelVersion", "Deployment", "Prediction", "Evaluation"];
  legend.append(el("h2", { text: "Legend" }));
  const list = el("ul");
  for (const kind of items) list.append(el("li", {}, swatch(kind), el("span", { text: KINDS[kind].label })));
  list.append(el("li", {}, el("span", { class: "badge pii", text: "PII" }), el("span", { text: "classification set on the node or inherited from upstream" })));
  list.append(el("li", {}, el("span", { class: "badge stage", text: "production" }), el("span", { text: "model stage, serving role, owner" })));
  list.append(el("li", {}, el("span", { class: "more-swatch", text: "+12" }), el("span", { text: "neighbours not loaded yet: select to show more" })));
  list.append(el("li", {}, el("span", { text: "↑ upstream / ↓ downstream: neighbour counts, loaded or not" })));
  legend.append(list);
}
buildLegend();

// ---------------------------------------------------------------- GraphQL
class AuthProblem extends Error {}

// Answers arrive in any order: the page draws only the answer to the newest question of each
// kind. A view (open, as-of, direction, depth) supersedes the one before it and the expansions
// asked of it; a selection, the details asked before it; a search, the search before it.
function sequence() {
  let n = 0;
  return {
    next() { const mine = ++n; return () => mine === n; },
    now() { const at = n; return () => at === n; },
  };
}
const viewAsked = sequence();
const detailsAsked = sequence();
const searchAsked = sequence();

async function gql(query, variables) {
  const headers = { "Content-Type": "application/json", Accept: "application/json" };
  const token = readToken();
  if (AUTH_ON && !token) {
    showAuth("This catalog needs an API token. Paste yours (an administrator issues them; ./scripts/run prints one for the demo).");
    throw new AuthProblem("no token");
  }
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch("/graphql", { method: "POST", headers, body: JSON.stringify({ query, variables }) });
  } catch (e) {
    throw new Error(`The catalog did not answer (${e.message}).`);
  }
  let body;
  try {
    body = await response.json();
  } catch (e) {
    throw new Error(`The catalog answered ${response.status} without GraphQL.`);
  }
  const errors = body.errors || [];
  const code = errors[0] && errors[0].extensions && errors[0].extensions.code;
  if (code === "UNAUTHENTICATED") {
    showAuth(`The token was refused: ${errors[0].message}. It may be mistyped, revoked or expired, or its account disabled. Paste a valid token.`);
    throw new AuthProblem(errors[0].message);
  }
  if (code === "FORBIDDEN") {
    showAuth(`The token works but may not read the catalog: ${errors[0].message}. Ask an administrator for the reader role, or use another token.`);
    throw new AuthProblem(errors[0].message);
  }
  if (errors.length && !body.data) throw new Error(errors.map((e) => e.message).join("; "));
  return { data: body.data, errors, statements: body.extensions && body.extensions.neo4jStatements };
}

function showAuth(text) {
  authMessage.textContent = text;
  authBox.hidden = false;
  document.body.dataset.state = "auth";
  tokenInput.focus();
}

function onToken(event) {
  event.preventDefault();
  const token = tokenInput.value.trim();
  if (!token) return;
  saveToken(token);
  tokenInput.value = "";
  authBox.hidden = true;
  if (state.id) load();
  else document.body.dataset.state = "idle";
}

signOut.addEventListener("click", () => {
  forgetToken();
  showAuth("Token forgotten. Paste a token to go on.");
});

function showError(e) {
  if (e instanceof AuthProblem) return;
  message.textContent = e.message;
  document.body.dataset.state = "error";
}

// ---------------------------------------------------------------- as of
const now = Date.now();
const sliderMax = Math.floor(now / HOUR);
slider.min = String(sliderMax - SLIDER_SPAN_DAYS * 24);
slider.max = String(sliderMax);

function isoOf(ms) {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function showAsOf() {
  if (state.asOf) {
    const ms = Date.parse(state.asOf);
    slider.value = String(Math.max(Number(slider.min), Math.min(sliderMax, Math.floor(ms / HOUR))));
    dateField.value = new Date(ms).toISOString().slice(0, 16);
    asOfLabel.textContent = `as of ${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;
  } else {
    slider.value = String(sliderMax);
    dateField.value = "";
    asOfLabel.textContent = "now";
  }
  slider.setAttribute("aria-valuetext", asOfLabel.textContent);
}

let sliderTimer = null;
slider.addEventListener("input", () => {
  const hours = Number(slider.value);
  state.asOf = hours >= sliderMax ? null : isoOf(hours * HOUR);
  showAsOf();
  clearTimeout(sliderTimer);
  sliderTimer = setTimeout(reload, 250);
});
slider.addEventListener("change", () => {
  clearTimeout(sliderTimer);
  reload();
});
dateField.addEventListener("change", () => {
  state.asOf = dateField.value ? isoOf(Date.parse(`${dateField.value}:00Z`)) : null;
  showAsOf();
  reload();
});
nowButton.addEventListener("click", () => {
  state.asOf = null;
  showAsOf();
  reload();
});
direction.addEventListener("change", () => {
  state.direction = direction.value;
  reload();
});
depth.addEventListener("change", () => {
  state.depth = Number(depth.value);
  reload();
});

// ---------------------------------------------------------------- the graph
// Cytoscape adds a <style> element (position: relative) unless one with this id exists; the
// page's Content-Security-Policy forbids inline styles, and explore.css has the rule instead.
if (!document.getElementById("__________cytoscape_stylesheet")) {
  document.head.append(el("meta", { id: "__________cytoscape_stylesheet", name: "cytoscape-style", content: "explore.css" }));
}
const cy = cytoscape({
  container: graphBox,
  textureOnViewport: true,
  hideEdgesOnViewport: true,
  minZoom: 0.05,
  maxZoom: 3,
  style: [
    { selector: "node", style: {
      label: "data(label)", "text-wrap": "wrap", "text-max-width": "180px", "font-size": 11,
      "text-valign": "bottom", "text-margin-y": 4, "min-zoomed-font-size": 7,
      "background-color": "data(colour)", shape: "data(shape)", width: 34, height: 26,
      "border-width": 1, "border-color": "#111827", color: "#111827",
    } },
    { selector: "node[?pii]", style: { "border-width": 4, "border-color": "#dc2626" } },
    { selector: "node.start", style: { width: 46, height: 34 } },
    { selector: "node.more", style: {
      shape: "round-rectangle", "background-color": "#f3f4f6", "border-style": "dashed",
      "border-color": "#6b7280", width: 60, height: 22, "text-valign": "center", "text-margin-y": 0,
    } },
    { selector: "node:selected", style: { "overlay-color": "#2563eb", "overlay-opacity": 0.25, "overlay-padding": 6 } },
    { selector: "node.focused", style: { "outline-width": 4, "outline-color": "#1d4ed8", "outline-offset": 3 } },
    { selector: "edge", style: {
      width: 1.5, "curve-style": "bezier", "target-arrow-shape": "triangle", "line-color": "#9ca3af",
      "target-arrow-color": "#9ca3af", "arrow-scale": 0.8,
    } },
    { selector: "edge[label]", style: { label: "data(label)", "font-size": 9, "text-background-color": "#fff", "text-background-opacity": 0.8, "min-zoomed-font-size": 7 } },
    { selector: "edge.more", style: { "line-style": "dashed" } },
  ],
});

// Lineage flows from upstream to downstream: USED, EXECUTED, SERVED and MADE_BY point the
// other way in the graph (run -> input, deployment -> model version), so they are drawn reversed.
const REVERSED = new Set(["USED", "EXECUTED", "SERVED", "MADE_BY"]);
const nodes = new Map(); // id -> ExploreNode
const pages = new Map(); // `${id}|${direction}` -> NeighbourPage
let focusedId = null;

function shortLabel(n) {
  const node = n.node;
  switch (node.kind) {
    case "Run":
      return `${node.runKind || "run"} run${node.status && node.status !== "completed" ? ` (${node.status})` : ""}\n${(node.startedAt || "").slice(0, 10)}`;
    case "CodeCommit":
      return `${node.repo || ""}@${node.key.split("@").pop().slice(0, 8)}`;
    default:
      return node.key;
  }
}

function badges(n) {
  const node = n.node;
  const out = [...n.classifications];
  if (node.stage) out.push(node.stage);
  if (node.serving) for (const s of node.serving) out.push(`${s.role} ${s.modelVersion.key.split("@").pop() ? "v" + s.modelVersion.key.split("@").pop() : s.modelVersion.key}`);
  return out;
}

function ownersOf(n) {
  return (n.node.owners || []).map((o) => o.owner && o.owner.key).filter(Boolean);
}

function describe(n) {
  const parts = [`${kindOf(n.node.kind).label} ${n.node.key}`];
  if (n.classifications.length) parts.push(`classified ${n.classifications.join(", ")}`);
  if (n.node.stage) parts.push(`stage ${n.node.stage}`);
  if (n.node.serving && n.node.serving.length) parts.push(`serving ${n.node.serving.map((s) => `${s.modelVersion.key} as ${s.role}`).join(", ")}`);
  const owners = [...new Set(ownersOf(n))];
  if (owners.length) parts.push(`owners ${owners.join(", ")}`);
  parts.push(`${n.upstreamCount} upstream, ${n.downstreamCount} downstream`);
  return parts.join("; ");
}

function nodeData(n) {
  const k = kindOf(n.node.kind);
  const owners = [...new Set(ownersOf(n))];
  const lines = [shortLabel(n), `↑${n.upstreamCount} ↓${n.downstreamCount}`];
  const b = badges(n);
  if (b.length) lines.push(b.join(" · "));
  if (owners.length) lines.push(`owner: ${owners.slice(0, 2).join(", ")}${owners.length > 2 ? "…" : ""}`);
  return { id: n.id, label: lines.join("\n"), colour: k.colour, shape: k.shape, pii: n.classifications.includes("PII") };
}

function edgeData(e) {
  const [source, target] = REVERSED.has(e.type) ? [e.target, e.source] : [e.source, e.target];
  const data = { id: `${e.type}|${e.source}|${e.target}`, source, target, type: e.type };
  if (e.type === "SERVED" && e.role) data.label = `${e.role}${e.trafficShare != null ? ` ${Math.round(e.trafficShare * 100)}%` : ""}`;
  return data;
}

// Merge an ExploreGraph into the view; returns whether anything new arrived.
function merge(graph) {
  const added = [];
  for (const n of graph.nodes) {
    const known = nodes.has(n.id);
    nodes.set(n.id, known ? { ...n, hops: Math.min(n.hops, nodes.get(n.id).hops) } : n);
    const data = nodeData(nodes.get(n.id));
    const existing = cy.getElementById(n.id);
    if (existing.nonempty()) existing.data(data);
    else added.push({ group: "nodes", data });
  }
  cy.add(added);
  const edges = [];
  for (const e of graph.edges) {
    const data = edgeData(e);
    if (cy.getElementById(data.id).empty() && nodes.has(e.source) && nodes.has(e.target)) edges.push({ group: "edges", data });
  }
  cy.add(edges);
  for (const p of graph.pages) {
    const key = `${p.id}|${p.direction}`;
    const before = pages.get(key);
    pages.set(key, before ? { ...p, loaded: before.loaded + p.loaded } : p);
  }
  drawMore();
  return added.length + edges.length > 0;
}

// A "+N more" node per page that has more neighbours than loaded.
function drawMore() {
  cy.elements(".more").remove();
  const more = [];
  for (const [key, p] of pages) {
    if (!p.hasMore || !nodes.has(p.id)) continue;
    const id = `more|${key}`;
    const left = Math.max(0, p.total - p.loaded);
    more.push({ group: "nodes", classes: "more", data: { id, label: `+${left} more`, origin: p.id, direction: p.direction } });
    const [source, target] = p.direction === "UPSTREAM" ? [id, p.id] : [p.id, id];
    more.push({ group: "edges", classes: "more", data: { id: `e|${id}`, source, target } });
  }
  cy.add(more);
}

function layout() {
  return new Promise((resolve) => {
    // dagre's default ranker (network simplex) dominates on large views; longest-path ranks
    // a lineage DAG the same way when it is layered like ours, in a fraction of the time.
    const ranker = cy.nodes().length > 300 ? "longest-path" : "network-simplex";
    const run = cy.layout({ name: "dagre", rankDir: "LR", ranker, nodeSep: 30, rankSep: 120, edgeSep: 8, animate: false, fit: true, padding: 20 });
    run.one("layoutstop", resolve);
    run.run();
  });
}

function start() {
  return state.id ? cy.getElementById(state.id) : cy.collection();
}

// ---------------------------------------------------------------- node list (keyboard, screen readers)
function renderList() {
  nodeList.textContent = "";
  const sorted = [...nodes.values()].sort((a, b) => a.hops - b.hops || a.id.localeCompare(b.id));
  const frag = document.createDocumentFragment();
  for (const n of sorted) {
    const item = el("li", { "data-id": n.id });
    const button = el("button", { type: "button", class: "node-button", "data-id": n.id, "aria-label": describe(n),
      onclick: () => select(n.id), onfocus: () => focusNode(n.id, false) },
      swatch(n.node.kind), el("span", { class: "key", text: n.node.key }));
    for (const c of n.classifications) button.append(el("span", { class: `badge ${c === "PII" ? "pii" : "class"}`, text: c }));
    for (const b of badges(n).slice(n.classifications.length)) button.append(el("span", { class: "badge stage", text: b }));
    button.append(el("span", { class: "counts", text: `↑${n.upstreamCount} ↓${n.downstreamCount}` }));
    item.append(button);
    for (const dir of ["UPSTREAM", "DOWNSTREAM"]) {
      const count = dir === "UPSTREAM" ? n.upstreamCount : n.downstreamCount;
      const p = pages.get(`${n.id}|${dir}`);
      if (count > 0 && (!p || p.hasMore)) {
        item.append(el("button", { type: "button", class: "expand", "data-direction": dir,
          text: p ? `${dir === "UPSTREAM" ? "↑" : "↓"} show ${Math.min(state.first, count - p.loaded)} more of ${count - p.loaded}` : `${dir === "UPSTREAM" ? "↑" : "↓"} expand ${count}`,
          "aria-label": `${p ? "Show more" : "Expand"} ${dir.toLowerCase()} of ${n.node.key}`, onclick: () => expand(n.id, dir) }));
      }
    }
    frag.append(item);
  }
  nodeList.append(frag);
}

function focusNode(id, announce = true) {
  cy.nodes(".focused").removeClass("focused");
  const node = cy.getElementById(id);
  if (node.empty()) return;
  node.addClass("focused");
  focusedId = id;
  const n = nodes.get(id);
  if (announce) announcer.textContent = n ? describe(n) : node.data("label");
}

graphBox.addEventListener("focus", () => {
  if (!focusedId || cy.getElementById(focusedId).empty()) {
    const s = start();
    if (s.nonempty()) focusNode(s.id());
  }
});

graphBox.addEventListener("keydown", (event) => {
  if (!focusedId) return;
  const here = cy.getElementById(focusedId);
  if (here.empty()) return;
  const key = event.key;
  const vectors = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
  if (vectors[key]) {
    event.preventDefault();
    const [dx, dy] = vectors[key];
    const p = here.position();
    let best = null;
    let bestScore = Infinity;
    cy.nodes().forEach((other) => {
      if (other.id() === focusedId) return;
      const o = other.position();
      const along = (o.x - p.x) * dx + (o.y - p.y) * dy;
      if (along <= 0) return;
      const across = Math.abs((o.x - p.x) * dy) + Math.abs((o.y - p.y) * dx);
      const score = along + 2 * across;
      if (score < bestScore) {
        bestScore = score;
        best = other;
      }
    });
    if (best) {
      focusNode(best.id());
      if (!cy.extent() || !best.renderedBoundingBox()) return;
      cy.center(best);
    }
  } else if (key === "Enter" || key === " ") {
    event.preventDefault();
    activate(focusedId);
  } else if (key === "u" || key === "U") {
    expand(focusedId, "UPSTREAM");
  } else if (key === "d" || key === "D") {
    expand(focusedId, "DOWNSTREAM");
  } else if (key === "m" || key === "M") {
    const p = [...pages.values()].find((x) => x.id === focusedId && x.hasMore);
    if (p) expand(p.id, p.direction);
  }
});

function activate(id) {
  const node = cy.getElementById(id);
  if (node.hasClass("more")) expand(node.data("origin"), node.data("direction"));
  else select(id);
}

cy.on("tap", "node", (event) => activate(event.target.id()));
cy.on("dbltap", "node", (event) => {
  const id = event.target.id();
  if (!event.target.hasClass("more")) expand(id, "UPSTREAM").then(() => expand(id, "DOWNSTREAM"));
});

// ---------------------------------------------------------------- gestures
const timings = [];
window.explorerTimings = timings;

async function finish(gesture, startedAt, networkMs, statements) {
  const merged = performance.now();
  await layout();
  const laidOut = performance.now();
  renderList();
  const listed = performance.now();
  // Two frames: the canvas has drawn what the layout placed.
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  const total = performance.now() - startedAt;
  const entry = { gesture, nodes: cy.nodes().length, edges: cy.edges().length, networkMs: Math.round(networkMs),
    mergeMs: Math.round(merged - startedAt - networkMs), layoutMs: Math.round(laidOut - merged), listMs: Math.round(listed - laidOut),
    drawMs: Math.round(performance.now() - listed), totalMs: Math.round(total), statements };
  timings.push(entry);
  const truncated = [...pages.values()].some((p) => p.hasMore);
  status.textContent = `${nodes.size} nodes, ${cy.edges().not(".more").length} edges${state.asOf ? ` as of ${state.asOf}` : ""}${truncated ? " · some neighbours not loaded yet (+N more)" : ""} · ${entry.totalMs} ms`;
  document.body.dataset.state = "ready";
  document.body.dataset.gestures = String(timings.length);
}

async function load() {
  if (!state.id) return;
  const current = viewAsked.next();
  writeUrl();
  graphiqlLink.href = graphiqlHref(EXPLORE_LINK, { id: state.id, direction: state.direction, depth: state.depth, asOf: state.asOf });
  message.textContent = "";
  document.body.dataset.state = "loading";
  const startedAt = performance.now();
  try {
    const { data, statements } = await gql(EXPLORE, { id: state.id, direction: state.direction, depth: state.depth, first: state.first, asOf: state.asOf });
    if (!current()) return;
    const networkMs = performance.now() - startedAt;
    if (!data.explore) throw new Error(`Nothing in the catalog has the id ${state.id}.`);
    cy.elements().remove();
    nodes.clear();
    pages.clear();
    merge(data.explore);
    cy.getElementById(state.id).addClass("start");
    await finish("open", startedAt, networkMs, statements);
    focusNode(state.id, false);
    if (state.selected && nodes.has(state.selected)) select(state.selected);
    else select(state.id);
  } catch (e) {
    if (current()) showError(e);
  }
}

function reload() {
  writeUrl();
  if (state.id) load();
}

async function expand(id, dir) {
  const key = `${id}|${dir}`;
  const page = pages.get(key);
  if (page && !page.hasMore) {
    announcer.textContent = `All ${dir.toLowerCase()} neighbours of ${id} are shown.`;
    return;
  }
  document.body.dataset.state = "loading";
  const current = viewAsked.now();
  const startedAt = performance.now();
  try {
    const { data, statements } = await gql(NEIGHBOURS, { id, direction: dir, first: state.first, after: page ? page.endCursor : null, asOf: state.asOf });
    if (!current()) return;
    const networkMs = performance.now() - startedAt;
    if (!data.exploreNeighbours) throw new Error(`${id} is no longer in the catalog.`);
    // A page replaces what the view knew of this node's page: loaded adds up in merge.
    merge(data.exploreNeighbours);
    await finish(page ? "more" : "expand", startedAt, networkMs, statements);
    focusNode(id, false);
    announcer.textContent = `Loaded ${data.exploreNeighbours.nodes.length - 1} ${dir.toLowerCase()} neighbours of ${id}.`;
  } catch (e) {
    if (current()) showError(e);
  }
}

// ---------------------------------------------------------------- search
async function onSearch(event) {
  event.preventDefault();
  const text = q.value.trim();
  if (!text) return;
  const kind = text.split(":")[0];
  if (text.includes(":") && KINDS[kind]) return open(text);
  if (/^pred-\S+$/.test(text)) return open(`Prediction:${text}`);
  results.hidden = false;
  results.textContent = "Searching…";
  const current = searchAsked.next();
  try {
    const { data } = await gql(SEARCH, { text });
    if (!current()) return;
    results.textContent = "";
    results.append(el("h2", { text: `Found for “${text}”` }));
    if (!data.search.length) results.append(el("p", { text: "Nothing matches. Try a dataset, feature, model, job or person name, or a prediction id." }));
    const list = el("ul");
    for (const hit of data.search) {
      const n = hit.node;
      list.append(el("li", {}, el("button", { type: "button", class: "hit", "data-id": n.id, onclick: () => open(n.id) },
        swatch(n.kind), el("span", { text: `${n.key}${n.name && n.name !== n.key ? ` — ${n.name}` : ""}` }), el("span", { class: "kind", text: kindOf(n.kind).label }))));
    }
    results.append(list);
    const first = list.querySelector("button");
    if (first) first.focus();
  } catch (e) {
    if (!current()) return;
    results.textContent = "";
    results.hidden = true;
    showError(e);
  }
}

function open(id) {
  state.id = id;
  state.selected = null;
  results.hidden = true;
  load();
}

// ---------------------------------------------------------------- details
const EXPLORE_LINK = `query Explore($id: ID!, $direction: Direction!, $depth: Int!, $asOf: DateTime) {
  explore(id: $id, direction: $direction, depth: $depth, asOf: $asOf) {
    truncated
    nodes { id upstreamCount downstreamCount classifications node { kind key } }
    edges { type source target role }
  }
}`;

function graphiqlHref(query, variables) {
  const p = new URLSearchParams({ query, variables: JSON.stringify(variables, null, 2) });
  return `/graphql?${p.toString()}`;
}

// NodeKind values are the enum's names (MODEL_VERSION); the kinds table uses ModelVersion.
function kindFromEnum(name) {
  return name.toLowerCase().split("_").map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join("");
}

function row(name, value) {
  if (value === null || value === undefined || value === "") return null;
  const text = typeof value === "object" ? JSON.stringify(value) : String(value);
  return el("div", { class: "prop" }, el("dt", { text: name }), el("dd", { text: text }));
}

async function select(id) {
  state.selected = id;
  const current = detailsAsked.next();
  cy.nodes(":selected").unselect();
  cy.getElementById(id).select();
  details.textContent = "";
  details.append(el("p", { class: "hint", text: `Loading ${id}…` }));
  try {
    const { data } = await gql(DETAILS, { id, asOf: state.asOf });
    if (!current()) return;
    renderDetails(id, data);
  } catch (e) {
    if (!current()) return;
    details.textContent = "";
    if (!(e instanceof AuthProblem)) details.append(el("p", { class: "error", role: "alert", text: e.message }));
  }
}

const SKIP = new Set(["id", "kind", "key", "owners", "serving", "servingHistory", "__typename"]);

function renderDetails(id, data) {
  details.textContent = "";
  const node = data.node;
  if (!node) {
    details.append(el("p", { text: `${id} is not in the catalog.` }));
    return;
  }
  const explored = nodes.get(id);
  details.append(el("h2", {}, swatch(node.kind), el("span", { text: ` ${node.key}` })));
  details.append(el("p", { class: "kind", text: kindOf(node.kind).label }));
  const props = el("dl", { class: "props" });
  for (const [name, value] of Object.entries(node)) {
    if (SKIP.has(name)) continue;
    const shown = value && typeof value === "object" && !Array.isArray(value) && (value.id || value.key) ? value.name || value.id || value.key : value;
    const r = row(name, shown);
    if (r) props.append(r);
  }
  details.append(props);
  if (explored) {
    details.append(el("h3", { text: "Neighbours" }));
    const counts = el("ul", { class: "counts-list" });
    for (const c of explored.neighbourCounts) counts.append(el("li", { text: `${c.direction === "UPSTREAM" ? "↑" : "↓"} ${c.count} ${kindOf(kindFromEnum(c.kind)).label}` }));
    if (!explored.neighbourCounts.length) counts.append(el("li", { text: "none" }));
    details.append(counts);
    const buttons = el("div", { class: "actions" });
    for (const dir of ["UPSTREAM", "DOWNSTREAM"]) {
      const count = dir === "UPSTREAM" ? explored.upstreamCount : explored.downstreamCount;
      const p = pages.get(`${id}|${dir}`);
      if (count > 0 && (!p || p.hasMore)) buttons.append(el("button", { type: "button", class: "expand", "data-direction": dir, onclick: () => expand(id, dir),
        text: `${p ? "Show more" : "Expand"} ${dir.toLowerCase()} (${count - (p ? p.loaded : 0)} not shown)` }));
    }
    buttons.append(el("button", { type: "button", onclick: () => { state.id = id; state.selected = id; load(); }, text: "Centre the view here" }));
    details.append(buttons);
  }
  if (node.serving && node.serving.length) {
    details.append(el("h3", { text: state.asOf ? `Serving as of ${state.asOf}` : "Serving now" }));
    const list = el("ul", { class: "serving" });
    for (const s of node.serving) list.append(el("li", { "data-role": s.role, text: `${s.role}: ${s.modelVersion.key} (${Math.round((s.trafficShare || 0) * 100)}% since ${(s.validFrom || "").slice(0, 16)})` }));
    details.append(list);
  } else if (node.kind === "Deployment") {
    details.append(el("h3", { text: state.asOf ? `Serving as of ${state.asOf}` : "Serving now" }), el("p", { text: "nothing" }));
  }
  if (node.servingHistory && node.servingHistory.length) {
    details.append(el("h3", { text: "Serving history" }));
    const list = el("ol", { class: "history" });
    for (const s of node.servingHistory.slice(0, 12)) {
      list.append(el("li", {}, el("button", { type: "button", class: "link", title: "Show the graph as of this change",
        onclick: () => { state.asOf = s.validFrom; showAsOf(); load(); },
        text: `${(s.validFrom || "").slice(0, 16)}: ${s.modelVersion.key} ${s.role} ${Math.round((s.trafficShare || 0) * 100)}%${s.validTo ? ` until ${s.validTo.slice(0, 16)}` : ""}${s.reason ? ` — ${s.reason}` : ""}` })));
    }
    details.append(list);
  }
  const owners = node.owners || [];
  details.append(el("h3", { text: state.asOf ? "Owners then" : "Owners" }));
  const ownerList = el("ul", { class: "owners" });
  for (const o of owners) ownerList.append(el("li", { text: `${o.owner ? o.owner.name || o.owner.key : "?"} — ${o.role || "owner"}${o.inherited ? " (inherited from its parent)" : ""}` }));
  if (!owners.length) ownerList.append(el("li", { text: node.kind === "Run" || node.kind === "Prediction" ? "not owned (activities and predictions have no owners)" : "no owner" }));
  details.append(ownerList);
  details.append(el("h3", { text: "Classifications (set here or upstream)" }));
  const cls = el("ul", { class: "classifications" });
  for (const c of data.classificationsUpstream) {
    cls.append(el("li", {}, el("span", { class: `badge ${c.classification === "PII" ? "pii" : "class"}`, text: c.classification }),
      el("span", { text: c.path.length > 1 ? ` via ${c.path.join(" → ")}` : " set on this node" })));
  }
  if (!data.classificationsUpstream.length) cls.append(el("li", { text: "none" }));
  details.append(cls);
  details.append(el("h3", { text: "Recent audit events" }));
  const audit = el("ul", { class: "audit" });
  const events = (data.auditTrail && data.auditTrail.edges) || [];
  for (const { node: ev } of events) audit.append(el("li", { text: `${ev.time.slice(0, 16)} ${ev.action} by ${ev.actor}${ev.reason ? ` — ${ev.reason}` : ""}` }));
  if (!events.length) audit.append(el("li", { text: "none recorded (bulk-loaded data is audited as one catalog event)" }));
  details.append(audit);
  details.append(el("p", {}, el("a", { href: graphiqlHref(DETAILS, { id, asOf: state.asOf }), target: "_blank", rel: "opener", class: "graphiql", text: "Open this question in GraphiQL" })));
}

// ---------------------------------------------------------------- start
direction.value = state.direction;
depth.value = String(state.depth);
showAsOf();
document.body.dataset.state = "idle";
if (AUTH_ON && !readToken()) {
  showAuth("This catalog needs an API token. Paste yours (an administrator issues them; ./scripts/run prints one for the demo). It is kept for this tab only.");
} else if (state.id) {
  load();
} else {
  q.focus();
}
