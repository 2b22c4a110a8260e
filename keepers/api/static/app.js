// Lapidary dashboard: plain DOM, no dependencies, no requests beyond this server.
"use strict";

const $ = (selector) => document.querySelector(selector);
const TOKEN_KEY = "lapidary-token";
const FEED_MAX = 150;
let tokens = [];          // [{symbol, address, decimals}] from /api/balances
let wsMessages = 0;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("data-") || key.startsWith("aria-")) node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const child of children) node.append(child instanceof Node ? child : String(child ?? ""));
  return node;
}

// Base units (decimal string) -> human amount, exact (BigInt), trimmed to `places` decimals.
function units(wei, decimals, places = 6) {
  if (wei === null || wei === undefined) return "–";
  let value = BigInt(wei);
  const negative = value < 0n;
  if (negative) value = -value;
  const scale = 10n ** BigInt(decimals);
  const whole = value / scale;
  let fraction = (value % scale).toString().padStart(decimals, "0").slice(0, places).replace(/0+$/, "");
  const text = whole.toLocaleString("en-US") + (fraction ? "." + fraction : "");
  return (negative ? "-" : "") + text;
}

function decimalsOf(address) {
  const token = tokens.find((t) => t.address && address && t.address.toLowerCase() === address.toLowerCase());
  return token ? token.decimals : 18;
}

