// The dashboard's views: each `load()` reads the API and renders into its section of index.html.
import { profitChart } from "./charts.js";
import {
  $, amount, clock, el, empty, eth, getJSON, int, mono, pager, parseDate, query, route, scroll, select, session,
  table, time, token, tone, units,
} from "./lib.js";

const status = (text) => el("span", { class: `state ${tone(text)}` }, text);

// -- overview ------------------------------------------------------------------------------------

export async function loadBalances() {
  const balances = await getJSON("/api/balances");
  session.tokens = balances.tokens;
  $("#balances-block").textContent = `at block ${balances.block}`;
  $("#balances thead").replaceChildren(el("tr", {}, el("th", { scope: "col" }, "Holder"),
    el("th", { scope: "col" }, "Role"), balances.tokens.map((t) => el("th", { scope: "col", class: "num" }, t.symbol))));
  $("#balances tbody").replaceChildren(...balances.holders.map((h) => el("tr", {},
    el("th", { scope: "row", title: h.address }, h.name), el("td", {}, h.role),
    balances.tokens.map((t) => el("td", { class: "num" }, units(h.balances[t.symbol], t.decimals))))));
}

function tile(title, value, ...lines) {
  return el("article", { class: "tile panel", "aria-label": title }, el("h3", {}, title),
    el("p", { class: "figure" }, value), lines.map((line) => el("p", { class: "help" }, line)));
}

function renderTiles(data) {
  const o = data.opportunities;
  const profits = data.strategies.length
    ? data.strategies.map((s) => el("span", { class: "line", title: `${units(s.realized, s.decimals, 18)} ${s.symbol}` },
      `${s.strategy}: ${units(s.realized, s.decimals)} ${s.symbol}`))
    : "none yet";
  const trades = data.strategies.reduce((n, s) => n + s.trades, 0);
  $("#tiles").replaceChildren(
    tile("Realized profit", profits, `${int(trades)} landed trades`),
    tile("Gas spent", eth(data.gas_fees, 6), `${int(data.gas.reduce((n, g) => n + g.transactions, 0))} mined transactions`),
    tile("Opportunities", `${int(o.found)} found`,
      `${int(o.sent)} sent · ${int(o.landed)} landed · ${int(o.expired)} expired · ${int(o.dropped)} dropped`),
    tile("Win rate", data.win_rate === null ? "–" : `${(data.win_rate * 100).toFixed(1)} %`,
      `${int(o.landed)} landed of ${int(o.sent)} sent`),
  );
}

// One chart per token, series per strategy; redrawn in place (keeping the operator's zoom) while the
// tokens and strategies stay the same.
let charts = new Map(); // token -> chart
let chartShape = "";

function renderPnl(data) {
  const byToken = new Map();
  for (const s of data.strategies) byToken.set(s.token, [...(byToken.get(s.token) ?? []), s]);
  const series = (strategies) => strategies.map((s) => ({ label: s.strategy, decimals: s.decimals, points: s.points }));
  const shape = JSON.stringify([...byToken].map(([t, strategies]) => [t, strategies.map((s) => s.strategy)]));
  const root = $("#pnl");
  if (shape === chartShape && charts.size && [...charts.values()].every(Boolean)) {
    for (const [t, strategies] of byToken) charts.get(t).update(series(strategies));
  } else {
    charts.forEach((c) => c?.destroy());
    charts = new Map();
    chartShape = shape;
    root.replaceChildren(byToken.size ? "" : empty("No landed trades yet."));
    for (const [t, strategies] of byToken) {
      const box = el("div", { class: "chart-box" });
      root.append(box, el("p", { class: "help totals", "data-token": t }));
      charts.set(t, profitChart(box, `Cumulative realized profit (${strategies[0].symbol})`, series(strategies)));
    }
  }
  for (const [t, strategies] of byToken) {
    $(`#pnl .totals[data-token="${t}"]`).replaceChildren(...strategies.map((s) => el("span", { class: "line" },
      `${s.strategy}: ${units(s.realized, s.decimals, s.decimals)} ${s.symbol} over ${int(s.trades)} trades, ` +
      `${clock(s.points[0].timestamp)} to ${clock(s.points.at(-1).timestamp)}`)));
  }
}

