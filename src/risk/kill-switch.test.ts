import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { END_OF_DAY_OFFSET, MICROS_PER_DAY, MICROS_PER_HOUR, formatIso, type Micros } from '../core/time.js';
import type { Order } from '../model/order.js';
import { RiskEngine, type TradingStateEvent } from './engine.js';
import type { RiskLimitsInput } from './limits.js';
import { MapRiskView } from './view.js';

/** Rows of a sample CSV, split plainly (header dropped). */
function sampleRows(name: string): string[][] {
  const text = readFileSync(new URL(`../../data/samples/${name}`, import.meta.url), 'utf8');
  return text
    .split(/\r?\n/)
    .slice(1)
    .filter((l) => l.length > 0)
    .map((l) => l.split(','));
}

const ymd = (d: string): [number, number, number] => d.split('-').map(Number) as [number, number, number];

/** A daily bar is stamped at the last microsecond of its UTC day. */
function dayStamp(date: string): Micros {
  const [y, m, d] = ymd(date);
  return Date.UTC(y, m - 1, d) * 1000 + END_OF_DAY_OFFSET;
}

function minuteStamp(date: string, time: string): Micros {
  const [y, m, d] = ymd(date);
  const [hh, mm, ss] = time.split(':').map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, d, hh, mm, ss) * 1000;
}

interface Step {
  readonly label: string;
  readonly time: Micros;
  readonly equity: number;
}

/**
 * Buy and hold ORCL over 2000-2002: 100,000 of cash buys floor(100,000 /
 * 29.53125) = 3386 shares at the first close (2000-01-03), leaving 7.1875;
 * equity at each close = 7.1875 + 3386 x close.
 */
function orclBuyAndHold(): Step[] {
  const rows = sampleRows('ORCL-1995-2014.csv').filter((r) => (r[0] as string) >= '2000-01-01' && (r[0] as string) <= '2002-12-31');
  const first = Number((rows[0] as string[])[4]);
  const shares = Math.floor(100_000 / first);
  const cash = 100_000 - shares * first;
  expect([first, shares, cash]).toEqual([29.53125, 3386, 7.1875]);
  return rows.map((r) => ({ label: r[0] as string, time: dayStamp(r[0] as string), equity: cash + shares * Number(r[4]) }));
}

/** Long one FUT contract (multiplier 10) from the first close (3599), equity 100,000 at the start: 100,000 + 10 x (close - 3599). */
function futLongOne(): Step[] {
  return sampleRows('FUT-2006-min.csv').map((r) => ({
    label: `${r[0]} ${r[1]}`,
    time: minuteStamp(r[0] as string, r[1] as string),
    equity: 100_000 + 10 * (Number(r[5]) - 3599),
  }));
}

/** Index of the first step whose equity is below peak x (1 - dd), the peak taken from step `from` on; -1 if none. */
function firstDrawdownCrossing(steps: readonly Step[], dd: number, from = 0): number {
  let peak = -Infinity;
  for (let i = from; i < steps.length; i++) {
    const e = (steps[i] as Step).equity;
    if (e > peak) peak = e;
    if (e < peak * (1 - dd)) return i;
  }
  return -1;
}

const anyOrder = { id: 1, symbol: 'X', side: 'buy', type: 'market', quantity: 1, price: NaN, triggerPrice: NaN, referencePrice: 1 } as unknown as Order;

