import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../backtest/config.js';
import { absoluteConfig, canonicalJson, parseRedisUrl, redactedUrl, sweepDataHash, trialJobId } from './redis-job.js';
import { loadSweepData } from './sweep-data.js';

const ROOT = join(import.meta.dirname, '../..');
const ORCL = join(ROOT, 'data/samples/ORCL-1995-2014.csv');
const strategy = { source: 'export default class S {}', sha256: 'a'.repeat(64), name: 'S', display: 's.ts' };
const config = parseRunConfig({ strategy: 's.ts', data: [ORCL], cash: 100_000, feeRate: 0.001, out: 'runs/a' });

describe('trial job ids', () => {
  const base = { strategy, config, dataHash: 'd'.repeat(64), params: { fast: 5, slow: 20 } };

  it('name a trial by what decides its outcome, not by key order, the output folder or the strategy file\'s place', () => {
    const id = trialJobId(base);
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(trialJobId({ ...base, params: { slow: 20, fast: 5 } })).toBe(id);
    expect(trialJobId({ ...base, config: { ...config, out: 'runs/b', strategy: '/elsewhere/s.ts' } })).toBe(id);
    // A fixed parameter given with the config or with the trial is the same trial.
    expect(trialJobId({ ...base, config: { ...config, params: { slow: 20 } }, params: { fast: 5 } })).toBe(id);
  });

  it('differ when the parameters, the strategy text, the data or any setting differ', () => {
    const id = trialJobId(base);
    const others = [
      trialJobId({ ...base, params: { fast: 5, slow: 40 } }),
      trialJobId({ ...base, strategy: { ...strategy, sha256: 'b'.repeat(64) } }),
      trialJobId({ ...base, dataHash: 'e'.repeat(64) }),
      trialJobId({ ...base, config: { ...config, cash: 50_000 } }),
      trialJobId({ ...base, config: { ...config, execution: { ...config.execution, slippage: 'ticks:1' } } }),
    ];
    expect(new Set([id, ...others]).size).toBe(others.length + 1);
  });

  it('canonical JSON sorts keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe('{"a":{"c":null,"d":[2,1]},"b":1}');
  });
});

describe('the data hash', () => {
  it('is the same for the same rows read through another path, and differs for other rows', async () => {
    const abs = await loadSweepData(config);
    const rel = await loadSweepData(parseRunConfig({ strategy: 's.ts', data: [relative(process.cwd(), ORCL)] }));
    expect(sweepDataHash(rel)).toBe(sweepDataHash(abs));
    const window = await loadSweepData(parseRunConfig({ strategy: 's.ts', data: [ORCL], from: '2000-01-01' }));
    expect(sweepDataHash(window)).not.toBe(sweepDataHash(abs));
  });

  it('absolute paths for the workers; an object-store catalog stays as given', () => {
    const c = absoluteConfig(parseRunConfig({ strategy: 'examples/x.ts', data: ['data/a.csv'] }));
    expect(c.data[0]).toBe(join(process.cwd(), 'data/a.csv'));
    expect(c.strategy).toBe(join(process.cwd(), 'examples/x.ts'));
    const s3 = absoluteConfig(parseRunConfig({ strategy: 'x.ts', catalog: 's3://bucket/cat', symbol: ['ORCL'] }));
    expect(s3.catalog).toBe('s3://bucket/cat');
  });
});

describe('Redis URLs', () => {
  it('name host and port, hide a password, and refuse other schemes', () => {
    expect(parseRedisUrl('redis://10.0.0.5:6380').where).toBe('10.0.0.5:6380');
    expect(parseRedisUrl('redis://cache').where).toBe('cache:6379');
    expect(redactedUrl('redis://user:pw@h:1/0')).toBe('redis://user:***@h:1/0');
    expect(() => parseRedisUrl('h:6379')).toThrow(/expected redis:\/\/ or rediss:\/\//);
    expect(() => parseRedisUrl('not a url')).toThrow(/expected a URL such as redis:\/\/127\.0\.0\.1:6379/);
  });
});
