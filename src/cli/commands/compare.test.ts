import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, SAMPLES, summaryOf, tempDir } from '../../../test/helpers/cli.js';
import { runCli } from '../../../test/helpers/run-cli.js';

const SMA = join(ROOT, 'examples/sma-cross.ts');
const ORCL = join(SAMPLES, 'ORCL-1995-2014.csv');
const NVDA = join(SAMPLES, 'NVDA-1999-2014.csv');
const KO = join(SAMPLES, 'KO-1997-1998.csv');

async function backtest(out: string, args: readonly string[]): Promise<void> {
  const r = await runCli(['backtest', '--strategy', SMA, '--out', out, '--no-progress', ...args]);
  expect(r.status, r.stderr).toBe(0);
}

/** A row of compare.csv by its metric's name. */
function csvRow(out: string, metric: string): string[] {
  const line = readFileSync(join(out, 'compare.csv'), 'utf8').split('\n').find((l) => l.startsWith(`${metric},`));
  expect(line, metric).toBeDefined();
  return (line as string).split(',').slice(1);
}

function contents(dir: string): Map<string, string> {
  return new Map(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f), 'latin1')]));
}

describe("compare measures alpha and beta against each run's own benchmark, as summary.json does", () => {
  const base = tempDir('qf-compare-');
  const withBench = join(base, 'orcl');
  const without = join(base, 'ko');
  const made = Promise.all([
    backtest(withBench, ['--data', ORCL, '--fee-rate', '0.001', '--benchmark', NVDA]),
    backtest(without, ['--data', KO]),
  ]);

  it('compare.csv and the table show the alpha and beta of summary.json', async () => {
    await made;
    const out = join(base, 'cmp');
    const r = await runCli(['compare', withBench, without, '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const s = summaryOf(withBench) as { alpha: number; beta: number };
    expect(typeof s.alpha).toBe('number');
    expect(csvRow(out, 'alpha')).toEqual([String(s.alpha), '']);
    expect(csvRow(out, 'beta')).toEqual([String(s.beta), '']);
    expect(r.stdout).toMatch(new RegExp(`^beta\\s+${s.beta.toFixed(2)}\\s+\u2014$`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^alpha\\s+${(s.alpha * 100).toFixed(2)}%\\s+\u2014$`, 'm'));
  });

  it('a benchmark that cannot be read any more: alpha and beta empty, and a note saying why', async () => {
    await made;
    const bench = join(base, 'gone', 'NVDA.csv');
    mkdirSync(join(base, 'gone'));
    writeFileSync(bench, readFileSync(NVDA));
    const run = join(base, 'orcl-gone');
    await backtest(run, ['--data', ORCL, '--benchmark', bench]);
    rmSync(bench);
    const out = join(base, 'cmp-gone');
    const r = await runCli(['compare', run, without, '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^note: ${run}: alpha and beta are not shown: its benchmark cannot be read \\(.*${bench}.*\\)\n$`));
    expect(csvRow(out, 'alpha')).toEqual(['', '']);
  });
});

describe('compare --out where compare.csv or compare.html is a file the comparison reads: refused, nothing changed', () => {
  const base = tempDir('qf-compare-out-');
  const a = join(base, 'a');
  const b = join(base, 'b');
  const made = Promise.all([backtest(a, ['--data', KO]), backtest(b, ['--data', KO, '--param', 'fast=5', '--param', 'slow=20'])]);

  it("a run's benchmark file", async () => {
    await made;
    const cmp = join(base, 'cmp');
    mkdirSync(cmp);
    const bench = join(cmp, 'compare.csv');
    writeFileSync(bench, readFileSync(NVDA));
    const run = join(base, 'with-bench');
    await backtest(run, ['--data', KO, '--benchmark', bench]);
    const r = await runCli(['compare', run, a, '--out', cmp]);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toBe(`error: field '--out' value '${cmp}': its compare.csv is a file the comparison reads (${bench}): write to another folder\n`);
    expect(readFileSync(bench, 'utf8')).toBe(readFileSync(NVDA, 'utf8'));
    expect(readdirSync(cmp)).toEqual(['compare.csv']);
  });

  it("a run's file that is a link to compare.html", async () => {
    await made;
    const cmp = join(base, 'cmp-link');
    mkdirSync(cmp);
    // b's equity.csv lives in the output folder under compare's name; b holds a link to it.
    renameSync(join(b, 'equity.csv'), join(cmp, 'compare.html'));
    symlinkSync(join(cmp, 'compare.html'), join(b, 'equity.csv'));
    const before = contents(cmp);
    const r = await runCli(['compare', a, b, '--out', cmp]);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toBe(`error: field '--out' value '${cmp}': its compare.html is a file the comparison reads (${join(b, 'equity.csv')}): write to another folder\n`);
    expect(contents(cmp)).toEqual(before);
  });
});
