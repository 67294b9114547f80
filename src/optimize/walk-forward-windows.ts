import { InputError } from '../core/errors.js';
import { MICROS_PER_DAY, civilFromDays, daysFromCivil, daysInMonth, type Micros } from '../core/time.js';
import { formatTime } from '../report/format.js';

/** A window length: a number of bars (time steps), or a calendar span. */
export type WindowLength =
  | { readonly unit: 'bars'; readonly bars: number; readonly text: string }
  | { readonly unit: 'calendar'; readonly months: number; readonly days: number; readonly text: string };

/** `1000` (bars), `3y`, `6m`, `30d`. */
export function parseWindowLength(flag: string, text: string): WindowLength {
  const m = /^([1-9][0-9]*)([ymd]?)$/.exec(text.trim());
  const n = m === null ? NaN : Number(m[1]);
  if (m === null || !Number.isSafeInteger(n)) {
    throw new InputError({ code: 'invalid_option', field: flag, value: text, message: 'expected a number of bars (1000) or a calendar length (3y, 6m, 30d)' });
  }
  switch (m[2]) {
    case 'y':
      return { unit: 'calendar', months: 12 * n, days: 0, text };
    case 'm':
      return { unit: 'calendar', months: n, days: 0, text };
    case 'd':
      return { unit: 'calendar', months: 0, days: n, text };
    default:
      return { unit: 'bars', bars: n, text };
  }
}

export interface WindowPlanSpec {
  readonly train: WindowLength;
  readonly test: WindowLength;
  /** Default: the test length. */
  readonly step?: WindowLength | undefined;
  /** In-sample windows all start at the data's start (and grow); else they roll. */
  readonly anchored?: boolean | undefined;
}

/** One walk-forward window: the times of the first and last time steps of its in-sample and out-of-sample parts. */
export interface PlannedWindow {
  /** 1, 2, ... */
  readonly window: number;
  readonly isStart: Micros;
  readonly isEnd: Micros;
  readonly oosStart: Micros;
  readonly oosEnd: Micros;
}

/**
 * The windows over the data's time steps (sorted, distinct). Bar lengths
 * count steps; calendar lengths are half-open spans of UTC calendar time
 * from midnight of the first step's day (months added by the calendar, a
 * day past a month's end clamped to it). A last out-of-sample window shorter
 * than the test length (the data ends first) is dropped. Windows that do
 * not fit are input errors.
 */
export function planWindows(times: ArrayLike<number>, spec: WindowPlanSpec): PlannedWindow[] {
  const step = spec.step ?? spec.test;
  checkUnits(spec);
  const n = times.length;
  const windows = spec.train.unit === 'bars' ? barWindows(times, spec.train, spec.test as Bars, step as Bars, spec.anchored === true) : calendarWindows(times, spec, step as Calendar);
  if (windows.length === 0) {
    const span = n === 0 ? 'the data has no rows' : `the data has ${n} time steps, ${formatTime(times[0] as number)} to ${formatTime(times[n - 1] as number)}`;
    throw new InputError({ code: 'invalid_option', field: '--train', value: spec.train.text, message: `no walk-forward window fits: --train ${spec.train.text} and --test ${spec.test.text} need more data (${span})` });
  }
  for (let k = 1; k < windows.length; k++) {
    const a = windows[k - 1] as PlannedWindow;
    const b = windows[k] as PlannedWindow;
    if (b.oosStart <= a.oosEnd) {
      throw new InputError({ code: 'invalid_option', field: '--step', value: step.text, message: `out-of-sample windows ${a.window} and ${b.window} overlap: the stitched out-of-sample run needs --step at least --test (${spec.test.text})` });
    }
  }
  return windows;
}

/** --train, --test and --step (the ones given: --step defaults to --test) in one unit; else the first that differs from --train is named. */
function checkUnits(spec: WindowPlanSpec): void {
  const given: [string, WindowLength][] = [['--train', spec.train], ['--test', spec.test], ...(spec.step !== undefined ? [['--step', spec.step] as [string, WindowLength]] : [])];
  const odd = given.find(([, len]) => len.unit !== spec.train.unit);
  if (odd === undefined) return;
  const [flag, len] = odd;
  const unit = (l: WindowLength): string => (l.unit === 'bars' ? 'a number of bars' : 'a calendar length');
  const flags = given.map(([f]) => f);
  const list = flags.length === 2 ? flags.join(' and ') : `${flags.slice(0, -1).join(', ')} and ${flags[flags.length - 1] as string}`;
  throw new InputError({
    code: 'invalid_option',
    field: flag,
    value: len.text,
    message: `--train ${spec.train.text} is ${unit(spec.train)} but ${flag} ${len.text} is ${unit(len)}: give ${list} all in bars (1000) or all as calendar lengths (3y, 6m, 30d)`,
  });
}

