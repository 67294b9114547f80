import { readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, SAMPLES, tempDir } from '../../../test/helpers/cli.js';
import { runCli, type InProcessRun } from '../../../test/helpers/run-cli.js';

const SMA = join(ROOT, 'examples/sma-cross.ts');

/** Every file of a folder and its bytes. */
function contents(dir: string): Map<string, string> {
  const files = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile());
  return new Map(files.map((e) => e.name).sort().map((f) => [f, readFileSync(join(dir, f), 'latin1')]));
}

/** Exit 2 with one line naming --out and its value. */
function expectRefused(r: InProcessRun, out: string, input: string): void {
  expect(r.status, r.stderr).toBe(2);
  expect(r.stderr).toBe(`error: field '--out' value '${out}': is a file the report reads (${input}): write the report to another file\n`);
  expect(r.stdout).toBe('');
}

describe('report --out that is a file the report reads: refused, nothing changed', () => {
  // The data and benchmark are copies: a report written over them must not touch the samples.
  const base = tempDir('qf-report-out-');
  const data = join(base, 'KO.csv');
  const bench = join(base, 'NVDA.csv');
  writeFileSync(data, readFileSync(join(SAMPLES, 'KO-1997-1998.csv')));
  writeFileSync(bench, readFileSync(join(SAMPLES, 'NVDA-1999-2014.csv')));
  const run = join(base, 'run');
  const made = runCli(['backtest', '--strategy', SMA, '--data', data, '--benchmark', bench, '--out', run, '--no-progress']);

  it("the run's own files", async () => {
    expect((await made).status).toBe(0);
    const before = contents(run);
    for (const f of ['trades.csv', 'equity.csv', 'orders.csv', 'summary.json', 'run.json']) {
      const out = join(run, f);
      expectRefused(await runCli(['report', run, '--out', out]), out, out);
    }
    expect(contents(run)).toEqual(before);
  });

  it('another spelling of the path, or a link to the run folder', async () => {
    expect((await made).status).toBe(0);
    const before = contents(run);
    const link = join(base, 'link');
    symlinkSync(run, link);
    for (const out of [join(run, '..', 'run', '.', 'trades.csv'), join(link, 'equity.csv')]) {
      const r = await runCli(['report', run, '--out', out]);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/^error: field '--out' value '.*': is a file the report reads \(.*\/run\/(trades|equity)\.csv\)/);
    }
    expect(contents(run)).toEqual(before);
  });

  it("the run's data file, its benchmark and a benchmark given to the report", async () => {
    expect((await made).status).toBe(0);
    const other = join(base, 'other.csv');
    writeFileSync(other, readFileSync(bench));
    const before = contents(base);
    expectRefused(await runCli(['report', run, '--out', data]), data, data);
    expectRefused(await runCli(['report', run, '--out', bench]), bench, bench);
    expectRefused(await runCli(['report', run, '--benchmark', other, '--out', other]), other, other);
    expect(contents(base)).toEqual(before);
  });
});
