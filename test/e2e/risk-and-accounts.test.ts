import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SAMPLES, cli, tempDir, readCsv, type CsvRow, summaryOf } from '../helpers/cli.js';

type Row = CsvRow;
const ORCL = join(SAMPLES, 'ORCL-1995-2014.csv');

describe('pre-trade risk in CLI runs: every rule denies with its reason, and changes nothing else', () => {
  const cases: [string[], string, string][] = [
    [['--max-order-qty', '50'], 'examples/sma-cross.ts', 'max_order_quantity'],
    [['--max-order-notional', '100'], 'examples/sma-cross.ts', 'max_order_notional'],
    [['--max-position', '50'], 'examples/sma-cross.ts', 'max_position'],
    [['--max-gross', '100'], 'examples/sma-cross.ts', 'max_gross_exposure'],
    [['--max-net', '100'], 'examples/sma-cross.ts', 'max_net_exposure'],
    [['--max-leverage', '0.001'], 'examples/sma-cross.ts', 'max_leverage'],
    [['--order-rate', '1/1000000000'], 'examples/sma-cross.ts', 'rate_limit'],
    [['--lot-size', '1000'], 'examples/sma-cross.ts', 'off_lot'],
    [['--tick-size', '0.05'], 'examples/limit-entry.ts', 'off_tick'],
    [['--price-band', '0.005'], 'examples/limit-entry.ts', 'price_band'],
    [['--cash', '100'], 'examples/sma-cross.ts', 'insufficient_cash'],
  ];
  it.each(cases)('%j', (flags, strategy, reason) => {
    const out = join(tempDir(), 'r');
    const r = cli(['backtest', '--strategy', strategy, '--data', ORCL, ...flags, '--out', out]);
    expect(r.status).toBe(0);
    const orders = readCsv(join(out, 'orders.csv'));
    const denied = orders.filter((o) => o.status === 'rejected');
    expect(denied.length).toBeGreaterThan(0);
    for (const o of denied) {
      expect(o.reason).toBe(reason);
      expect(o.filled_quantity).toBe('0');
      expect(o.fill_price).toBe('');
    }
    expect((summaryOf(out).rejections as Record<string, number>)[reason]).toBe(denied.length);
  });

  it('rounds to the grid instead when asked', () => {
    const out = join(tempDir(), 'r');
    expect(cli(['backtest', '--strategy', 'examples/limit-entry.ts', '--data', ORCL, '--tick-size', '0.05', '--round-to-grid', '--out', out]).status).toBe(0);
    const buys = readCsv(join(out, 'orders.csv')).filter((o) => o.side === 'buy');
    expect(buys.length).toBeGreaterThan(10);
    for (const o of buys) {
      expect(o.status).not.toBe('rejected');
      const ticks = Number(o.price) / 0.05;
      expect(Math.abs(ticks - Math.round(ticks))).toBeLessThan(1e-9);
    }
  });

  it('the kill switch halts trading once the drawdown limit is crossed, and not before', () => {
    const out = join(tempDir(), 'k');
    expect(cli(['backtest', '--strategy', 'examples/sma-reversal.ts', '--data', join(SAMPLES, 'NVDA-1999-2014.csv'), '--param', 'size=1000', '--max-drawdown', '0.02', '--out', out]).status).toBe(0);
    const s = summaryOf(out);
    const events = s.risk_events as { time: string; to: string; reason: string }[];
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ to: 'halted', reason: 'max_drawdown' });
    // The equity curve: the first step below 98% of the running peak is the halt time.
    const eq = readCsv(join(out, 'equity.csv'));
    let peak = 100_000;
    let tripped = '';
    for (const row of eq) {
      const e = Number(row.equity);
      peak = Math.max(peak, e);
      if (e < peak * 0.98) {
        tripped = row.time!;
        break;
      }
    }
    expect(events[0]!.time).toBe(tripped);
    const orders = readCsv(join(out, 'orders.csv'));
    for (const o of orders) {
      if (o.created_time! > tripped) expect(o.reason).toBe('trading_halted');
      else expect(o.reason).not.toBe('trading_halted');
    }
  });
});