type Bars = Extract<WindowLength, { unit: 'bars' }>;
type Calendar = Extract<WindowLength, { unit: 'calendar' }>;

function barWindows(times: ArrayLike<number>, train: Bars, test: Bars, step: Bars, anchored: boolean): PlannedWindow[] {
  const out: PlannedWindow[] = [];
  for (let s = 0; s + train.bars + test.bars <= times.length; s += step.bars) {
    out.push({
      window: out.length + 1,
      isStart: times[anchored ? 0 : s] as number,
      isEnd: times[s + train.bars - 1] as number,
      oosStart: times[s + train.bars] as number,
      oosEnd: times[s + train.bars + test.bars - 1] as number,
    });
  }
  return out;
}

/** `t` (a UTC midnight) plus `k` times a calendar length. */
function addCalendar(t: Micros, len: Calendar, k: number): Micros {
  const days = Math.floor(t / MICROS_PER_DAY);
  const { year, month, day } = civilFromDays(days);
  const total = year * 12 + (month - 1) + len.months * k;
  const y = Math.floor(total / 12);
  const m = (total % 12) + 1;
  return (daysFromCivil(y, m, Math.min(day, daysInMonth(y, m))) + len.days * k) * MICROS_PER_DAY;
}

function calendarWindows(times: ArrayLike<number>, spec: WindowPlanSpec, step: Calendar): PlannedWindow[] {
  const n = times.length;
  if (n === 0) return [];
  const first = times[0] as number;
  const last = times[n - 1] as number;
  const origin = Math.floor(first / MICROS_PER_DAY) * MICROS_PER_DAY;
  const train = spec.train as Calendar;
  const test = spec.test as Calendar;
  const out: PlannedWindow[] = [];
  for (let k = 0; ; k++) {
    const start = addCalendar(origin, step, k);
    const isFrom = spec.anchored === true ? origin : start;
    const isTo = addCalendar(start, train, 1);
    const oosTo = addCalendar(isTo, test, 1);
    // The data must reach the out-of-sample window's last instant.
    if (last < oosTo - 1) break;
    const is = stepsIn(times, isFrom, isTo);
    const oos = stepsIn(times, isTo, oosTo);
    const window = out.length + 1;
    for (const [part, range, from, to] of [['in-sample', is, isFrom, isTo], ['out-of-sample', oos, isTo, oosTo]] as const) {
      if (range === undefined) {
        throw new InputError({ code: 'invalid_option', field: part === 'in-sample' ? '--train' : '--test', value: part === 'in-sample' ? train.text : test.text, message: `window ${window}: no data in its ${part} part, ${formatTime(from)} to ${formatTime(to - 1)}` });
      }
    }
    out.push({ window, isStart: times[(is as Range)[0]] as number, isEnd: times[(is as Range)[1]] as number, oosStart: times[(oos as Range)[0]] as number, oosEnd: times[(oos as Range)[1]] as number });
  }
  return out;
}

type Range = readonly [number, number];

/** The first and last index of the steps in [from, to), or undefined when there is none. */
function stepsIn(times: ArrayLike<number>, from: Micros, to: Micros): Range | undefined {
  const a = lowerBound(times, from);
  const b = lowerBound(times, to) - 1;
  return b >= a ? [a, b] : undefined;
}

function lowerBound(times: ArrayLike<number>, t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((times[mid] as number) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The distinct times of several sorted time columns, merged. */
export function stepTimes(columns: readonly ArrayLike<number>[]): Float64Array {
  const all: number[] = [];
  for (const c of columns) for (let i = 0; i < c.length; i++) all.push(c[i] as number);
  if (columns.length > 1) all.sort((a, b) => a - b);
  const out: number[] = [];
  for (const t of all) if (out.length === 0 || out[out.length - 1] !== t) out.push(t);
  return Float64Array.from(out);
}