function renderGas(data) {
  $("#gas").replaceChildren(data.gas.length ? scroll(table("Gas spent by purpose", [
    { label: "Purpose", cell: (g) => g.strategy },
    { label: "Transactions", num: true, cell: (g) => int(g.transactions) },
    { label: "Gas used", num: true, cell: (g) => int(g.gas_used) },
    { label: "Fees", num: true, cell: (g) => el("span", { title: `${g.fees} wei` }, eth(g.fees)) },
  ], data.gas, { stack: true })) : empty("No mined transactions yet."));
}

function renderOutcomes(data) {
  const o = data.opportunities;
  const statuses = Object.entries(o.by_status);
  $("#outcomes").replaceChildren(
    statuses.length ? scroll(table("Opportunities by status", [
      { label: "Status", cell: ([s]) => status(s) },
      { label: "Opportunities", num: true, cell: ([, n]) => int(n) },
      { label: "Share", num: true, cell: ([, n]) => `${((100 * n) / o.found).toFixed(1)} %` },
    ], statuses, { stack: true })) : empty("No opportunities found yet."),
    o.reasons.length ? el("h4", {}, "Reasons") : "",
    o.reasons.length ? scroll(table("Why opportunities were dropped or expired", [
      { label: "Status", cell: (r) => status(r.status) },
      { label: "Reason", wrap: true, cell: (r) => r.reason },
      { label: "Count", num: true, cell: (r) => int(r.count) },
    ], o.reasons, { stack: true })) : "");
}

function renderProfit(profit) {
  $("#profit").replaceChildren(profit.tokens.length ? el("ul", { class: "plain" }, profit.tokens.map((t) => el("li", {},
    `${t.symbol}: ${units(t.journal_total, t.decimals, 18)} in the journal over ${int(t.points.length)} blocks · `,
    el("span", { class: t.reconciled ? "good" : "bad", "data-reconciled": String(t.reconciled) },
      t.reconciled ? "reconciled with chain" : `NOT reconciled: chain shows ${units(t.chain_total, t.decimals, 18)}`))))
    : empty("No landed trades yet."));
}

async function overview() {
  const [data, profit] = await Promise.all([getJSON("/api/overview"), getJSON("/api/profit"), loadBalances()]);
  renderTiles(data);
  renderPnl(data);
  renderGas(data);
  renderOutcomes(data);
  renderProfit(profit);
}

// -- paged journal views ---------------------------------------------------------------------------

// A view over a paged endpoint with a status filter; controls are built once, results re-rendered.
function paged(rootId, path, statuses, render) {
  const filter = { status: "", offset: 0 };
  let results = null;
  async function load() {
    const root = $(rootId);
    if (!results) {
      results = el("div");
      root.replaceChildren(el("div", { class: "row filters" },
        select(`${rootId.slice(1)}-status`, "Status", [["", "any"], ...statuses.map((s) => [s, s])], "", (value) => {
          filter.status = value;
          filter.offset = 0;
          load();
        })), results);
    }
    const page = await getJSON(query(path, { status: filter.status, limit: 50, offset: filter.offset }));
    results.replaceChildren(page.items.length ? scroll(render(page.items)) : empty("Nothing here yet."),
      page.total ? pager(page, (offset) => { filter.offset = offset; load(); }) : "");
  }
  return load;
}

const opportunities = paged("#opportunities", "/api/opportunities",
  ["found", "simulated", "dropped", "submitting", "submitted", "landed", "reverted", "expired"],
  (items) => table("Opportunities, newest first", [
    { label: "#", num: true, cell: (o) => o.id },
    { label: "Block", num: true, cell: (o) => o.block },
    { label: "Status", cell: (o) => status(o.status) },
    { label: "Reason", wrap: true, cell: (o) => o.reason ?? "" },
    { label: "Route", cell: (o) => route(o.route) },
    { label: "Lender", cell: (o) => o.lender },
    { label: "Amount in", num: true, cell: (o) => amount(o.amount_in, o.token) },
    { label: "Predicted profit", num: true, cell: (o) => amount(o.predicted_profit, o.token) },
    { label: "Gas cost", num: true, cell: (o) => eth(o.gas_cost) },
  ], items));

