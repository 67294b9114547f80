import { grownCopy, takeFloat64, type Float64Pool } from '../core/growable.js';
import type { Micros } from '../core/time.js';
import { MICROS_PER_DAY } from '../core/time.js';

/** The equity curve: one row per time step (all events sharing a timestamp), or per UTC day. */
export interface EquityCurve {
  readonly time: Float64Array;
  readonly equity: Float64Array;
  readonly cash: Float64Array;
  readonly positionValue: Float64Array;
  /** Initial margin in use (margined instruments); equity = cash + margin + position value. */
  readonly margin: Float64Array;
}

/**
 * A column that changes at few rows (cash and margin change with fills and
 * carry, not with prices): the rows where its value changed, and the values.
 * A run of a million bars and a few thousand fills keeps a few thousand
 * pairs instead of a million doubles.
 */
export class StepColumn {
  private starts = new Float64Array(16);
  private values = new Float64Array(16);
  private count = 0;

  /** The value of row `row`, rows coming in order (0, 1, 2, ...). */
  push(row: number, value: number): void {
    const n = this.count;
    if (n > 0) {
      // The same double, bit for bit in what a CSV shows (0 and -0 differ, NaN equals NaN); written out here, as a
      // call V8 leaves out of line boxes both doubles, twice a bar.
      const last = this.values[n - 1] as number;
      if (last === value ? last !== 0 || 1 / last === 1 / value : last !== last && value !== value) return;
    }
    if (n === this.starts.length) {
      this.starts = grownCopy(this.starts, n * 2);
      this.values = grownCopy(this.values, n * 2);
    }
    this.starts[n] = row;
    this.values[n] = value;
    this.count = n + 1;
  }

  /** The value of row `row` (a row pushed before). */
  at(row: number): number {
    return this.values[this.indexAt(row)] as number;
  }

  /** Rows `from` to `to` - 1, as one column. */
  dense(from: number, to: number): Float64Array<ArrayBuffer> {
    const out = new Float64Array(to - from);
    if (to <= from) return out;
    let k = this.indexAt(from);
    for (let i = from; i < to; i++) {
      while (k + 1 < this.count && (this.starts[k + 1] as number) <= i) k++;
      out[i - from] = this.values[k] as number;
    }
    return out;
  }

  /** A reader of rows in increasing order from `from` on: each call is the next row's value, without a search. */
  reader(from: number): (row: number) => number {
    let k = this.indexAt(from);
    return (row) => {
      while (k + 1 < this.count && (this.starts[k + 1] as number) <= row) k++;
      return this.values[k] as number;
    };
  }