describe('futures: the sma-reversal acceptance run on FUT-2006-min.csv', () => {
  const out = join(tempDir(), 'fut');
  const r = cli(['backtest', '--strategy', 'examples/sma-reversal.ts', '--data', join(SAMPLES, 'FUT-2006-min.csv'), '--cash', '100000', '--multiplier', '10', '--margin', '2000',
    '--fee-per-unit', '2', '--param', 'fast=10', '--param', 'slow=30', '--param', 'size=1', '--out', out]);
  const bars = readFileSync(join(SAMPLES, 'FUT-2006-min.csv'), 'utf8').trim().split('\n').slice(1).map((l) => {
    const [d, t, o, h, lo, c] = l.split(',');
    return { time: `${d}T${t}Z`, open: Number(o), high: Number(h), low: Number(lo), close: Number(c) };
  });

  it('runs', () => expect(r.status).toBe(0));

  it('moves margin between cash and margin in use, and settles variation margin at each fill and bar close', () => {
    const eq = readCsv(join(out, 'equity.csv'));
    const fills = readCsv(join(out, 'fills.csv'));
    const fillAt = new Map<string, Row>(fills.map((f) => [f.time!, f]));
    // Replay the spec's futures accounting by hand over every bar.
    let cash = 100_000;
    let margin = 0;
    let pos = 0;
    let settle = NaN;
    bars.forEach((b, i) => {
      const f = fillAt.get(b.time.replace(/:00Z$/, ':00Z'));
      if (f !== undefined) {
        const q = (f.side === 'buy' ? 1 : -1) * Number(f.quantity);
        const price = Number(f.price);
        expect(price).toBe(b.open); // market orders fill at the open
        if (pos !== 0) cash += pos * (price - settle) * 10; // variation margin up to the fill
        const closing = pos !== 0 && Math.sign(pos) !== Math.sign(q) ? Math.min(Math.abs(q), Math.abs(pos)) : 0;
        const opening = Math.abs(q) - closing;
        cash += 2000 * closing - 2000 * opening - 2 * Math.abs(q);
        margin += 2000 * opening - 2000 * closing;
        pos += q;
        settle = price;
      }
      if (pos !== 0) {
        cash += pos * (b.close - settle) * 10; // variation margin at the close
        settle = b.close;
      }
      const row = eq[i]!;
      expect(Number(row.cash)).toBeCloseTo(cash, 6);
      expect(Number(row.margin)).toBe(margin);
      expect(Number(row.equity)).toBeCloseTo(cash + margin, 6);
      expect(Number(row.position_value)).toBe(0);
    });
    expect(margin).toBe(2000);
  });

  it("fills a signal on a day's last bar at the next day's first open", () => {
    const orders = readCsv(join(out, 'orders.csv'));
    const lastOfDay = new Set(bars.filter((b, i) => bars[i + 1] !== undefined && bars[i + 1]!.time.slice(0, 10) !== b.time.slice(0, 10)).map((b) => b.time));
    const overnight = orders.filter((o) => lastOfDay.has(o.created_time!));
    expect(overnight.length).toBeGreaterThan(0);
    for (const o of overnight) {
      const next = bars[bars.findIndex((b) => b.time === o.created_time) + 1]!;
      expect(o.filled_time).toBe(next.time);
      expect(Number(o.fill_price)).toBe(next.open);
    }
  });

  it('books round trips as quantity x (exit - entry) x 10, fees 2 per contract per fill', () => {
    for (const t of readCsv(join(out, 'trades.csv'))) {
      const dir = t.direction === 'long' ? 1 : -1;
      expect(Number(t.gross_pnl)).toBe(dir * (Number(t.exit_price) - Number(t.entry_price)) * 10 + 0);
      expect(Number(t.fees)).toBe(4);
    }
  });
});

