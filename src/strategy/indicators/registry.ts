import { z } from 'zod';
import { shownValue } from '../../core/arguments.js';
import { InputError, type Issue } from '../../core/errors.js';
import { EMA } from './ema.js';
import { DONCHIAN, HEIKINASHI, ICHIMOKU, KELTNER, SUPERTREND, VWAP } from './extra.js';
import { SRC_CLOSE, SRC_HIGH, SRC_LOW, SRC_OPEN, SRC_VOLUME, type Indicator } from './indicator.js';
import { DEMA, KAMA, MAMA, T3, TEMA, TRIMA, WMA, createMA } from './ma.js';
import {
  APO,
  AROON,
  AROONOSC,
  BOP,
  CCI,
  MACD,
  MACDEXT,
  MACDFIX,
  MFI,
  MOM,
  PPO,
  ROC,
  ROCP,
  ROCR,
  ROCR100,
  STOCH,
  STOCHF,
  STOCHRSI,
  TRIX,
  ULTOSC,
  WILLR,
} from './momentum.js';
import { AVGPRICE, BBANDS, MAX, MEDPRICE, MIDPOINT, MIDPRICE, MIN, SAR, SUM, TYPPRICE, WCLPRICE } from './overlap.js';
import { CMO, RSI } from './rsi.js';
import { SMA } from './sma.js';
import { BETA, CORREL, LINEARREG, LINEARREG_ANGLE, LINEARREG_INTERCEPT, LINEARREG_SLOPE, STDDEV, TSF, VAR } from './statistic.js';
import { ADX, ADXR, ATR, DX, MINUS_DI, MINUS_DM, NATR, PLUS_DI, PLUS_DM, TRANGE } from './volatility.js';
import { AD, ADOSC, OBV } from './volume.js';

/**
 * Bar fields an indicator reads, in TA-Lib's order: 'close' (one series,
 * any source), 'high,low', 'high,low,close', 'high,low,close,volume',
 * 'open,high,low,close', 'open,close'... For two-series statistics (CORREL,
 * BETA) the Python wrapper's defaults, high and low.
 */
export type IndicatorInputs = 'real' | 'high,low' | 'high,low,close' | 'high,low,close,volume' | 'open,high,low,close' | 'close,volume';

export type IndicatorGroup =
  | 'Overlap Studies'
  | 'Momentum Indicators'
  | 'Volume Indicators'
  | 'Volatility Indicators'
  | 'Statistic Functions'
  | 'Price Transform'
  | 'Math Operators';

export interface ParamInfo {
  readonly name: string;
  readonly type: 'integer' | 'number';
  readonly default: number;
  readonly min: number;
  readonly max: number;
  readonly description: string;
}

export interface IndicatorDescriptor {
  /** TA-Lib's name (upper case). */
  readonly name: string;
  readonly group: IndicatorGroup;
  readonly description: string;
  /** False for the indicators TA-Lib does not have. */
  readonly talib: boolean;
  readonly inputs: IndicatorInputs;
  /** Output names in TA-Lib's order (the Python wrapper's names). */
  readonly outputs: readonly string[];
  /** Parameters with the Python wrapper's names and TA-Lib's defaults. */
  readonly params: readonly ParamInfo[];
  /** Validates and defaults parameters (unknown names are errors). */
  readonly schema: z.ZodType<Record<string, number>>;
  /**
   * A new instance; `params` are validated first: an InputError names the
   * call, each bad parameter and its value (as `createIndicator`).
   */
  create(params?: Record<string, unknown>): Indicator;
  /**
   * The class's constructor with these values as given, without the schema:
   * the constructor's own checks apply (for tests and tools; missing values
   * take the constructor's defaults).
   */
  construct(params: Record<string, unknown>): Indicator;
}

type Params = Record<string, number>;

