/**
 * The --out folder of `quantflow paper` and `quantflow live`: created or
 * refused with one line naming --out, never a folder of the user's own
 * files, never two sessions at once, and run.json there from the start.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, SAMPLES, tempDir } from '../../test/helpers/cli.js';
import { runCli } from '../../test/helpers/run-cli.js';
import { ScriptedLiveVenue } from '../../test/helpers/scripted-live-venue.js';
import { registerLiveVenue } from '../live/live-run/venues.js';
import { FileReplaySource } from '../live/replay-source.js';
import { registerMarketSource } from '../live/sources.js';

const EX = 'qf-session-folder-test';
let dir: string;
let bars: string;
let keys: string;

const paper = (out: string, ...more: string[]): string[] => [
  'paper',
  '--strategy', join(ROOT, 'examples/sma-cross.ts'),
  '--exchange', `replay:${bars}`,
  '--symbol', 'BTC-PERP',
  '--param', 'fast=3', '--param', 'slow=8', '--param', 'size=0.01',
  '--out', out,
  ...more,
];

const live = (out: string, ...more: string[]): string[] => [
  'live',
  '--strategy', join(ROOT, 'examples/sma-cross.ts'),
  '--exchange', EX,
  '--symbol', 'BTC-PERP',
  '--credentials', keys,
  '--param', 'fast=3', '--param', 'slow=8', '--param', 'size=0.01',
  '--out', out,
  ...more,
];

beforeAll(() => {
  dir = tempDir('qf-session-folder-');
  bars = join(dir, 'bars.csv');
  writeFileSync(bars, readFileSync(join(SAMPLES, 'BTC-PERP-2022-01-1m.csv'), 'utf8').split('\n').slice(0, 201).join('\n') + '\n');
  keys = join(dir, 'keys.json');
  writeFileSync(keys, JSON.stringify({ apiKey: 'k', secret: 's' }), { mode: 0o600 });
  registerMarketSource(EX, () => ({ source: new FileReplaySource({ files: [bars], speed: 0 }), name: EX, timeRate: 0 }));
  registerLiveVenue(EX, () => {
    const v = new ScriptedLiveVenue({ balances: { USDT: 5000 }, cash: 5000, positions: [], workingOrders: [], incidents: [], runId: 'S1', stop: false });
    v.marketPrice = () => 46_000;
    return v;
  });
});

const until = async (what: () => boolean, ms = 20_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error('gave up waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('the --out folder of paper and live', () => {
  it('refuses a second session on a folder whose session still runs, exit 2, naming the pid; the first is untouched', async () => {
    const out = join(dir, 'busy');
    // Paced at market time: one bar a minute, so the first session is still running when the second starts.
    const first = runCli(paper(out, '--speed', '1', '--duration', '4s'));
    await until(() => existsSync(join(out, 'summary.json')));
    for (const argv of [paper(out), live(out)]) {
      const second = await runCli(argv);
      expect(second.status).toBe(2);
      expect(second.stderr).toBe(`error: field '--out' value '${out}': the folder is in use by another run (pid ${process.pid}): stop that run first, or give another folder\n`);
    }
    const r = await first;
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(out, 'sessions'))).toBe(false);
    // Released at the end: the folder can be used again.
    expect((await runCli(paper(out))).status).toBe(0);
  }, 30_000);

  it("takes over the lock of a run that was killed (its process is gone)", async () => {
    const out = join(dir, 'stale');
    mkdirSync(out);
    const gone = spawnSync(process.execPath, ['-e', '0']).pid as number;
    writeFileSync(join(out, 'session.lock'), `${gone}\n`);
    const r = await runCli(paper(out));
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(out, 'session.lock'))).toBe(false);
  });

  it("refuses a folder of the user's own files, exit 2, and leaves them where they are", async () => {
    for (const [name, argv] of [['paper', paper], ['live', live]] as const) {
      const out = join(dir, `mine-${name}`);
      mkdirSync(out);
      writeFileSync(join(out, 'mydoc.txt'), 'mine');
      const r = await runCli(argv(out));
      expect(r.status).toBe(2);
      expect(r.stderr).toBe(`error: field '--out' value '${out}': not a QuantFlow run folder (it holds mydoc.txt): give a new or empty folder, or a run's\n`);
      expect(readdirSync(out)).toEqual(['mydoc.txt']);
    }
  });

  it('an --out that is a file: exit 2, one line naming --out', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    for (const argv of [paper(file), live(file)]) {
      const r = await runCli(argv);
      expect(r.status).toBe(2);
      expect(r.stderr).toBe(`error: field '--out' value '${file}': it is a file, not a folder\n`);
    }
  });

  it('writes run.json when the session starts (a killed run can be reconciled)', async () => {
    const out = join(dir, 'early');
    const running = runCli(paper(out, '--speed', '1', '--duration', '3s'));
    await until(() => existsSync(join(out, 'summary.json')));
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { complete: boolean };
    expect(summary.complete).toBe(false); // still running
    const runJson = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { config: { strategy: string; instruments: { symbol: string }[] }; paper: { symbols: string[] } };
    expect(runJson.config.strategy).toBe(join(ROOT, 'examples/sma-cross.ts'));
    expect(runJson.config.instruments.map((i) => i.symbol)).toEqual(['BTC-PERP']);
    expect(runJson.paper.symbols).toEqual(['BTC-PERP']);
    expect((await running).status).toBe(0);
  }, 30_000);

  it.runIf(process.platform === 'linux')('an --out that cannot be created (/proc/nope): exit 2 at once, one line (it used to loop forever)', () => {
    const script = join(dir, 'run-src.mts');
    writeFileSync(script, `import { run } from ${JSON.stringify(join(ROOT, 'src/cli/main.js'))};\nimport { processIO } from ${JSON.stringify(join(ROOT, 'src/cli/io.js'))};\nprocess.exitCode = await run(process.argv.slice(2), processIO);\n`);
    for (const argv of [paper('/proc/nope'), live('/proc/nope/deeper')]) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', script, ...argv], { cwd: ROOT, encoding: 'utf8', timeout: 20_000, killSignal: 'SIGKILL' });
      expect(r.signal).toBeNull(); // not killed by the timeout
      expect(r.status).toBe(2);
      // (Node may warn on stderr that the example strategy imports the built package: only the error lines count.)
      expect(r.stderr.split('\n').filter((l) => l.startsWith('error') || /^\s+at /.test(l))).toEqual([`error: field '--out' value '${argv.at(-1)}': cannot write there: that folder cannot be created`]);
    }
  }, 70_000);
});

describe('flag messages of the live commands', () => {
  it('a --url that is not an http(s) URL names --url', async () => {
    for (const url of ['ftp://x', 'notaurl']) {
      const r = await runCli(['paper', '--strategy', join(ROOT, 'examples/sma-cross.ts'), '--exchange', 'binance', '--url', url, '--symbol', 'BTC/USDT', '--out', join(dir, 'url-run')]);
      expect(r.status).toBe(2);
      expect(r.stderr).toBe(`error: field '--url' value '${url}': expected an http:// or https:// base URL such as http://127.0.0.1:8080\n`);
    }
  });

  it('exchange --data FILE=BTCUSDT: the market must be BASE/QUOTE', async () => {
    const r = await runCli(['exchange', '--data', `${bars}=BTCUSDT`]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`error: field '--data' value '${bars}=BTCUSDT': the market 'BTCUSDT' must be BASE/QUOTE (data.csv=BTC/USDT)\n`);
  });
});

describe('record --catalog', () => {
  it('a --catalog that is a file: exit 2, one line naming --catalog', async () => {
    const file = join(dir, 'catalog-file');
    writeFileSync(file, 'x');
    const r = await runCli(['record', '--exchange', EX, '--symbol', 'BTC-PERP', '--data', 'bars', '--catalog', file]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`error: field '--catalog' value '${file}': it is a file, not a folder\n`);
  });
});
