/** The optimization report's own style, after the tear sheet's (src/report/assets.ts STYLE). */
export const OPTIMIZE_REPORT_STYLE = String.raw`
.h-best { height: 360px; }
.verdict { font-size: 16px; font-weight: 600; margin: 0 0 10px; }
table.figures td { padding: 5px 10px 5px 0; border-bottom: 1px solid var(--line); font-size: 13px; vertical-align: top; }
table.figures td:first-child { color: var(--muted); white-space: nowrap; }
table.figures td.v { text-align: right; font-weight: 600; white-space: nowrap; padding-right: 18px; }
table.figures td.why { color: var(--muted); font-size: 12px; }
table.settings td { padding: 4px 10px 4px 0; border-bottom: 1px solid var(--line); font-size: 13px; }
table.settings td:first-child { color: var(--muted); white-space: nowrap; width: 1%; }
table.settings td:last-child { font-family: var(--mono); font-size: 12px; word-break: break-all; }
.controls { display: flex; gap: 16px; flex-wrap: wrap; margin-bottom: 10px; font-size: 12px; color: var(--muted); }
.controls select { font: 12px var(--font); color: var(--text); background: var(--panel2); border: 1px solid var(--line); border-radius: 6px; padding: 2px 6px; margin-left: 4px; }
.heat-wrap { display: flex; align-items: stretch; gap: 6px; overflow-x: auto; }
.heat-y { writing-mode: vertical-rl; transform: rotate(180deg); text-align: center; color: var(--muted); font-size: 12px; }
.heat-xlabel { text-align: center; color: var(--muted); font-size: 12px; margin-top: 4px; }
.heatmap { display: grid; gap: 2px; flex: 1; align-content: start; grid-auto-rows: 26px; font-variant-numeric: tabular-nums; }
.heatmap .cell { border-radius: 3px; font-size: 11px; display: flex; align-items: center; justify-content: center; overflow: hidden; white-space: nowrap; }
.heatmap .cell.void { background: rgba(138,150,168,0.05); }
.heatmap .cell.best { outline: 2px solid var(--bench); outline-offset: -2px; }
.heatmap .lab { font-size: 11px; color: var(--muted); display: flex; align-items: center; justify-content: center; white-space: nowrap; overflow: hidden; }
.heatmap .lab.y { justify-content: flex-end; padding-right: 4px; }
.bars-wrap { position: relative; width: 100%; height: 240px; }
canvas.bars { width: 100%; height: 100%; display: block; }
table.trades tbody tr.off td { color: #5d6878; }
table.trades td.reason { text-align: left; max-width: 360px; overflow: hidden; text-overflow: ellipsis; }
table.trades th.obj { color: var(--bench); }
`;

/**
 * The optimization report's script: the best trial's equity with Lightweight
 * Charts, the heatmap as a CSS grid of cells, the objective over one
 * parameter and its histogram on canvases, and the sortable trials table,
 * from the JSON in #qf-data. Every text goes in with textContent or title:
 * data never becomes markup. Plain ES2020, no network, no other library.
 */