  /** The last change at or before `row`. */
  private indexAt(row: number): number {
    let lo = 0;
    let hi = this.count - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((this.starts[mid] as number) <= row) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

/**
 * A recorded curve: time, equity and position value as columns, cash and
 * margin as step columns made into columns when first read. Readers that go
 * through the rows once (the CSV writer) take them with `cashReader` and
 * `marginReader` and never make them.
 */
export class RecordedCurve implements EquityCurve {
  private cashColumn: Float64Array | undefined;
  private marginColumn: Float64Array | undefined;

  constructor(
    readonly time: Float64Array,
    readonly equity: Float64Array,
    readonly positionValue: Float64Array,
    private readonly cashSteps: StepColumn,
    private readonly marginSteps: StepColumn,
  ) {}

  get cash(): Float64Array {
    return (this.cashColumn ??= this.cashSteps.dense(0, this.time.length));
  }

  get margin(): Float64Array {
    return (this.marginColumn ??= this.marginSteps.dense(0, this.time.length));
  }

  cashReader(from: number): (row: number) => number {
    return this.cashSteps.reader(from);
  }

  marginReader(from: number): (row: number) => number {
    return this.marginSteps.reader(from);
  }

  /** The margin of the last row (0 without rows). */
  get lastMargin(): number {
    const n = this.time.length;
    return n > 0 ? this.marginSteps.at(n - 1) : 0;
  }
}

/** Reads a curve's cash or margin row by row from `from` on, in increasing order, without making the whole column of a recorded curve. */
export function columnReader(curve: EquityCurve, column: 'cash' | 'margin', from: number): (row: number) => number {
  if (curve instanceof RecordedCurve) return column === 'cash' ? curve.cashReader(from) : curve.marginReader(from);
  const values = curve[column];
  return (row) => values[row] as number;
}

/** The margin in use at the curve's last row (0 without rows). */
export function lastMargin(curve: EquityCurve): number {
  if (curve instanceof RecordedCurve) return curve.lastMargin;
  const m = curve.margin;
  return m.length > 0 ? (m[m.length - 1] as number) : 0;
}

/**
 * Records the account's value at the end of each time step: every step, or
 * (daily sampling) the last step of each UTC day, which keeps memory O(days)
 * on very long runs of intraday data. A day's row is known only once a step
 * of a later day comes (or the run ends), so it is held until then.
 */
export class EquityRecorder {
  // Three columns of one length, grown together (one capacity check per row), and two step columns.
  private length = 0;
  private time: Float64Array<ArrayBuffer>;
  private equity: Float64Array<ArrayBuffer>;
  private positionValue: Float64Array<ArrayBuffer>;
  private readonly cash = new StepColumn();
  private readonly margin = new StepColumn();
  /**
   * The step to record (time, equity, cash, position value, margin: the
   * STEP_* offsets), written here by the kernel before `recordNext()`: a
   * double passed to a call that V8 does not inline becomes a heap number
   * (docs/architecture.md, "No double crosses a call"), up to five a bar.
   */
  readonly next = new Float64Array(STEP_FIELDS);
  // Daily sampling: the latest step of the current day (`held`, as `next`).
  private heldDay = NaN;
  private readonly held = new Float64Array(STEP_FIELDS).fill(NaN);

  /** `capacity`: rows to make room for at once (the steps expected, when known); `pool`: where the columns come from (see `release`). */
  constructor(
    readonly sampling: 'step' | 'day',
    capacity = 1024,
    pool?: Float64Pool,
  ) {
    const n = Math.max(16, Math.min(capacity, 1 << 26));
    this.time = takeFloat64(pool, n);
    this.equity = takeFloat64(pool, n);
    this.positionValue = takeFloat64(pool, n);
  }

  /** Gives the columns to `pool`; the recorder and every curve() it returned must not be used after. */
  release(pool: Float64Pool): void {
    for (const a of [this.time, this.equity, this.positionValue]) pool.give(a);
  }

  /** Records the step written in `next` (its row, or under daily sampling the day's latest step). */
  recordNext(): void {
    if (this.sampling === 'step') {
      this.push(this.next);
      return;
    }
    const t = this.next[STEP_TIME] as number;
    const day = Math.floor(t / MICROS_PER_DAY);
    if (day !== this.heldDay && this.heldDay === this.heldDay) this.push(this.held);
    this.heldDay = day;
    const held = this.held;
    const next = this.next;
    for (let k = 0; k < STEP_FIELDS; k++) held[k] = next[k] as number;
  }

  /** Whether the row of step `t` is recorded (or held) already. */
  has(t: Micros): boolean {
    if (this.sampling === 'day') return (this.held[STEP_TIME] as number) >= t && this.heldDay === this.heldDay;
    const n = this.length;
    return n > 0 && (this.time[n - 1] as number) >= t;
  }

  /** At the end of the run: the last day's held row. */
  finish(): void {
    if (this.sampling === 'day' && this.heldDay === this.heldDay) {
      const n = this.length;
      if (!(n > 0 && (this.time[n - 1] as number) >= (this.held[STEP_TIME] as number))) this.push(this.held);
    }
  }

  /** The curve (views of the recorded rows; they share memory until more rows come). */
  curve(): RecordedCurve {
    const n = this.length;
    return new RecordedCurve(this.time.subarray(0, n), this.equity.subarray(0, n), this.positionValue.subarray(0, n), this.cash, this.margin);
  }

  /** Appends the step in `row` (`next` or `held`). */
  private push(row: Float64Array): void {
    const n = this.length;
    if (n === this.time.length) this.grow();
    this.time[n] = row[STEP_TIME] as number;
    this.equity[n] = row[STEP_EQUITY] as number;
    this.positionValue[n] = row[STEP_POSITION_VALUE] as number;
    this.cash.push(n, row[STEP_CASH] as number);
    this.margin.push(n, row[STEP_MARGIN] as number);
    this.length = n + 1;
  }

  private grow(): void {
    const size = this.time.length * 2;
    this.time = grownCopy(this.time, size);
    this.equity = grownCopy(this.equity, size);
    this.positionValue = grownCopy(this.positionValue, size);
  }
}

// A step's values in EquityRecorder.next.
export const STEP_TIME = 0;
export const STEP_EQUITY = 1;
export const STEP_CASH = 2;
export const STEP_POSITION_VALUE = 3;
export const STEP_MARGIN = 4;
const STEP_FIELDS = 5;