describe('a multi-instrument portfolio', () => {
  it('writes per-instrument results and positions.csv for the equal-weight example', () => {
    const out = join(tempDir(), 'ew');
    const r = cli(['backtest', '--strategy', 'examples/equal-weight.ts', '--data', ORCL, '--data', join(SAMPLES, 'NVDA-1999-2014.csv'), '--data', join(SAMPLES, 'YHOO-1996-2014.csv'),
      '--cash', '100000', '--fee-rate', '0.001', '--out', out]);
    expect(r.status).toBe(0);
    const s = summaryOf(out);
    const inst = s.instruments as Record<string, { position: number; realized_pnl: number; unrealized_pnl: number; fees: number; net_pnl: number }>;
    expect(Object.keys(inst)).toEqual(['ORCL', 'NVDA', 'YHOO']);
    const net = Object.values(inst).reduce((a, i) => a + i.net_pnl, 0);
    expect(net).toBeCloseTo((s.final_equity as number) - 100_000, 4);
    const positions = readCsv(join(out, 'positions.csv'));
    // Every instrument every day, plus a row per fill.
    const days = new Set(readCsv(join(out, 'equity.csv')).map((e) => e.time!.slice(0, 10)));
    const fills = readCsv(join(out, 'fills.csv'));
    expect(positions.length).toBe(days.size * 3 + fills.length);
    const last = positions.slice(-3);
    for (const p of last) expect(Number(p.quantity)).toBe(inst[p.symbol!]!.position);
    // Monthly: one sell pass and one buy pass a month, never refused.
    expect(readCsv(join(out, 'orders.csv')).every((o) => o.status === 'filled')).toBe(true);
  });
});

describe('margin calls and carry', () => {
  it('closes margined positions at market when equity falls below the maintenance margin', () => {
    const out = join(tempDir(), 'mc');
    const r = cli(['backtest', '--strategy', 'examples/sma-reversal.ts', '--data', join(SAMPLES, 'FUT-2006-min.csv'), '--cash', '3000', '--multiplier', '10', '--margin', '2000',
      '--maintenance-margin', '1500', '--fee-per-unit', '2', '--param', 'size=1', '--out', out]);
    expect(r.status).toBe(0);
    const calls = summaryOf(out).margin_calls as { time: string; equity: number; maintenance: number }[];
    expect(calls.length).toBeGreaterThan(0);
    const eq = readCsv(join(out, 'equity.csv'));
    // The first call is the first step whose equity is below 1,500 with a contract open.
    const first = eq.find((e) => Number(e.margin) > 0 && Number(e.equity) < 1500)!;
    expect(calls[0]).toMatchObject({ time: first.time, equity: Number(first.equity), maintenance: 1500 });
    const liquidation = readCsv(join(out, 'orders.csv')).find((o) => o.tag === 'liquidation')!;
    expect(liquidation).toMatchObject({ created_time: first.time, status: 'filled', reason: '' });
  });

  it('pays perpetual funding every 8 hours on the position notional', () => {
    const out = join(tempDir(), 'perp');
    const r = cli(['backtest', '--strategy', 'examples/sma-reversal.ts', '--data', join(SAMPLES, 'BTC-PERP-2022-01-1m.csv'), '--instrument', 'perpetual', '--funding-rate', '0.0001',
      '--param', 'size=1', '--cash', '100000', '--out', out]);
    expect(r.status).toBe(0);
    // Replay: at each 8-hour boundary crossed between two steps, -position x close x rate.
    const positions = readCsv(join(out, 'fills.csv'));
    const eq = readCsv(join(out, 'equity.csv'));
    const closes = new Map(readFileSync(join(SAMPLES, 'BTC-PERP-2022-01-1m.csv'), 'utf8').trim().split('\n').slice(1).map((l) => {
      const f = l.split(',');
      return [new Date(`${f[0]!.replace(' ', 'T')}Z`).toISOString().replace('.000Z', 'Z'), Number(f[4])];
    }));
    let pos = 0;
    let k = 0;
    let expected = 0;
    const eight = 8 * 3600 * 1000;
    for (let i = 0; i < eq.length; i++) {
      const t = eq[i]!.time!;
      // Fills of a bar happen at its open, before a boundary at its close: funding uses the position after them and the close.
      while (k < positions.length && positions[k]!.time === t) {
        pos += (positions[k]!.side === 'buy' ? 1 : -1) * Number(positions[k]!.quantity);
        k++;
      }
      if (i > 0) {
        const crossed = Math.floor(Date.parse(t) / eight) - Math.floor(Date.parse(eq[i - 1]!.time!) / eight);
        if (crossed > 0 && pos !== 0) expected += -pos * closes.get(t)! * 0.0001 * crossed;
      }
    }
    expect(summaryOf(out).carry as number).toBeCloseTo(expected, 6);
    expect(Math.abs(expected)).toBeGreaterThan(1);
  });
});