const trades = paged("#trades", "/api/trades/detail", ["submitted", "landed", "reverted", "expired", "failed"],
  (items) => table("Trades, newest first", [
    { label: "#", num: true, cell: (t) => t.id },
    { label: "Status", cell: (t) => status(t.status) },
    { label: "Route", cell: (t) => route(t.route) },
    { label: "Lender", cell: (t) => t.lender },
    { label: "Gas used", num: true, cell: (t) => int(t.gas_used) },
    { label: "Gas fee", num: true, cell: (t) => eth(t.gas_fee) },
    { label: "Profit", num: true, cell: (t) => t.realized_profit !== null ? amount(t.realized_profit, t.token)
      : el("span", { class: "help" }, `${amount(t.predicted_profit, t.token)} predicted`) },
    { label: "Block", num: true, cell: (t) => t.landed_block ?? `${t.first_block}–${t.last_block}` },
    { label: "Transaction", cell: (t) => mono(t.tx_hash) },
  ], items));

const gasless = paged("#gasless", "/api/gasless", ["queued", "submitted", "mined", "failed"],
  (items) => table("Gasless requests, newest first", [
    { label: "Request", cell: (r) => mono(r.id, r.id.slice(0, 8)) },
    { label: "Status", cell: (r) => status(r.status) },
    { label: "Signer", cell: (r) => mono(r.signer) },
    { label: "Call", cell: (r) => mono(r.selector, r.selector) },
    { label: "Relayer", cell: (r) => mono(r.relayer) },
    { label: "Block", num: true, cell: (r) => r.block ?? "–" },
    { label: "Gas used", num: true, cell: (r) => int(r.gas_used) },
    { label: "Fee", num: true, cell: (r) => r.gas_used === null ? "–"
      : eth((BigInt(r.gas_used) * BigInt(r.effective_gas_price)).toString()) },
    { label: "Reason", wrap: true, cell: (r) => r.reason ?? "" },
    { label: "Received", cell: (r) => time(parseDate(r.created_at)) },
  ], items));

// -- campaigns -----------------------------------------------------------------------------------

const EPOCHS_SHOWN = 12;
const expanded = new Set();

function campaign(c) {
  const dec = token(c.reward_token).decimals;
  const posted = c.epochs.filter((e) => e.status === "posted" || e.status === "claimable").at(-1);
  const allocated = posted ? BigInt(posted.total_cumulative) : 0n;
  const claimed = BigInt(c.claimed);
  const share = allocated ? Number((claimed * 1000n) / allocated) / 10 : 0;
  const epochs = [...c.epochs].reverse();
  const all = expanded.has(c.id);
  const shown = all ? epochs : epochs.slice(0, EPOCHS_SHOWN);
  return el("article", { class: "campaign", "aria-label": `Campaign ${c.id}` },
    el("h3", {}, `Campaign ${c.id}: ${c.metric.replaceAll("_", " ")} on `, mono(c.pool),
      `, ${c.reward_symbol}${c.closed ? " (closed)" : ""}`),
    el("p", { class: "help" }, `${clock(c.start)} to ${clock(c.end)} in epochs of ${int(c.epoch_length)} s; ` +
      `${int(c.epochs.length)} epochs journaled, the chain's last is ${c.last_epoch}.`),
    el("dl", { class: "figures" },
      el("div", {}, el("dt", {}, "Funded"), el("dd", {}, `${units(c.funded, dec)} ${c.reward_symbol}`)),
      el("div", {}, el("dt", {}, "Allocated (posted roots)"), el("dd", {}, `${units(allocated.toString(), dec)} ${c.reward_symbol}`)),
      el("div", {}, el("dt", {}, "Claimed"), el("dd", {}, `${units(c.claimed, dec)} ${c.reward_symbol}`,
        allocated ? ` (${share} % of allocated)` : ""))),
    allocated ? el("meter", { min: 0, max: 100, value: share, "aria-label": `${share} % of the allocation claimed` }) : "",
    shown.length ? scroll(table(`Epochs of campaign ${c.id}, newest first`, [
      { label: "Epoch", num: true, cell: (e) => e.epoch },
      { label: "Ended", cell: (e) => clock(e.window_end) },
      { label: "Status", cell: (e) => status(e.status) },
      { label: "Allocated", num: true, cell: (e) => units(e.allocated, dec) },
      { label: "Cumulative", num: true, cell: (e) => units(e.total_cumulative, dec) },
      { label: "Participants", num: true, cell: (e) => e.participants },
      { label: "Posted in block", num: true, cell: (e) => e.posted_block ?? "–" },
      { label: "Root", cell: (e) => mono(e.root) },
    ], shown)) : empty("No epoch computed yet."),
    epochs.length > EPOCHS_SHOWN ? el("button", { type: "button", onclick: () => {
      if (all) expanded.delete(c.id); else expanded.add(c.id);
      campaignsView();
    } }, all ? "Show the latest epochs only" : `Show all ${epochs.length} epochs`) : "",
    c.claims.length ? scroll(table(`Claims of campaign ${c.id}`, [
      { label: "Account", cell: (a) => mono(a.account, a.account) },
      { label: "Entitled", num: true, cell: (a) => units(a.entitled, dec) },
      { label: "Claimed", num: true, cell: (a) => units(a.claimed, dec) },
    ], c.claims)) : "");
}

