import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { parseRunConfig } from './config.js';

/** The error parseRunConfig throws for raw settings read from `run.json`. */
function errorOf(raw: Record<string, unknown>): string {
  try {
    parseRunConfig({ strategy: 's.ts', data: ['d.csv'], ...raw }, 'run.json');
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as InputError).message;
  }
  throw new Error('no error');
}

describe('a config file with two fee models is refused, naming the field and its value', () => {
  it('a fee rate and maker/taker rates', () => {
    expect(errorOf({ feeRate: 0.001, execution: { feeMaker: 0.001, feeTaker: 0.002 } })).toBe(
      "run.json: field 'execution.feeMaker' value '0.001': give either feeRate or execution.feeMaker/feeTaker, not both",
    );
  });

  it('a fee per unit and maker/taker rates', () => {
    expect(errorOf({ feePerUnit: 1, execution: { feeMaker: -0.0001, feeTaker: 0.002 } })).toBe(
      "run.json: field 'execution.feeMaker' value '-0.0001': give either feePerUnit or execution.feeMaker/feeTaker, not both",
    );
  });
});

describe('times with an offset no clock has are refused, as in a data file', () => {
  for (const field of ['from', 'to', 'tradeFrom', 'tradeTo']) {
    it(field, () => {
      expect(errorOf({ [field]: '1997-06-03T10:00:00+99:99' })).toBe(`run.json: field '${field}' value '1997-06-03T10:00:00+99:99': not an ISO 8601 date or date-time`);
      expect(errorOf({ [field]: '1997-06-03T10:00:00-0560' })).toBe(`run.json: field '${field}' value '1997-06-03T10:00:00-0560': not an ISO 8601 date or date-time`);
    });
  }
});

describe('an unknown setting is named at itself, with its own value', () => {
  it('at the top and inside execution, one issue each', () => {
    expect(errorOf({ bogus: 1, cash: 1000, execution: { nope: 'x', fillModel: 'classic' } })).toBe(
      "run.json: field 'execution.nope' value 'x': unknown setting 'nope'\nrun.json: field 'bogus' value '1': unknown setting 'bogus'",
    );
  });
});
