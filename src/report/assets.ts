import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

let chartLibrary: string | undefined;

/**
 * TradingView Lightweight Charts, standalone production build (it defines
 * `window.LightweightCharts`), read from the installed package once, to be
 * inlined into the page so the report needs no network.
 */
export function lightweightChartsSource(): string {
  if (chartLibrary === undefined) {
    const require = createRequire(import.meta.url);
    const pkg = require.resolve('lightweight-charts/package.json');
    chartLibrary = readFileSync(join(dirname(pkg), 'dist', 'lightweight-charts.standalone.production.js'), 'utf8');
  }
  return chartLibrary;
}

/** Text safe inside a <script> element: no "</script", no "<!--". */
export function scriptText(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

/** JSON for a <script type="application/json"> element: "<" and the JS line separators escaped. */
export function jsonScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** The page style: a dark trading-terminal theme, tabular figures, no web fonts. */
export const STYLE = String.raw`
:root {
  --bg: #0d1117; --panel: #151b23; --panel2: #1b2230; --line: #262f3c; --text: #d8dee9; --muted: #8a96a8;
  --up: #26a69a; --down: #ef5350; --accent: #4c9aff; --bench: #c9a227;
  --font: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Liberation Sans", "DejaVu Sans", Arial, sans-serif;
  --mono: ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", "DejaVu Sans Mono", monospace;
}
* { box-sizing: border-box; }
html, body { margin: 0; background: var(--bg); color: var(--text); font: 14px/1.45 var(--font); }
main { max-width: 1320px; margin: 0 auto; padding: 24px 28px 40px; }
header.top { display: flex; justify-content: space-between; align-items: flex-end; gap: 24px; flex-wrap: wrap; margin-bottom: 18px; }
h1 { font-size: 24px; font-weight: 650; margin: 0; letter-spacing: -0.01em; }
h1 .sym { color: var(--accent); }
.sub { color: var(--muted); margin-top: 4px; }
.chips { display: flex; gap: 6px; flex-wrap: wrap; margin-top: 8px; }
.chip { font: 12px var(--mono); background: var(--panel2); border: 1px solid var(--line); border-radius: 999px; padding: 2px 9px; color: var(--text); }
.brand { color: var(--muted); font-size: 12px; text-align: right; }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(128px, 1fr)); gap: 10px; margin: 6px 0 18px; }
.kpi { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 12px 14px; }
.kpi .label { color: var(--muted); font-size: 11px; text-transform: uppercase; letter-spacing: 0.06em; }
.kpi .value { font-size: 22px; font-weight: 600; margin-top: 2px; font-variant-numeric: tabular-nums; white-space: nowrap; }
.pos { color: var(--up); } .neg { color: var(--down); }
section.card { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 14px 16px 12px; margin-bottom: 16px; }
section.card > h2 { font-size: 13px; font-weight: 600; text-transform: uppercase; letter-spacing: 0.06em; color: var(--muted); margin: 0 0 10px; display: flex; align-items: center; gap: 12px; }
section.card > h2 .dim { font-weight: 400; text-transform: none; letter-spacing: 0; }
.legend { display: inline-flex; gap: 14px; font-size: 12px; text-transform: none; letter-spacing: 0; font-weight: 400; }
.legend i { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 5px; vertical-align: -1px; }
.sw-accent { background: var(--accent); } .sw-bench { background: var(--bench); } .sw-down { background: var(--down); }
.chart { position: relative; width: 100%; }
.chart-wrap { position: relative; }
.chart-note { position: absolute; top: 6px; left: 8px; z-index: 3; pointer-events: none; max-width: calc(100% - 90px); background: rgba(21,27,35,0.88); border: 1px solid var(--line); border-radius: 6px; padding: 3px 9px; color: var(--text); font-size: 12px; }
.chart-note[hidden] { display: none; }
.h-equity { height: 500px; } .h-price { height: 400px; } .h-rolling { height: 200px; } .h-yearly { height: 210px; }
.grid2 { display: grid; grid-template-columns: minmax(0, 1.25fr) minmax(0, 1fr); gap: 16px; align-items: start; }
@media (max-width: 1000px) { .grid2 { grid-template-columns: 1fr; } }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
.metrics { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 0 22px; }
@media (max-width: 1000px) { .metrics { grid-template-columns: 1fr; } }
.metrics h3 { font-size: 12px; color: var(--accent); text-transform: uppercase; letter-spacing: 0.06em; margin: 4px 0 6px; font-weight: 600; }
.metrics td { padding: 4px 0; border-bottom: 1px solid var(--line); font-size: 13px; }
.metrics td:last-child { text-align: right; font-weight: 500; white-space: nowrap; }
.metrics td:first-child { color: var(--muted); }
.heat th, .heat td { font-size: 12px; text-align: center; padding: 5px 2px; }
.heat th { color: var(--muted); font-weight: 500; }
.heat td { border: 2px solid var(--panel); border-radius: 4px; font-variant-numeric: tabular-nums; }
.heat td.year { font-weight: 600; color: var(--muted); text-align: left; padding-left: 4px; }
.heat td.total { font-weight: 650; }
.heat td.none { color: #4a5463; }
.tabs { display: inline-flex; gap: 4px; text-transform: none; letter-spacing: 0; }
.tabs button { font: 12px var(--font); color: var(--muted); background: var(--panel2); border: 1px solid var(--line); border-radius: 6px; padding: 2px 10px; cursor: pointer; }
.tabs button.on { color: var(--text); border-color: var(--accent); }
.trades-wrap { max-height: 560px; overflow: auto; border: 1px solid var(--line); border-radius: 8px; }
table.trades th, table.trades td { padding: 6px 10px; text-align: right; white-space: nowrap; font-size: 12.5px; }
table.trades th { position: sticky; top: 0; background: var(--panel2); color: var(--muted); font-weight: 600; cursor: pointer; user-select: none; border-bottom: 1px solid var(--line); }
table.trades th:hover { color: var(--text); }
table.trades th[aria-sort="ascending"]::after { content: " \25B2"; color: var(--accent); font-size: 10px; }
table.trades th[aria-sort="descending"]::after { content: " \25BC"; color: var(--accent); font-size: 10px; }
table.trades td.l, table.trades th.l { text-align: left; }
table.trades tbody tr:nth-child(even) { background: rgba(255,255,255,0.02); }
table.trades tbody tr:hover { background: rgba(76,154,255,0.08); }
.note { color: var(--muted); font-size: 12px; margin-top: 8px; }
.empty { color: var(--muted); padding: 30px 0; text-align: center; }
footer { color: var(--muted); font-size: 12px; margin-top: 24px; text-align: center; }
footer a { color: var(--muted); }
`;

/**
 * How the page picks the trade marks to draw for the bars `a..b` in view
 * (plain JavaScript inlined into TEARSHEET_APP, and unit-tested on its own).
 * `p` is one of the page's price series (`t`, `marks.bar` ascending,
 * `marks.flag` with bit 1 for an entry) and `entriesBefore[k]` the number of
 * entries among its first k marks. Up to `max` marks in view come back one
 * by one (`each`); beyond that they are counted per time bucket (`counts`:
 * entries and exits per bucket, placed at the middle of the bucket's part in
 * view) in the smallest calendar unit that gives at most `buckets` buckets
 * over the range.
 * Cost: two binary searches, plus two per bucket.
 */
export const VISIBLE_MARKS_JS = String.raw`
var MARK_UNITS = [
  { s: 60, name: 'minute' }, { s: 300, name: '5 minutes' }, { s: 900, name: '15 minutes' }, { s: 1800, name: '30 minutes' },
  { s: 3600, name: 'hour' }, { s: 14400, name: '4 hours' }, { s: 86400, name: 'day' }, { s: 604800, name: 'week' },
  { m: 1, name: 'month' }, { m: 3, name: 'quarter' }, { m: 12, name: 'year' }
];
function lowerBound(xs, x) {
  var lo = 0, hi = xs.length;
  while (lo < hi) { var mid = (lo + hi) >> 1; if (xs[mid] < x) lo = mid + 1; else hi = mid; }
  return lo;
}
/** The smallest unit that splits a span of seconds into at most n buckets. */
function bucketUnit(span, n) {
  for (var i = 0; i < MARK_UNITS.length; i++) {
    var u = MARK_UNITS[i];
    if (span / (u.s || u.m * 2629746) <= n) return u; // 2629746 s: an average month
  }
  var years = Math.ceil(span / 31556952 / n);
  return { m: 12 * years, name: years + ' years' };
}
/** Start and end (UTC seconds) of the bucket holding t; weeks start on Monday. */
function bucketOf(u, t) {
  if (u.s) {
    var shift = u.s === 604800 ? 259200 : 0; // 1970-01-01 was a Thursday
    var start = Math.floor((t + shift) / u.s) * u.s - shift;
    return [start, start + u.s];
  }
  var d = new Date(t * 1000);
  var m = Math.floor((d.getUTCFullYear() * 12 + d.getUTCMonth()) / u.m) * u.m;
  return [Date.UTC(Math.floor(m / 12), m % 12, 1) / 1000, Date.UTC(Math.floor((m + u.m) / 12), (m + u.m) % 12, 1) / 1000];
}
function visibleMarks(p, entriesBefore, a, b, max, buckets) {
  var bars = p.marks.bar;
  var lo = lowerBound(bars, a), hi = lowerBound(bars, b + 1);
  var n = Math.max(0, hi - lo);
  var items = [];
  if (n <= max) {
    for (var k = lo; k < hi; k++) items.push({ bar: bars[k], flag: p.marks.flag[k] });
    return { mode: 'each', inView: n, unit: null, items: items };
  }
  var u = bucketUnit(p.t[b] - p.t[a], buckets);
  for (var i = lo; i < hi;) {
    var span = bucketOf(u, p.t[bars[i]]);
    var first = Math.max(a, lowerBound(p.t, span[0])), last = Math.min(b, lowerBound(p.t, span[1]) - 1);
    var end = Math.min(hi, lowerBound(bars, last + 1));
    var entries = entriesBefore[end] - entriesBefore[i];
    // At the middle of the bucket's part in view, so that the counts' labels stand evenly apart.
    var mid = (Math.max(span[0], p.t[a]) + Math.min(span[1], p.t[b])) / 2;
    items.push({ bar: Math.min(last, Math.max(first, lowerBound(p.t, mid))), entries: entries, exits: end - i - entries });
    i = end;
  }
  return { mode: 'counts', inView: n, unit: u.name, items: items };
}
`;

/**
 * The page's script: draws the charts with Lightweight Charts from the JSON
 * in #qf-data, fills the monthly heatmap and the sortable trade table. Plain
 * ES2020, no network, no other library.
 */
export const TEARSHEET_APP = String.raw`
(function () {
  'use strict';
  var LC = window.LightweightCharts;
  var D = JSON.parse(document.getElementById('qf-data').textContent);
  var css = getComputedStyle(document.documentElement);
  var C = {
    text: css.getPropertyValue('--muted').trim(), line: css.getPropertyValue('--line').trim(),
    up: css.getPropertyValue('--up').trim(), down: css.getPropertyValue('--down').trim(),
    accent: css.getPropertyValue('--accent').trim(), bench: css.getPropertyValue('--bench').trim(),
    font: css.getPropertyValue('--font').trim()
  };
  var charts = [];

  function fmtNum(x, d) {
    if (x === null || x === undefined || !isFinite(x)) return '\u2014';
    if (Number(x.toFixed(d)) === 0) x = 0; // no "-0.00"
    return x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
  }
  function fmtPct(x, d) { return x === null || !isFinite(x) ? '\u2014' : fmtNum(x * 100, d) + '%'; }
  function fmtDate(sec) {
    var s = new Date(sec * 1000).toISOString();
    return D.intraday ? s.slice(0, 16).replace('T', ' ') : s.slice(0, 10);
  }

  function makeChart(el, opts) {
    // Sized from the container now (so fitContent sees the real width) and again on every window resize.
    var chart = LC.createChart(el, Object.assign({
      width: el.clientWidth, height: el.clientHeight,
      layout: { background: { type: 'solid', color: 'transparent' }, textColor: C.text, fontFamily: C.font, fontSize: 11, attributionLogo: false },
      grid: { vertLines: { color: 'rgba(255,255,255,0.035)' }, horzLines: { color: 'rgba(255,255,255,0.05)' } },
      rightPriceScale: { borderColor: C.line },
      leftPriceScale: { borderColor: C.line },
      timeScale: { borderColor: C.line, timeVisible: D.intraday, secondsVisible: false, minBarSpacing: 0.01, lockVisibleTimeRangeOnResize: true },
      crosshair: { mode: LC.CrosshairMode.Normal },
      handleScroll: { mouseWheel: false, pressedMouseMove: true },
      handleScale: { mouseWheel: true }
    }, opts || {}));
    chart.__el = el;
    chart.__w = el.clientWidth;
    chart.__h = el.clientHeight;
    charts.push(chart);
    return chart;
  }
  // Follow the page width; the visible time range stays as it was (lockVisibleTimeRangeOnResize).
  window.addEventListener('resize', function () {
    charts.forEach(function (c) {
      var w = c.__el.clientWidth, h = c.__el.clientHeight;
      if (w !== c.__w || h !== c.__h) { c.__w = w; c.__h = h; c.resize(w, h); }
    });
  });
  function lineData(t, v) {
    var out = new Array(t.length);
    for (var i = 0; i < t.length; i++) out[i] = v[i] === null ? { time: t[i] } : { time: t[i], value: v[i] };
    return out;
  }
  var money = { type: 'custom', minMove: 0.01, formatter: function (v) { return fmtNum(v, Math.abs(v) >= 1000 ? 0 : 2); } };
  var percent = { type: 'custom', minMove: 0.01, formatter: function (v) { return fmtNum(v, 2) + '%'; } };

  // Equity (with the benchmark rebased to the same start) and, in a pane below on the same time axis, the drawdown.
  var synced = [];
  if (D.equity.t.length > 0) {
    var eq = makeChart(document.getElementById('chart-equity'), {
      layout: { background: { type: 'solid', color: 'transparent' }, textColor: C.text, fontFamily: C.font, fontSize: 11, attributionLogo: false, panes: { separatorColor: C.line, enableResize: false } },
      rightPriceScale: { borderColor: C.line, minimumWidth: 84 },
      leftPriceScale: { borderColor: C.line, visible: !!D.benchmark, minimumWidth: 84 }
    });
    var eqSeries = eq.addSeries(LC.AreaSeries, {
      lineColor: C.accent, topColor: 'rgba(76,154,255,0.28)', bottomColor: 'rgba(76,154,255,0.02)', lineWidth: 2,
      priceFormat: money, priceLineVisible: false
    });
    eqSeries.setData(lineData(D.equity.t, D.equity.v));
    eqSeries.createPriceLine({ price: D.initialCash, color: 'rgba(138,150,168,0.5)', lineWidth: 1, lineStyle: LC.LineStyle.Dashed, axisLabelVisible: false, title: '' });
    if (D.benchmark) {
      // On its own (left) axis: a benchmark many times the strategy's move would otherwise flatten the strategy's curve.
      var b = eq.addSeries(LC.LineSeries, { color: C.bench, lineWidth: 1, priceScaleId: 'left', priceFormat: money, priceLineVisible: false, lastValueVisible: false });
      b.setData(lineData(D.equity.t, D.benchmark.v));
    }
    var ddSeries = eq.addSeries(LC.AreaSeries, {
      lineColor: C.down, topColor: 'rgba(239,83,80,0.05)', bottomColor: 'rgba(239,83,80,0.45)', lineWidth: 1,
      priceFormat: percent, priceLineVisible: false, invertFilledArea: true
    }, 1);
    ddSeries.setData(lineData(D.equity.t, D.drawdown));
    var panes = eq.panes();
    if (panes.length > 1) panes[1].setStretchFactor(0.45);
    eq.timeScale().fitContent();
    synced.push(eq);

    if (D.rolling) {
      var ro = makeChart(document.getElementById('chart-rolling'), { leftPriceScale: { visible: true, borderColor: C.line } });
      var rs = ro.addSeries(LC.LineSeries, { color: C.accent, lineWidth: 1, priceLineVisible: false, priceFormat: { type: 'price', precision: 2, minMove: 0.01 } });
      rs.setData(lineData(D.equity.t, D.rolling.sharpe));
      rs.createPriceLine({ price: 0, color: 'rgba(138,150,168,0.5)', lineWidth: 1, lineStyle: LC.LineStyle.Dotted, axisLabelVisible: false, title: '' });
      var rv = ro.addSeries(LC.LineSeries, { color: C.bench, lineWidth: 1, priceScaleId: 'left', priceLineVisible: false, priceFormat: percent });
      rv.setData(lineData(D.equity.t, D.rolling.volatility));
      ro.timeScale().fitContent();
      synced.push(ro);
    }
    var syncing = false;
    synced.forEach(function (c) {
      c.timeScale().subscribeVisibleLogicalRangeChange(function (range) {
        if (syncing || !range) return;
        syncing = true;
        synced.forEach(function (o) { if (o !== c) o.timeScale().setVisibleLogicalRange(range); });
        syncing = false;
      });
    });
  }

  // Price with entry and exit markers, one tab per symbol. Only the marks of the bars in view are drawn, at most
  // MAX_MARKS of them; with more in view they are counted per time bucket (tens of thousands of trades make a blob).
  var MAX_MARKS = 200;
  var BUCKET_PX = 110; // room for a count's label between two buckets
  ${VISIBLE_MARKS_JS}
  var priceEl = document.getElementById('chart-price');
  var priceNote = document.getElementById('price-note');
  var priceChart = null, priceMarkers = null, shown = -1, entriesBefore = null, pendingMarks = false;
  function fmtInt(x) { return fmtNum(x, 0); }
  function drawMarks() {
    pendingMarks = false;
    var p = D.prices[shown];
    var range = priceChart.timeScale().getVisibleLogicalRange();
    if (!p || !range) return;
    var a = Math.max(0, Math.ceil(range.from)), b = Math.min(p.t.length - 1, Math.floor(range.to));
    var v = visibleMarks(p, entriesBefore, a, b, MAX_MARKS, Math.max(2, Math.floor(priceEl.clientWidth / BUCKET_PX)));
    var trades = entriesBefore[p.marks.bar.length];
    var note = '';
    var markers = [];
    if (v.mode === 'each') {
      v.items.forEach(function (m) {
        var entry = (m.flag & 1) !== 0, long = (m.flag & 2) !== 0, win = (m.flag & 4) !== 0;
        var up = entry ? long : !long;
        markers.push({ time: p.t[m.bar], position: up ? 'belowBar' : 'aboveBar', shape: up ? 'arrowUp' : 'arrowDown', color: entry ? C.accent : (win ? C.up : C.down), size: 1 });
      });
      if (p.marks.bar.length > MAX_MARKS) note = fmtInt(trades) + ' trades: showing the ' + fmtInt(v.inView) + ' entries and exits in view.';
    } else {
      v.items.forEach(function (m) {
        var time = p.t[m.bar];
        if (m.entries > 0) markers.push({ time: time, position: 'belowBar', shape: 'arrowUp', color: C.accent, text: fmtInt(m.entries) + (m.entries === 1 ? ' entry' : ' entries') });
        if (m.exits > 0) markers.push({ time: time, position: 'aboveBar', shape: 'arrowDown', color: C.text, text: fmtInt(m.exits) + (m.exits === 1 ? ' exit' : ' exits') });
      });
      note = fmtInt(trades) + ' trades, ' + fmtInt(v.inView) + ' entries and exits in view, counted per ' + v.unit + ': zoom in to see each trade.';
    }
    priceMarkers.setMarkers(markers);
    priceEl.setAttribute('data-markers', String(markers.length));
    priceNote.textContent = note;
    priceNote.hidden = note === '';
  }
  function showPrice(k) {
    var p = D.prices[k];
    if (!p) return;
    if (priceChart) { charts.splice(charts.indexOf(priceChart), 1); priceChart.remove(); }
    shown = k;
    priceChart = makeChart(priceEl);
    var s = priceChart.addSeries(LC.CandlestickSeries, {
      upColor: C.up, downColor: C.down, borderVisible: false, wickUpColor: C.up, wickDownColor: C.down,
      priceFormat: { type: 'price', precision: p.precision, minMove: Math.pow(10, -p.precision) }
    });
    var bars = new Array(p.t.length);
    for (var i = 0; i < p.t.length; i++) bars[i] = { time: p.t[i], open: p.o[i], high: p.h[i], low: p.l[i], close: p.c[i] };
    s.setData(bars);
    entriesBefore = new Int32Array(p.marks.flag.length + 1);
    for (var m = 0; m < p.marks.flag.length; m++) entriesBefore[m + 1] = entriesBefore[m] + (p.marks.flag[m] & 1);
    priceMarkers = LC.createSeriesMarkers(s, []);
    priceChart.timeScale().fitContent();
    drawMarks();
    // Redrawn once per frame while the range moves (scrolling, zooming).
    priceChart.timeScale().subscribeVisibleLogicalRangeChange(function () {
      if (!pendingMarks) { pendingMarks = true; requestAnimationFrame(drawMarks); }
    });
    var tabs = document.querySelectorAll('#price-tabs button');
    for (var j = 0; j < tabs.length; j++) tabs[j].classList.toggle('on', j === k);
  }
  if (D.prices.length > 0) {
    var tabBox = document.getElementById('price-tabs');
    if (D.prices.length > 1) {
      D.prices.forEach(function (p, k) {
        var b = document.createElement('button');
        b.textContent = p.symbol;
        b.addEventListener('click', function () { showPrice(k); });
        tabBox.appendChild(b);
      });
    }
    showPrice(0);
  }
  // For scripts driving the page (and its tests): the price chart and the markers it draws.
  window.quantflowReport = {
    priceChart: function () { return priceChart; },
    priceMarkers: function () { return priceMarkers ? priceMarkers.markers() : []; }
  };

  // Monthly returns heatmap. Every table is built with createElement and textContent: data never becomes markup.
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  var heat = document.getElementById('heatmap');
  if (heat && D.monthly.years.length > 0) {
    var scale = D.monthly.scale || 1;
    var digits = scale < 0.01 ? 2 : 1;
    var months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
    var thead = el('thead');
    var hr = thead.appendChild(el('tr'));
    hr.appendChild(el('th'));
    months.concat(['Year']).forEach(function (m) { hr.appendChild(el('th', '', m)); });
    var tbody = el('tbody');
    D.monthly.years.forEach(function (row) {
      var tr = tbody.appendChild(el('tr'));
      tr.appendChild(el('td', 'year', String(row.year)));
      row.months.concat([row.total]).forEach(function (v, i) {
        var cls = i === 12 ? 'total' : '';
        if (v === null) { tr.appendChild(el('td', 'none ' + cls, '\u00b7')); return; }
        var a = Math.min(1, Math.abs(v) / scale);
        var td = tr.appendChild(el('td', cls, fmtPct(v, digits)));
        td.style.background = v > 0 ? 'rgba(38,166,154,' + (0.12 + 0.78 * a).toFixed(3) + ')' : v < 0 ? 'rgba(239,83,80,' + (0.12 + 0.78 * a).toFixed(3) + ')' : 'rgba(138,150,168,0.08)';
        td.title = row.year + (i < 12 ? '-' + months[i] : '') + ': ' + fmtPct(v, 3);
      });
    });
    heat.replaceChildren(thead, tbody);
  }

  // Annual returns as bars.
  var yearlyEl = document.getElementById('chart-yearly');
  if (yearlyEl && D.monthly.years.length > 0) {
    var yc = makeChart(yearlyEl, { timeScale: { borderColor: C.line, timeVisible: false, fixLeftEdge: true, fixRightEdge: true, lockVisibleTimeRangeOnResize: true }, handleScale: false, handleScroll: false });
    var hs = yc.addSeries(LC.HistogramSeries, { priceFormat: percent, priceLineVisible: false, lastValueVisible: false, base: 0 });
    hs.setData(D.monthly.years.map(function (y) {
      var v = y.total === null ? 0 : y.total * 100;
      return { time: y.year + '-07-01', value: v, color: v >= 0 ? C.up : C.down };
    }));
    yc.timeScale().fitContent();
  }

  // Sortable trade table (the first MAX rows of the current order are shown).
  var MAX = 1000;
  var cols = [
    { key: 0, label: '#', num: true, f: function (v) { return String(v); } },
    { key: 1, label: 'Symbol', l: true, f: String },
    { key: 2, label: 'Side', l: true, f: String },
    { key: 3, label: 'Qty', num: true, f: function (v) { return fmtNum(v, Math.round(v) === v ? 0 : 4); } },
    { key: 4, label: 'Entry', num: true, l: true, f: fmtDate },
    { key: 5, label: 'Entry price', num: true, f: function (v) { return fmtNum(v, D.pricePrecision); } },
    { key: 6, label: 'Exit', num: true, l: true, f: fmtDate },
    { key: 7, label: 'Exit price', num: true, f: function (v) { return fmtNum(v, D.pricePrecision); } },
    { key: 8, label: 'Net P&L', num: true, pnl: true, f: function (v) { return fmtNum(v, 2); } },
    { key: 9, label: 'Return', num: true, pnl: true, f: function (v) { return fmtPct(v, 2); } },
    { key: 10, label: 'Bars', num: true, f: function (v) { return fmtNum(v, 0); } },
    { key: 11, label: 'MAE', num: true, f: function (v) { return fmtNum(v, 2); } },
    { key: 12, label: 'MFE', num: true, f: function (v) { return fmtNum(v, 2); } }
  ];
  var table = document.getElementById('trades');
  var rows = D.trades.slice();
  var sortKey = 0;
  var sortDir = 1;
  function renderTrades() {
    var thead = el('thead');
    var hr = thead.appendChild(el('tr'));
    cols.forEach(function (c) {
      var th = hr.appendChild(el('th', c.l ? 'l' : '', c.label));
      th.setAttribute('data-key', String(c.key));
      th.setAttribute('aria-sort', c.key === sortKey ? (sortDir > 0 ? 'ascending' : 'descending') : 'none');
    });
    var tbody = el('tbody');
    var n = Math.min(rows.length, MAX);
    for (var i = 0; i < n; i++) {
      var r = rows[i];
      var tr = tbody.appendChild(el('tr'));
      for (var k = 0; k < cols.length; k++) {
        var c = cols[k];
        var v = r[c.key];
        var td = tr.appendChild(el('td', (c.l ? 'l ' : '') + (c.pnl && v > 0 ? 'pos' : c.pnl && v < 0 ? 'neg' : ''), v === null ? '\u2014' : c.f(v)));
        td.setAttribute('data-v', v === null ? '' : String(v));
      }
    }
    table.replaceChildren(thead, tbody);
    var note = document.getElementById('trades-note');
    if (note) note.textContent = rows.length > MAX ? 'Showing ' + MAX + ' of ' + rows.length + ' trades in the current order; click a column to sort.' : rows.length + ' closed trades; click a column to sort.';
  }
  function sortBy(key) {
    if (key === sortKey) sortDir = -sortDir;
    else { sortKey = key; sortDir = 1; }
    var num = cols[key].num;
    rows.sort(function (a, b) {
      var x = a[key], y = b[key];
      if (x === null && y === null) return a[0] - b[0];
      if (x === null) return 1;
      if (y === null) return -1;
      var c = num ? x - y : String(x).localeCompare(String(y));
      return c !== 0 ? sortDir * c : a[0] - b[0];
    });
    renderTrades();
  }
  if (table) {
    table.addEventListener('click', function (e) {
      var th = e.target.closest('th');
      if (th) sortBy(Number(th.getAttribute('data-key')));
    });
    renderTrades();
  }
  // Marked ready once the charts have painted (they draw on the next animation frames).
  requestAnimationFrame(function () {
    requestAnimationFrame(function () { document.body.setAttribute('data-ready', String(charts.length)); });
  });
})();
`;

/** Distinct line colours for overlaid runs. */
export const PALETTE = ['#4c9aff', '#c9a227', '#26a69a', '#ef5350', '#ab47bc', '#ff8a65', '#66bb6a', '#8d6e63', '#26c6da', '#ec407a'];

/** The comparison page's script: one line per run, cumulative return in percent. */
export const COMPARE_APP = String.raw`
(function () {
  'use strict';
  var LC = window.LightweightCharts;
  var D = JSON.parse(document.getElementById('qf-data').textContent);
  var css = getComputedStyle(document.documentElement);
  var muted = css.getPropertyValue('--muted').trim(), line = css.getPropertyValue('--line').trim();
  var chart = LC.createChart(document.getElementById('chart-compare'), {
    autoSize: true,
    layout: { background: { type: 'solid', color: 'transparent' }, textColor: muted, fontFamily: css.getPropertyValue('--font').trim(), fontSize: 11, attributionLogo: false },
    grid: { vertLines: { color: 'rgba(255,255,255,0.035)' }, horzLines: { color: 'rgba(255,255,255,0.05)' } },
    rightPriceScale: { borderColor: line },
    timeScale: { borderColor: line, timeVisible: D.intraday, secondsVisible: false, minBarSpacing: 0.01, lockVisibleTimeRangeOnResize: true },
    handleScroll: { mouseWheel: false, pressedMouseMove: true }
  });
  var fmt = { type: 'custom', minMove: 0.01, formatter: function (v) { return v.toFixed(2) + '%'; } };
  D.runs.forEach(function (r) {
    var s = chart.addSeries(LC.LineSeries, { color: r.color, lineWidth: 2, priceFormat: fmt, priceLineVisible: false, title: r.label });
    var data = new Array(r.t.length);
    for (var i = 0; i < r.t.length; i++) data[i] = r.v[i] === null ? { time: r.t[i] } : { time: r.t[i], value: r.v[i] };
    s.setData(data);
  });
  chart.timeScale().fitContent();
  requestAnimationFrame(function () {
    requestAnimationFrame(function () { document.body.setAttribute('data-ready', '1'); });
  });
})();
`;
