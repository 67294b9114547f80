import type { Micros } from '../core/time.js';
import type { BarAggregator } from '../data/aggregate/aggregator.js';
import type { Indicator } from '../strategy/indicators/indicator.js';
import { chainOf } from '../strategy/indicators/indicator.js';
import type { RingBarHistory } from './bar-history.js';
import type { BarView } from './market-views.js';
import { ROW_CLOSE, ROW_HIGH, ROW_LOW, ROW_OPEN, ROW_TIME, ROW_VOLUME, type BarRow } from '../model/market.js';

/**
 * One bar series of an instrument: the bars of its data (timeframe '') or
 * bars aggregated from them ('1h', 'ticks:100', ...), with their history,
 * the indicators that read them, and the reusable bar object the strategy
 * sees.
 */
export class Series {
  /** Indicators in update order: an indicator's inputs come before it. */
  readonly indicators: Indicator[] = [];
  private readonly known = new Set<Indicator>();
  private warm = true;

  constructor(
    readonly symbolIdx: number,
    readonly timeframe: string,
    readonly history: RingBarHistory,
    readonly view: BarView,
    readonly aggregator: BarAggregator | undefined,
  ) {}

  /** Registers an indicator and, first, whatever it reads. */
  add<T extends Indicator>(indicator: T): T {
    for (const ind of chainOf(indicator)) {
      if (this.known.has(ind)) continue;
      this.known.add(ind);
      this.indicators.push(ind);
    }
    this.warm = false;
    return indicator;
  }

  has(indicator: Indicator): boolean {
    return this.known.has(indicator);
  }

  /** The next bar, from a row (model/market.ts). */
  updateRow(r: BarRow): void {
    const list = this.indicators;
    if (list.length === 0) return;
    const t = r[ROW_TIME] as number;
    const open = r[ROW_OPEN] as number;
    const high = r[ROW_HIGH] as number;
    const low = r[ROW_LOW] as number;
    const close = r[ROW_CLOSE] as number;
    const volume = r[ROW_VOLUME] as number;
    for (let k = 0; k < list.length; k++) (list[k] as Indicator).updateBarAt(t, open, high, low, close, volume);
  }

  update(t: Micros, open: number, high: number, low: number, close: number, volume: number): void {
    const list = this.indicators;
    for (let k = 0; k < list.length; k++) (list[k] as Indicator).updateBarAt(t, open, high, low, close, volume);
  }

  /** Whether every indicator of the series is ready (stays true once it is). */
  isWarm(): boolean {
    if (this.warm) return true;
    for (const ind of this.indicators) if (!ind.ready) return false;
    this.warm = true;
    return true;
  }
}
