/**
 * What is traded. Only the fields the current engine uses are required; the
 * rest have defaults for a plain cash equity.
 */
export interface Instrument {
  readonly symbol: string;
  /** Contract multiplier: P&L per unit of price change per unit of quantity. */
  readonly multiplier: number;
  /** Smallest price increment; 0 means unconstrained. */
  readonly tickSize: number;
  /** Smallest quantity increment; 0 means unconstrained. */
  readonly lotSize: number;
  /** Currency the instrument's prices are quoted in. */
  readonly currency: string;
}

export function makeInstrument(symbol: string, overrides: Partial<Omit<Instrument, 'symbol'>> = {}): Instrument {
  return { symbol, multiplier: 1, tickSize: 0, lotSize: 0, currency: 'USD', ...overrides };
}
