// Lapidary dashboard: a hash router over the views, the keepers' controls and the live feed.
// Plain DOM and uPlot (served from /static/vendor/); no request goes anywhere but this server.
import { MISSING, chartsAvailable } from "./charts.js";
import { $, ago, el, getJSON, parseDate, session, token as tokenOf, tone, units } from "./lib.js";
import { loadBalances, renderAlerts, views } from "./views.js";

const TOKEN_KEY = "lapidary-token";
const FEED_MAX = 150;
const REFRESH_MS = 10_000;
const ALERTS_MS = 5_000;
let wsMessages = 0;
let current = null;

// -- router --------------------------------------------------------------------------------------

function viewOf(hash) {
  const name = hash.startsWith("#/") ? hash.slice(2).split("?")[0] : "";
  return name in views ? name : null;
}

async function load(name, auto = false) {
  const section = $(`#view-${name}`);
  try {
    await views[name](auto);
    section.dataset.loaded = String(Number(section.dataset.loaded || 0) + 1);
    section.removeAttribute("aria-busy");
  } catch (err) {
    console.warn(err);
  }
}

function route() {
  // `#main` (the skip link) and other in-page anchors keep the current view.
  const name = viewOf(location.hash) ?? (current ? null : "overview");
  if (!name || name === current) return;
  current = name;
  for (const section of document.querySelectorAll(".view")) section.hidden = section.id !== `view-${name}`;
  for (const link of document.querySelectorAll("nav a")) {
    if (link.dataset.view === name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  document.title = `${$(`nav a[data-view="${name}"]`).textContent} · Lapidary`;
  load(name);
}

// -- control -------------------------------------------------------------------------------------

function token() { return sessionStorage.getItem(TOKEN_KEY) || ""; }

async function control(body) {
  const message = $("#control-message");
  message.textContent = "Sending…";
  try {
    const response = await fetch("/api/control", {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token()}` },
      body: JSON.stringify(body),
    });
    const answer = await response.json();
    const detail = typeof answer.detail === "string" ? answer.detail : JSON.stringify(answer.detail);
    message.textContent = response.ok ? detail : `Refused (${response.status}): ${detail}`;
    message.className = response.ok ? "help" : "help bad";
  } catch (err) {
    message.textContent = `Failed: ${err.message}`;
    message.className = "help bad";
  }
}

$("#token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $("#token").value.trim());
  $("#token").value = "";
  $("#control-message").textContent = "Token set for this tab.";
});
for (const id of ["#pause", "#unpause"]) {
  $(id).addEventListener("click", (event) => control({ action: event.currentTarget.dataset.action }));
}

// -- status: header and keepers ------------------------------------------------------------------

function keeperRow(k) {
  const action = k.desired === "stopped" ? "start" : "stop";
  const button = el("button", {
    type: "button",
    class: action === "stop" ? "stop" : "",
    "aria-label": `${action === "stop" ? "Stop" : "Start"} ${k.name}`,
    "data-keeper": k.name,
    "data-action": action,
    disabled: !k.controllable,
    textContent: action === "stop" ? "Stop" : "Start",
  });
  button.addEventListener("click", () => control({ action, keeper: k.name }));
  const cell = (label, attrs, ...content) => el("td", { ...attrs, "data-label": label }, ...content);
  return el("tr", { "data-keeper": k.name },
    el("th", { scope: "row", "data-label": "Keeper" }, k.name),
    cell("State", { class: `state ${tone(k.state)}` }, k.state),
    cell("Heartbeat", { class: "heartbeat" }, k.last_heartbeat
      ? el("time", { dateTime: k.last_heartbeat, "data-at": k.last_heartbeat }, ago(parseDate(k.last_heartbeat))) : "–"),
    cell("Last block", { class: "num" }, k.last_block ?? "–"),
    cell("Restarts", { class: "num" }, k.restarts),
    cell("Last exit", { class: "num" }, k.last_exit ?? "–"),
    cell("Last error", { class: k.last_error ? "bad wrap" : "wrap" }, k.last_error ?? ""),
    cell("Action", {}, k.controllable ? button : "–"));
}

function renderStatus(status) {
  window.lapidaryStatus = status;
  $("#chain-id").textContent = status.chain_id;
  $("#head-block").textContent = status.head_block ?? "–";
  const paused = status.paused;
  $("#master-state").textContent = paused === null ? "unknown" : paused ? "paused" : "running";
  $("#master-state").className = paused ? "bad" : "good";
  const body = $("#keepers tbody");
  // The table is rebuilt on every status event: a keyboard user's focus must survive it.
  const focused = body.contains(document.activeElement) ? document.activeElement.dataset.keeper : null;
  body.replaceChildren(...status.keepers.map(keeperRow));
  if (focused) body.querySelector(`button[data-keeper="${CSS.escape(focused)}"]`)?.focus();
  $("#view-keepers").dataset.loaded = String(Number($("#view-keepers").dataset.loaded || 0) + 1);
}

setInterval(() => {
  for (const node of document.querySelectorAll("#keepers time[data-at]")) node.textContent = ago(parseDate(node.dataset.at));
}, 1000);

// -- alerts badge --------------------------------------------------------------------------------

async function checkAlerts() {
  const asked = Date.now();
  try {
    const data = await getJSON("/api/alerts");
    session.skew = parseDate(data.checked_at).getTime() - (asked + Date.now()) / 2;
    const count = data.alerts.length;
    $("#alert-count").textContent = count;
    const badge = $("#alert-badge");
    badge.className = count ? "badge bad" : "badge good";
    badge.setAttribute("aria-label", count ? `Alerts: ${count}` : "Alerts: none");
    badge.title = data.alerts.map((a) => a.message).join("\n") || "No alerts";
    if (current === "alerts") renderAlerts(data);
  } catch (err) {
    console.warn(err);
  }
}

// -- live feed -----------------------------------------------------------------------------------

function feedItem(event) {
  const d = event.data;
  let text = "";
  if (event.type === "trade") {
    const decimals = tokenOf(d.token).decimals;
    text = `bundle ${d.id} ${d.status}` + (d.realized_profit ? `: ${units(d.realized_profit, decimals)} ${d.symbol}` : "");
  } else if (event.type === "opportunity") {
    const decimals = tokenOf(d.token).decimals;
    text = `#${d.id} block ${d.block}: ${units(d.predicted_profit, decimals)} ${d.symbol} predicted (${d.status})`;
  } else if (event.type === "log") {
    // Routine lines (every block, every poll) only when asked for; warnings, errors and the
    // supervisor's own events always.
    const routine = d.level === "info" && !d.message.startsWith("supervisor:");
    if (routine && !$("#routine").checked) return null;
    text = `${d.source}: ${d.message}`;
  } else {
    return null;
  }
  return el("li", { class: event.type === "log" ? `level-${d.level}` : "" }, el("span", { class: "kind" }, event.type), text);
}

let refreshTimer = null;
function connect() {
  const socket = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`);
  socket.addEventListener("open", () => {
    $("#feed-state").textContent = "live";
    $("#feed-state").className = "good";
  });
  socket.addEventListener("message", (message) => {
    const event = JSON.parse(message.data);
    wsMessages += 1;
    document.body.dataset.wsMessages = String(wsMessages);
    if (event.type === "status") renderStatus(event.data);
    const item = feedItem(event);
    if (item) {
      const feed = $("#feed");
      feed.prepend(item);
      while (feed.children.length > FEED_MAX) feed.lastChild.remove();
    }
    if (event.type === "trade" && !refreshTimer && ["overview", "trades", "opportunities"].includes(current)) {
      refreshTimer = setTimeout(() => { refreshTimer = null; load(current, true); }, 1000);
    }
  });
  socket.addEventListener("close", () => {
    $("#feed-state").textContent = "reconnecting";
    $("#feed-state").className = "bad";
    setTimeout(connect, 2000);
  });
}

// Without `make install`, uPlot is missing: say so at once, on the console and where the charts go.
if (!chartsAvailable()) $("#pnl").replaceChildren(el("p", { class: "bad", role: "alert" }, MISSING));
window.addEventListener("hashchange", route);
getJSON("/api/status").then(renderStatus).catch((err) => console.warn(err));
loadBalances().catch((err) => console.warn(err)).finally(route); // token decimals first
checkAlerts();
setInterval(checkAlerts, ALERTS_MS);
setInterval(() => current && current !== "keepers" && load(current, true), REFRESH_MS);
connect();
