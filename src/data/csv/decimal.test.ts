import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDecimal } from './decimal.js';

const SAMPLES = join(import.meta.dirname, '../../../data/samples');

function parse(text: string): number {
  const bytes = Buffer.from(text, 'latin1');
  return parseDecimal(bytes, 0, bytes.length);
}

describe('parseDecimal', () => {
  it.each([
    ['0', 0],
    ['-0', -0],
    ['42', 42],
    ['2.117284', 2.117284],
    ['46319.0', 46319],
    ['2300413.7295', 2300413.7295],
    ['-1.5', -1.5],
    ['+1.5', 1.5],
    ['.5', 0.5],
    ['5.', 5],
    ['0.000123', 0.000123],
    ['1e3', 1000],
    ['1.5E-3', 0.0015],
    ['  7.25 ', 7.25],
    ['12345678901234567890', 12345678901234567890],
    ['0.1234567890123456789', 0.1234567890123456789],
    ['1e-30', 1e-30],
  ])('reads %s', (text, value) => {
    expect(Object.is(parse(text), value)).toBe(true);
  });

  it.each(['', ' ', '-', '.', 'abc', '1,5', '1.2.3', '0x10', 'Infinity', 'NaN', '1e', '1e+', '--1', '1-', '1e400'])(
    'rejects %j as NaN',
    (text) => {
      expect(parse(text)).toBeNaN();
    },
  );

  it('reads the bytes between start and end only', () => {
    const bytes = Buffer.from('x,12.5,y');
    expect(parseDecimal(bytes, 2, 6)).toBe(12.5);
  });

  it('equals Number(text) for random decimal texts', () => {
    const decimalText = fc
      .tuple(
        fc.constantFrom('', '-', '+'),
        fc.stringMatching(/^[0-9]{1,20}$/),
        fc.option(fc.stringMatching(/^[0-9]{0,20}$/), { nil: undefined }),
        fc.option(fc.integer({ min: -40, max: 40 }), { nil: undefined }),
      )
      .map(([sign, int, frac, exp]) => `${sign}${int}${frac !== undefined ? `.${frac}` : ''}${exp !== undefined ? `e${exp}` : ''}`);
    fc.assert(
      fc.property(decimalText, (text) => Object.is(parse(text), Number(text))),
      { numRuns: 20_000 },
    );
  });

  it('equals Number(text) for random doubles written by JavaScript', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e15, max: 1e15 }), (x) => {
        const text = String(x);
        return Object.is(parse(text), Number(text));
      }),
      { numRuns: 20_000 },
    );
  });

  it('equals Number(text) for every numeric field of every sample file', () => {
    let checked = 0;
    for (const file of readdirSync(SAMPLES).filter((f) => f.endsWith('.csv'))) {
      const text = readFileSync(join(SAMPLES, file), 'latin1');
      for (const line of text.split('\n')) {
        for (const field of line.replace(/\r$/, '').split(',')) {
          if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(field)) continue;
          const value = parse(field);
          if (!Object.is(value, Number(field))) expect.fail(`${file}: '${field}' read as ${value}, Number gives ${Number(field)}`);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(700_000);
  });
});
