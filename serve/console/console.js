// The vdc console: a page over the Web API (/api/v1, specs/openapi.yaml).
// Every text shown comes from messages.json; data from the server is put in
// the page as text only, never as markup.
"use strict";

const state = {
  messages: {},
  language: "en",
  token: sessionStorage.getItem("vdc.token"),  // null: not signed in
  vdcs: [],
  shown: null,        // the VDC shown in detail, its summary
  plan: null,         // {id} of the plan made on request
  stream: null,       // the AbortController of the event stream
  refreshTimer: null,
  graphUrl: null,
};

// --- messages -------------------------------------------------------------

function t(key, values = {}) {
  const catalogue = state.messages[state.language] || {};
  const text = key in catalogue ? catalogue[key] : (state.messages.en || {})[key];
  if (text === undefined) return key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in values ? String(values[name]) : ""));
}

function translateStatic() {
  document.documentElement.lang = state.language;
  document.title = t("title");
  for (const element of document.querySelectorAll("[data-i18n]")) element.textContent = t(element.dataset.i18n);
}

function chooseLanguage(language) {
  state.language = language in state.messages ? language : "en";
  localStorage.setItem("vdc.language", state.language);
  translateStatic();
  render();
}

// --- the API --------------------------------------------------------------

class Refused extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

async function api(path, options = {}) {
  const headers = { Authorization: "Bearer " + state.token };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  const answer = await fetch("/api/v1" + path, {
    method: options.method || "GET",
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const type = answer.headers.get("Content-Type") || "";
  if (!answer.ok) {
    let detail = answer.statusText;
    if (type.includes("json")) detail = (await answer.json()).detail || detail;
    throw new Refused(answer.status, detail);
  }
  if (options.blob) return answer.blob();
  return type.includes("json") ? answer.json() : answer.text();
}

// --- small builders -------------------------------------------------------

function element(tag, attributes = {}, ...children) {
  const made = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "className") made.className = value;
    else if (name.startsWith("on")) made.addEventListener(name.slice(2), value);
    else made.setAttribute(name, value);
  }
  for (const child of children) made.append(child instanceof Node ? child : String(child));
  return made;
}

function short(revision) {
  return revision ? revision.slice(0, 12) : t("none");
}

function conditionBadges(summary) {
  const badges = [];
  for (const condition of summary.conditions || []) {
    if (condition.status !== "True" || condition.type === "Fetched") continue;
    badges.push(element("span", { className: "badge " + condition.type.toLowerCase(), title: condition.message || "" },
      t("condition." + condition.type)));
  }
  const ready = (summary.conditions || []).find((c) => c.type === "Ready");
  if (!ready || ready.status !== "True")
    badges.push(element("span", { className: "badge notready", title: (ready && ready.message) || "" }, t("condition.NotReady")));
  return badges;
}

function lastResult(status) {
  if (!status) return t("result.pending");
  if (status.lastError) return t("result.failed", { error: status.lastError });
  return t("result.ok");
}

function show(section) {
  for (const id of ["sign-in", "list", "detail"]) document.getElementById(id).hidden = id !== section;
  document.getElementById("sign-out").hidden = section === "sign-in";
}

// --- sign in ---------------------------------------------------------------

// Quietly, at the start: a server without tokens lets the page in at once.
async function signIn(token, quiet = false) {
  state.token = token;
  const error = document.getElementById("sign-in-error");
  try {
    state.vdcs = (await api("/vdcs")).items;
  } catch (e) {
    state.token = null;
    sessionStorage.removeItem("vdc.token");
    if (quiet) error.textContent = "";
    else if (e instanceof Refused && e.status === 401) error.textContent = t("badToken");
    else error.textContent = t("unreachable", { detail: e.message });
    show("sign-in");
    return false;
  }
  error.textContent = "";
  sessionStorage.setItem("vdc.token", token);
  openEvents();
  return true;
}

function signOut() {
  if (state.stream) state.stream.abort();
  state.stream = null;
  state.token = null;
  sessionStorage.removeItem("vdc.token");
  location.hash = "#/";
  show("sign-in");
}

// --- the list of VDCs -----------------------------------------------------

async function renderList() {
  state.vdcs = (await api("/vdcs")).items;
  const body = document.querySelector("#vdcs tbody");
  body.replaceChildren();
  for (const vdc of state.vdcs) {
    const status = vdc.status || {};
    body.append(element("tr", { "data-vdc": vdc.name },
      element("td", {}, element("a", { href: "#/vdcs/" + encodeURIComponent(vdc.name) }, vdc.name)),
      element("td", { className: "conditions" }, ...conditionBadges(vdc)),
      element("td", { className: "revision" }, short(status.appliedRevision)),
      element("td", { className: "revision" }, short(status.attemptedRevision)),
      element("td", {}, lastResult(vdc.status))));
  }
  document.getElementById("list-empty").hidden = state.vdcs.length > 0;
  show("list");
}