const MAX_PERIOD = 100000;
const int = (name: string, def: number, min: number, description: string, max = MAX_PERIOD): ParamInfo => ({ name, type: 'integer', default: def, min, max, description });
const num = (name: string, def: number, min: number, max: number, description: string): ParamInfo => ({ name, type: 'number', default: def, min, max, description });
const period = (def: number, min = 2): ParamInfo => int('timeperiod', def, min, 'number of bars');
const matype = (name = 'matype', def = 0): ParamInfo => int(name, def, 0, 'moving average type: 0 SMA, 1 EMA, 2 WMA, 3 DEMA, 4 TEMA, 5 TRIMA, 6 KAMA, 7 MAMA, 8 T3', 8);

function schemaOf(params: readonly ParamInfo[]): z.ZodType<Params> {
  const shape: Record<string, z.ZodType<number>> = {};
  for (const p of params) {
    let s = z.number({ error: `${p.name} must be a number` });
    if (p.type === 'integer') s = s.int({ error: `${p.name} must be an integer` });
    s = s.min(p.min, { error: `${p.name} must be >= ${p.min}` }).max(p.max, { error: `${p.name} must be <= ${p.max}` });
    shape[p.name] = s.default(p.default) as unknown as z.ZodType<number>;
  }
  return z.strictObject(shape) as unknown as z.ZodType<Params>;
}

const REAL = ['real'];

function def(
  name: string,
  group: IndicatorGroup,
  description: string,
  inputs: IndicatorInputs,
  outputs: readonly string[],
  params: readonly ParamInfo[],
  make: (p: Params) => Indicator,
  talib = true,
): IndicatorDescriptor {
  const schema = schemaOf(params);
  const d: IndicatorDescriptor = Object.freeze({
    name,
    group,
    description,
    talib,
    inputs,
    outputs: Object.freeze([...outputs]),
    params: Object.freeze(params),
    schema,
    create(raw: Record<string, unknown> = {}): Indicator {
      return make(parseParams(d, raw, 'createIndicator'));
    },
    construct(raw: Record<string, unknown>): Indicator {
      return make(raw as Params);
    },
  });
  return d;
}

/** What a parameter must be, as an error message says it. */
function ruleOf(p: ParamInfo): string {
  const range = p.max >= 3e37 ? (p.min <= -3e37 ? '' : ` >= ${p.min}`) : ` from ${p.min} to ${p.max}`;
  return `${p.name} must be ${p.type === 'integer' ? 'an integer' : 'a finite number'}${range}`;
}

/**
 * An indicator's parameters, validated and defaulted: every problem is an
 * issue naming the call, the parameter and its value
 * (`createIndicator('SMA', { timeperiod })`, value '0').
 */
export function parseParams(d: IndicatorDescriptor, raw: unknown, call: string): Params {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InputError({ code: 'invalid_param', field: `${call}('${d.name}', params)`, value: shownValue(raw), message: 'params must be an object of named numbers' });
  }
  const r = d.schema.safeParse(raw);
  if (r.success) return r.data;
  const values = raw as Record<string, unknown>;
  const issues: Issue[] = [];
  const named = d.params.length > 0 ? `${d.name} takes ${d.params.map((p) => p.name).join(', ')}` : `${d.name} takes no parameters`;
  for (const issue of r.error.issues) {
    const keys = issue.code === 'unrecognized_keys' ? (issue.keys as string[]) : [issue.path.map(String).join('.')];
    for (const key of keys) {
      const info = d.params.find((p) => p.name === key);
      issues.push({
        code: 'invalid_param',
        field: `${call}('${d.name}', { ${key} })`,
        value: shownValue(values[key]),
        message: info === undefined ? `unknown parameter; ${named}` : ruleOf(info),
      });
    }
  }
  throw new InputError(issues);
}

