// Charts through uPlot (an npm dependency, copied into /static/vendor/ by `make install`).
import { approx, el, units } from "./lib.js";

const COLORS = ["#0b57d0", "#a4161a", "#0a6b2f", "#7a4b00", "#6b2fa0"];
export const MISSING = "The chart library is missing: run `make install`, which copies " +
  "node_modules/uplot/dist/uPlot.iife.min.js and uPlot.min.css into keepers/api/static/vendor/.";

export function chartsAvailable() {
  if (typeof window.uPlot === "function") return true;
  console.error(`Lapidary dashboard: ${MISSING}`);
  return false;
}

// A uPlot chart in `root` that follows its width, against time (unix seconds): `data` is
// [xs, ...one array per series]; `describe(box, data)` says in words what it shows.
function lineChart(root, title, series, data, describe) {
  if (!chartsAvailable()) {
    root.replaceChildren(el("p", { class: "bad", role: "alert" }, MISSING));
    return null;
  }
  const box = el("div", { class: "chart", role: "img" });
  root.replaceChildren(box);
  const width = () => Math.max(Math.floor(root.clientWidth), 200);
  describe(box, data);
  const plot = new window.uPlot({
    width: width(),
    height: 240,
    title,
    scales: { x: { time: true } },
    axes: [{}, { size: 70, values: (u, ticks) => ticks.map((t) => t.toLocaleString("en-US")) }],
    series: [{ label: "time" }, ...series.map((s, i) => ({
      label: s.label,
      stroke: COLORS[i % COLORS.length],
      width: 2,
      ...(s.stepped ? { paths: window.uPlot.paths.stepped({ align: 1 }) } : {}),
      points: { show: data[0].length < 60 },
    }))],
  }, data, box);
  const resize = new ResizeObserver(() => {
    if (root.clientWidth > 0 && Math.abs(plot.width - width()) > 1) plot.setSize({ width: width(), height: 240 });
  });
  resize.observe(root);
  return {
    update(fresh, words) {
      const shown = plot.data[0];
      const { min, max } = plot.scales.x;
      const whole = !shown.length || (min <= shown[0] && max >= shown.at(-1));
      words(box, fresh);
      plot.setData(fresh, whole); // rescaled to the new data, unless the operator zoomed in
    },
    destroy() { resize.disconnect(); plot.destroy(); },
  };
}

// Cumulative realized profit of several strategies in one token, against block time (unix seconds).
// series: [{ label, decimals, points: [{block, timestamp, cumulative}] }]; each holds its last value
// between its own points (a cumulative figure does not change between trades).
export function profitChart(root, title, series) {
  const words = (next) => (box, data) => describe(box, title, next, data);
  const chart = lineChart(root, title, series.map((s) => ({ label: s.label, stepped: true })), chartData(series),
    words(series));
  return chart && { update: (next) => chart.update(chartData(next), words(next)), destroy: chart.destroy };
}

// A pool's price against its reference, cycle by cycle (a gap where a cycle has no figure).
// points: [{ time, before, after, reference }] with prices as {exact, value}; `scale` turns a
// price in base units into one per whole token, the axis's unit.
export function priceChart(root, title, points, scale) {
  const series = [{ label: "pool before the cycle" }, { label: "pool after it" }, { label: "reference" }];
  const data = (next) => [next.map((p) => p.time), ...["before", "after", "reference"].map((key) =>
    next.map((p) => (p[key] ? p[key].value * scale : null)))];
  const words = (next) => (box, shown) => {
    box.dataset.points = String(shown[0].length);
    const last = next.at(-1);
    box.setAttribute("aria-label", `${title}: ${next.length} cycles` + (last ? ", the latest: " + series.map((s, i) =>
      `${s.label} ${shown[i + 1].at(-1)?.toLocaleString("en-US") ?? "none"}`).join(", ") : ""));
  };
  const chart = lineChart(root, title, series, data(points), words(points));
  return chart && { update: (next) => chart.update(data(next), words(next)), destroy: chart.destroy };
}

// [timestamps, ...one array per series], every series holding its last value between its points.
function chartData(series) {
  const events = series.flatMap((s, i) => s.points.map((p) => ({ i, p })))
    .sort((a, b) => a.p.timestamp - b.p.timestamp || a.p.block - b.p.block);
  const last = series.map(() => null);
  const ys = series.map(() => []);
  for (const { i, p } of events) {
    last[i] = approx(p.cumulative, series[i].decimals);
    series.forEach((_, j) => ys[j].push(last[j]));
  }
  return [events.map((e) => e.p.timestamp), ...ys];
}

function describe(box, title, series, data) {
  box.dataset.points = String(data[0].length);
  box.setAttribute("aria-label", `${title}: ` + series.map((s) =>
    `${s.label} ${units(s.points.at(-1)?.cumulative ?? "0", s.decimals)}`).join(", "));
}
