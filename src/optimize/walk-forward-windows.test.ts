import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { MICROS_PER_DAY, formatIso, parseIsoTime } from '../core/time.js';
import { parseWindowLength, planWindows, stepTimes, type WindowPlanSpec } from './walk-forward-windows.js';

const len = (flag: string, text: string) => parseWindowLength(flag, text);
/** Daily steps at each day's last microsecond, every day from `start`. */
function days(start: string, n: number): Float64Array {
  const t0 = parseIsoTime(start, 'end') as number;
  return Float64Array.from({ length: n }, (_, i) => t0 + i * MICROS_PER_DAY);
}
const iso = (t: number): string => formatIso(t).slice(0, 10);
function plan(times: Float64Array, spec: Partial<Record<'train' | 'test' | 'step', string>> & { anchored?: boolean }) {
  const s: WindowPlanSpec = {
    train: len('--train', spec.train ?? '10'),
    test: len('--test', spec.test ?? '5'),
    ...(spec.step !== undefined ? { step: len('--step', spec.step) } : {}),
    ...(spec.anchored !== undefined ? { anchored: spec.anchored } : {}),
  };
  return planWindows(times, s).map((w) => [iso(w.isStart), iso(w.isEnd), iso(w.oosStart), iso(w.oosEnd)].join(' '));
}
function message(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return e.message;
    throw e;
  }
  return 'no error';
}

describe('walk-forward windows', () => {
  it('reads bars and calendar lengths, and refuses anything else', () => {
    expect(len('--train', '1000')).toMatchObject({ unit: 'bars', bars: 1000 });
    expect(len('--train', '3y')).toMatchObject({ unit: 'calendar', months: 36, days: 0 });
    expect(len('--test', '6m')).toMatchObject({ unit: 'calendar', months: 6, days: 0 });
    expect(len('--test', '30d')).toMatchObject({ unit: 'calendar', months: 0, days: 30 });
    for (const bad of ['0', '-5', '1.5', '3w', 'y', '']) expect(message(() => len('--train', bad))).toContain('expected a number of bars');
  });

  it('rolls bar windows by the test length (or --step), dropping a last out-of-sample window shorter than --test', () => {
    const t = days('2020-01-01', 27);
    expect(plan(t, {})).toEqual([
      '2020-01-01 2020-01-10 2020-01-11 2020-01-15',
      '2020-01-06 2020-01-15 2020-01-16 2020-01-20',
      '2020-01-11 2020-01-20 2020-01-21 2020-01-25',
    ]); // 2 steps left over: no 4th window
    expect(plan(t, { step: '8' })).toEqual(['2020-01-01 2020-01-10 2020-01-11 2020-01-15', '2020-01-09 2020-01-18 2020-01-19 2020-01-23']);
  });

  it('anchors every in-sample window at the data start with --anchored', () => {
    expect(plan(days('2020-01-01', 20), { anchored: true })).toEqual(['2020-01-01 2020-01-10 2020-01-11 2020-01-15', '2020-01-01 2020-01-15 2020-01-16 2020-01-20']);
  });

  it('cuts calendar windows at UTC midnights from the first day, months by the calendar', () => {
    const t = days('2020-01-01', 366 + 365); // 2020 and 2021
    expect(plan(t, { train: '6m', test: '3m' })).toEqual([
      '2020-01-01 2020-06-30 2020-07-01 2020-09-30',
      '2020-04-01 2020-09-30 2020-10-01 2020-12-31',
      '2020-07-01 2020-12-31 2021-01-01 2021-03-31',
      '2020-10-01 2021-03-31 2021-04-01 2021-06-30',
      '2021-01-01 2021-06-30 2021-07-01 2021-09-30',
      '2021-04-01 2021-09-30 2021-10-01 2021-12-31',
    ]);
    expect(plan(t, { train: '1y', test: '30d', step: '1y' })).toEqual(['2020-01-01 2020-12-31 2021-01-01 2021-01-30']);
  });

  it('says why windows do not fit: too little data, mixed units, overlapping out-of-sample windows', () => {
    const t = days('2020-01-01', 12);
    expect(message(() => plan(t, {}))).toBe(
      "field '--train' value '10': no walk-forward window fits: --train 10 and --test 5 need more data (the data has 12 time steps, 2020-01-01T23:59:59.999999Z to 2020-01-12T23:59:59.999999Z)",
    );
    expect(message(() => plan(t, { train: '1y' }))).toContain('all in bars (1000) or all as calendar lengths');
    // The flags given are named, with their values: --step only when given.
    expect(message(() => plan(t, { train: '2000', test: '6m' }))).toBe(
      "field '--test' value '6m': --train 2000 is a number of bars but --test 6m is a calendar length: give --train and --test all in bars (1000) or all as calendar lengths (3y, 6m, 30d)",
    );
    expect(message(() => plan(t, { train: '3y', test: '6m', step: '100' }))).toBe(
      "field '--step' value '100': --train 3y is a calendar length but --step 100 is a number of bars: give --train, --test and --step all in bars (1000) or all as calendar lengths (3y, 6m, 30d)",
    );
    expect(message(() => plan(days('2020-01-01', 40), { step: '2' }))).toContain('overlap: the stitched out-of-sample run needs --step at least --test (5)');
  });

  it('merges the time steps of several feeds', () => {
    expect(Array.from(stepTimes([Float64Array.of(1, 3, 5), Float64Array.of(2, 3, 6)]))).toEqual([1, 2, 3, 5, 6]);
  });
});
