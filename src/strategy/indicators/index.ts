export {
  Indicator,
  BarIndicator,
  runBatch,
  runBatchBars,
  chainOf,
  SRC_OPEN,
  SRC_HIGH,
  SRC_LOW,
  SRC_CLOSE,
  SRC_VOLUME,
  type BarArrays,
  type PriceField,
} from './indicator.js';
export { SMA } from './sma.js';
export { EMA } from './ema.js';
export { RSI, CMO } from './rsi.js';
export { Crossover, crossoverSeries } from './crossover.js';
export { WMA, DEMA, TEMA, TRIMA, KAMA, T3, MAMA, Identity, createMA, maLookback, MA_TYPES } from './ma.js';
export {
  MACD,
  MACDEXT,
  MACDFIX,
  APO,
  PPO,
  MOM,
  ROC,
  ROCP,
  ROCR,
  ROCR100,
  TRIX,
  STOCH,
  STOCHF,
  STOCHRSI,
  WILLR,
  AROON,
  AROONOSC,
  BOP,
  CCI,
  MFI,
  ULTOSC,
} from './momentum.js';
export { BBANDS, SAR, MIDPOINT, MIDPRICE, MAX, MIN, SUM, AVGPRICE, MEDPRICE, TYPPRICE, WCLPRICE } from './overlap.js';
export { ATR, NATR, TRANGE, ADX, ADXR, DX, PLUS_DI, MINUS_DI, PLUS_DM, MINUS_DM } from './volatility.js';
export { OBV, AD, ADOSC } from './volume.js';
export { VAR, STDDEV, LINEARREG, LINEARREG_SLOPE, LINEARREG_ANGLE, LINEARREG_INTERCEPT, TSF, CORREL, BETA } from './statistic.js';
export { VWAP, KELTNER, DONCHIAN, ICHIMOKU, SUPERTREND, HEIKINASHI } from './extra.js';
export {
  INDICATORS,
  INDICATOR_LIST,
  findIndicator,
  createIndicator,
  type IndicatorDescriptor,
  type IndicatorInputs,
  type IndicatorGroup,
  type ParamInfo,
} from './registry.js';