async function campaignsView() {
  const list = await getJSON("/api/campaigns");
  if (!session.tokens.length) await loadBalances();
  $("#campaigns").replaceChildren(...(list.campaigns.length ? list.campaigns.map(campaign) : [empty("No campaigns yet.")]));
}

// -- alerts --------------------------------------------------------------------------------------

const KINDS = { keeper_silent: "Keeper silent", epoch_stuck: "Epoch stuck", node_stalled: "Node stalled",
  not_reconciled: "Not reconciled" };

export function renderAlerts(data) {
  const t = data.thresholds;
  $("#alert-rules").textContent = `Checked at block ${data.head_block ?? "–"}, ${time(parseDate(data.checked_at))}: ` +
    `a keeper is silent after ${t.silent_after} s without a heartbeat; an epoch is stuck when it waits more than ` +
    `${t.epoch_blocks} blocks to be computed or posted; the node is stalled when the head stays put for ` +
    `${t.stall_after} s; profit must reconcile with chain in every block.`;
  $("#alerts").replaceChildren(data.alerts.length ? scroll(table("Current alerts", [
    { label: "Alert", cell: (a) => el("span", { class: "bad" }, KINDS[a.kind] ?? a.kind) },
    { label: "About", cell: (a) => a.subject },
    { label: "What", wrap: true, cell: (a) => a.message },
  ], data.alerts, { stack: true, key: (a) => `${a.kind}:${a.subject}` })) : el("p", { class: "good empty" }, "No alerts."));
}

async function alertsView() {
  renderAlerts(await getJSON("/api/alerts"));
}

// -- logs ----------------------------------------------------------------------------------------

const LOG_PAGE = 100;
const logFilter = { source: "", level: "", text: "" };
let logItems = [];

function renderLogs(more) {
  $("#logs").replaceChildren(logItems.length ? scroll(table("Log events, newest first", [
    { label: "Time", cell: (e) => time(parseDate(e.at)) },
    { label: "Process", cell: (e) => e.source },
    { label: "Level", cell: (e) => el("span", { class: e.level === "info" ? "" : e.level === "error" ? "bad" : "warn" }, e.level) },
    { label: "Message", wrap: true, cell: (e) => el("span", { class: "mono" }, e.message) },
  ], logItems, { stack: true })) : empty("No log events match."),
  more ? el("p", { class: "row" }, el("button", { type: "button", onclick: () => logs({ older: true }) }, "Older")) : "");
}

async function logs({ older = false, auto = false } = {}) {
  if (auto && logItems.length > LOG_PAGE) return; // paged back: keep what the operator is reading
  const form = $("#log-filters");
  if (!form.childElementCount) {
    const names = (window.lapidaryStatus?.keepers ?? []).map((k) => k.name);
    form.append(
      select("log-source", "Process", [["", "any"], ...names.map((n) => [n, n])], "", (v) => { logFilter.source = v; }),
      select("log-level", "Level", [["", "any"], ["info", "info"], ["warning", "warning"], ["error", "error"]], "",
        (v) => { logFilter.level = v; }),
      el("label", { for: "log-text", class: "field" }, "Text",
        el("input", { id: "log-text", type: "search", maxLength: 200, oninput: (e) => { logFilter.text = e.target.value; } })),
      el("button", { type: "submit" }, "Search"));
    form.addEventListener("submit", (event) => { event.preventDefault(); logs(); });
  }
  const before = older && logItems.length ? logItems.at(-1).id : "";
  const page = await getJSON(query("/api/logs/search", { ...logFilter, before, limit: LOG_PAGE }));
  logItems = older ? [...logItems, ...page.items] : page.items;
  renderLogs(page.items.length === LOG_PAGE);
}

export const views = {
  overview,
  opportunities,
  trades,
  keepers: async () => {}, // rendered from the live feed's status events
  campaigns: campaignsView,
  gasless,
  alerts: alertsView,
  logs: (auto) => logs({ auto }),
};
