/**
 * Turns the candles a watchOHLCV returns (new or updated candles, the last
 * one usually still forming) into closed bars, each sent once.
 *
 * A candle is closed when the exchange says so (Binance kline `x: true`, seen
 * through the exchange class's handleOHLCV, see exchange.ts) or when a later
 * candle appears. A forming candle is kept as `pending` (its latest values)
 * until one of the two happens. Candles at or before the last bar sent are
 * ignored, so a candle sent again after a reconnect is never sent twice.
 */
export type Candle = readonly [number, number, number, number, number, number] | readonly (number | undefined)[];

export type BarOut = (startMs: number, open: number, high: number, low: number, close: number, volume: number) => void;

export class BarCloser {
  /** Start (ms) of the last bar sent; -Infinity before the first. */
  lastSent = -Infinity;
  private pendingStart = NaN;
  private readonly pending = new Float64Array(5);

  /**
   * Takes candles in time order; `closedByExchange` tells whether the exchange
   * has marked the candle starting at `startMs` as final.
   */
  push(candles: readonly Candle[], closedByExchange: (startMs: number) => boolean, out: BarOut): void {
    for (const c of candles) {
      const t = c[0];
      if (t === undefined || !(t > this.lastSent)) continue;
      if (this.pendingStart === this.pendingStart && t > this.pendingStart) this.flush(out);
      this.pendingStart = t;
      const p = this.pending;
      p[0] = num(c[1]);
      p[1] = num(c[2]);
      p[2] = num(c[3]);
      p[3] = num(c[4]);
      p[4] = num(c[5]);
      if (closedByExchange(t)) this.flush(out);
    }
  }

  /**
   * Forgets the forming candle: after a reconnect its last values may not be
   * its final ones (updates were missed), so it must not be sent as closed.
   * Returns its start (ms), NaN when there was none.
   */
  dropPending(): number {
    const t = this.pendingStart;
    this.pendingStart = NaN;
    return t;
  }

  private flush(out: BarOut): void {
    const p = this.pending;
    const t = this.pendingStart;
    this.pendingStart = NaN;
    this.lastSent = t;
    out(t, p[0] as number, p[1] as number, p[2] as number, p[3] as number, p[4] as number);
  }
}

const num = (v: number | undefined): number => (v === undefined ? NaN : v);
