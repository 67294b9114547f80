import { InvariantError } from '../core/errors.js';
import { sharedFloat64 } from '../core/growable.js';
import type { MetricValue, TrialOutcome, TrialStatus } from './trial.js';

/**
 * A trial outcome as JSON can carry it (through a queue), exactly: numbers
 * travel as the bytes of Float64Arrays in base64, so -0, NaN and infinities
 * come back as they went (JSON would turn them into 0 and null). Byte order:
 * the machine's (little-endian on every platform Node runs on).
 */
export interface EncodedOutcome {
  readonly status: TrialStatus;
  readonly reason: string;
  /** The metrics' names, in the outcome's order. */
  readonly metricNames: readonly string[];
  /** Their values (base64 of a Float64Array; a null metric is 0 here and listed in metricNulls). */
  readonly metricValues: string;
  /** Indexes of the metrics that are null. */
  readonly metricNulls: readonly number[];
  readonly returns: string;
  readonly times: string;
  readonly millis: number;
}

export function encodeFloats(values: Float64Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
}

/** `shared`: into a SharedArrayBuffer (as a trial makes its returns and times: trial.ts). */
export function decodeFloats(text: string, shared = false): Float64Array {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length % 8 !== 0) throw new InvariantError(`encoded floats of ${bytes.length} bytes (not a multiple of 8)`);
  const out = shared ? sharedFloat64(bytes.length / 8) : new Float64Array(bytes.length / 8);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

export function encodeOutcome(outcome: TrialOutcome): EncodedOutcome {
  const names = Object.keys(outcome.metrics);
  const values = new Float64Array(names.length);
  const nulls: number[] = [];
  names.forEach((name, i) => {
    const v = outcome.metrics[name];
    if (v === null || v === undefined) nulls.push(i);
    else values[i] = v;
  });
  return {
    status: outcome.status,
    reason: outcome.reason,
    metricNames: names,
    metricValues: encodeFloats(values),
    metricNulls: nulls,
    returns: encodeFloats(outcome.returns),
    times: encodeFloats(outcome.times),
    millis: outcome.millis,
  };
}

/** The outcome of trial `trial` with `params` (a stored result may come from another sweep, where the trial had another number). */
export function decodeOutcome(encoded: EncodedOutcome, trial: number, params: Readonly<Record<string, unknown>>): TrialOutcome {
  const values = decodeFloats(encoded.metricValues);
  if (values.length !== encoded.metricNames.length) throw new InvariantError(`${encoded.metricNames.length} metric names but ${values.length} values`);
  const nulls = new Set(encoded.metricNulls);
  const metrics: Record<string, MetricValue> = {};
  encoded.metricNames.forEach((name, i) => {
    metrics[name] = nulls.has(i) ? null : (values[i] as number);
  });
  return {
    trial,
    status: encoded.status,
    reason: encoded.reason,
    params,
    metrics,
    returns: decodeFloats(encoded.returns, true),
    times: decodeFloats(encoded.times, true),
    millis: encoded.millis,
  };
}
