import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, SAMPLES, summaryOf, tempDir } from '../../test/helpers/cli.js';
import { runCli } from '../../test/helpers/run-cli.js';

const SMA = join(ROOT, 'examples/sma-cross.ts');
const KO = join(SAMPLES, 'KO-1997-1998.csv');

async function backtest(args: readonly string[]): Promise<{ status: number; stderr: string; out: string }> {
  const out = join(tempDir('qf-flags-'), 'run');
  const r = await runCli(['backtest', '--strategy', SMA, '--data', KO, '--out', out, '--no-progress', ...args]);
  return { status: r.status, stderr: r.stderr, out };
}

describe('fee flags of two fee models: exit 2, one line naming the flag and its value', () => {
  const cases: [args: string[], line: string][] = [
    [['--fee-per-unit', '1', '--fee-maker', '0.001', '--fee-taker', '0.002'], "field '--fee-maker' value '0.001': give either --fee-per-unit or --fee-maker/--fee-taker, not both"],
    [['--fee-rate', '0.001', '--fee-maker', '0.001', '--fee-taker', '0.002'], "field '--fee-maker' value '0.001': give either --fee-rate or --fee-maker/--fee-taker, not both"],
    [['--fee-rate', '0.001', '--fee-taker', '0.002'], "field '--fee-taker' value '0.002': give either --fee-rate or --fee-maker/--fee-taker, not both"],
    [['--fee-maker', '0.001', '--fee-per-unit', '2'], "field '--fee-maker' value '0.001': give either --fee-per-unit or --fee-maker/--fee-taker, not both"],
    [['--fee-rate', '0.001', '--fee-per-unit', '1'], "field '--fee-per-unit' value '1': give either --fee-rate or --fee-per-unit, not both"],
  ];
  for (const [args, line] of cases) {
    it(args.join(' '), async () => {
      const r = await backtest(args);
      expect(r.status).toBe(2);
      expect(r.stderr).toBe(`error: ${line}\n`);
      expect(existsSync(r.out)).toBe(false);
    });
  }
});

describe("a fee flag replaces the config file's fee model", () => {
  it('--fee-rate over maker/taker rates in the file, and maker/taker flags over a rate in the file', async () => {
    const dir = tempDir('qf-flags-config-');
    const makerTaker = join(dir, 'maker-taker.json');
    writeFileSync(makerTaker, JSON.stringify({ execution: { feeMaker: 0.001, feeTaker: 0.002 } }));
    const rate = join(dir, 'rate.json');
    writeFileSync(rate, JSON.stringify({ feeRate: 0.01 }));
    const fees = async (args: string[]): Promise<number> => {
      const r = await backtest(args);
      expect(r.status, r.stderr).toBe(0);
      return summaryOf(r.out).fees as number;
    };
    const byRate = await fees(['--fee-rate', '0.01']);
    const byMakerTaker = await fees(['--fee-maker', '0.001', '--fee-taker', '0.002']);
    expect(byRate).not.toBe(byMakerTaker);
    expect(await fees(['--config', makerTaker, '--fee-rate', '0.01'])).toBe(byRate);
    expect(await fees(['--config', rate, '--fee-maker', '0.001', '--fee-taker', '0.002'])).toBe(byMakerTaker);
  });
});

describe('--from, --to, --trade-from, --trade-to: a time with an offset no clock has is refused, naming the flag', () => {
  for (const [flag, value] of [
    ['--from', '1997-06-03T10:00:00+99:99'],
    ['--to', '1998-01-01T10:00:00-24:00'],
    ['--trade-from', '1997-06-03T10:00:00+05:60'],
    ['--trade-to', '1998-01-01T10:00+1460'],
  ] as const) {
    it(`${flag} ${value}`, async () => {
      const r = await backtest([flag, value]);
      expect(r.status).toBe(2);
      expect(r.stderr).toBe(`error: field '${flag}' value '${value}': not an ISO 8601 date or date-time (2020-01-02, 2020-01-02T09:30:00Z, 2020-01-02T09:30:00-05:00)\n`);
      expect(existsSync(r.out)).toBe(false);
    });
  }
});