// --- one VDC ----------------------------------------------------------------

function actionButton(label, handler, id) {
  return element("button", { type: "button", id, onclick: handler }, label);
}

async function act(name, action) {
  const message = document.getElementById("action-message");
  try {
    await api("/vdcs/" + encodeURIComponent(name) + "/" + action, { method: "POST" });
    message.textContent = t("accepted." + action);
  } catch (e) {
    message.textContent = t("refused", { detail: e.message });
  }
}

function planSummaryText(summary) {
  return t("planSummary", summary);
}

async function makePlan(name) {
  const message = document.getElementById("action-message");
  try {
    const made = await api("/vdcs/" + encodeURIComponent(name) + "/plans", { method: "POST", body: {} });
    state.plan = { id: made.id, vdc: name };
    message.textContent = t("planMade", { id: made.id, summary: planSummaryText(made.plan.summary) });
    renderPlan(made.plan);
    renderActions();
  } catch (e) {
    message.textContent = t("refused", { detail: e.message });
  }
}

async function applyPlan(name, id) {
  const message = document.getElementById("action-message");
  try {
    const report = await api("/vdcs/" + encodeURIComponent(name) + "/plans/" + id + "/apply", { method: "POST" });
    message.textContent = report.ok ? t("planApplied", { id }) : t("planFailed", { id });
  } catch (e) {
    message.textContent = t("refused", { detail: e.message });
  }
  state.plan = null;
  renderActions();
  scheduleRefresh();
}

function renderActions() {
  const actions = document.getElementById("actions");
  actions.replaceChildren();
  const vdc = state.shown;
  if (!vdc) return;
  if (vdc.access !== "operator") {
    actions.append(element("p", { className: "note", id: "viewer-only" }, t("viewerOnly")));
    return;
  }
  actions.append(
    actionButton(t("syncNow"), () => act(vdc.name, "sync"), "action-sync"),
    actionButton(t("suspend"), () => act(vdc.name, "suspend"), "action-suspend"),
    actionButton(t("resume"), () => act(vdc.name, "resume"), "action-resume"),
    actionButton(t("makePlan"), () => makePlan(vdc.name), "action-plan"));
  if (state.plan && state.plan.vdc === vdc.name)
    actions.append(actionButton(t("applyPlan", { id: state.plan.id }), () => applyPlan(vdc.name, state.plan.id), "action-apply"));
}

function renderResources(shown) {
  const body = document.querySelector("#resources tbody");
  body.replaceChildren();
  for (const r of shown.resources) {
    const drifted = r.drifted.length > 0;
    const classes = (r.status === "in sync" ? "in-sync" : "out-of-sync") + (drifted ? " drifted" : "");
    const row = element("tr", { "data-address": r.address, className: classes },
      element("td", {}, r.address),
      element("td", {}, r.physicalName || t("record")),
      element("td", {}, r.state || "—"),
      element("td", { className: "sync" }, t("status." + r.status)),
      element("td", { className: "drift" }, drifted ? t("drifted", { fields: r.drifted.join(", ") }) : ""));
    body.append(row);
  }
}

const kSymbols = { create: "+", update: "~", delete: "-", replace: "-/+", adopt: "<=", rename: "~" };

function value(v) {
  return v === null || v === undefined ? t("noValue") : JSON.stringify(v);
}

function renderPlan(plan) {
  document.getElementById("plan-summary").textContent =
    plan.changes.length === 0 ? t("planEmpty") : planSummaryText(plan.summary);
  const out = document.getElementById("plan");
  out.replaceChildren();
  for (const change of plan.changes) {
    const line = element("div", { className: "change " + change.action, "data-address": change.address },
      kSymbols[change.action] + " " + change.address + (change.drift ? " " + t("planDrift") : ""));
    for (const field of change.fields) {
      const note = field.forcesReplacement ? element("span", { className: "forces" }, "  # " + t("forcesReplacement")) : "";
      line.append(element("div", { className: "field" + (field.forcesReplacement ? " replacing" : "") },
        "    " + field.path + ": " + value(field.before) + " -> " + value(field.after), note));
    }
    out.append(line);
  }
}

async function renderGraph(name) {
  const image = document.getElementById("graph");
  image.alt = t("graphAlt", { vdc: name });
  try {
    // Through the API, which needs the token; shown as an image, which runs nothing.
    const svg = await api("/vdcs/" + encodeURIComponent(name) + "/graph?format=svg", { blob: true });
    if (state.graphUrl) URL.revokeObjectURL(state.graphUrl);
    state.graphUrl = URL.createObjectURL(new Blob([svg], { type: "image/svg+xml" }));
    image.src = state.graphUrl;
  } catch (e) {
    image.removeAttribute("src");
  }
}

