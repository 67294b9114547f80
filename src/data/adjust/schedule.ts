import { InputError } from '../../core/errors.js';
import { formatIso, type Micros } from '../../core/time.js';
import type { MarketFeed } from '../../model/market.js';
import type { CorporateAction } from './actions.js';

/**
 * Back-adjustment factors as a step function of time, built from corporate
 * actions. The ex-dates e_1 < ... < e_m cut time into m + 1 segments;
 * segment k holds the bars with e_k <= t < e_(k+1) (e_0 = -inf, e_(m+1) =
 * +inf). A bar of segment k is adjusted for every action after it:
 *
 *   price' = price / splitDivisor[k] * dividendFactor[k]
 *   volume' = volume * splitDivisor[k]
 *
 * with splitDivisor[k] the product of the split ratios of e_(k+1)..e_m and
 * dividendFactor[k] the product of (1 - D / C) over the dividends of
 * e_(k+1)..e_m (C the close of the last bar before the dividend's ex-date).
 * The last segment has divisor 1 and factor 1: prices from the last action
 * on are as written.
 */
export class AdjustmentSchedule {
  constructor(
    /** Ex-date times, ascending, distinct (m entries). */
    readonly exTimes: Float64Array,
    /** m + 1 entries. */
    readonly splitDivisor: Float64Array,
    /** m + 1 entries. */
    readonly dividendFactor: Float64Array,
    /** Actions that went into the schedule. */
    readonly splits: number,
    readonly dividends: number,
  ) {}

  /** The segment of time t (exTimes before or at t). */
  segmentOf(t: Micros): number {
    const ex = this.exTimes;
    let lo = 0;
    let hi = ex.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((ex[mid] as number) <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** The actions that apply to an instrument: its own rows and the rows without a symbol. */
export function actionsFor(actions: readonly CorporateAction[], symbol: string): CorporateAction[] {
  return actions.filter((a) => a.symbol === undefined || a.symbol === symbol);
}

/** Reference closes of dividends: for each ex-date time, the close (and time) of the last bar strictly before it. */
export interface ReferenceCloses {
  readonly close: Float64Array;
  readonly time: Float64Array;
}

/**
 * Reads a bar feed to find, for each time of `times` (ascending), the close
 * of the last bar stamped strictly before it (NaN when there is none). One
 * pass, memory of one number per time; stops after the last time. Closes the
 * feed.
 */
export function referenceCloses(feed: MarketFeed, times: Float64Array): ReferenceCloses {
  const n = times.length;
  const close = new Float64Array(n).fill(NaN);
  const time = new Float64Array(n).fill(NaN);
  let j = 0;
  let lastClose = NaN;
  let lastTime = NaN;
  try {
    outer: for (let cols = feed.next(); cols !== null && j < n; cols = feed.next()) {
      if (cols.kind !== 'bar') {
        throw new InputError({ code: 'invalid_option', file: feed.source, field: 'adjust', message: `corporate actions adjust bars, and this file holds ${cols.kind}s` });
      }
      for (let i = 0; i < cols.length; i++) {
        const t = cols.time[i] as number;
        while (j < n && t >= (times[j] as number)) {
          close[j] = lastClose;
          time[j] = lastTime;
          j++;
        }
        if (j >= n) break outer;
        lastClose = cols.close[i] as number;
        lastTime = t;
      }
    }
  } finally {
    feed.close();
  }
  for (; j < n; j++) {
    close[j] = lastClose;
    time[j] = lastTime;
  }
  return { close, time };
}

/**
 * The schedule of an instrument's actions (already filtered by symbol, in
 * time order). `mode` 'splits' keeps the splits only; 'all' also takes the
 * dividends, whose factors need the close before each ex-date: `closes`
 * gives it (see referenceCloses) and is called only when there are dividends.
 * A dividend with no bar before its ex-date adjusts nothing. A dividend not
 * below its reference close is an InputError naming its line.
 */
export function buildSchedule(
  actions: readonly CorporateAction[],
  mode: 'splits' | 'all',
  closes: (exTimes: Float64Array) => ReferenceCloses,
): AdjustmentSchedule {
  const used = mode === 'splits' ? actions.filter((a) => a.type === 'split') : [...actions];
  used.sort((a, b) => a.time - b.time || a.line - b.line);
  const times: number[] = [];
  for (const a of used) if (times.length === 0 || times[times.length - 1] !== a.time) times.push(a.time);
  const m = times.length;
  const exTimes = Float64Array.from(times);
  const ratio = new Float64Array(m).fill(1);
  const dividend = new Float64Array(m);
  const dividendLine = new Array<CorporateAction | undefined>(m);
  let splits = 0;
  let dividends = 0;
  let k = 0;
  for (const a of used) {
    while ((exTimes[k] as number) !== a.time) k++;
    if (a.type === 'split') {
      ratio[k] = (ratio[k] as number) * a.value;
      splits++;
    } else {
      dividend[k] = (dividend[k] as number) + a.value;
      dividendLine[k] ??= a;
      dividends++;
    }
  }
  const factor = new Float64Array(m).fill(1);
  if (dividends > 0) {
    const divTimes = Float64Array.from(times.filter((_, i) => (dividend[i] as number) > 0));
    const ref = closes(divTimes);
    let d = 0;
    for (let i = 0; i < m; i++) {
      const amount = dividend[i] as number;
      if (!(amount > 0)) continue;
      const c = ref.close[d] as number;
      const at = ref.time[d] as number;
      d++;
      if (Number.isNaN(c)) continue; // no bar before the ex-date: nothing to adjust
      const f = 1 - amount / c;
      if (!(f > 0)) {
        const a = dividendLine[i] as CorporateAction;
        throw new InputError({
          code: 'unparseable_field',
          file: a.file,
          line: a.line,
          field: 'value',
          value: a.text,
          message: `a dividend of ${amount} is not below the close ${c} of the bar before the ex-date (${formatIso(at)}): check the amount and its share basis`,
        });
      }
      factor[i] = f;
    }
  }
  const splitDivisor = new Float64Array(m + 1);
  const dividendFactor = new Float64Array(m + 1);
  splitDivisor[m] = 1;
  dividendFactor[m] = 1;
  for (let i = m - 1; i >= 0; i--) {
    splitDivisor[i] = (splitDivisor[i + 1] as number) * (ratio[i] as number);
    dividendFactor[i] = (dividendFactor[i + 1] as number) * (factor[i] as number);
  }
  return new AdjustmentSchedule(exTimes, splitDivisor, dividendFactor, splits, dividends);
}