describe('several currencies', () => {
  it('keeps a GBP balance for a GBP-quoted instrument and values it with GBPUSD from the data', () => {
    const dir = tempDir();
    const vod = join(dir, 'VOD-2012.csv');
    expect(cli(['data', 'generate', '--bars', '3000', '--seed', '3', '--start', '2012-02-01T00:01:00Z', '--price', '300', '--out', vod]).status).toBe(0);
    const config = join(dir, 'run.json');
    writeFileSync(config, JSON.stringify({ instruments: [{ symbol: 'VOD', currency: 'GBP' }] }));
    const out = join(dir, 'out');
    const args = ['backtest', '--config', config, '--strategy', 'examples/sma-cross.ts', '--data', vod, '--data', join(SAMPLES, 'GBPUSD-2012-m1-bid.csv'), '--data', join(SAMPLES, 'GBPUSD-2012-m1-ask.csv'), '--cash', '100000', '--out', out];
    expect(cli(args).status).toBe(0);
    const s = summaryOf(out);
    const vodInst = (s.instruments as Record<string, { position: number; last_price: number; realized_pnl: number }>).VOD!;
    const gbp = (s.balances as Record<string, number>).GBP!;
    // The GBP balance is what the VOD trades cost and earned in GBP.
    const fills = readCsv(join(out, 'fills.csv')).filter((f) => f.symbol === 'VOD');
    const flows = fills.reduce((a, f) => a - (f.side === 'buy' ? 1 : -1) * Number(f.quantity) * Number(f.price), 0);
    expect(gbp).toBeCloseTo(flows, 6);
    // Equity at the end: USD cash untouched, GBP holdings at the last GBPUSD mid.
    const lastLine = (f: string): number[] => readFileSync(join(SAMPLES, f), 'utf8').trim().split('\n').at(-1)!.split(',').slice(1).map(Number);
    const mid = (lastLine('GBPUSD-2012-m1-bid.csv')[3]! + lastLine('GBPUSD-2012-m1-ask.csv')[3]!) / 2;
    expect(s.final_equity as number).toBeCloseTo(100_000 + (gbp + vodInst.position * vodInst.last_price) * mid, 6);
    // Without the pair in the data, the run says what is missing.
    const missing = cli(['backtest', '--config', config, '--strategy', 'examples/sma-cross.ts', '--data', vod, '--out', join(dir, 'x')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/VOD is quoted in GBP: add market data for GBPUSD/);
  });
});

describe('a margin account with leverage', () => {
  it('lets orders open up to leverage x equity, and liquidates below the maintenance margin', () => {
    const dir = tempDir();
    const nvda = join(SAMPLES, 'NVDA-1999-2014.csv');
    // 20,000 NVDA shares at the first long signal cost more than 20,000 of cash (about 28,500): refused by a cash account, accepted at 2x.
    const cashRun = join(dir, 'cash');
    expect(cli(['backtest', '--strategy', 'examples/sma-cross.ts', '--data', nvda, '--param', 'size=20000', '--cash', '20000', '--out', cashRun]).status).toBe(0);
    expect(readCsv(join(cashRun, 'orders.csv'))[0]).toMatchObject({ status: 'rejected', reason: 'insufficient_cash' });
    const twoX = join(dir, 'twox');
    expect(cli(['backtest', '--strategy', 'examples/sma-cross.ts', '--data', nvda, '--param', 'size=20000', '--cash', '20000', '--leverage', '2', '--out', twoX]).status).toBe(0);
    expect(readCsv(join(twoX, 'orders.csv'))[0]).toMatchObject({ status: 'filled' });
    const levRun = join(dir, 'lev');
    expect(cli(['backtest', '--strategy', 'examples/sma-reversal.ts', '--data', nvda, '--param', 'size=20000', '--cash', '100000', '--leverage', '2', '--out', levRun]).status).toBe(0);
    const orders = readCsv(join(levRun, 'orders.csv'));
    expect(orders[0]).toMatchObject({ status: 'filled' });
    const calls = summaryOf(levRun).margin_calls as { time: string; equity: number; maintenance: number }[];
    expect(calls.length).toBeGreaterThan(0);
    // The first call: the first step whose equity is below 25% of |position value|.
    const first = readCsv(join(levRun, 'equity.csv')).find((e) => Number(e.equity) < 0.25 * Math.abs(Number(e.position_value)))!;
    expect(calls[0]!.time).toBe(first.time);
    expect(orders.find((o) => o.tag === 'liquidation')).toMatchObject({ created_time: first.time, status: 'filled' });
  });
});
