"use strict";
// The playground's page. It runs each request for real with fetch() (or a
// <script> for JSONP), asks its own origin for the browser package's
// prediction of the same request, and shows both with a diagram of what
// the servers saw. Standard DOM APIs only; no build step.

const $ = (id) => document.getElementById(id);
// The browser running this page: the outcome column is its verdict, which
// the browser package predicts with its model of that engine (and of the
// other two beside it).
const thisBrowser = /Firefox\//.test(navigator.userAgent) ? "Firefox"
  : /Chrome\//.test(navigator.userAgent) ? "Chromium"
  : /AppleWebKit\//.test(navigator.userAgent) ? "WebKit" : "This browser";
const thisEngine = { Firefox: "firefox", WebKit: "webkit" }[thisBrowser] || "chromium";
let cfg = null;
let scenarios = [];

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k.startsWith("data-")) e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children) if (c != null) e.append(c);
  return e;
}

// fill replaces node's children, skipping the null ones (replaceChildren
// would turn them into the text "null").
function fill(node, ...children) {
  node.replaceChildren(...children.filter((c) => c != null));
}

const list = (s) => s.split(",").map((x) => x.trim()).filter(Boolean);

function newRunID() {
  return "r" + Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
}

// --- forms ---------------------------------------------------------------

// token is the grammar of a header name and a method.
const token = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

// readRequest reads the composer's request, or throws an Error listing
// every problem with it, before anything is sent.
function readRequest() {
  const headers = [];
  const problems = [];
  for (const line of $("req-headers").value.split("\n")) {
    const i = line.indexOf(":");
    if (line.trim() === "") continue;
    if (i <= 0) {
      problems.push(`header line "${line}": want Name: value`);
      continue;
    }
    const name = line.slice(0, i).trim();
    if (!token.test(name)) problems.push(`header name "${name}": letters, digits and !#$%&'*+-.^_\`|~ only`);
    headers.push({ name, value: line.slice(i + 1).trim() });
  }
  const path = $("req-path").value.trim();
  if (!path.startsWith("/")) problems.push(`path "${path}": must start with /`);
  const repeat = Number($("req-repeat").value);
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > 3) problems.push("times: 1, 2 or 3");
  const method = $("req-method").value;
  if ($("req-body").value !== "" && (method === "GET" || method === "HEAD") && $("req-mode").value === "fetch") {
    problems.push(`a ${method} request cannot have a body (fetch() throws); empty the body or pick POST`);
  }
  for (const n of list($("req-read").value)) {
    if (!token.test(n)) problems.push(`read header "${n}": not a header name`);
  }
  if (problems.length) throw new Error(problems.join("; "));
  return {
    target: $("req-target").value,
    path,
    method,
    headers,
    credentials: $("req-credentials").value,
    body: $("req-body").value,
    mode: $("req-mode").value,
    repeat,
    readHeaders: list($("req-read").value),
  };
}

function writeRequest(r) {
  $("req-target").value = r.target;
  $("req-path").value = r.path;
  $("req-method").value = r.method;
  $("req-headers").value = (r.headers || []).map((h) => `${h.name}: ${h.value}`).join("\n");
  $("req-credentials").value = r.credentials;
  $("req-body").value = r.body || "";
  $("req-mode").value = r.mode;
  $("req-repeat").value = r.repeat || 1;
  $("req-read").value = (r.readHeaders || []).join(", ");
}

function readPolicy() {
  return {
    origins: list($("pol-origins").value),
    credentials: $("pol-credentials").checked,
    methods: list($("pol-methods").value),
    requestHeaders: list($("pol-headers").value),
    exposedHeaders: list($("pol-exposed").value),
    maxAge: Number($("pol-maxage").value) || 0,
  };
}

// goPolicy renders a policy as the cors.Config a Go server would use.
function goPolicy(p) {
  const q = (xs) => "[]string{" + xs.map((x) => JSON.stringify(x)).join(", ") + "}";
  const lines = ["cors.Config{", `\tOrigins:        ${q(p.origins)},`];
  if (p.credentials) lines.push("\tCredentials:    true,");
  if (p.methods.length) lines.push(`\tMethods:        ${q(p.methods)},`);
  if (p.requestHeaders.length) lines.push(`\tRequestHeaders: ${q(p.requestHeaders)},`);
  if (p.exposedHeaders.length) lines.push(`\tExposedHeaders: ${q(p.exposedHeaders)},`);
  if (p.maxAge) lines.push(`\tMaxAge:         ${p.maxAge} * time.Second,`);
  lines.push("}");
  return lines.join("\n");
}

