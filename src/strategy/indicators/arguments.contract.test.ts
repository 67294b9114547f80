/**
 * Every indicator of the registry (72), every parameter, every kind of bad
 * value: the factory (createIndicator, the descriptor's create) and the
 * class's own constructor throw an InputError that names the call, the
 * parameter and the value; nothing is created from a bad value and nothing
 * else is thrown.
 */
import { describe, expect, it } from 'vitest';
import { shownValue } from '../../core/arguments.js';
import { InputError } from '../../core/errors.js';
import { INDICATOR_LIST, createIndicator, type IndicatorDescriptor, type ParamInfo } from './registry.js';

/** Values no parameter accepts, and values some reject. */
const BAD: readonly unknown[] = [0, -1, 1.5, NaN, Infinity, -Infinity, '10', 'abc', null, true, {}, []];

/** Whether the registry (TA-Lib's limits) refuses `v` for parameter `p`. */
function refusedBySchema(p: ParamInfo, v: unknown): boolean {
  if (typeof v !== 'number' || !Number.isFinite(v)) return true;
  if (p.type === 'integer' && !Number.isInteger(v)) return true;
  return v < p.min || v > p.max;
}

/**
 * Whether the class's constructor must refuse `v`: not a finite number, not
 * an integer for an integer parameter, negative where the least value is
 * >= 0, zero where it is >= 1, or beyond a bounded maximum. (Constructors
 * may accept more than TA-Lib does, e.g. an SMA of period 1.)
 */
function refusedByConstructor(p: ParamInfo, v: unknown): boolean {
  if (typeof v !== 'number' || !Number.isFinite(v)) return true;
  if (p.type === 'integer' && !Number.isInteger(v)) return true;
  if (p.min >= 0 && v < 0) return true;
  if (p.min >= 1 && v < 1) return true;
  return p.max < 100_000 && v > p.max;
}

/** Parameters a class's constructor does not take (TA-Lib's VAR ignores nbdev). */
const IGNORED = new Set(['VAR.nbdev']);

function defaults(d: IndicatorDescriptor): Record<string, unknown> {
  return Object.fromEntries(d.params.map((p) => [p.name, p.default]));
}

function issueOf(f: () => unknown): { code: string; field?: string; value?: string; message: string } {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    const issues = (e as InputError).issues;
    expect(issues.length).toBeGreaterThan(0);
    return issues[0] as { code: string; field?: string; value?: string; message: string };
  }
  throw new Error('no error thrown');
}

describe('the indicator registry', () => {
  it('has all 72 indicators, each creatable with its defaults', () => {
    expect(INDICATOR_LIST.length).toBe(72);
    for (const d of INDICATOR_LIST) {
      expect(createIndicator(d.name).outputs.length).toBe(d.outputs.length);
      expect(d.construct(defaults(d)).outputs.length).toBe(d.outputs.length);
    }
  });
});

const WITH_PARAMS = INDICATOR_LIST.filter((d) => d.params.length > 0).map((d) => [d.name, d] as const);

describe.each(WITH_PARAMS)('%s with bad parameters', (name, d) => {
  it('createIndicator and create name the call, the parameter and the value', () => {
    for (const p of d.params) {
      for (const v of BAD.filter((x) => refusedBySchema(p, x))) {
        const issue = issueOf(() => createIndicator(name, { [p.name]: v }));
        expect(issue).toMatchObject({ code: 'invalid_param', field: `createIndicator('${name}', { ${p.name} })`, value: shownValue(v) });
        expect(issue.message).toMatch(new RegExp(`^${p.name} must be (an integer|a finite number)`));
        expect(issueOf(() => d.create({ [p.name]: v })).field).toBe(`createIndicator('${name}', { ${p.name} })`);
      }
    }
  });

  it("the class's constructor names itself, the argument and the value", () => {
    for (const p of d.params) {
      if (IGNORED.has(`${name}.${p.name}`)) continue;
      for (const v of BAD.filter((x) => refusedByConstructor(p, x))) {
        const issue = issueOf(() => d.construct({ ...defaults(d), [p.name]: v }));
        expect(issue.code).toBe('invalid_param');
        expect(issue.field).toMatch(/^(new \w+|createMA)\(\w+\)$/);
        expect(issue.value).toBe(shownValue(v));
      }
    }
  });

});

describe.each(INDICATOR_LIST.map((d) => [d.name] as const))('%s with parameters it does not take', (name) => {
  it('an unknown parameter and parameters that are not an object are named', () => {
    expect(issueOf(() => createIndicator(name, { period: 5 }))).toMatchObject({ field: `createIndicator('${name}', { period })`, value: '5' });
    expect(issueOf(() => createIndicator(name, 5 as never))).toMatchObject({ field: `createIndicator('${name}', params)`, value: '5' });
  });
});

describe('indicator factories and methods', () => {
  it('an unknown indicator name', () => {
    expect(issueOf(() => createIndicator('NOPE'))).toMatchObject({ field: 'createIndicator(name)', value: '"NOPE"' });
    expect(issueOf(() => createIndicator(undefined as never))).toMatchObject({ field: 'createIndicator(name)', value: 'undefined' });
  });

  it('an SMA of period 0 says so in one line', () => {
    expect(() => createIndicator('SMA', { timeperiod: 0 })).toThrow("field 'createIndicator('SMA', { timeperiod })' value '0': timeperiod must be an integer from 2 to 100000");
    const sma = INDICATOR_LIST.find((x) => x.name === 'SMA') as IndicatorDescriptor;
    expect(() => sma.construct({ timeperiod: 0 })).toThrow("field 'new SMA(period)' value '0': period must be an integer >= 1");
  });

  it('a window too large to allocate', () => {
    const sma = INDICATOR_LIST.find((x) => x.name === 'SMA') as IndicatorDescriptor;
    expect(issueOf(() => sma.construct({ timeperiod: 1e9 }))).toMatchObject({ field: 'new SMA(period)', value: '1000000000', message: 'period must be at most 10000000' });
  });

  it('get, of and withSource name what was wrong', () => {
    const sma = createIndicator('SMA', { timeperiod: 3 });
    expect(issueOf(() => sma.get('nope'))).toMatchObject({ field: 'indicator.get(name)', value: '"nope"' });
    expect(issueOf(() => sma.withSource('hlc3' as never))).toMatchObject({ field: 'indicator.withSource(source)', value: '"hlc3"' });
    expect(issueOf(() => createIndicator('SMA').of(createIndicator('MACD'), 'nope'))).toMatchObject({ field: 'indicator.of(output)', value: '"nope"' });
    expect(issueOf(() => createIndicator('SMA').of({} as never))).toMatchObject({ field: 'indicator.of(input)' });
  });
});