export const OPTIMIZE_REPORT_APP = String.raw`
(function () {
  'use strict';
  var LC = window.LightweightCharts;
  var D = JSON.parse(document.getElementById('qf-data').textContent);
  var css = getComputedStyle(document.documentElement);
  var C = {
    text: css.getPropertyValue('--text').trim(), muted: css.getPropertyValue('--muted').trim(), line: css.getPropertyValue('--line').trim(),
    accent: css.getPropertyValue('--accent').trim(), bench: css.getPropertyValue('--bench').trim(), font: css.getPropertyValue('--font').trim()
  };
  var N = D.trials.trial.length;
  var OBJ = D.trials.metrics[0];
  var KIND = D.metrics[0].kind;
  var charts = 0;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function fmtNum(x, d) {
    if (x === null || x === undefined || !isFinite(x)) return '\u2014';
    if (Number(x.toFixed(d)) === 0) x = 0; // no "-0.00"
    return x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
  }
  function fmtMetric(x, kind) {
    if (x === null || x === undefined || !isFinite(x)) return '\u2014';
    if (kind === 'pct') return fmtNum(x * 100, 2) + '%';
    if (kind === 'int') return fmtNum(x, 0);
    if (kind === 'money') return fmtNum(x, 2);
    return fmtNum(x, 3);
  }
  function paramText(v) {
    if (v === null) return '';
    if (typeof v !== 'number') return String(v);
    return String(Math.abs(v) >= 1e-4 || v === 0 ? Number(v.toPrecision(6)) : v);
  }
  /** Whether a is better than b for the objective. */
  function better(a, b) { return D.minimize ? a < b : a > b; }

  /** Colours of a set of objective values: centred on 0 (red below, green above) or from dim to bright as they get better. */
  function colourScale(values) {
    var lo = Infinity, hi = -Infinity, mag = 0;
    values.forEach(function (v) { if (v !== null) { lo = Math.min(lo, v); hi = Math.max(hi, v); mag = Math.max(mag, Math.abs(v)); } });
    return function (v) {
      if (D.diverging) {
        var a = mag > 0 ? Math.abs(v) / mag : 0;
        if (v === 0 || a === 0) return 'rgba(138,150,168,0.18)';
        return (v > 0 ? 'rgba(38,166,154,' : 'rgba(239,83,80,') + (0.15 + 0.8 * a).toFixed(3) + ')';
      }
      var g = hi > lo ? (v - lo) / (hi - lo) : 1;
      if (D.minimize) g = 1 - g;
      return 'rgba(76,154,255,' + (0.12 + 0.83 * g).toFixed(3) + ')';
    };
  }

  // The best trial's equity.
  var eqEl = document.getElementById('chart-equity');
  if (D.equity.t.length > 0 && eqEl) {
    var chart = LC.createChart(eqEl, {
      autoSize: true,
      layout: { background: { type: 'solid', color: 'transparent' }, textColor: C.muted, fontFamily: C.font, fontSize: 11, attributionLogo: false },
      grid: { vertLines: { color: 'rgba(255,255,255,0.035)' }, horzLines: { color: 'rgba(255,255,255,0.05)' } },
      rightPriceScale: { borderColor: C.line, minimumWidth: 84 },
      timeScale: { borderColor: C.line, timeVisible: D.intraday, secondsVisible: false, minBarSpacing: 0.01, lockVisibleTimeRangeOnResize: true },
      handleScroll: { mouseWheel: false, pressedMouseMove: true }
    });
    var money = { type: 'custom', minMove: 0.01, formatter: function (v) { return fmtNum(v, Math.abs(v) >= 1000 ? 0 : 2); } };
    var line = chart.addSeries(LC.LineSeries, { color: C.accent, lineWidth: 2, priceFormat: money, priceLineVisible: false });
    var pts = new Array(D.equity.t.length);
    for (var i = 0; i < pts.length; i++) pts[i] = D.equity.v[i] === null ? { time: D.equity.t[i] } : { time: D.equity.t[i], value: D.equity.v[i] };
    line.setData(pts);
    chart.timeScale().fitContent();
    charts++;
  }

  /**
   * Bars on a canvas sized to its box: values (null: no bar) over labels, the
   * bar at index mark outlined in gold, the value under the pointer in the
   * canvas's title.
   */
  function drawBars(canvas, opts) {
    function paint() {
      var w = canvas.clientWidth, h = canvas.clientHeight, dpr = window.devicePixelRatio || 1;
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
      var g = canvas.getContext('2d');
      g.setTransform(dpr, 0, 0, dpr, 0, 0);
      g.clearRect(0, 0, w, h);
      var left = 56, right = 10, top = 10, bottom = 34;
      var pw = Math.max(1, w - left - right), ph = Math.max(1, h - top - bottom);
      var lo = 0, hi = 0;
      opts.values.forEach(function (v) { if (v !== null) { lo = Math.min(lo, v); hi = Math.max(hi, v); } });
      if (hi === lo) hi = lo + 1;
      var y = function (v) { return top + ph * (hi - v) / (hi - lo); };
      g.font = '11px ' + C.font;
      g.fillStyle = C.muted;
      g.textBaseline = 'middle';
      g.textAlign = 'right';
      [hi, lo].concat(lo < 0 && hi > 0 ? [0] : []).forEach(function (v) { g.fillText(opts.yLabel(v), left - 6, y(v)); });
      g.strokeStyle = C.line;
      g.beginPath(); g.moveTo(left, y(0) + 0.5); g.lineTo(left + pw, y(0) + 0.5); g.stroke();
      var n = opts.values.length, bw = pw / n;
      for (var k = 0; k < n; k++) {
        var v = opts.values[k];
        if (v === null) continue;
        var x0 = left + k * bw + Math.min(1, bw * 0.1), x1 = left + (k + 1) * bw - Math.min(1, bw * 0.1);
        var ya = y(Math.max(v, 0)), yb = y(Math.min(v, 0));
        g.fillStyle = opts.colour(v, k);
        g.fillRect(x0, ya, Math.max(1, x1 - x0), Math.max(1, yb - ya));
        if (k === opts.mark) { g.strokeStyle = C.bench; g.lineWidth = 2; g.strokeRect(x0 + 1, ya + 1, Math.max(1, x1 - x0 - 2), Math.max(1, yb - ya - 2)); g.lineWidth = 1; }
      }
      g.fillStyle = C.muted;
      g.textBaseline = 'top';
      var ticks = opts.xTicks(n);
      var every = Math.max(1, Math.ceil(ticks.length * 70 / pw));
      ticks.forEach(function (t, j) {
        if (j % every !== 0 && j !== ticks.length - 1) return;
        g.textAlign = t.at <= 0 ? 'left' : t.at >= n ? 'right' : 'center';
        g.fillText(t.text, left + t.at * bw, top + ph + 6);
      });
      canvas.__plot = { left: left, bw: bw, n: n };
    }
    paint();
    window.addEventListener('resize', paint);
    canvas.addEventListener('mousemove', function (e) {
      var p = canvas.__plot;
      var k = Math.floor((e.offsetX - p.left) / p.bw);
      canvas.title = k >= 0 && k < p.n ? opts.hover(k) : '';
    });
    charts++;
  }

  // The objective over the parameters.
  var note = document.getElementById('heat-note');
  var xSel = document.getElementById('heat-x'), ySel = document.getElementById('heat-y'), oSel = document.getElementById('heat-others');
  var heat = document.getElementById('heatmap');
  /** Per cell of the X by Y grid: the best objective among the trials that fall in it, and which trial. */
  function grid(xi, yi, mode) {
    var ax = D.axes[xi], ay = D.axes[yi], nx = ax.labels.length, ny = ay.labels.length;
    var value = new Array(nx * ny).fill(null), who = new Array(nx * ny).fill(-1);
    var others = [];
    for (var k = 0; k < D.axes.length; k++) if (k !== xi && k !== yi) others.push(D.axes[k]);
    for (var i = 0; i < N; i++) {
      var v = OBJ[i];
      if (v === null) continue; // skipped, failed, or no value
      var x = ax.at[i], y = ay.at[i];
      if (x < 0 || y < 0) continue;
      if (mode === 'best') {
        if (D.best < 0) continue;
        var same = true;
        for (var o = 0; o < others.length && same; o++) same = others[o].at[i] === others[o].at[D.best];
        if (!same) continue;
      }
      var c = y * nx + x;
      if (value[c] === null || better(v, value[c])) { value[c] = v; who[c] = i; }
    }
    return { nx: nx, ny: ny, value: value, who: who };
  }
  function cellTitle(i) {
    var parts = D.axes.map(function (a) { return a.name + '=' + paramText(a.values[i]); });
    return parts.join(', ') + ': ' + D.objective + ' ' + fmtMetric(OBJ[i], KIND) + ' (trial #' + D.trials.trial[i] + ')';
  }
  /** An axis label, in full on hover (a narrow cell cuts it). */
  function label(cls, text) {
    var e = el('div', cls, text);
    e.title = text;
    return e;
  }
  function drawHeatmap() {
    var xi = Number(xSel.value), yi = Number(ySel.value), mode = oSel ? oSel.value : 'over';
    var g = grid(xi, yi, mode);
    var ax = D.axes[xi], ay = D.axes[yi];
    var colour = colourScale(g.value);
    var small = g.nx <= 12 && g.ny <= 20;
    var cells = [];
    // Rows from the highest Y value at the top down to the lowest; a last row of X labels.
    for (var r = g.ny - 1; r >= 0; r--) {
      cells.push(label('lab y', ay.labels[r]));
      for (var x = 0; x < g.nx; x++) {
        var c = r * g.nx + x, v = g.value[c];
        var cell = el('div', v === null ? 'cell void' : 'cell filled');
        cell.setAttribute('data-x', String(x));
        cell.setAttribute('data-y', String(r));
        if (v !== null) {
          cell.style.background = colour(v);
          cell.title = cellTitle(g.who[c]);
          if (g.who[c] === D.best) cell.classList.add('best');
          if (small) cell.textContent = fmtMetric(v, KIND);
        } else {
          cell.title = ax.name + '=' + ax.labels[x] + ', ' + ay.name + '=' + ay.labels[r] + ': no ok trial';
        }
        cells.push(cell);
      }
    }
    cells.push(el('div', 'lab'));
    ax.labels.forEach(function (l) { cells.push(label('lab x', l)); });
    heat.style.gridTemplateColumns = 'max-content repeat(' + g.nx + ', minmax(' + (small ? 44 : 10) + 'px, 1fr))';
    heat.replaceChildren.apply(heat, cells);
    heat.setAttribute('data-filled', String(g.value.filter(function (v) { return v !== null; }).length));
    document.getElementById('heat-xlabel').textContent = ax.name + (ax.binned ? ' (ranges)' : '');
    document.getElementById('heat-ylabel').textContent = ay.name + (ay.binned ? ' (ranges)' : '');
    var how = D.axes.length <= 2 ? '' : mode === 'best'
      ? ' The other parameters are held at the best trial\'s values.'
      : ' Each cell shows the best ' + D.objective + ' over the other parameters.';
    note.textContent = 'Cells: ' + D.objective + ' of the ok trials at each pair of values; empty cells were skipped, failed or not tried.' +
      how + ' The best trial is outlined in gold; hover a cell for its value.';
  }
  if (heat && D.axes.length >= 2) {
    D.axes.forEach(function (a, k) {
      xSel.appendChild(el('option', '', a.name)).value = String(k);
      ySel.appendChild(el('option', '', a.name)).value = String(k);
    });
    xSel.value = '0';
    ySel.value = '1';
    // X and Y stay two different parameters: picking the other's parameter swaps them.
    var last = { x: '0', y: '1' };
    function picked(changed) {
      if (xSel.value === ySel.value) {
        if (changed === xSel) ySel.value = last.x; else xSel.value = last.y;
      }
      last = { x: xSel.value, y: ySel.value };
      drawHeatmap();
    }
    xSel.addEventListener('change', function () { picked(xSel); });
    ySel.addEventListener('change', function () { picked(ySel); });
    if (oSel) oSel.addEventListener('change', drawHeatmap);
    drawHeatmap();
  }

  // One parameter: the objective over its values as bars.
  var paramChart = document.getElementById('param-chart');
  if (paramChart && D.axes.length === 1) {
    var g1 = grid(0, 0, 'over');
    var a0 = D.axes[0];
    // grid(0, 0) puts trial i at cell (at, at): its diagonal is the line over the one parameter.
    var values = a0.labels.map(function (_, k) { return g1.value[k * a0.labels.length + k]; });
    var who = a0.labels.map(function (_, k) { return g1.who[k * a0.labels.length + k]; });
    var colour1 = colourScale(values);
    paramChart.setAttribute('data-bars', String(values.filter(function (v) { return v !== null; }).length));
    drawBars(paramChart, {
      values: values,
      mark: who.indexOf(D.best),
      colour: function (v) { return colour1(v); },
      yLabel: function (v) { return fmtMetric(v, KIND); },
      xTicks: function (n) { return a0.labels.map(function (l, k) { return { at: k + 0.5, text: l }; }); },
      hover: function (k) { return who[k] < 0 ? a0.name + '=' + a0.labels[k] + ': no ok trial' : cellTitle(who[k]); }
    });
    note.textContent = D.objective + ' of the ok trials at each value of ' + a0.name + '; the best trial is outlined in gold.';
  }

  // The distribution of the objective.
  var histEl = document.getElementById('histogram');
  if (D.histogram && histEl && histEl.tagName === 'CANVAS') {
    var H = D.histogram;
    histEl.setAttribute('data-bins', String(H.counts.length));
    drawBars(histEl, {
      values: H.counts,
      mark: H.bestBin === null ? -1 : H.bestBin,
      colour: function (v, k) { return k === H.bestBin ? C.bench : C.accent; },
      yLabel: function (v) { return fmtNum(v, 0); },
      xTicks: function (n) {
        return [0, Math.floor(n / 4), Math.floor(n / 2), Math.floor(3 * n / 4), n].map(function (k) { return { at: k, text: fmtMetric(H.edges[k], KIND) }; });
      },
      hover: function (k) { return fmtMetric(H.edges[k], KIND) + ' to ' + fmtMetric(H.edges[k + 1], KIND) + ': ' + H.counts[k] + ' trials'; }
    });
    var okCount = H.counts.reduce(function (s, c) { return s + c; }, 0);
    document.getElementById('histogram-note').textContent = okCount + ' ok trials with a value in ' + H.counts.length + ' bins' +
      (H.best !== null ? '; the best trial (' + D.objective + ' ' + fmtMetric(H.best, KIND) + ') is in the gold bar.' : '.');
  }

  // The trials table, sortable by any column (the first maxRows rows of the current order are shown).
  var cols = [
    { label: '#', num: true, get: function (i) { return D.trials.trial[i]; }, show: String },
    { label: 'status', l: true, get: function (i) { return D.trials.status[i]; }, show: String },
    { label: 'reason', l: true, cls: 'reason', get: function (i) { return D.trials.reason[i] === '' ? null : D.trials.reason[i]; }, show: String }
  ];
  D.axes.forEach(function (a) {
    cols.push({ label: a.name, param: true, get: function (i) { return a.values[i]; }, show: paramText });
  });
  D.metrics.forEach(function (m, k) {
    var col = D.trials.metrics[k];
    cols.push({ label: m.name, num: true, metric: true, obj: k === 0, get: function (i) { return col[i]; }, show: function (v) { return fmtMetric(v, m.kind); } });
  });
  var table = document.getElementById('trials');
  var order = [];
  for (var t = 0; t < N; t++) order.push(t);
  var sortCol = 0, sortDir = 1;
  function compareValues(x, y) {
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    if (typeof x === 'number') return -1;
    if (typeof y === 'number') return 1;
    x = String(x); y = String(y);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  function renderTrials() {
    var thead = el('thead');
    var hr = thead.appendChild(el('tr'));
    cols.forEach(function (c, k) {
      var th = hr.appendChild(el('th', (c.l ? 'l' : '') + (c.obj ? ' obj' : ''), c.label));
      th.setAttribute('data-col', String(k));
      th.setAttribute('aria-sort', k === sortCol ? (sortDir > 0 ? 'ascending' : 'descending') : 'none');
      if (c.obj) th.title = 'the objective (' + (D.minimize ? 'minimized' : 'maximized') + ')';
    });
    var tbody = el('tbody');
    var n = Math.min(order.length, D.maxRows);
    for (var r = 0; r < n; r++) {
      var i = order[r];
      var tr = tbody.appendChild(el('tr', D.trials.status[i] === 'ok' ? '' : 'off'));
      if (i === D.best) tr.setAttribute('data-best', '');
      for (var k = 0; k < cols.length; k++) {
        var c = cols[k], v = c.get(i);
        var td = tr.appendChild(el('td', (c.l ? 'l ' : '') + (c.cls || ''), v === null ? (c.metric ? '\u2014' : '') : c.show(v)));
        td.setAttribute('data-v', v === null ? '' : String(v));
        if (c.cls === 'reason' && v !== null) td.title = v;
        if (c.param && typeof v === 'number') td.title = String(v);
      }
    }
    table.replaceChildren(thead, tbody);
    document.getElementById('trials-note').textContent = order.length > D.maxRows
      ? 'Showing the first ' + D.maxRows.toLocaleString('en-US') + ' of ' + order.length.toLocaleString('en-US') + ' trials in the current order; click a column header to sort all of them.'
      : order.length + ' trials; click a column header to sort (again to reverse). Skipped and failed trials are greyed, with their reason.';
  }
  function sortBy(k) {
    // A metric sorts from the highest first; anything else from the lowest.
    if (k === sortCol) sortDir = -sortDir;
    else { sortCol = k; sortDir = cols[k].metric ? -1 : 1; }
    var get = cols[k].get;
    order.sort(function (a, b) {
      var x = get(a), y = get(b);
      if (x === null && y === null) return a - b;
      if (x === null) return 1; // empty last, either way
      if (y === null) return -1;
      var c = compareValues(x, y);
      return c !== 0 ? sortDir * c : a - b;
    });
    renderTrials();
  }
  if (table) {
    table.addEventListener('click', function (e) {
      var th = e.target.closest('th');
      if (th) sortBy(Number(th.getAttribute('data-col')));
    });
    renderTrials();
  }

  requestAnimationFrame(function () {
    requestAnimationFrame(function () { document.body.setAttribute('data-ready', String(charts)); });
  });
})();
`;
