import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AggregatedFeed, collectColumns, openCsvFeed, parseBarSpec } from '../../src/data/index.js';
import type { BarColumns } from '../../src/model/market.js';
import { formatNumber, formatTime } from '../../src/report/format.js';
import { INDICATORS, runBatchBars } from '../../src/strategy/indicators/index.js';
import { SAMPLES, cli, tempDir } from '../helpers/cli.js';

const ORCL = join(SAMPLES, 'ORCL-1995-2014.csv');
const FUT = join(SAMPLES, 'FUT-2006-min.csv');
const noStack = (s: string): void => expect(s).not.toMatch(/^\s+at /m);

describe('quantflow indicator --list', () => {
  it('lists at least 60 indicators with group, inputs, outputs and default parameters', () => {
    const r = cli(['indicator', '--list']);
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^name\s+group\s+inputs\s+outputs\s+params/);
    const names = lines.slice(1, -1).map((l) => l.split(/\s+/)[0]);
    expect(names.length).toBeGreaterThanOrEqual(60);
    expect(names).toEqual(Object.keys(INDICATORS));
    expect(r.stdout).toMatch(/^BBANDS\s+Overlap Studies\s+close\s+upperband,middleband,lowerband\s+timeperiod=5 nbdevup=2 nbdevdn=2 matype=0$/m);
    expect(r.stdout).toMatch(/^STOCH\s+Momentum Indicators\s+high,low,close\s+slowk,slowd\s+fastk_period=5 slowk_period=3 slowk_matype=0 slowd_period=3 slowd_matype=0$/m);
    expect(r.stdout).toMatch(/^VWAP\s+Volume Indicators \(beyond TA-Lib\)/m);
  });
});

describe('quantflow indicator NAME --data CSV', () => {
  const bars = collectColumns(openCsvFeed(ORCL)) as BarColumns;

  function expectCsv(text: string, name: string, params: Record<string, number>): void {
    const d = INDICATORS[name];
    if (d === undefined) throw new Error(name);
    const outs = runBatchBars(d.create(params), bars);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe(['time', ...d.outputs].join(','));
    expect(lines.length).toBe(bars.length + 1);
    for (let i = 0; i < bars.length; i++) {
      const want = [formatTime(bars.time[i] as number), ...outs.map((o) => formatNumber(o[i] as number))].join(',');
      if (lines[i + 1] !== want) expect.fail(`line ${i + 2}: ${lines[i + 1]} != ${want}`);
    }
  }

  it('writes time and one column per output in TA-Lib order, empty during warm-up', () => {
    const out = join(tempDir(), 'macd.csv');
    const r = cli(['indicator', 'MACD', '--data', ORCL, '--out', out]);
    expect(r.status).toBe(0);
    const text = readFileSync(out, 'utf8');
    expect(text.split('\n')[1]).toBe('1995-01-03T23:59:59.999999Z,,,');
    expect(text.split('\n')[33]).toMatch(/,,,$/);
    expect(text.split('\n')[34]).toMatch(/^1995-02-17T23:59:59.999999Z,0\.0287452030361/);
    expectCsv(text, 'MACD', {});
  });

  it('takes parameters by their TA-Lib names, and writes to standard output without --out', () => {
    const r = cli(['indicator', 'bbands', '--data', ORCL, '--param', 'timeperiod=20', '--param', 'nbdevup=1.5', '--param', 'matype=1']);
    expect(r.status).toBe(0);
    expectCsv(r.stdout, 'BBANDS', { timeperiod: 20, nbdevup: 1.5, matype: 1 });
  });

  it('bar indicators read high, low, close and volume', () => {
    const r = cli(['indicator', 'MFI', '--data', ORCL]);
    expect(r.status).toBe(0);
    expectCsv(r.stdout, 'MFI', {});
  });

  it('exits 2 with a message for an unknown indicator or a bad or unknown parameter', () => {
    const r1 = cli(['indicator', 'NOPE', '--data', ORCL]);
    expect(r1.status).toBe(2);
    expect(r1.stderr).toMatch(/value 'NOPE': unknown indicator/);
    const r2 = cli(['indicator', 'SMA', '--data', ORCL, '--param', 'timeperiod=0']);
    expect(r2.status).toBe(2);
    expect(r2.stderr).toMatch(/field 'timeperiod' value '0'.*timeperiod must be >= 2/);
    const r3 = cli(['indicator', 'SMA', '--data', ORCL, '--param', 'period=10']);
    expect(r3.status).toBe(2);
    expect(r3.stderr).toMatch(/SMA has no parameter 'period'; its parameters are timeperiod/);
    const r4 = cli(['indicator', 'SMA', '--data', ORCL, '--param', 'timeperiod=abc']);
    expect(r4.status).toBe(2);
    expect(r4.stderr).toMatch(/timeperiod must be a number/);
    const r5 = cli(['indicator', 'SMA']);
    expect(r5.status).toBe(2);
    expect(r5.stderr).toMatch(/--data/);
    for (const r of [r1, r2, r3, r4, r5]) noStack(r.stderr);
  });
});

describe('quantflow data resample', () => {
  it('writes hour bars of the futures minute file as a generic bar CSV that reads back', () => {
    const out = join(tempDir(), 'fut-1h.csv');
    const r = cli(['data', 'resample', '--data', FUT, '--to', '1h', '--out', out]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/wrote \d+ 1h bars/);
    expect(readFileSync(out, 'utf8').split('\n')[0]).toBe('datetime,open,high,low,close,volume');
    const back = collectColumns(openCsvFeed(out)) as BarColumns;
    const direct = collectColumns(new AggregatedFeed(openCsvFeed(FUT), parseBarSpec('1h'))) as BarColumns;
    expect(back.length).toBe(direct.length);
    for (const f of ['time', 'open', 'high', 'low', 'close', 'volume'] as const) expect(Array.from(back[f].subarray(0, back.length))).toEqual(Array.from(direct[f].subarray(0, direct.length)));
  });

  it('builds tick, volume and value bars, and time bars in a session', () => {
    for (const to of ['5m', '1d', 'ticks:100', 'volume:1000', 'value:1e6']) {
      const out = join(tempDir(), 'x.csv');
      const r = cli(['data', 'resample', '--data', FUT, '--to', to, '--out', out]);
      expect(r.status, to).toBe(0);
      const back = collectColumns(openCsvFeed(out)) as BarColumns;
      expect(back.length, to).toBeGreaterThan(0);
    }
    const out = join(tempDir(), 's.csv');
    const r = cli(['data', 'resample', '--data', FUT, '--to', '30m', '--session', '10:00-15:00', '--out', out]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/rows outside the session left out/);
  });

  it('exits 2 for a bad size', () => {
    const r = cli(['data', 'resample', '--data', FUT, '--to', '7m', '--out', join(tempDir(), 'x.csv')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/field '--to' value '7m'/);
    noStack(r.stderr);
  });
});