const P = (p: Params, k: string): number => p[k] as number;
const OL: IndicatorGroup = 'Overlap Studies';
const MO: IndicatorGroup = 'Momentum Indicators';
const VO: IndicatorGroup = 'Volume Indicators';
const VA: IndicatorGroup = 'Volatility Indicators';
const ST: IndicatorGroup = 'Statistic Functions';
const PT: IndicatorGroup = 'Price Transform';
const MA_: IndicatorGroup = 'Math Operators';
const BANDS = ['upperband', 'middleband', 'lowerband'];
const MACD_OUT = ['macd', 'macdsignal', 'macdhist'];

const LIST: IndicatorDescriptor[] = [
  // Overlap studies
  def('SMA', OL, 'Simple Moving Average (exact for decimal prices)', 'real', REAL, [period(30)], (p) => new SMA(P(p, 'timeperiod'))),
  def('EMA', OL, 'Exponential Moving Average (seeded with an SMA)', 'real', REAL, [period(30)], (p) => new EMA(P(p, 'timeperiod'))),
  def('WMA', OL, 'Weighted Moving Average', 'real', REAL, [period(30)], (p) => new WMA(P(p, 'timeperiod'))),
  def('DEMA', OL, 'Double Exponential Moving Average', 'real', REAL, [period(30)], (p) => new DEMA(P(p, 'timeperiod'))),
  def('TEMA', OL, 'Triple Exponential Moving Average', 'real', REAL, [period(30)], (p) => new TEMA(P(p, 'timeperiod'))),
  def('TRIMA', OL, 'Triangular Moving Average', 'real', REAL, [period(30)], (p) => new TRIMA(P(p, 'timeperiod'))),
  def('KAMA', OL, 'Kaufman Adaptive Moving Average', 'real', REAL, [period(30)], (p) => new KAMA(P(p, 'timeperiod'))),
  def('T3', OL, 'Triple Exponential Moving Average (T3)', 'real', REAL, [period(5), num('vfactor', 0.7, 0, 1, 'volume factor')], (p) => new T3(P(p, 'timeperiod'), P(p, 'vfactor'))),
  def(
    'MAMA',
    OL,
    'MESA Adaptive Moving Average',
    'real',
    ['mama', 'fama'],
    [num('fastlimit', 0.5, 0.01, 0.99, 'upper limit of the adaptive factor'), num('slowlimit', 0.05, 0.01, 0.99, 'lower limit of the adaptive factor')],
    (p) => new MAMA(P(p, 'fastlimit'), P(p, 'slowlimit')),
  ),
  def('MA', OL, 'Moving average of any type', 'real', REAL, [int('timeperiod', 30, 1, 'number of bars'), matype()], (p) => createMA(P(p, 'timeperiod'), P(p, 'matype'))),
  def(
    'BBANDS',
    OL,
    'Bollinger Bands (population standard deviation)',
    'real',
    BANDS,
    [period(5), num('nbdevup', 2, -3e37, 3e37, 'deviations above'), num('nbdevdn', 2, -3e37, 3e37, 'deviations below'), matype()],
    (p) => new BBANDS(P(p, 'timeperiod'), P(p, 'nbdevup'), P(p, 'nbdevdn'), P(p, 'matype')),
  ),
  def(
    'SAR',
    OL,
    'Parabolic SAR',
    'high,low',
    REAL,
    [num('acceleration', 0.02, 0, 3e37, 'acceleration factor step and start'), num('maximum', 0.2, 0, 3e37, 'acceleration factor maximum')],
    (p) => new SAR(P(p, 'acceleration'), P(p, 'maximum')),
  ),
  def('MIDPOINT', OL, 'MidPoint over period', 'real', REAL, [period(14)], (p) => new MIDPOINT(P(p, 'timeperiod'))),
  def('MIDPRICE', OL, 'Midpoint Price over period', 'high,low', REAL, [period(14)], (p) => new MIDPRICE(P(p, 'timeperiod'))),
  // Momentum
  def('RSI', MO, 'Relative Strength Index (Wilder)', 'real', REAL, [period(14)], (p) => new RSI(P(p, 'timeperiod'))),
  def(
    'MACD',
    MO,
    'Moving Average Convergence/Divergence',
    'real',
    MACD_OUT,
    [int('fastperiod', 12, 2, 'fast EMA period'), int('slowperiod', 26, 2, 'slow EMA period'), int('signalperiod', 9, 1, 'signal EMA period')],
    (p) => new MACD(P(p, 'fastperiod'), P(p, 'slowperiod'), P(p, 'signalperiod')),
  ),
  def(
    'MACDEXT',
    MO,
    'MACD with controllable MA type',
    'real',
    MACD_OUT,
    [
      int('fastperiod', 12, 2, 'fast MA period'),
      matype('fastmatype'),
      int('slowperiod', 26, 2, 'slow MA period'),
      matype('slowmatype'),
      int('signalperiod', 9, 1, 'signal MA period'),
      matype('signalmatype'),
    ],
    (p) => new MACDEXT(P(p, 'fastperiod'), P(p, 'fastmatype'), P(p, 'slowperiod'), P(p, 'slowmatype'), P(p, 'signalperiod'), P(p, 'signalmatype')),
  ),
  def('MACDFIX', MO, 'MACD Fix 12/26', 'real', MACD_OUT, [int('signalperiod', 9, 1, 'signal EMA period')], (p) => new MACDFIX(P(p, 'signalperiod'))),
  def(
    'STOCH',
    MO,
    'Stochastic',
    'high,low,close',
    ['slowk', 'slowd'],
    [int('fastk_period', 5, 1, 'fast %K bars'), int('slowk_period', 3, 1, 'slow %K smoothing'), matype('slowk_matype'), int('slowd_period', 3, 1, 'slow %D smoothing'), matype('slowd_matype')],
    (p) => new STOCH(P(p, 'fastk_period'), P(p, 'slowk_period'), P(p, 'slowk_matype'), P(p, 'slowd_period'), P(p, 'slowd_matype')),
  ),
  def(
    'STOCHF',
    MO,
    'Stochastic Fast',
    'high,low,close',
    ['fastk', 'fastd'],
    [int('fastk_period', 5, 1, 'fast %K bars'), int('fastd_period', 3, 1, 'fast %D smoothing'), matype('fastd_matype')],
    (p) => new STOCHF(P(p, 'fastk_period'), P(p, 'fastd_period'), P(p, 'fastd_matype')),
  ),
  def(
    'STOCHRSI',
    MO,
    'Stochastic Relative Strength Index',
    'real',
    ['fastk', 'fastd'],
    [period(14), int('fastk_period', 5, 1, 'fast %K bars'), int('fastd_period', 3, 1, 'fast %D smoothing'), matype('fastd_matype')],
    (p) => new STOCHRSI(P(p, 'timeperiod'), P(p, 'fastk_period'), P(p, 'fastd_period'), P(p, 'fastd_matype')),
  ),
  def('ADX', MO, 'Average Directional Movement Index', 'high,low,close', REAL, [period(14)], (p) => new ADX(P(p, 'timeperiod'))),
  def('ADXR', MO, 'Average Directional Movement Index Rating', 'high,low,close', REAL, [period(14)], (p) => new ADXR(P(p, 'timeperiod'))),
  def('DX', MO, 'Directional Movement Index', 'high,low,close', REAL, [period(14)], (p) => new DX(P(p, 'timeperiod'))),
  def('PLUS_DI', MO, 'Plus Directional Indicator', 'high,low,close', REAL, [period(14)], (p) => new PLUS_DI(P(p, 'timeperiod'))),
  def('MINUS_DI', MO, 'Minus Directional Indicator', 'high,low,close', REAL, [period(14)], (p) => new MINUS_DI(P(p, 'timeperiod'))),
  def('PLUS_DM', MO, 'Plus Directional Movement', 'high,low', REAL, [period(14)], (p) => new PLUS_DM(P(p, 'timeperiod'))),
  def('MINUS_DM', MO, 'Minus Directional Movement', 'high,low', REAL, [period(14)], (p) => new MINUS_DM(P(p, 'timeperiod'))),
  def('CCI', MO, 'Commodity Channel Index', 'high,low,close', REAL, [period(14)], (p) => new CCI(P(p, 'timeperiod'))),
  def('MFI', MO, 'Money Flow Index', 'high,low,close,volume', REAL, [period(14)], (p) => new MFI(P(p, 'timeperiod'))),
  def('MOM', MO, 'Momentum', 'real', REAL, [period(10, 1)], (p) => new MOM(P(p, 'timeperiod'))),
  def('ROC', MO, 'Rate of change: ((price/prevPrice)-1)*100', 'real', REAL, [period(10, 1)], (p) => new ROC(P(p, 'timeperiod'))),
  def('ROCP', MO, 'Rate of change Percentage: (price-prevPrice)/prevPrice', 'real', REAL, [period(10, 1)], (p) => new ROCP(P(p, 'timeperiod'))),
  def('ROCR', MO, 'Rate of change ratio: (price/prevPrice)', 'real', REAL, [period(10, 1)], (p) => new ROCR(P(p, 'timeperiod'))),
  def('ROCR100', MO, 'Rate of change ratio 100 scale: (price/prevPrice)*100', 'real', REAL, [period(10, 1)], (p) => new ROCR100(P(p, 'timeperiod'))),
  def('WILLR', MO, "Williams' %R", 'high,low,close', REAL, [period(14)], (p) => new WILLR(P(p, 'timeperiod'))),
  def(
    'ULTOSC',
    MO,
    'Ultimate Oscillator',
    'high,low,close',
    REAL,
    [int('timeperiod1', 7, 1, 'first period'), int('timeperiod2', 14, 1, 'second period'), int('timeperiod3', 28, 1, 'third period')],
    (p) => new ULTOSC(P(p, 'timeperiod1'), P(p, 'timeperiod2'), P(p, 'timeperiod3')),
  ),
  def(
    'APO',
    MO,
    'Absolute Price Oscillator',
    'real',
    REAL,
    [int('fastperiod', 12, 2, 'fast MA period'), int('slowperiod', 26, 2, 'slow MA period'), matype()],
    (p) => new APO(P(p, 'fastperiod'), P(p, 'slowperiod'), P(p, 'matype')),
  ),
  def(
    'PPO',
    MO,
    'Percentage Price Oscillator',
    'real',
    REAL,
    [int('fastperiod', 12, 2, 'fast MA period'), int('slowperiod', 26, 2, 'slow MA period'), matype()],
    (p) => new PPO(P(p, 'fastperiod'), P(p, 'slowperiod'), P(p, 'matype')),
  ),
  def('TRIX', MO, '1-day Rate-Of-Change (ROC) of a Triple Smooth EMA', 'real', REAL, [period(30, 1)], (p) => new TRIX(P(p, 'timeperiod'))),
  def('AROON', MO, 'Aroon', 'high,low', ['aroondown', 'aroonup'], [period(14)], (p) => new AROON(P(p, 'timeperiod'))),
  def('AROONOSC', MO, 'Aroon Oscillator', 'high,low', REAL, [period(14)], (p) => new AROONOSC(P(p, 'timeperiod'))),
  def('BOP', MO, 'Balance Of Power', 'open,high,low,close', REAL, [], () => new BOP()),
  def('CMO', MO, 'Chande Momentum Oscillator', 'real', REAL, [period(14)], (p) => new CMO(P(p, 'timeperiod'))),
  // Volume
  def('OBV', VO, 'On Balance Volume', 'close,volume', REAL, [], () => new OBV()),
  def('AD', VO, 'Chaikin A/D Line', 'high,low,close,volume', REAL, [], () => new AD()),
  def(
    'ADOSC',
    VO,
    'Chaikin A/D Oscillator',
    'high,low,close,volume',
    REAL,
    [int('fastperiod', 3, 2, 'fast EMA period'), int('slowperiod', 10, 2, 'slow EMA period')],
    (p) => new ADOSC(P(p, 'fastperiod'), P(p, 'slowperiod')),
  ),
  // Volatility
  def('ATR', VA, 'Average True Range (Wilder)', 'high,low,close', REAL, [period(14, 1)], (p) => new ATR(P(p, 'timeperiod'))),
  def('NATR', VA, 'Normalized Average True Range', 'high,low,close', REAL, [period(14, 1)], (p) => new NATR(P(p, 'timeperiod'))),
  def('TRANGE', VA, 'True Range', 'high,low,close', REAL, [], () => new TRANGE()),
  // Statistics
  def('STDDEV', ST, 'Standard Deviation (population)', 'real', REAL, [period(5), num('nbdev', 1, -3e37, 3e37, 'number of deviations')], (p) => new STDDEV(P(p, 'timeperiod'), P(p, 'nbdev'))),
  def('VAR', ST, 'Variance (population; nbdev is ignored, as in TA-Lib)', 'real', REAL, [period(5, 1), num('nbdev', 1, -3e37, 3e37, 'ignored')], (p) => new VAR(P(p, 'timeperiod'))),
  def('LINEARREG', ST, 'Linear Regression', 'real', REAL, [period(14)], (p) => new LINEARREG(P(p, 'timeperiod'))),
  def('LINEARREG_SLOPE', ST, 'Linear Regression Slope', 'real', REAL, [period(14)], (p) => new LINEARREG_SLOPE(P(p, 'timeperiod'))),
  def('LINEARREG_ANGLE', ST, 'Linear Regression Angle', 'real', REAL, [period(14)], (p) => new LINEARREG_ANGLE(P(p, 'timeperiod'))),
  def('LINEARREG_INTERCEPT', ST, 'Linear Regression Intercept', 'real', REAL, [period(14)], (p) => new LINEARREG_INTERCEPT(P(p, 'timeperiod'))),
  def('TSF', ST, 'Time Series Forecast', 'real', REAL, [period(14)], (p) => new TSF(P(p, 'timeperiod'))),
  def('CORREL', ST, "Pearson's Correlation Coefficient (r) of high and low", 'high,low', REAL, [period(30, 1)], (p) => new CORREL(P(p, 'timeperiod'))),
  def('BETA', ST, 'Beta of the returns of high on low', 'high,low', REAL, [period(5, 1)], (p) => new BETA(P(p, 'timeperiod'))),
  // Price transforms
  def('AVGPRICE', PT, 'Average Price', 'open,high,low,close', REAL, [], () => new AVGPRICE()),
  def('MEDPRICE', PT, 'Median Price', 'high,low', REAL, [], () => new MEDPRICE()),
  def('TYPPRICE', PT, 'Typical Price', 'high,low,close', REAL, [], () => new TYPPRICE()),
  def('WCLPRICE', PT, 'Weighted Close Price', 'high,low,close', REAL, [], () => new WCLPRICE()),
  // Math operators
  def('MAX', MA_, 'Highest value over a specified period', 'real', REAL, [period(30)], (p) => new MAX(P(p, 'timeperiod'))),
  def('MIN', MA_, 'Lowest value over a specified period', 'real', REAL, [period(30)], (p) => new MIN(P(p, 'timeperiod'))),
  def('SUM', MA_, 'Summation', 'real', REAL, [period(30)], (p) => new SUM(P(p, 'timeperiod'))),
  // Beyond TA-Lib
  def(
    'VWAP',
    VO,
    'Volume Weighted Average Price, anchored to sessions',
    'high,low,close,volume',
    REAL,
    [int('session_start', 0, 0, 'session start, minutes after midnight', 1439), int('utc_offset', 0, -1440, 'time zone offset from UTC, minutes', 1440)],
    (p) => new VWAP(P(p, 'session_start'), P(p, 'utc_offset')),
    false,
  ),
  def(
    'KELTNER',
    OL,
    'Keltner Channels: EMA +/- nbatr x ATR',
    'high,low,close',
    BANDS,
    [period(20), int('atr_period', 10, 1, 'ATR period'), num('nbatr', 2, -3e37, 3e37, 'ATR multiples')],
    (p) => new KELTNER(P(p, 'timeperiod'), P(p, 'atr_period'), P(p, 'nbatr')),
    false,
  ),
  def('DONCHIAN', OL, 'Donchian Channels', 'high,low', BANDS, [period(20, 1)], (p) => new DONCHIAN(P(p, 'timeperiod')), false),
  def(
    'ICHIMOKU',
    OL,
    'Ichimoku Kinko Hyo, as known at each bar',
    'high,low,close',
    ['tenkan', 'kijun', 'senkoua', 'senkoub', 'chikou'],
    [int('tenkan_period', 9, 1, 'conversion line bars'), int('kijun_period', 26, 1, 'base line bars and displacement'), int('senkou_period', 52, 1, 'leading span B bars')],
    (p) => new ICHIMOKU(P(p, 'tenkan_period'), P(p, 'kijun_period'), P(p, 'senkou_period')),
    false,
  ),
  def(
    'SUPERTREND',
    OL,
    'SuperTrend (ATR bands around the median price)',
    'high,low,close',
    ['supertrend', 'direction'],
    [period(10, 1), num('multiplier', 3, 0, 3e37, 'ATR multiples')],
    (p) => new SUPERTREND(P(p, 'timeperiod'), P(p, 'multiplier')),
    false,
  ),
  def('HEIKINASHI', PT, 'Heikin-Ashi bars', 'open,high,low,close', ['open', 'high', 'low', 'close'], [], () => new HEIKINASHI(), false),
];