function showGo() {
  $("pol-go").textContent = goPolicy(readPolicy());
}

function writePolicy(p) {
  $("pol-origins").value = (p.origins || []).join(", ");
  $("pol-credentials").checked = !!p.credentials;
  $("pol-methods").value = (p.methods || []).join(", ");
  $("pol-headers").value = (p.requestHeaders || []).join(", ");
  $("pol-exposed").value = (p.exposedHeaders || []).join(", ");
  $("pol-maxage").value = p.maxAge || 0;
  showGo();
}

// --- running in the browser ------------------------------------------------

function targetURL(req, run) {
  const u = new URL(cfg[req.target] + req.path);
  u.searchParams.set("run", run);
  return u;
}

async function runFetch(req, run) {
  const url = targetURL(req, run);
  let last = null;
  for (let i = 0; i < Math.max(req.repeat || 1, 1); i++) {
    const init = { method: req.method, headers: req.headers.map((h) => [h.name, h.value]), credentials: req.credentials };
    if (req.body && req.method !== "GET" && req.method !== "HEAD") init.body = req.body;
    try {
      const resp = await fetch(url, init);
      const body = await resp.text();
      const headers = {};
      for (const n of req.readHeaders || []) headers[n] = resp.headers.get(n);
      last = { outcome: "allowed", status: resp.status, body, headers };
    } catch (e) {
      return { outcome: "blocked", error: `${e.name}: ${e.message}` };
    }
  }
  return last;
}

function runScript(req, run) {
  return new Promise((resolve) => {
    const url = targetURL(req, run);
    const cb = "demoCallback_" + run.replace(/[^A-Za-z0-9]/g, "_");
    url.searchParams.set("callback", cb);
    let data;
    window[cb] = (d) => { data = d; };
    const s = document.createElement("script");
    const done = (r) => { clearTimeout(timer); delete window[cb]; s.remove(); resolve(r); };
    const timer = setTimeout(() => done({ outcome: "blocked", error: "the script did not load in 10 s" }), 10000);
    s.onload = () => done(data !== undefined
      ? { outcome: "allowed", status: 200, body: JSON.stringify(data) }
      : { outcome: "blocked", error: "the script loaded but never called " + cb });
    s.onerror = () => done({ outcome: "blocked", error: "the script failed to load (error event)" });
    s.src = url.href;
    document.head.append(s);
  });
}

// --- talking to the page origin --------------------------------------------

async function postJSON(path, method, v) {
  const resp = await fetch(path, { method, headers: { "Content-Type": "application/json" }, body: JSON.stringify(v) });
  return { ok: resp.ok, body: await resp.json() };
}

async function applyPolicy(p) {
  const r = await postJSON("/policy", "PUT", p);
  const box = $("policy-errors");
  box.replaceChildren();
  box.hidden = r.ok;
  if (!r.ok) {
    box.append(el("p", {}, "The cors package refuses this policy:"), el("ul", {}, ...r.body.errors.map((e) => el("li", {}, e))));
  }
  return r.ok;
}

// --- rendering ---------------------------------------------------------------

function badge(outcome) {
  return el("span", { class: "badge " + outcome }, outcome === "allowed" ? "Allowed" : "Blocked");
}

function dl(pairs) {
  const d = el("dl");
  for (const [k, v] of pairs) if (v !== undefined && v !== "") d.append(el("dt", {}, k), el("dd", {}, v));
  return d;
}

function headerLines(h) {
  return Object.entries(h || {}).map(([k, v]) => `${k}: ${v === null ? "null (hidden from scripts)" : v}`).join("\n");
}

// reachedServer says, from the servers' own log, whether requests (not
// only preflights) reached a server, and what they got.
function reachedServer(log) {
  const hits = log.filter((e) => e.kind !== "preflight");
  if (hits.length) return "yes: " + hits.map((e) => `${e.method} to the ${e.server} answered ${e.status}`).join(", ") + " (server log)";
  if (log.length) return "no: only the preflight was sent (server log)";
  return "no: nothing was sent (server log)";
}

