// Lapidary dashboard: DOM and formatting helpers shared by every view. Amounts stay exact (BigInt).

export const $ = (selector, root = document) => root.querySelector(selector);

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("data-") || key.startsWith("aria-") || key === "for" || key === "scope") {
      node.setAttribute(key, value === true ? "" : value);
    } else node[key] = value;
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

export const session = { tokens: [], skew: 0 }; // tokens from /api/balances; skew: server minus browser clock (ms)

export async function getJSON(path) {
  const response = await fetch(path, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

export function query(path, params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== "" && value != null) search.set(key, value);
  const text = search.toString();
  return text ? `${path}?${text}` : path;
}

// Base units (decimal string) -> human amount, exact, trimmed to `places` decimals.
export function units(wei, decimals, places = 6) {
  if (wei === null || wei === undefined) return "–";
  let value = BigInt(wei);
  const negative = value < 0n;
  if (negative) value = -value;
  const scale = 10n ** BigInt(decimals);
  const whole = value / scale;
  const fraction = (value % scale).toString().padStart(decimals, "0").slice(0, places).replace(/0+$/, "");
  return (negative ? "-" : "") + whole.toLocaleString("en-US") + (fraction ? "." + fraction : "");
}

// An exact fraction "n/d" (or "n") times 10^shift, as a decimal rounded down to `places` decimals.
export function fraction(exact, shift = 0, places = 6) {
  const [n, d = "1"] = exact.split("/");
  const scaled = (BigInt(n) * 10n ** BigInt(Math.max(shift, 0) + places)) / (BigInt(d) * 10n ** BigInt(Math.max(-shift, 0)));
  return units(scaled.toString(), places, places);
}

// A float for plotting only (exact figures are printed beside every chart).
export function approx(wei, decimals) {
  return Number((BigInt(wei) * 10n ** 9n) / 10n ** BigInt(decimals)) / 1e9;
}

export function token(address) {
  const lower = (address || "").toLowerCase();
  return session.tokens.find((t) => t.address && t.address.toLowerCase() === lower) ||
    { symbol: short(address), address, decimals: 18 };
}

export function amount(wei, address, places = 6) {
  if (wei === null || wei === undefined) return "–";
  const t = token(address);
  return `${units(wei, t.decimals, places)} ${t.symbol}`;
}

// Native-coin amounts, exact, in the unit that keeps them short: wei below a gwei, gwei below a milli-ether.
export function eth(wei, places = 18) {
  if (wei === null || wei === undefined) return "–";
  const size = BigInt(wei) < 0n ? -BigInt(wei) : BigInt(wei);
  if (size < 10n ** 9n) return `${units(wei, 0)} wei`;
  if (size < 10n ** 15n) return `${units(wei, 9, places)} gwei`;
  return `${units(wei, 18, places)} ETH`;
}
export const int = (n) => (n === null || n === undefined ? "–" : Number(n).toLocaleString("en-US"));
export const short = (hex) => (hex && hex.length > 14 ? `${hex.slice(0, 8)}…${hex.slice(-4)}` : hex ?? "–");
export const mono = (hex, text = short(hex)) => el("span", { class: "mono", title: hex ?? "" }, text);

// The store writes UTC; SQLite may hand a date back without its zone.
export function parseDate(text) {
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : text + "Z");
}
export const time = (date) => date.toLocaleString("en-GB", { hour12: false });
export const clock = (seconds) => time(new Date(seconds * 1000));

export function ago(date) {
  const seconds = (Date.now() + session.skew - date.getTime()) / 1000;
  if (seconds < 90) return `${Math.max(seconds, 0).toFixed(1)} s ago`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min ago`;
  return `${(seconds / 3600).toFixed(1)} h ago`;
}

export function route(hops) {
  if (!hops.length) return "–";
  const path = [token(hops[0].token_in).symbol, ...hops.map((h) => token(h.token_out).symbol)].join(" → ");
  return el("span", { title: hops.map((h) => h.pool).join(" → ") }, path);
}

export const tone = (status) =>
  ({ landed: "good", mined: "good", claimable: "good", running: "good", posted: "good",
     submitted: "warn", submitting: "warn", queued: "warn", posting: "warn", computed: "warn", starting: "warn",
     stopping: "warn" })[status] ?? (["expired", "failed", "reverted", "dropped", "revoked", "stopped", "backoff"]
    .includes(status) ? "bad" : "");

// A table whose cells carry their column's name (narrow screens stack `.stack` tables into cards).
// columns: [{ label, num?, wrap?, cell(row) -> Node | string }]
export function table(caption, columns, rows, { stack = false, key } = {}) {
  const head = el("thead", {}, el("tr", {}, columns.map((c) => el("th", { scope: "col", class: c.num ? "num" : "" }, c.label))));
  const body = el("tbody", {}, rows.map((row) => el("tr", key ? { "data-key": key(row) } : {},
    columns.map((c, i) => el(i === 0 ? "th" : "td",
      { scope: i === 0 ? "row" : undefined, class: [c.num ? "num" : "", c.wrap ? "wrap" : ""].join(" ").trim(),
        "data-label": c.label },
      c.cell(row))))));
  return el("table", { class: stack ? "stack" : "" }, el("caption", { class: "sr-only" }, caption), head, body);
}

export const scroll = (node) => el("div", { class: "scroll" }, node);
export const empty = (text) => el("p", { class: "help empty" }, text);

// Prev / next over a paged endpoint ({total, limit, offset}).
export function pager(page, go) {
  const first = page.total ? page.offset + 1 : 0;
  const last = page.offset + page.items.length;
  return el("p", { class: "row pager" },
    el("button", { type: "button", disabled: page.offset === 0, onclick: () => go(Math.max(page.offset - page.limit, 0)) }, "Newer"),
    el("span", {}, `${int(first)}–${int(last)} of ${int(page.total)}`),
    el("button", { type: "button", disabled: last >= page.total, onclick: () => go(page.offset + page.limit) }, "Older"));
}

export function select(id, label, options, value, onchange) {
  return el("label", { for: id, class: "field" }, label,
    el("select", { id, onchange: (e) => onchange(e.target.value) },
      options.map(([v, text]) => el("option", { value: v, selected: v === value }, text))));
}