/** Every indicator by TA-Lib name. */
export const INDICATORS: Readonly<Record<string, IndicatorDescriptor>> = Object.freeze(Object.fromEntries(LIST.map((d) => [d.name, d])));

/** Descriptors in listing order (TA-Lib groups, then the ones beyond TA-Lib). */
export const INDICATOR_LIST: readonly IndicatorDescriptor[] = Object.freeze(LIST);

/** The descriptor of a TA-Lib name (case-insensitive), or undefined. */
export function findIndicator(name: string): IndicatorDescriptor | undefined {
  return INDICATORS[name.toUpperCase()];
}

/**
 * Creates an indicator by TA-Lib name with Python-wrapper parameter names:
 * `createIndicator('BBANDS', { timeperiod: 20, nbdevup: 2 })`. An unknown
 * name or a bad parameter is an InputError naming the call, the parameter
 * and its value. `call` names the caller in those messages.
 */
export function createIndicator(name: string, params: Record<string, unknown> = {}, call = 'createIndicator'): Indicator {
  const d = typeof name === 'string' ? findIndicator(name) : undefined;
  if (d === undefined) {
    throw new InputError({ code: 'invalid_param', field: `${call}(name)`, value: shownValue(name), message: 'unknown indicator; `quantflow indicator --list` shows them all' });
  }
  return d.construct(parseParams(d, params, call));
}

/** Bar field codes of a descriptor's inputs (for callers that feed arrays). */
export const INPUT_FIELDS: Readonly<Record<IndicatorInputs, readonly number[]>> = {
  real: [SRC_CLOSE],
  'high,low': [SRC_HIGH, SRC_LOW],
  'high,low,close': [SRC_HIGH, SRC_LOW, SRC_CLOSE],
  'high,low,close,volume': [SRC_HIGH, SRC_LOW, SRC_CLOSE, SRC_VOLUME],
  'open,high,low,close': [SRC_OPEN, SRC_HIGH, SRC_LOW, SRC_CLOSE],
  'close,volume': [SRC_CLOSE, SRC_VOLUME],
};
