import type { AggressorSide, Bar, QuoteTick, TradeTick } from '../model/market.js';

/** One reusable bar object per instrument: the hot path allocates nothing per bar. */
export class BarView implements Bar {
  time = 0;
  open = 0;
  high = 0;
  low = 0;
  close = 0;
  volume = 0;
  constructor(
    readonly symbol: string,
    readonly timeframe = '',
  ) {}
}

export class QuoteView implements QuoteTick {
  time = 0;
  bid = 0;
  ask = 0;
  bidSize = NaN;
  askSize = NaN;
  constructor(readonly symbol: string) {}
}

export class TradeView implements TradeTick {
  time = 0;
  price = 0;
  size = 0;
  aggressor: AggressorSide = 'unknown';
  constructor(readonly symbol: string) {}
}
