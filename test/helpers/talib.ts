import { createRequire } from 'node:module';
import { join } from 'node:path';
import { openCsvFeed, collectColumns } from '../../src/data/index.js';
import type { BarColumns } from '../../src/model/market.js';
import type { IndicatorDescriptor } from '../../src/strategy/indicators/registry.js';
import { ROOT } from './cli.js';

export const ORCL = join(ROOT, 'data/samples/ORCL-1995-2014.csv');

/** The ORCL daily bars as plain arrays. */
export function loadOrcl(): { cols: BarColumns; open: number[]; high: number[]; low: number[]; close: number[]; volume: number[] } {
  const cols = collectColumns(openCsvFeed(ORCL)) as BarColumns;
  const n = cols.length;
  const arr = (a: Float64Array): number[] => Array.from(a.subarray(0, n));
  return { cols, open: arr(cols.open), high: arr(cols.high), low: arr(cols.low), close: arr(cols.close), volume: arr(cols.volume) };
}

interface TalibModule {
  execute(args: Record<string, unknown>): { begIndex: number; nbElement: number; result: Record<string, number[]> };
  explain(name: string): { outputs: { name: string }[]; inputs: { name: string; type: string; flags?: Record<string, string> }[] };
  functions: { name: string }[];
}

/** The `talib` package (TA-Lib's C library), or the reason it cannot be loaded. */
export function loadTalib(): { talib: TalibModule | null; reason: string } {
  try {
    const require = createRequire(import.meta.url);
    return { talib: require('talib') as TalibModule, reason: '' };
  } catch (e) {
    return { talib: null, reason: e instanceof Error ? e.message : String(e) };
  }
}

const OPT_IN: Record<string, string> = {
  timeperiod: 'optInTimePeriod',
  vfactor: 'optInVFactor',
  fastlimit: 'optInFastLimit',
  slowlimit: 'optInSlowLimit',
  matype: 'optInMAType',
  nbdevup: 'optInNbDevUp',
  nbdevdn: 'optInNbDevDn',
  nbdev: 'optInNbDev',
  acceleration: 'optInAcceleration',
  maximum: 'optInMaximum',
  fastperiod: 'optInFastPeriod',
  slowperiod: 'optInSlowPeriod',
  signalperiod: 'optInSignalPeriod',
  fastmatype: 'optInFastMAType',
  slowmatype: 'optInSlowMAType',
  signalmatype: 'optInSignalMAType',
  fastk_period: 'optInFastK_Period',
  slowk_period: 'optInSlowK_Period',
  slowk_matype: 'optInSlowK_MAType',
  slowd_period: 'optInSlowD_Period',
  slowd_matype: 'optInSlowD_MAType',
  fastd_period: 'optInFastD_Period',
  fastd_matype: 'optInFastD_MAType',
  timeperiod1: 'optInTimePeriod1',
  timeperiod2: 'optInTimePeriod2',
  timeperiod3: 'optInTimePeriod3',
};

/**
 * Runs TA-Lib's function of a descriptor on bars; returns one full-length
 * array per output (NaN before TA-Lib's first index) and that first index.
 */
export function talibRun(
  talib: TalibModule,
  d: IndicatorDescriptor,
  bars: { open: number[]; high: number[]; low: number[]; close: number[]; volume: number[] },
  params: Record<string, number> = {},
): { first: number; outputs: Float64Array[] } {
  const n = bars.close.length;
  const args: Record<string, unknown> = { name: d.name, startIdx: 0, endIdx: n - 1 };
  const info = talib.explain(d.name);
  for (const inp of info.inputs) {
    if (inp.type === 'price') {
      for (const f of Object.values(inp.flags ?? {})) args[f] = bars[f as 'open'];
    } else if (inp.name === 'inReal') args.inReal = bars.close;
    else if (inp.name === 'inReal0') args.inReal0 = bars.high;
    else if (inp.name === 'inReal1') args.inReal1 = bars.low;
  }
  const p = d.schema.parse(params);
  for (const [k, v] of Object.entries(p)) {
    const key = OPT_IN[k];
    if (key === undefined) throw new Error(`no TA-Lib name for ${k}`);
    args[key] = v;
  }
  const r = talib.execute(args);
  const outputs = info.outputs.map((o) => {
    const full = new Float64Array(n).fill(NaN);
    const vals = r.result[o.name] ?? [];
    for (let i = 0; i < r.nbElement; i++) full[r.begIndex + i] = vals[i] as number;
    return full;
  });
  return { first: r.nbElement > 0 ? r.begIndex : n, outputs };
}
