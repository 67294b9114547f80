import { InputError } from '../../core/errors.js';

/** Reconnect delays: `initialMs * factor^attempt`, capped at `maxMs`, less a random share of up to `jitter`. */
export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly factor: number;
  /** 0..1: each delay is drawn uniformly from [base * (1 - jitter), base]. */
  readonly jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 30_000, factor: 2, jitter: 0.2 };

/** The options with defaults filled in, or an InputError naming the bad field. */
export function backoffOptionsOf(given: Partial<BackoffOptions> | undefined): BackoffOptions {
  const o = { ...DEFAULT_BACKOFF, ...given };
  const bad = (field: keyof BackoffOptions, rule: string): InputError =>
    new InputError({ code: 'invalid_option', field: `backoff.${field}`, value: String(o[field]), message: rule });
  if (!(o.initialMs >= 0 && o.initialMs < Infinity)) throw bad('initialMs', 'must be a number of milliseconds >= 0');
  if (!(o.maxMs >= o.initialMs && o.maxMs < Infinity)) throw bad('maxMs', `must be a number of milliseconds >= initialMs (${o.initialMs})`);
  if (!(o.factor >= 1 && o.factor < Infinity)) throw bad('factor', 'must be a number >= 1');
  if (!(o.jitter >= 0 && o.jitter <= 1)) throw bad('jitter', 'must be a number from 0 to 1');
  return o;
}

/**
 * One channel's reconnect schedule. `next()` gives the delay before the next
 * attempt and counts it; `reset()` after data flows again starts over.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly options: BackoffOptions,
    /** Uniform in [0, 1): Math.random, or a seeded generator's nextFloat in tests. */
    private readonly random: () => number,
  ) {}

  /** Attempts made since the last reset. */
  get attempts(): number {
    return this.attempt;
  }

  next(): number {
    const { initialMs, maxMs, factor, jitter } = this.options;
    const base = Math.min(maxMs, initialMs * factor ** this.attempt);
    this.attempt++;
    return Math.round(base * (1 - jitter * this.random()));
  }

  reset(): void {
    this.attempt = 0;
  }
}