function renderActual(a, reached, req, run, notes) {
  const creds = req.mode === "jsonp" ? "<script> load" : `credentials: "${req.credentials}"`;
  const sent = `${req.method} ${targetURL(req, run).href}\n${creds}` + (req.headers.length ? "\n" + req.headers.map((h) => `${h.name}: ${h.value}`).join("\n") : "");
  fill($("actual"),
    el("p", { class: "line" }, badge(a.outcome), a.status ? ` status ${a.status}` : ""),
    dl([
      ["Sent", sent],
      ["Error in the page", a.error],
      ["Reached server", reached],
      ["Server said", notes.join("\n")],
      ["headers.get()", headerLines(a.headers)],
      ["Body", a.body ? a.body.slice(0, 300) : undefined],
    ]),
    a.outcome === "blocked" ? el("p", { class: "muted" }, "Scripts get a bare TypeError; the reason is only in DevTools. The prediction says why.") : null,
  );
}

// stepText writes a trace step as the browser package's Step.String does,
// in the style of curl -v.
function stepText(st) {
  const lines = [];
  const hdrs = (prefix, h) => {
    for (const k of Object.keys(h || {}).sort()) for (const v of h[k]) lines.push(`${prefix}${k}: ${v}`);
  };
  if (st.method) {
    lines.push(`> ${st.method} ${st.url} (${st.kind})`);
    hdrs("> ", st.sent);
  } else {
    lines.push(`  ${st.kind} ${st.url}`);
  }
  if (st.status) {
    lines.push(`< ${st.status}`);
    hdrs("< ", st.received);
    if (st.body) lines.push(`< (body) ${st.body}`);
  }
  const verdict = st.ok ? "ok" : (st.kind === "probe" ? "refused" : "blocked") + (st.reason ? ` (${st.reason})` : "");
  lines.push(`= ${verdict}: ${st.rule}`);
  return lines.join("\n");
}

// stepLine is a step in one line.
function stepLine(st) {
  return st.kind + (st.method ? " " + st.method : "") + (st.status ? ` → ${st.status}` : "") + ": " + st.rule;
}

// fixPanel shows the diagnosis and the fix of the browser package's
// Result: the same answer crossorigin check gives.
function fixPanel(r) {
  if (!r || (!r.diagnosis && !r.fix)) return null;
  const d = r.diagnosis || {};
  const f = r.fix || {};
  return el("div", { class: "fix", id: "fix" },
    el("h4", {}, "Cause and fix"),
    dl([
      ["Cause", d.cause ? el("code", { class: "cause" }, d.cause) : undefined],
      ["What", d.detail],
      ["Server said", d.server_message],
      ["Send", f.header ? `${f.header}: ${f.value}` : undefined],
      ["Fix", f.advice],
      ["cors.Config", f.cors_config],
    ]));
}

function renderPrediction(p, wire) {
  const r = p.result;
  const trace = r ? r.trace || [] : [];
  const steps = trace.length
    ? el("details", { class: "steps" }, el("summary", {}, `The Transport's ${trace.length} steps`),
      el("ol", { class: "trace" }, ...trace.map((t) => el("li", { class: t.kind === "probe" ? "probe" : "" }, stepLine(t)))),
      el("pre", {}, trace.map(stepText).join("\n\n")))
    : (p.trace && p.trace.length ? el("ol", { class: "trace" }, ...p.trace.map((t) => el("li", {}, t))) : null);
  fill($("predicted"),
    el("p", { class: "line" }, badge(p.outcome), p.status ? ` status ${p.status}` : "", p.reason ? el("code", { class: "reason" }, p.reason) : null),
    dl([
      ["Why", p.message],
      ["Reached server", p.outcome === "blocked" ? (p.reachedServer ? "yes: the server ran it; only the response is hidden" : "no") : undefined],
      ["headers.get()", headerLines(p.headers)],
      ["Wire", wire],
    ]),
    fixPanel(r),
    steps,
    el("p", { class: "engine muted" }, "Computed by " + p.engine),
    p.others && p.others.length
      ? el("p", { class: "others", id: "others" }, "The model for the other engines: ",
        ...p.others.map((o, i) => el("span", { "data-engine": o.engine },
          i ? "; " : "", o.engine + " ", badge(o.outcome), o.reason ? el("code", { class: "reason" }, o.reason) : "")))
      : null,
  );
}

