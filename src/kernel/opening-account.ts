import { addExact, mulExact } from '../core/decimal.js';
import { InputError } from '../core/errors.js';
import type { Micros } from '../core/time.js';
import type { OrderRequest } from '../model/order.js';
import type { Portfolio, PositionState } from '../portfolio/portfolio.js';

/** A position the account holds when the run starts (a live account's holdings). */
export interface OpeningPosition {
  readonly symbol: string;
  /** Signed quantity. */
  readonly quantity: number;
  /** What it cost on average; NaN when unknown (it is then taken at the instrument's first mark). */
  readonly averagePrice: number;
}

/** An order working at the venue when the run starts, taken into the order manager. */
export interface OpeningOrder {
  readonly clientOrderId: string;
  readonly venueOrderId: string;
  readonly request: OrderRequest & { readonly symbol: string };
  /** Filled before the run, base units (already in the account). */
  readonly filledQuantity: number;
}

/**
 * Positions held before the run, waiting for their instrument's first mark
 * (or first fill, when an adopted order fills before any data): each is taken over then, at its average price (or the mark when unknown),
 * as a round trip that opens at that time and price. The cash the account
 * states already excludes them, so taking one over changes no cash: the run's
 * opening equity grows by its value instead.
 */
export class OpeningPositions {
  /** Value of the positions taken over so far, in the account currency (what the run's opening equity adds to its cash). */
  value = 0;
  /** Positions not yet taken over. */
  waiting = 0;
  private readonly byIndex: (OpeningPosition | undefined)[];

  constructor(portfolio: Portfolio, positions: readonly OpeningPosition[]) {
    this.byIndex = new Array<OpeningPosition | undefined>(portfolio.size).fill(undefined);
    for (const p of positions) {
      if (p.quantity === 0) continue;
      const idx = portfolio.positions.findIndex((x, i) => i < portfolio.size && x.instrument.symbol === p.symbol);
      const pos = portfolio.positions[idx];
      if (pos === undefined) {
        throw new InputError({ code: 'invalid_option', field: 'positions', value: p.symbol, message: 'an opening position in an instrument the run does not trade' });
      }
      if (!Number.isFinite(p.quantity) || !(p.averagePrice > 0 || Number.isNaN(p.averagePrice))) {
        throw new InputError({ code: 'invalid_option', field: 'positions', value: `${p.symbol} ${p.quantity} @ ${p.averagePrice}`, message: 'an opening position needs a finite quantity and an average price > 0 (or NaN: unknown)' });
      }
      if (pos.margined || pos.side !== 'net' || pos.instrument.currency !== portfolio.currency) {
        throw new InputError({
          code: 'invalid_option',
          field: 'positions',
          value: p.symbol,
          message: `opening positions are taken over in netting accounts, for cash instruments quoted in the account currency (${portfolio.currency})`,
        });
      }
      this.byIndex[idx] = p;
      this.waiting++;
    }
  }

  /** The opening position of instrument `idx` is taken over at time `time` (its average price, else `mark`: its first mark or fill price), if it waits. */
  takeOver(portfolio: Portfolio, pos: PositionState, idx: number, mark: number, time: Micros): boolean {
    const p = this.byIndex[idx];
    if (p === undefined) return false;
    this.byIndex[idx] = undefined;
    this.waiting--;
    const price = Number.isNaN(p.averagePrice) ? mark : p.averagePrice;
    // Booked as a fill without a fee; its cash and traded volume are put back: the account held it before the run.
    const cash = portfolio.cash;
    const volume = portfolio.tradedVolume;
    portfolio.applyFill(pos, p.quantity, price, 0, time);
    portfolio.cash = cash;
    portfolio.tradedVolume = volume;
    this.value = addExact(this.value, mulExact(mulExact(p.quantity, price), pos.instrument.multiplier));
    return true;
  }
}
