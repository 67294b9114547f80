import { integerArg, numberArg } from '../../core/arguments.js';
import { Xoshiro128 } from '../../core/random.js';
import type { Micros } from '../../core/time.js';

/** Delay, in simulated µs, before a request (submit, cancel, modify) reaches the venue. */
export interface LatencyModel {
  readonly name: string;
  delay(kind: 'submit' | 'cancel' | 'modify'): Micros;
}

export class NoLatency implements LatencyModel {
  readonly name = 'none';
  delay(): Micros {
    return 0;
  }
}

export class FixedLatency implements LatencyModel {
  readonly name = 'fixed';
  constructor(readonly micros: Micros) {
    integerArg('new FixedLatency', 'micros', micros, 0);
  }
  delay(): Micros {
    return this.micros;
  }
}

/** A base delay plus uniform jitter from a seed. */
export class JitterLatency implements LatencyModel {
  readonly name = 'jitter';
  private readonly rng: Xoshiro128;
  constructor(readonly baseMicros: Micros, readonly jitterMicros: Micros, seed: number) {
    integerArg('new JitterLatency', 'baseMicros', baseMicros, 0);
    integerArg('new JitterLatency', 'jitterMicros', jitterMicros, 0);
    numberArg('new JitterLatency', 'seed', seed);
    this.rng = new Xoshiro128(seed);
  }
  delay(): Micros {
    return this.baseMicros + Math.floor(this.rng.nextFloat() * (this.jitterMicros + 1));
  }
}