function agrees(a, p) {
  if (a.outcome !== p.outcome) return false;
  for (const [k, v] of Object.entries(a.headers || {})) {
    const pv = (p.headers || {})[k];
    if ((v === null) !== (pv === null || pv === undefined)) return false;
  }
  return true;
}

const shape = (log) => log.map((e) => `${e.method}${e.kind === "preflight" ? " (preflight)" : ""} → ${e.server} ${e.status}`).join(", ");

async function fetchLog(run) {
  return (await fetch("/log?run=" + encodeURIComponent(run))).json();
}

async function renderDiagram(run, log, verdict) {
  const img = el("img", {
    src: "/diagram?run=" + encodeURIComponent(run) + "&verdict=" + verdict,
    alt: log.length ? "Sequence: " + shape(log) : "No request reached a server.",
  });
  await new Promise((res) => { img.onload = img.onerror = res; $("diagram").replaceChildren(img); });
  $("diagram-figure").hidden = false;
}

// --- one run -------------------------------------------------------------------

// clearResult removes the last run's result, so that it is never shown
// beside an input or policy it does not belong to.
function clearResult(why) {
  const results = $("results");
  for (const id of ["actual", "predicted"]) fill($(id), el("p", { class: "muted" }, why));
  $("diagram").replaceChildren();
  $("diagram-figure").hidden = true;
  const v = $("verdict");
  v.className = "verdict";
  v.textContent = "";
  for (const k of ["run", "actual", "predicted", "message", "agree", "wire"]) delete results.dataset[k];
}

// showInputError shows the composer's problems and clears the old result.
function showInputError(msg) {
  const box = $("input-errors");
  box.textContent = msg;
  box.hidden = false;
  clearResult("Nothing run: the request has a problem (see below).");
  $("results").dataset.state = "error";
}

// revealResults brings the verdict into view after a tap, wherever the
// page was scrolled (on a narrow screen the scenario list sits above it).
function revealResults() {
  const top = $("results").getBoundingClientRect().top;
  if (top < 0 || top > window.innerHeight - 120) $("results").scrollIntoView({ block: "start" });
}

let busy = false;

async function run(title) {
  if (busy) return null;
  busy = true;
  const results = $("results");
  results.dataset.state = "running";
  $("run").disabled = true;
  $("status").textContent = "Running…";
  try {
    let req;
    try {
      req = readRequest();
    } catch (e) {
      $("status").textContent = e.message;
      showInputError(e.message);
      return null;
    }
    $("input-errors").hidden = true;
    showGo();
    if (!(await applyPolicy(readPolicy()))) {
      $("status").textContent = "Policy refused; nothing was sent.";
      clearResult("Nothing run: the cors package refused the policy (see below).");
      const v = $("verdict");
      v.className = "verdict disagree";
      v.textContent = "the cors package refused the policy: nothing was sent (see the policy's problems below)";
      results.dataset.state = "error";
      return null;
    }
    const id = newRunID();
    const actual = req.mode === "jsonp" ? await runScript(req, id) : await runFetch(req, id);
    const pr = await postJSON("/predict", "POST", { run: id + "-p", engine: thisEngine, request: req });
    if (!pr.ok) {
      $("status").textContent = "Prediction failed: " + pr.body.errors.join("; ");
      results.dataset.state = "error";
      return null;
    }
    const predicted = pr.body;
    const [log, plog] = await Promise.all([fetchLog(id), fetchLog(id + "-p")]);
    const sameWire = shape(log) === shape(plog);
    renderActual(actual, reachedServer(log), req, id, log.flatMap((e) => e.notes || []));
    renderPrediction(predicted, sameWire ? `same exchanges as ${thisBrowser}` : `differs: ${thisBrowser} sent ${shape(log) || "nothing"}; the prediction sent ${shape(plog) || "nothing"}`);
    await renderDiagram(id, log, actual.outcome);
    const ok = agrees(actual, predicted);
    const v = $("verdict");
    v.className = "verdict " + (ok ? "agree" : "disagree");
    v.textContent = ok ? `✓ prediction matches ${thisBrowser}` : `✗ prediction differs from ${thisBrowser}`;
    results.dataset.run = id;
    results.dataset.actual = actual.outcome;
    results.dataset.predicted = predicted.outcome;
    results.dataset.message = predicted.message || "";
    results.dataset.agree = String(ok);
    results.dataset.wire = String(sameWire);
    results.dataset.state = "done";
    $("status").textContent = `${title || "Request"}: ${thisBrowser} ${actual.outcome}, predicted ${predicted.outcome}.`;
    return { actual, predicted, ok, sameWire };
  } catch (e) {
    $("status").textContent = "Error: " + e.message;
    results.dataset.state = "error";
    return null;
  } finally {
    busy = false;
    $("run").disabled = false;
  }
}

