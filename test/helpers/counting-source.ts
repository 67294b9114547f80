/** A SyntheticSource that notes in a file each time it is built and asked for its markets (from any thread). */
import { appendFileSync } from 'node:fs';
import { SyntheticSource, type SyntheticSourceOptions } from '../../src/live/feed/synthetic-source.js';
import type { LiveMarket } from '../../src/live/source.js';

export class CountingSource extends SyntheticSource {
  private readonly log: string;

  constructor(options: SyntheticSourceOptions & { readonly log: string }) {
    super(options);
    this.log = options.log;
    appendFileSync(this.log, 'built\n');
  }

  override async markets(symbols: readonly string[]): Promise<readonly LiveMarket[]> {
    appendFileSync(this.log, `markets ${symbols.join(',')}\n`);
    return super.markets(symbols);
  }
}