describe('kill switch: max drawdown on ORCL buy-and-hold equity, 2000-2002', () => {
  const steps = orclBuyAndHold();

  it('trips on the close where the drawdown first passes the limit, and not before', () => {
    for (const [dd, date] of [
      [0.2, '2000-01-28'],
      [0.3, '2000-10-10'],
      [0.5, '2000-11-22'],
    ] as const) {
      const expected = firstDrawdownCrossing(steps, dd);
      expect(steps[expected]?.label).toBe(date);
      const risk = new RiskEngine({ maxDrawdown: dd });
      const view = new MapRiskView({ equity: 100_000 });
      for (let i = 0; i < steps.length; i++) {
        const s = steps[i] as Step;
        view.time = s.time;
        const before = risk.state();
        const events = risk.onEquity(s.time, s.equity);
        if (i < expected) {
          expect(before).toBe('active');
          expect(events).toEqual([]);
          expect(risk.check(anyOrder, view)).toBeUndefined();
        } else if (i === expected) {
          expect(events.map((e) => [formatIso(e.time), e.reason, e.from, e.to])).toEqual([[formatIso(s.time), 'max_drawdown', 'active', 'halted']]);
        } else {
          expect(events).toEqual([]); // halted stays halted, no repeated events
          expect(risk.check(anyOrder, view)).toBe('trading_halted');
        }
      }
      expect(risk.events.length).toBe(1);
    }
  });

  it('records the equity, the peak and the threshold that made it trip', () => {
    const risk = new RiskEngine({ maxDrawdown: 0.5 });
    for (const s of steps) risk.onEquity(s.time, s.equity);
    // Peak on 2000-09-01: 7.1875 + 3386 x 46.3125 = 156,821.3125; halved: 78,410.65625.
    // On 2000-11-22 the close is 22.3125: 7.1875 + 3386 x 22.3125 = 75,557.3125 < 78,410.65625 (on 2000-11-21 it was above).
    expect(risk.events).toEqual([
      {
        time: dayStamp('2000-11-22'),
        scope: 'account',
        from: 'active',
        to: 'halted',
        reason: 'max_drawdown',
        equity: 75_557.3125,
        reference: 156_821.3125,
        threshold: 78_410.65625,
      },
    ]);
    const prev = steps.find((s) => s.label === '2000-11-21') as Step;
    expect(prev.equity).toBeGreaterThanOrEqual(78_410.65625);
  });

  it('re-arms from the equity at a manual resume', () => {
    const risk = new RiskEngine({ maxDrawdown: 0.3 });
    const tripAt = firstDrawdownCrossing(steps, 0.3);
    for (let i = 0; i <= tripAt; i++) risk.onEquity((steps[i] as Step).time, (steps[i] as Step).equity);
    expect(risk.state()).toBe('halted');
    // Resume on the first close of 2001; the peak starts again from there.
    const resume = steps.findIndex((s) => s.label === '2001-01-02');
    for (let i = tripAt + 1; i < resume; i++) risk.onEquity((steps[i] as Step).time, (steps[i] as Step).equity);
    risk.setState('account', 'active', (steps[resume] as Step).time);
    const second = firstDrawdownCrossing(steps, 0.3, resume);
    expect(steps[second]?.label).toBe('2001-02-09');
    for (let i = resume; i < steps.length; i++) {
      const s = steps[i] as Step;
      const events = risk.onEquity(s.time, s.equity);
      expect(events.length).toBe(i === second ? 1 : 0);
    }
    expect(risk.events.map((e) => [formatIso(e.time).slice(0, 10), e.from, e.to, e.reason])).toEqual([
      ['2000-10-10', 'active', 'halted', 'max_drawdown'],
      ['2001-01-02', 'halted', 'active', 'manual'],
      ['2001-02-09', 'active', 'halted', 'max_drawdown'],
    ]);
  });

  it('can move the account to reducing instead of halted', () => {
    const risk = new RiskEngine({ maxDrawdown: 0.5, killSwitchState: 'reducing' });
    for (const s of steps) risk.onEquity(s.time, s.equity);
    expect(risk.state()).toBe('reducing');
    expect(risk.events.map((e) => e.to)).toEqual(['reducing']);
    const view = new MapRiskView({ equity: 1 });
    view.positions.set('X', 3386);
    expect(risk.check({ ...anyOrder, side: 'sell', quantity: 3386 }, view)).toBeUndefined();
    expect(risk.check(anyOrder, view)).toBe('trading_reducing');
  });
});