function load(s) {
  writeRequest(s.request);
  writePolicy(s.policy);
  $("scenario-title").textContent = s.title;
  $("lesson").textContent = s.lesson;
  for (const b of document.querySelectorAll(".scenarios button[data-id]")) {
    b.setAttribute("aria-pressed", String(b.dataset.id === s.id));
  }
}

async function runAll() {
  if (busy) return;
  $("run-all").disabled = true;
  const body = $("summary");
  body.replaceChildren();
  $("summary-section").hidden = false;
  for (const s of scenarios) {
    load(s);
    const r = await run(s.title);
    const cell = (o) => el("td", {}, o ? badge(o) : "error");
    body.append(el("tr", { "data-id": s.id },
      el("th", { scope: "row" }, s.title),
      cell(r && r.actual.outcome), cell(r && r.predicted.outcome),
      el("td", { class: r && r.ok ? "yes" : "no" }, r && r.ok ? "✓ yes" : "✗ no")));
  }
  $("run-all").disabled = false;
}

async function init() {
  $("actual-title").textContent = `${thisBrowser} did`;
  $("runall-browser").textContent = thisBrowser;
  cfg = await (await fetch("/config")).json();
  $("page-origin").textContent = cfg.page;
  $("api-origin").textContent = cfg.api;
  $("proxy-origin").textContent = cfg.proxy;
  if (location.origin !== cfg.page) {
    // The policies name the page's origin as the server printed it; from
    // any other spelling (127.0.0.1, another port) every request is
    // cross-origin to a policy that does not know it.
    const w = $("wrong-origin");
    w.textContent = `This page was opened as ${location.origin}, but the scenarios are written for ${cfg.page}. Open ${cfg.page}/ instead.`;
    w.hidden = false;
  }
  for (const id of ["pol-origins", "pol-methods", "pol-headers", "pol-exposed", "pol-credentials", "pol-maxage"]) {
    $(id).addEventListener("input", showGo);
  }
  scenarios = await (await fetch("/scenarios")).json();
  for (const s of scenarios) {
    const b = el("button", { type: "button", class: "scenario " + s.expect, "data-id": s.id },
      s.title, el("span", { class: "expect" }, s.expect === "allowed" ? "Chromium allows" : "Chromium blocks"));
    b.setAttribute("aria-pressed", "false");
    b.title = s.lesson;
    b.addEventListener("click", async () => {
      if (busy) return;
      load(s);
      await run(s.title);
      revealResults();
    });
    $(s.group === "works" ? "works" : "mistakes").append(el("li", {}, b));
  }
  writePolicy(await (await fetch("/policy")).json());
  $("composer").addEventListener("submit", async (e) => {
    e.preventDefault();
    $("scenario-title").textContent = "Your request";
    $("lesson").textContent = "Composed below; the API applied the policy below before the request ran.";
    for (const b of document.querySelectorAll(".scenarios button[data-id]")) b.setAttribute("aria-pressed", "false");
    await run();
    // The results sit above the form: bring them into view.
    revealResults();
  });
  // A problem with the request clears the old result as soon as it is
  // typed, not only when the request is run.
  $("composer").addEventListener("input", () => {
    try {
      readRequest();
      $("input-errors").hidden = true;
    } catch (e) {
      showInputError(e.message);
    }
  });
  $("run-all").addEventListener("click", runAll);
  document.body.dataset.ready = "true";
}

init();
