import { describe, expect, it } from 'vitest';
import type { ReconciliationView } from './reconciliation-section.js';
import { reconciliationOf, renderReconciliation } from './reconciliation-section.js';

const EVIL = '<script>alert("x")</script>&';

const view: ReconciliationView = {
  run: 'runs/x',
  strategy: EVIL,
  symbols: [EVIL],
  starting_cash: '100000',
  live_final_equity: '99990.5',
  backtest_final_equity: '100000',
  total_gap: '-9.5',
  parts: { latency: '-4', slippage: '-3', quantity: '0', missed: '0', extra: '0', fees: '-2.5', other: '0' },
  orders: { matched: 3, only_live: 0, only_backtest: 1 },
  fills: { live: 3, backtest: 4 },
  execution: {},
  largest: [{ seq: 2, symbol: EVIL, side: 'buy', status: 'only_backtest', gap: '-4', time_diff_us: null }],
};

describe('the report section "Backtest versus live"', () => {
  it('shows each part with its amount and escapes every text from the data', () => {
    const html = renderReconciliation(view);
    expect(html).not.toContain('<script');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;');
    for (const label of ['Latency', 'Slippage', 'Quantity', 'Missed fills', 'Extra fills', 'Fees', 'Other']) expect(html).toContain(`<td class="l">${label}</td>`);
    expect(html).toContain('<td class="neg">-9.5</td>');
    // The largest part's bar spans half the chart (110 of 220 px), on the negative side.
    expect(html).toContain('<rect x="0" y="2" width="110" height="8" fill="#ef5350"/>');
  });

  it('takes a reconcile.json, not anything else', () => {
    expect(reconciliationOf(JSON.parse(JSON.stringify(view)))).toEqual(view);
    expect(reconciliationOf({ total_gap: 3 })).toBeUndefined();
    expect(reconciliationOf(null)).toBeUndefined();
  });
});