function renderHistory(items) {
  const body = document.querySelector("#history tbody");
  body.replaceChildren();
  for (const entry of items) {
    const trigger = entry.trigger === "interval" ? t("trigger.interval") : entry.trigger || "";
    body.append(element("tr", { className: "event-" + (entry.event || "") },
      element("td", {}, entry.time || ""),
      element("td", {}, entry.event || ""),
      element("td", { className: "revision" }, short(entry.revision)),
      element("td", {}, trigger),
      element("td", {}, entry.message || "")));
  }
}

async function renderDetail(name) {
  const base = "/vdcs/" + encodeURIComponent(name);
  const summary = await api(base);
  if (!state.shown || state.shown.name !== name) {
    const idle = element("li", { className: "idle", "data-i18n": "progressIdle" }, t("progressIdle"));
    document.getElementById("progress").replaceChildren(idle);
    document.getElementById("action-message").textContent = "";
  }
  state.shown = summary;
  document.getElementById("vdc-name").textContent = summary.name;
  document.getElementById("vdc-conditions").replaceChildren(...conditionBadges(summary));
  const status = summary.status || {};
  document.getElementById("vdc-revision").textContent =
    t("revisionLine", { revision: short(status.appliedRevision), attempted: short(status.attemptedRevision) });
  renderActions();
  show("detail");
  renderHistory((await api(base + "/history")).items);
  if (!status.appliedRevision) {
    document.getElementById("plan-summary").textContent = t("noRevision");
    return;
  }
  const [shown, plan] = await Promise.all([api(base + "/resources"), api(base + "/plan")]);
  renderResources(shown);
  renderPlan(plan);
  await renderGraph(name);
}

// --- live progress --------------------------------------------------------

function progressLine(event) {
  switch (event.type) {
    case "reconciling": return t("progress.reconciling");
    case "apply": return t("progress.apply", { count: event.operations });
    case "operation":
      if (event.phase === "started") return t("progress.started", { action: t("action." + event.action), address: event.address });
      return t("progress.finished", { address: event.address, result: event.result, seconds: (event.seconds || 0).toFixed(2) });
    default: return null;
  }
}

function onEvent(event) {
  const shown = state.shown && !document.getElementById("detail").hidden ? state.shown.name : null;
  if (shown && event.vdc === shown) {
    const line = progressLine(event);
    if (line) {
      const list = document.getElementById("progress");
      list.querySelector(".idle")?.remove();
      list.append(element("li", { className: "progress-" + event.type + (event.phase ? " " + event.phase : "") }, line));
      while (list.children.length > 200) list.firstChild.remove();
    }
  }
  if (event.type === "status" || event.type === "event") scheduleRefresh();
}

// Server-sent events read through fetch, which can send the token (an
// EventSource cannot); reconnects after a pause when the stream ends.
async function openEvents() {
  if (state.stream) state.stream.abort();
  const controller = new AbortController();
  state.stream = controller;
  try {
    const answer = await fetch("/api/v1/events", { headers: { Authorization: "Bearer " + state.token }, signal: controller.signal });
    if (!answer.ok) throw new Error(answer.statusText);
    const reader = answer.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = frame.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
        if (data) onEvent(JSON.parse(data));
      }
    }
  } catch (e) {
    if (controller.signal.aborted) return;
  }
  if (state.stream === controller && state.token !== null) setTimeout(() => state.stream === controller && openEvents(), 3000);
}

function scheduleRefresh() {
  clearTimeout(state.refreshTimer);
  state.refreshTimer = setTimeout(render, 300);
}

// --- routing ----------------------------------------------------------------

async function render() {
  if (state.token === null) return show("sign-in");
  const match = location.hash.match(/^#\/vdcs\/([a-z0-9-]+)$/);
  try {
    if (match) await renderDetail(decodeURIComponent(match[1]));
    else await renderList();
  } catch (e) {
    if (e instanceof Refused && e.status === 401) return signOut();
    document.getElementById("action-message").textContent = t("refused", { detail: e.message });
    if (match && !(state.shown && state.shown.name === match[1])) location.hash = "#/";
  }
}

async function start() {
  state.messages = await (await fetch("messages.json")).json();
  const saved = localStorage.getItem("vdc.language");
  state.language = saved || (navigator.language.startsWith("ja") ? "ja" : "en");
  if (!(state.language in state.messages)) state.language = "en";
  translateStatic();
  document.getElementById("language").addEventListener("click", () => chooseLanguage(state.language === "en" ? "ja" : "en"));
  document.getElementById("sign-out").addEventListener("click", signOut);
  document.getElementById("sign-in-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const field = document.getElementById("token");
    if (await signIn(field.value.trim())) {
      field.value = "";
      render();
    }
  });
  window.addEventListener("hashchange", render);
  await signIn(state.token || "", true);
  render();
}

start();
