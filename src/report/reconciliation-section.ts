import { escapeHtml } from './assets.js';

/** What `quantflow reconcile` found (its reconcile.json): money as exact decimal strings. */
export interface ReconciliationView {
  readonly run: string;
  readonly strategy: string;
  readonly symbols: readonly string[];
  readonly starting_cash: string;
  readonly live_final_equity: string;
  readonly backtest_final_equity: string;
  /** live_final_equity - backtest_final_equity; the parts sum to it exactly. */
  readonly total_gap: string;
  /** latency, slippage, quantity, missed, extra, fees, other. */
  readonly parts: Readonly<Record<string, string>>;
  readonly orders: { readonly matched: number; readonly only_live: number; readonly only_backtest: number };
  readonly fills: { readonly live: number; readonly backtest: number };
  /** The backtest's execution settings (the run's, with the overrides given). */
  readonly execution: Readonly<Record<string, unknown>>;
  /** The orders with the largest gaps (by size), at most 10. */
  readonly largest: readonly { readonly seq: number; readonly symbol: string; readonly side: string; readonly status: string; readonly gap: string; readonly time_diff_us: number | null }[];
}

const PART_LABELS: readonly (readonly [key: string, label: string, meaning: string])[] = [
  ['latency', 'Latency', "the market's move between the modeled and the live fill time, on the live quantity"],
  ['slippage', 'Slippage', 'the rest of the price difference of matched orders'],
  ['quantity', 'Quantity', 'units one side filled and the other did not, valued from the modeled price to the final mark'],
  ['missed', 'Missed fills', 'orders only the backtest filled, valued to the final mark'],
  ['extra', 'Extra fills', 'orders only the live run filled, valued to the final mark'],
  ['fees', 'Fees', 'backtest fees minus live fees'],
  ['other', 'Other', 'what the fills do not explain: interest, funding, a different final mark'],
];

const BAR_WIDTH = 220;

/** The report's "Backtest versus live" section: the gap, its parts as a table with a bar each, and the largest order gaps. Every text is escaped. */
export function renderReconciliation(v: ReconciliationView): string {
  const values = PART_LABELS.map(([k]) => Number(v.parts[k] ?? '0')).map((x) => (Number.isFinite(x) ? x : 0));
  const scale = Math.max(...values.map(Math.abs), 0);
  const signClass = (s: string): string => (Number(s) > 0 ? 'pos' : Number(s) < 0 ? 'neg' : '');
  const bar = (x: number): string => {
    const w = scale > 0 ? Math.round((Math.abs(x) / scale) * (BAR_WIDTH / 2)) : 0;
    const x0 = x < 0 ? BAR_WIDTH / 2 - w : BAR_WIDTH / 2;
    return `<svg width="${BAR_WIDTH}" height="12" role="img" aria-label="${escapeHtml(String(x))}"><line x1="${BAR_WIDTH / 2}" y1="0" x2="${BAR_WIDTH / 2}" y2="12" stroke="#8a96a8"/><rect x="${x0}" y="2" width="${w}" height="8" fill="${x < 0 ? '#ef5350' : '#26a69a'}"/></svg>`;
  };
  const partRows = PART_LABELS.map(
    ([k, label, meaning], i) =>
      `<tr><td class="l">${escapeHtml(label)}</td><td class="${signClass(v.parts[k] ?? '0')}">${escapeHtml(v.parts[k] ?? '0')}</td><td>${bar(values[i] as number)}</td><td class="l">${escapeHtml(meaning)}</td></tr>`,
  ).join('');
  const largest = v.largest
    .map(
      (r) =>
        `<tr><td>${escapeHtml(String(r.seq))}</td><td class="l">${escapeHtml(r.symbol)}</td><td class="l">${escapeHtml(r.side)}</td><td class="l">${escapeHtml(r.status.replace('_', ' '))}</td><td>${r.time_diff_us === null ? '' : escapeHtml(String(r.time_diff_us / 1e6))}</td><td class="${signClass(r.gap)}">${escapeHtml(r.gap)}</td></tr>`,
    )
    .join('');
  return `<section class="card" id="reconciliation"><h2>Backtest versus live <span class="dim">${escapeHtml(v.strategy)} \u00b7 ${escapeHtml(v.symbols.join(', '))}</span></h2>
<table class="trades" id="reconciliation-totals"><tbody>
<tr><td class="l">Live final equity</td><td>${escapeHtml(v.live_final_equity)}</td></tr>
<tr><td class="l">Backtest final equity</td><td>${escapeHtml(v.backtest_final_equity)}</td></tr>
<tr><td class="l">Gap (live - backtest)</td><td class="${signClass(v.total_gap)}">${escapeHtml(v.total_gap)}</td></tr>
</tbody></table>
<table class="trades" id="reconciliation-parts"><thead><tr><th class="l">Part</th><th>Amount</th><th>Share</th><th class="l">What it is</th></tr></thead><tbody>${partRows}</tbody></table>
<div class="note">${escapeHtml(`${v.orders.matched} orders matched, ${v.orders.only_live} only live, ${v.orders.only_backtest} only in the backtest (${v.fills.live} live fills, ${v.fills.backtest} modeled).`)} The parts add up to the gap exactly; per order in reconcile.csv.</div>
${largest !== '' ? `<table class="trades" id="reconciliation-largest"><thead><tr><th>Order</th><th class="l">Symbol</th><th class="l">Side</th><th class="l">Status</th><th>Live - modeled time (s)</th><th>Gap</th></tr></thead><tbody>${largest}</tbody></table>` : ''}
</section>`;
}

/** A reconcile.json's content, or undefined when it is not one. */
export function reconciliationOf(value: unknown): ReconciliationView | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  const ok =
    typeof v.total_gap === 'string' &&
    typeof v.strategy === 'string' &&
    Array.isArray(v.symbols) &&
    v.parts !== null &&
    typeof v.parts === 'object' &&
    v.orders !== null &&
    typeof v.orders === 'object' &&
    v.fills !== null &&
    typeof v.fills === 'object' &&
    Array.isArray(v.largest);
  return ok ? (value as ReconciliationView) : undefined;
}