async function getJSON(path) {
  const response = await fetch(path, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

// -- control ------------------------------------------------------------------------------------

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

// -- status -------------------------------------------------------------------------------------

function renderStatus(status) {
  $("#chain-id").textContent = status.chain_id;
  $("#head-block").textContent = status.head_block ?? "–";
  const paused = status.paused;
  $("#master-state").textContent = paused === null ? "unknown" : paused ? "paused" : "running";
  $("#master-state").className = paused ? "bad" : "good";
  const body = $("#keepers tbody");
  // The table is rebuilt on every status event: a keyboard user's focus must survive it.
  const focused = body.contains(document.activeElement) ? document.activeElement.dataset.keeper : null;
  body.replaceChildren(
    ...status.keepers.map((k) => {
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
      return el(
        "tr",
        { "data-keeper": k.name },
        el("th", { scope: "row" }, k.name),
        el("td", { class: `state state-${k.state}` }, k.state),
        el("td", { class: "num" }, k.last_block ?? "–"),
        el("td", { class: "num" }, k.restarts),
        el("td", { class: k.last_error ? "bad" : "" }, k.last_error ?? ""),
        el("td", {}, k.controllable ? button : "–"),
      );
    }),
  );
  if (focused) body.querySelector(`button[data-keeper="${CSS.escape(focused)}"]`)?.focus();
}

// -- balances, trades, profit, campaigns --------------------------------------------------------

async function loadBalances() {
  const balances = await getJSON("/api/balances");
  tokens = balances.tokens;
  $("#balances-block").textContent = `at block ${balances.block}`;
  $("#balances thead").replaceChildren(
    el("tr", {}, el("th", { scope: "col" }, "Holder"), el("th", { scope: "col" }, "Role"),
      ...tokens.map((t) => el("th", { scope: "col", class: "num" }, t.symbol))),
  );
  $("#balances tbody").replaceChildren(
    ...balances.holders.map((h) =>
      el("tr", {},
        el("th", { scope: "row", title: h.address }, h.name),
        el("td", {}, h.role),
        ...tokens.map((t) => el("td", { class: "num" }, units(h.balances[t.symbol], t.decimals))))),
  );
}

async function loadTrades() {
  const page = await getJSON("/api/trades?limit=15");
  $("#trades tbody").replaceChildren(
    ...page.items.map((t) =>
      el("tr", {},
        el("td", { class: "num" }, t.id),
        el("td", { class: t.status === "landed" ? "good" : t.status === "submitted" ? "warn" : "bad" }, t.status),
        el("td", { class: "num" }, t.landed_block ?? t.first_block),
        el("td", { class: "num" }, t.realized_profit === null ? "–" :
          `${units(t.realized_profit, decimalsOf(t.token))} ${t.symbol}`),
        el("td", { class: "mono", title: t.tx_hash }, t.tx_hash.slice(0, 12) + "…"))),
  );
}

function chart(points, decimals, symbol) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("class", "chart");
  svg.setAttribute("viewBox", "0 0 600 180");
  svg.setAttribute("preserveAspectRatio", "xMinYMid meet");
  svg.setAttribute("role", "img");
  const values = points.map((p) => Number(BigInt(p.cumulative) * 1000000n / 10n ** BigInt(decimals)) / 1e6);
  const last = values[values.length - 1] ?? 0;
  svg.setAttribute("aria-label", `Cumulative realized ${symbol} profit over ${points.length} blocks, now ${last}`);
  const max = Math.max(...values, 1e-18);
  const first = points[0].block, span = Math.max(points[points.length - 1].block - first, 1);
  const x = (block) => 40 + (540 * (block - first)) / span;
  const y = (value) => 160 - (140 * value) / max;
  const path = points.map((p, i) => `${i ? "L" : "M"}${x(p.block).toFixed(1)},${y(values[i]).toFixed(1)}`);
  const add = (tag, attrs, text) => {
    const node = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    svg.append(node);
  };
  add("line", { class: "axis", x1: 40, y1: 160, x2: 580, y2: 160 });
  add("line", { class: "axis", x1: 40, y1: 20, x2: 40, y2: 160 });
  add("path", { class: "line", d: points.length > 1 ? path.join(" ") : `M40,${y(last)} L580,${y(last)}` });
  add("text", { x: 44, y: 16 }, `${last} ${symbol}`);
  add("text", { x: 40, y: 176 }, `block ${first}`);
  add("text", { x: 580, y: 176, "text-anchor": "end" }, `block ${points[points.length - 1].block}`);
  return svg;
}

async function loadProfit() {
  const profit = await getJSON("/api/profit");
  const root = $("#profit");
  if (!profit.tokens.length) {
    root.replaceChildren(el("p", { class: "help" }, "No landed trades yet."));
    return;
  }
  root.replaceChildren(
    ...profit.tokens.flatMap((t) => [
      el("h3", {}, `${t.symbol}: ${units(t.journal_total, t.decimals, 18)} (journal) · `,
        el("span", { class: t.reconciled ? "good" : "bad", "data-reconciled": String(t.reconciled) },
          t.reconciled ? "reconciled with chain" : `NOT reconciled: chain shows ${units(t.chain_total, t.decimals, 18)}`)),
      chart(t.points, t.decimals, t.symbol),
    ]),
  );
}

async function loadCampaigns() {
  const list = await getJSON("/api/campaigns");
  const root = $("#campaigns");
  if (!list.campaigns.length) {
    root.replaceChildren(el("p", { class: "help" }, "No campaigns yet."));
    return;
  }
  root.replaceChildren(
    ...list.campaigns.map((c) => {
      const dec = decimalsOf(c.reward_token);
      return el("article", { "aria-label": `Campaign ${c.id}` },
        el("h3", {}, `Campaign ${c.id}: ${c.metric}, ${units(c.funded, dec)} ${c.reward_symbol} funded, ` +
          `${units(c.claimed, dec)} claimed${c.closed ? " (closed)" : ""}`),
        el("div", { class: "scroll" }, el("table", {},
          el("caption", { class: "sr-only" }, `Epochs of campaign ${c.id}`),
          el("thead", {}, el("tr", {}, ...["Epoch", "Status", "Allocated", "Participants", "Root"].map(
            (h) => el("th", { scope: "col" }, h)))),
          el("tbody", {}, ...c.epochs.map((e) => el("tr", {},
            el("td", {}, e.epoch), el("td", {}, e.status), el("td", { class: "num" }, units(e.allocated, dec)),
            el("td", { class: "num" }, e.participants), el("td", { class: "mono" }, e.root.slice(0, 12) + "…")))))),
        c.claims.length ? el("div", { class: "scroll" }, el("table", {},
          el("caption", { class: "sr-only" }, `Claims of campaign ${c.id}`),
          el("thead", {}, el("tr", {}, ...["Account", "Entitled", "Claimed"].map(
            (h) => el("th", { scope: "col" }, h)))),
          el("tbody", {}, ...c.claims.map((claim) => el("tr", {},
            el("td", { class: "mono" }, claim.account), el("td", { class: "num" }, units(claim.entitled, dec)),
            el("td", { class: "num" }, units(claim.claimed, dec))))))) : "");
    }),
  );
}

async function refresh() {
  for (const load of [loadBalances, loadTrades, loadProfit, loadCampaigns]) {
    try { await load(); } catch (err) { console.warn(err); }
  }
}

// -- live feed ----------------------------------------------------------------------------------

function feedItem(event) {
  const d = event.data;
  let text = "";
  if (event.type === "trade") {
    text = `bundle ${d.id} ${d.status}` + (d.realized_profit ? `: ${units(d.realized_profit, decimalsOf(d.token))} ${d.symbol}` : "");
  } else if (event.type === "opportunity") {
    text = `#${d.id} block ${d.block}: ${units(d.predicted_profit, decimalsOf(d.token))} ${d.symbol} predicted (${d.status})`;
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
    if (event.type === "trade" && !refreshTimer) {
      refreshTimer = setTimeout(() => { refreshTimer = null; refresh(); }, 500);
    }
  });
  socket.addEventListener("close", () => {
    $("#feed-state").textContent = "reconnecting";
    $("#feed-state").className = "bad";
    setTimeout(connect, 2000);
  });
}

getJSON("/api/status").then(renderStatus).catch((err) => console.warn(err));
refresh();
setInterval(refresh, 15000);
connect();
