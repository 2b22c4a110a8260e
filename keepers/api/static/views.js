// The dashboard's views: each `load()` reads the API and renders into its section of index.html.
import { priceChart, profitChart } from "./charts.js";
import {
  $, amount, clock, el, empty, eth, fraction, getJSON, int, mono, pager, parseDate, query, route, scroll, select,
  session, short, table, time, token, tone, units,
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

// -- market making -------------------------------------------------------------------------------

const MM_STATUSES = ["corrected", "in_band", "short", "refused", "running"];
const mmFilter = { status: "", offset: 0 };
let mmCycles = null; // the cycles' results, under their filter (built once)
let mmChart = null;

// How the market's figures read: amounts in its tokens' units, prices per whole base token.
function mmFormat(market) {
  const tokens = [market.base, market.quote].filter(Boolean);
  const of = (address) => tokens.find((t) => t.address.toLowerCase() === address.toLowerCase());
  const symbol = (address) => of(address)?.symbol ?? short(address);
  const decimals = (address) => of(address)?.decimals ?? 0;
  const known = market.quote && market.base.decimals !== null && market.quote.decimals !== null;
  const shift = known ? market.base.decimals - market.quote.decimals : 0;
  const quote = market.quote?.symbol ?? "quote base units";
  const format = {
    shift,
    unit: known ? `${quote} per ${market.base.symbol}` : "quote per base, base units",
    symbol,
    amount: (wei, address) => (wei === undefined || wei === null ? "–"
      : el("span", { title: `${wei} base units` }, units(wei, decimals(address)))),
    price: (p) => (p ? el("span", { title: p.exact }, fraction(p.exact, shift, known ? 6 : 12)) : "–"),
    value: (v) => (v ? el("span", { title: `${v.exact} ${quote} base units` }, units(v.amount, market.quote?.decimals ?? 0))
      : "–"),
  };
  // Amounts of several tokens (token -> base units): one line each, or inline joined by `joint`.
  format.amounts = (amounts, addresses, joint = null) => {
    const parts = addresses.filter((a) => amounts[a] !== undefined)
      .map((a) => el("span", joint === null ? { class: "line" } : {}, format.amount(amounts[a], a), ` ${symbol(a)}`));
    if (!parts.length) return "–";
    return el("span", {}, joint === null ? parts : parts.flatMap((part, i) => (i ? [joint, part] : [part])));
  };
  return format;
}

function renderMmMarket(data, f) {
  const m = data.market;
  const t = data.total;
  const books = data.reconciled === null
    ? el("span", { class: "warn", "data-reconciled": "unknown" }, `not checked: ${data.chain_error ?? "no balances read"}`)
    : el("span", { class: data.reconciled ? "good" : "bad", "data-reconciled": String(data.reconciled) },
      data.reconciled ? "reconciled with chain" : "NOT reconciled with chain");
  const figure = (label, ...value) => el("div", {}, el("dt", {}, label), el("dd", {}, ...value));
  $("#mm-market").replaceChildren(
    el("p", { class: "help" }, `${m.kind.replace("_", " ")} pool `, mono(m.pool, m.pool),
      ` kept within ${m.threshold_bps / 100} % of the reference` + (m.child ? "; the ladder is the mm child's " : "; no mm child"),
      m.child ? mono(m.child) : ""),
    el("dl", { class: "figures" },
      figure("Market", `${m.base.symbol ?? short(m.base.address)} / ${m.quote?.symbol ?? "?"}`),
      figure(`Reference (${f.unit})`, data.reference ? f.price(data.reference.price) : "none read yet",
        data.reference ? el("small", {}, ` cycle ${data.reference.cycle}`) : ""),
      figure("Cycles", int(data.cycles.total)),
      figure("PnL at the reference", f.value(t.pnl), ` ${m.quote?.symbol ?? ""}`),
      figure("Holdings at the reference", f.value(t.value), ` ${m.quote?.symbol ?? ""}`),
      figure("Rewards claimed", data.rewards.length ? el("span", { id: "mm-rewards" }, ...data.rewards.map((r) =>
        el("span", { class: "line", "data-token": r.token.address },
          el("span", { title: `${r.amount} base units` }, units(r.amount, r.token.decimals ?? 0)),
          ` ${r.token.symbol ?? short(r.token.address)} `,
          r.value ? el("small", {}, "worth ", f.value(r.value), ` ${m.quote?.symbol ?? ""} when claimed`)
            : el("small", { class: "warn" }, "not priced: not in PnL")))) : "none yet"),
      figure("Gas paid", eth(t.gas, 6)),
      figure("Books", books)),
    data.chain_error ? el("p", { class: "warn" }, data.chain_error) : "");
}

function renderMmChart(data, f) {
  const root = $("#mm-chart");
  const title = `Pool price and reference (${f.unit})`;
  if (!data.series.length) {
    mmChart?.destroy();
    mmChart = null;
    root.replaceChildren(empty("No cycles yet."));
  } else if (mmChart && root.querySelector(".chart")) {
    mmChart.update(data.series);
  } else {
    mmChart?.destroy();
    mmChart = priceChart(root, title, data.series, 10 ** f.shift);
  }
}

function renderMmHolders(data, f) {
  const m = data.market;
  const tokens = [m.base.address, m.quote?.address].filter(Boolean);
  const total = { ...data.total, actor: "", role: "all holders" };
  const quote = m.quote?.symbol ?? "quote";
  $("#mm-block").textContent = data.block === null ? "(chain not read)" : `at block ${data.block}`;
  $("#mm-holders").replaceChildren(data.holders.length ? scroll(table("Inventory and PnL per holder", [
    { label: "Holder", cell: (h) => (h.actor ? el("span", {}, mono(h.actor), ` ${h.role}`) : el("strong", {}, "Total")) },
    ...tokens.map((a) => ({ label: f.symbol(a), num: true, cell: (h) => f.amount(h.balances?.[a], a) })),
    { label: "In positions", num: true, cell: (h) => f.amounts(h.in_positions, tokens) },
    { label: `Holdings (${quote})`, num: true, cell: (h) => f.value(h.value) },
    { label: `PnL (${quote})`, num: true, cell: (h) => f.value(h.pnl) },
    { label: "Gas", num: true, cell: (h) => el("span", { title: `${h.gas} wei` }, eth(h.gas, 6)) },
  ], [...data.holders, total], { stack: true })) : empty("No holder journaled yet."));
  $("#mm-reconciliation").replaceChildren(data.reconciliation.length ? scroll(table("Books against chain", [
    { label: "Holder", cell: (r) => mono(r.actor) },
    { label: "Token", cell: (r) => r.symbol ?? f.symbol(r.token) },
    { label: "Journal", num: true, cell: (r) => f.amount(r.journal, r.token) },
    { label: "Chain", num: true, cell: (r) => f.amount(r.chain, r.token) },
    { label: "State", cell: (r) => el("span", { class: r.reconciled ? "good" : "bad", "data-reconciled": String(r.reconciled) },
      r.reconciled ? "reconciled" : "NOT reconciled") },
  ], data.reconciliation, { stack: true, key: (r) => `${r.actor}:${r.token}` }))
    : empty(data.chain_error ?? "No books to reconcile yet."));
}

function renderMmLadder(data, f) {
  const ladder = data.ladder;
  const m = data.market;
  if (!ladder) {
    const why = data.ladder_error ?? data.chain_error ??
      (m.child ? "A V2 market has no ladder." : "No mm child in the deployments file: no ladder.");
    $("#mm-ladder").replaceChildren(empty(why));
    return;
  }
  const tokens = [m.base.address, m.quote.address];
  $("#mm-ladder").replaceChildren(
    el("p", { class: "help" }, `Pool at tick ${ladder.pool_tick}, price `, f.price(ladder.pool_price), ` ${f.unit}; `,
      "the ladder holds ", f.amounts(ladder.holdings, tokens, " and "), " with fees ", f.amounts(ladder.fees, tokens, " and "),
      "."),
    ladder.positions.length ? scroll(table("The ladder's positions", [
      { label: "Position", num: true, cell: (p) => p.token_id },
      { label: "Ticks", num: true, cell: (p) => `${p.tick_lower} to ${p.tick_upper}` },
      { label: `Prices (${f.unit})`, num: true, cell: (p) => el("span", {},
        el("span", { class: "line" }, f.price(p.price_low), " –"), el("span", { class: "line" }, f.price(p.price_high))) },
      { label: "In range", cell: (p) => (p.in_range ? el("span", { class: "good" }, "yes") : "no") },
      { label: "Liquidity", num: true, cell: (p) => el("span", { title: p.liquidity }, units(p.liquidity, 0)) },
      { label: "Principal", num: true, cell: (p) => f.amounts(p.amounts, tokens) },
      { label: "Fees owed", num: true, cell: (p) => f.amounts(p.fees, tokens) },
    ], ladder.positions, { stack: true, key: (p) => String(p.token_id) })) : empty("The child holds no position on the pool."));
}

function renderMmActivity(data, f) {
  const m = data.market;
  const tokens = [m.base.address, m.quote?.address].filter(Boolean);
  const pieces = (p) => (p ? el("span", {}, el("span", { class: "line" }, `${int(p.sent)} sent`),
    ...["mined", "reverted", "pending", "failed"].filter((k) => k === "mined" || p[k])
      .map((k) => el("span", { class: "line" }, `${int(p[k])} ${k}`))) : "–");
  $("#mm-activity").replaceChildren(data.activity.length ? scroll(table("What each actor did", [
    { label: "Actor", cell: (a) => mono(a.actor) },
    { label: "Role", cell: (a) => a.role },
    { label: "Transactions", cell: (a) => (Object.keys(a.actions).length
      ? el("span", {}, ...Object.entries(a.actions).map(([k, n]) => el("span", { class: "line" }, `${k} ${int(n)}`))) : "–") },
    { label: "Pieces", cell: (a) => pieces(a.pieces) },
    ...tokens.map((t) => ({ label: `${f.symbol(t)} flow`, num: true, cell: (a) => f.amount(a.flows[t] ?? "0", t) })),
    { label: "Gas", num: true, cell: (a) => el("span", { title: `${a.gas} wei` }, eth(a.gas, 6)) },
    { label: "Last block", num: true, cell: (a) => a.last_block ?? "–" },
  ], data.activity, { stack: true, key: (a) => a.actor })) : empty("No actor journaled yet."));
}

function renderMmCycles(data, f) {
  if (!mmCycles) {
    mmCycles = el("div");
    $("#mm-cycles").replaceChildren(el("div", { class: "row filters" },
      select("mm-status", "Status", [["", "any"], ...MM_STATUSES.map((s) => [s, s.replace("_", " ")])], "", (value) => {
        mmFilter.status = value;
        mmFilter.offset = 0;
        mmView();
      })), mmCycles);
  }
  const page = data.cycles;
  mmCycles.replaceChildren(page.items.length ? scroll(table("Cycles, newest first", [
    { label: "#", num: true, cell: (c) => c.id },
    { label: "Block", num: true, cell: (c) => c.block },
    { label: "Status", cell: (c) => status(c.status) },
    { label: "Before", num: true, cell: (c) => f.price(c.before) },
    { label: "Reference", num: true, cell: (c) => f.price(c.reference) },
    { label: "Off (bp)", num: true, cell: (c) => (c.off_bps === null ? "–" : c.off_bps.toFixed(1)) },
    { label: "After", num: true, cell: (c) => f.price(c.after) },
    { label: "Pieces", num: true, cell: (c) => c.transactions },
    { label: "Reason", wrap: true, cell: (c) => c.reason ?? "" },
    { label: "Time", cell: (c) => time(parseDate(c.created_at)) },
  ], page.items, { stack: true })) : empty("No cycles match."),
  page.total ? pager(page, (offset) => { mmFilter.offset = offset; mmView(); }) : "");
}

async function mmView() {
  const data = await getJSON(query("/api/mm", { status: mmFilter.status, limit: 50, offset: mmFilter.offset }));
  for (const part of document.querySelectorAll("#view-mm .mm-part")) part.hidden = !data.configured;
  if (!data.configured) {
    mmChart?.destroy();
    mmChart = null;
    $("#mm-market").replaceChildren(empty("The market maker is not configured: set mm.pool and mm.base_token " +
      "(LAPIDARY_MM__POOL, LAPIDARY_MM__BASE_TOKEN) for the API as for `keepers run mm`."));
    return;
  }
  const f = mmFormat(data.market);
  renderMmMarket(data, f);
  renderMmChart(data, f);
  renderMmHolders(data, f);
  renderMmLadder(data, f);
  renderMmActivity(data, f);
  renderMmCycles(data, f);
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
  mm: mmView,
  alerts: alertsView,
  logs: (auto) => logs({ auto }),
};