describe('kill switch: max daily loss on a long FUT contract, minute bars of 2006', () => {
  const steps = futLongOne();

  /** The kill switch as the test understands it, computed plainly: trips and next-day lifts. */
  function expectedDaily(loss: (base: number, equity: number) => boolean, baseline: 'previous_close' | 'first_of_day'): [string, string][] {
    const out: [string, string][] = [];
    let day = '';
    let base = NaN;
    let last = NaN;
    let tripped = false;
    for (const s of steps) {
      const d = s.label.slice(0, 10);
      if (d !== day) {
        base = day === '' || baseline === 'first_of_day' ? s.equity : last;
        day = d;
        if (tripped) {
          out.push([s.label, 'new_day']);
          tripped = false;
        }
      }
      if (!tripped && loss(base, s.equity)) {
        out.push([s.label, 'max_daily_loss']);
        tripped = true;
      }
      last = s.equity;
    }
    return out;
  }

  function run(limits: RiskLimitsInput): RiskEngine {
    const risk = new RiskEngine(limits);
    for (const s of steps) risk.onEquity(s.time, s.equity);
    return risk;
  }

  const label = (e: TradingStateEvent): string => formatIso(e.time).slice(0, 16).replace('T', ' ');

  it('halts for the rest of the day when the loss from the previous close passes 500, and resumes the next day', () => {
    const risk = run({ maxDailyLoss: 500 });
    const expected = expectedDaily((base, e) => e < base - 500, 'previous_close');
    expect(expected.filter(([, r]) => r === 'max_daily_loss').map(([l]) => l.slice(0, 10))).toEqual(['2006-01-18', '2006-01-20', '2006-02-02']);
    expect(risk.events.map((e) => [`${label(e)}:00`, e.reason])).toEqual(expected);
    expect(risk.events.map((e) => `${e.from}->${e.to}`)).toEqual(['active->halted', 'halted->active', 'active->halted', 'halted->active', 'active->halted', 'halted->active']);
    // 2006-01-18: the previous close is 100,230; the day opens at 99,730, exactly the limit (inside), and trips below it.
    const trip = risk.events[0] as TradingStateEvent;
    expect(trip.reference).toBe(100_230);
    expect(trip.threshold).toBe(99_730);
    expect(steps.find((s) => s.label === '2006-01-18 09:01:00')?.equity).toBe(99_730);
    expect(trip.equity).toBeLessThan(99_730);
    // Over 2006-01-17 and 01-18 together the loss is 1010 (100,610 -> 99,600), but 01-17 alone lost 480: it did not trip.
    expect(expected.some(([l]) => l.startsWith('2006-01-17'))).toBe(false);
  });

  it('measures from the first equity of the day when asked, which misses an overnight loss', () => {
    const risk = run({ maxDailyLoss: { amount: 500 }, dailyLossBaseline: 'first_of_day' });
    const expected = expectedDaily((base, e) => e < base - 500, 'first_of_day');
    expect(expected.filter(([, r]) => r === 'max_daily_loss').map(([l]) => l.slice(0, 10))).toEqual(['2006-01-20', '2006-02-02']);
    expect(risk.events.map((e) => [`${label(e)}:00`, e.reason])).toEqual(expected);
  });

  it('takes the loss as a fraction of the baseline', () => {
    const risk = run({ maxDailyLoss: { fraction: 0.007 } });
    const expected = expectedDaily((base, e) => e < base * (1 - 0.007), 'previous_close');
    expect(expected.filter(([, r]) => r === 'max_daily_loss').map(([l]) => l.slice(0, 10))).toEqual(['2006-01-20', '2006-02-02']);
    expect(risk.events.map((e) => [`${label(e)}:00`, e.reason])).toEqual(expected);
  });

  it('checks the drawdown again when a daily-loss halt ends, and never lifts a drawdown halt', () => {
    const risk = new RiskEngine({ maxDailyLoss: 500, maxDrawdown: 0.014 });
    // Peak 100,990; x 0.986 = 99,576.14, first crossed on 2006-01-20 at 17:41, when the account was
    // already halted for the day's loss. At the next day's first minute the daily halt ends and the
    // drawdown (99,270 < 99,576.14) halts it again, in the same call.
    expect(steps[firstDrawdownCrossing(steps, 0.014)]?.label).toBe('2006-01-20 17:41:00');
    const monday = steps.findIndex((s) => s.label === '2006-01-23 09:01:00');
    for (let i = 0; i < steps.length; i++) {
      const s = steps[i] as Step;
      const events = risk.onEquity(s.time, s.equity);
      if (i === monday) expect(events.map((e) => e.reason)).toEqual(['new_day', 'max_drawdown']);
    }
    expect(risk.events.map((e) => [`${label(e)}`, e.reason, e.to])).toEqual([
      ['2006-01-18 09:02', 'max_daily_loss', 'halted'],
      ['2006-01-19 09:01', 'new_day', 'active'],
      ['2006-01-20 17:32', 'max_daily_loss', 'halted'],
      ['2006-01-23 09:01', 'new_day', 'active'],
      ['2006-01-23 09:01', 'max_drawdown', 'halted'],
    ]);
    expect(risk.state()).toBe('halted');
  });
});

describe('kill switch: edge cases', () => {
  const t0 = Date.UTC(2024, 0, 2) * 1000;
  it('lets equity sit exactly on a threshold, and trips just below it', () => {
    const risk = new RiskEngine({ maxDrawdown: 0.2 });
    risk.onEquity(t0, 100);
    expect(risk.onEquity(t0 + 1, 80)).toEqual([]);
    expect(risk.onEquity(t0 + 2, 79.99)[0]?.reason).toBe('max_drawdown');
  });

  it('resets the daily baseline every UTC day: two losing days under the limit never trip', () => {
    const risk = new RiskEngine({ maxDailyLoss: 500 });
    risk.onEquity(t0 + 9 * MICROS_PER_HOUR, 10_000);
    risk.onEquity(t0 + 20 * MICROS_PER_HOUR, 9_600); // -400 on day 1
    risk.onEquity(t0 + MICROS_PER_DAY + 9 * MICROS_PER_HOUR, 9_400);
    risk.onEquity(t0 + MICROS_PER_DAY + 20 * MICROS_PER_HOUR, 9_100); // -500 on day 2 (from 9,600): inside
    expect(risk.events).toEqual([]);
    expect(risk.onEquity(t0 + MICROS_PER_DAY + 21 * MICROS_PER_HOUR, 9_099.99)[0]?.reason).toBe('max_daily_loss');
  });

  it('ignores non-finite equity, and does not trip when the account is already halted by hand', () => {
    const risk = new RiskEngine({ maxDrawdown: 0.1 });
    risk.onEquity(t0, 100);
    expect(risk.onEquity(t0 + 1, NaN)).toEqual([]);
    expect(risk.onEquity(t0 + 2, -Infinity)).toEqual([]);
    risk.setState('account', 'halted');
    expect(risk.onEquity(t0 + 3, 50)).toEqual([]);
    expect(risk.events.map((e) => [e.time, e.reason])).toEqual([[t0 + 2, 'manual']]); // the last time seen
  });
});
