export { Indicator, runBatch } from './indicator.js';
export { SMA } from './sma.js';
export { EMA } from './ema.js';
export { RSI } from './rsi.js';
export { Crossover, crossoverSeries } from './crossover.js';
