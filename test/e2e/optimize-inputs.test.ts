import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, SAMPLES, readCsv, tempDir } from '../helpers/cli.js';
import { runCli, type InProcessRun } from '../helpers/run-cli.js';

// The sweeps' inputs, their errors, their outputs and the command that reproduces the best trial, through the CLI's code (in this process).
const ORCL = join(SAMPLES, 'ORCL-1995-2014.csv');
const SMA = join(ROOT, 'examples/sma-cross.ts');
const BASE = ['--strategy', SMA, '--data', ORCL, '--cash', '100000', '--fee-rate', '0.001', '--no-progress', '--workers', '1'];
const WINDOWS = ['--train', '2000', '--test', '500'];

/** sma-cross with a text parameter (the order size is its length x 10) and a flag; counts the strategies made (`globalThis.labelCrossRuns`). */
const LABEL_CROSS = `import { Strategy, z, type Bar, type Indicator, type StrategyContext } from 'quantflow';
const params = z
  .object({
    fast: z.number().int().positive().default(10),
    slow: z.number().int().positive().default(30),
    label: z.string().default('x'),
    flag: z.boolean().default(false),
  })
  .refine((p) => p.fast < p.slow, { message: 'fast must be shorter than slow', path: ['fast'] });
export default class LabelCross extends Strategy<z.infer<typeof params>> {
  static params = params;
  private cross!: Indicator;
  override onStart(ctx: StrategyContext): void {
    const g = globalThis as { labelCrossRuns?: number };
    g.labelCrossRuns = (g.labelCrossRuns ?? 0) + 1;
    this.cross = ctx.crossover(ctx.sma(this.params.fast), ctx.sma(this.params.slow));
  }
  override onBar(_bar: Bar, ctx: StrategyContext): void {
    if (ctx.hasOpenOrders()) return;
    const position = ctx.position();
    if (this.cross.value === 1 && position === 0) ctx.buy(this.params.label.length * 10);
    else if (this.cross.value === -1 && position > 0) ctx.sell(position);
  }
}
`;

let labelCross = '';
beforeAll(() => {
  labelCross = join(tempDir('qf-label-'), 'label-cross.ts');
  writeFileSync(labelCross, LABEL_CROSS);
});

const runs = (): number => (globalThis as { labelCrossRuns?: number }).labelCrossRuns ?? 0;

function json(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

/** One line on stderr, exactly `line`, exit status 2. */
function expectError(r: InProcessRun, line: string): void {
  expect(r.stderr).toBe(`error: ${line}\n`);
  expect(r.status).toBe(2);
}

/** The words of a POSIX shell command line as the shell reads them (plain words, '...' quoting, backslash escapes). */
function shellWords(command: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < command.length; i++) {
    const c = command[i] as string;
    if (c === ' ') {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === "'") {
      const end = command.indexOf("'", i + 1);
      word = (word ?? '') + command.slice(i + 1, end);
      i = end;
    } else if (c === '\\') word = (word ?? '') + (command[++i] as string);
    else word = (word ?? '') + c;
  }
  if (word !== undefined) words.push(word);
  return words;
}

interface Best {
  params: Record<string, unknown>;
  metrics: Record<string, unknown>;
  command: string;
}

/** Runs best.json's command (as the shell would split it) with `backtest`, and checks that its summary has the best trial's metrics. */
async function reproduce(best: Best): Promise<string[]> {
  const words = shellWords(best.command);
  expect(words.slice(0, 2)).toEqual(['quantflow', 'backtest']);
  const out = join(tempDir('qf-repro-'), 'run');
  const r = await runCli([...words.slice(1), '--out', out, '--no-progress']);
  expect(r.status, `${best.command}\n${r.stderr}`).toBe(0);
  const summary = json(join(out, 'summary.json'));
  for (const key of ['final_equity', 'closed_trades', 'sharpe', 'max_drawdown', 'fees']) expect(summary[key], key).toEqual(best.metrics[key]);
  return words;
}

describe('optimize and walkforward: --constraint over every parameter', () => {
  it('reads the parameters kept at their --param value or default, not only the ranged ones', async () => {
    const trials = async (...flags: string[]): Promise<string[]> => {
      const out = join(tempDir('qf-con-'), 'out');
      const r = await runCli(['optimize', ...BASE, '--range', 'fast=5:10:5', ...flags, '--out', out]);
      expect(r.status, r.stderr).toBe(0);
      return readCsv(join(out, 'trials.csv')).map((row) => row.fast as string);
    };
    // slow is 30 by default.
    expect(await trials('--constraint', 'fast < slow')).toEqual(['5', '10']);
    expect(await trials('--param', 'slow=8', '--constraint', 'fast < slow')).toEqual(['5']);
    expect(await trials('--param', 'size=5', '--constraint', 'size * fast > 30')).toEqual(['10']);
    expect(await trials('--constraint', 'size > 0')).toEqual(['5', '10']);
  }, 60_000);

  it('names every parameter of the strategy when a name is unknown', async () => {
    const r = await runCli(['optimize', ...BASE, '--range', 'fast=5:10:5', '--constraint', 'fast < slwo', '--out', join(tempDir(), 'out')]);
    expectError(r, "field '--constraint' value 'fast < slwo': column 8: unknown parameter 'slwo' (parameters: fast, slow, size)");
  });

  it('in walkforward too', async () => {
    const out = join(tempDir('qf-con-wf-'), 'out');
    const r = await runCli(['walkforward', ...BASE, '--values', 'fast=10,20', '--param', 'slow=100', '--constraint', 'fast < slow', ...WINDOWS, '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(readCsv(join(out, 'windows.csv')).every((w) => w.trials_ok === '2' && w.slow === undefined)).toBe(true);
  }, 120_000);
});

describe('optimize: == and != between a parameter and a value of another type', () => {
  it('is an error naming the parameter, its type and the column, not a constraint that never (or always) holds', async () => {
    const out = join(tempDir('qf-eq-'), 'out');
    for (const method of ['grid', 'random']) {
      expectError(
        await runCli(['optimize', ...BASE, '--range', 'fast=5:10:5', '--method', method, '--constraint', 'fast == "a"', '--out', out]),
        `field '--constraint' value 'fast == "a"': column 1: parameter 'fast' is 5 (a number): '==' compares it with a string`,
      );
    }
    expectError(
      await runCli(['optimize', ...BASE, '--range', 'fast=5:10:5', '--constraint', 'fast != "5"', '--out', out]),
      `field '--constraint' value 'fast != "5"': column 1: parameter 'fast' is 5 (a number): '!=' compares it with a string`,
    );
    expectError(
      await runCli(['optimize', ...BASE, '--strategy', labelCross, '--values', 'label=a,bb', '--constraint', 'label == 3', '--out', out]),
      `field '--constraint' value 'label == 3': column 1: parameter 'label' is "a" (a string): '==' compares it with a number`,
    );
    expectError(
      await runCli(['optimize', ...BASE, '--strategy', labelCross, '--range', 'fast=5:10:5', '--constraint', 'flag == fast', '--out', out]),
      `field '--constraint' value 'flag == fast': column 1: parameter 'flag' is false (a boolean) and parameter 'fast' is 5 (a number): '==' compares values of one type`,
    );
    expect(existsSync(out)).toBe(false);
  });
});

describe("optimize: best.json's command reproduces the best trial", () => {
  it('gives back exactly the string parameters that look like numbers, booleans, null or JSON, or have spaces at their ends', async () => {
    // Each string, and the --param text that gives it back: as it is when backtest reads it so, else as JSON.
    const labels: [string, string][] = [
      ['true', '"true"'],
      ['5', '"5"'],
      [' a', '" a"'],
      ['a ', '"a "'],
      ['null', '"null"'],
      ['"q"', '"\\"q\\""'],
      ['{"a":1}', '"{\\"a\\":1}"'],
      ["it's", "it's"],
      ['a', 'a'],
      ['-', '-'],
    ];
    for (const [label, text] of labels) {
      const out = join(tempDir('qf-label-'), 'out');
      // One trial: the best, whatever its figures.
      const r = await runCli(['optimize', ...BASE, '--strategy', labelCross, '--values', `label=${JSON.stringify(label)}`, '--values', 'fast=10', '--out', out]);
      expect(r.status, r.stderr).toBe(0);
      const best = json(join(out, 'best.json')) as unknown as Best;
      expect(best.params).toEqual({ label, fast: 10 });
      const words = await reproduce(best);
      expect(words.filter((_, i) => words[i - 1] === '--param')).toEqual([`label=${text}`, 'fast=10']);
    }
  }, 120_000);

  it('gives back the fixed parameters and other types as they were', async () => {
    const out = join(tempDir('qf-fixed-'), 'out');
    const r = await runCli(['optimize', ...BASE, '--strategy', labelCross, '--param', 'label=" b"', '--param', 'flag=true', '--values', 'fast=10,20', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    const best = json(join(out, 'best.json')) as unknown as Best;
    expect(best.command).toContain(`--param 'label=" b"' --param flag=true`);
    await reproduce(best);
  }, 60_000);

  it('names every file by its absolute path (as run.json does), so that it runs from any folder', async () => {
    const dir = tempDir('qf-abs-');
    const config = join(dir, 'sweep.json');
    // The config's paths are relative to the folder the sweep runs in (here, the project's).
    writeFileSync(config, JSON.stringify({ strategy: relative(process.cwd(), SMA), data: [relative(process.cwd(), ORCL)], cash: 100000 }));
    const out = join(dir, 'out');
    const r = await runCli(['optimize', '--config', relative(process.cwd(), config), '--benchmark', relative(process.cwd(), ORCL), '--values', 'fast=10,20', '--workers', '1', '--no-progress', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    const best = json(join(out, 'best.json')) as unknown as Best;
    const words = shellWords(best.command);
    const value = (flag: string): string | undefined => words[words.indexOf(flag) + 1];
    expect(value('--config')).toBe(resolve(config));
    expect(value('--strategy')).toBe(resolve(SMA));
    expect(value('--data')).toBe(resolve(ORCL));
    expect(value('--benchmark')).toBe(resolve(ORCL));
    for (const flag of ['--config', '--strategy', '--data', '--benchmark']) expect(isAbsolute(value(flag) ?? '')).toBe(true);
    // From another folder, where the config's relative paths mean nothing.
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      await reproduce(best);
    } finally {
      process.chdir(cwd);
    }
  }, 60_000);
});

describe('optimize: an earlier sweep in --out', () => {
  it("leaves no file of an earlier sweep that this one does not write, and none of the user's", async () => {
    const out = join(tempDir('qf-stale-'), 'out');
    const first = await runCli(['optimize', ...BASE, '--range', 'fast=5:10:5', '--range', 'slow=20:30:10', '--out', out]);
    expect(first.status, first.stderr).toBe(0);
    expect(existsSync(join(out, 'overfitting.json'))).toBe(true);
    writeFileSync(join(out, 'notes.txt'), 'mine');
    // No ok trial: no overfitting statistics.
    const second = await runCli(['optimize', ...BASE, '--values', 'fast=50', '--values', 'slow=20', '--out', out]);
    expect(second.status, second.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['best.json', 'notes.txt', 'report.html', 'returns.csv', 'run.json', 'trials-timing.csv', 'trials.csv']);
    expect(json(join(out, 'run.json')).overfitting).toMatch(/at least 2 ok trials/);
  }, 60_000);

  it("replaces the trials' folders an earlier sweep kept (--keep-runs), and removes them when this one keeps none", async () => {
    const out = join(tempDir('qf-stale-runs-'), 'out');
    const kept = (): string[] => (existsSync(join(out, 'runs')) ? readdirSync(join(out, 'runs')).sort() : []);
    const four = await runCli(['optimize', ...BASE, '--range', 'fast=5:10:5', '--range', 'slow=20:30:10', '--keep-runs', '--out', out]);
    expect(four.status, four.stderr).toBe(0);
    expect(kept()).toEqual(['trial-1', 'trial-2', 'trial-3', 'trial-4']);
    writeFileSync(join(out, 'runs', 'mine.txt'), 'mine');
    const one = await runCli(['optimize', ...BASE, '--values', 'fast=10', '--keep-runs', '--out', out]);
    expect(one.status, one.stderr).toBe(0);
    expect(kept()).toEqual(['mine.txt', 'trial-1']);
    expect(String(json(join(out, 'runs', 'trial-1', 'summary.json')).final_equity)).toBe(readCsv(join(out, 'trials.csv'))[0]?.final_equity);
    const none = await runCli(['optimize', ...BASE, '--values', 'fast=20', '--out', out]);
    expect(none.status, none.stderr).toBe(0);
    expect(kept()).toEqual(['mine.txt']);
    const empty = join(tempDir('qf-stale-runs-'), 'out');
    expect((await runCli(['optimize', ...BASE, '--values', 'fast=10,20', '--keep-runs', '--out', empty])).status).toBe(0);
    expect((await runCli(['optimize', ...BASE, '--values', 'fast=10', '--out', empty])).status).toBe(0);
    expect(existsSync(join(empty, 'runs'))).toBe(false);
  }, 60_000);
});

describe('optimize and walkforward: fixed parameters (--param)', () => {
  it('refuses a parameter the strategy does not have, or a value its schema refuses, before any trial', async () => {
    const before = runs();
    for (const command of ['optimize', 'walkforward']) {
      const out = join(tempDir('qf-param-'), 'out');
      const flags = ['--strategy', labelCross, ...(command === 'walkforward' ? WINDOWS : [])];
      expectError(
        await runCli([command, ...BASE, ...flags, '--range', 'fast=5:10:5', '--param', 'foo=7', '--out', out]),
        "field '--param' value 'foo=7': LabelCross has no parameter 'foo' (it has: fast, slow, label, flag)",
      );
      expectError(
        await runCli([command, ...BASE, ...flags, '--range', 'fast=5:10:5', '--param', 'slow=abc', '--out', out]),
        "field '--param' value 'slow=abc': param slow: Invalid input: expected number, received string",
      );
      expectError(await runCli([command, ...BASE, ...flags, '--range', 'fast=5:10:5', '--param', 'flag=1', '--out', out]), "field '--param' value 'flag=1': param flag: Invalid input: expected boolean, received number");
      expect(existsSync(out)).toBe(false);
    }
    expect(runs()).toBe(before);
    // What only a combination refuses (a .refine across parameters) stays a skipped trial.
    const out = join(tempDir('qf-param-refine-'), 'out');
    const r = await runCli(['optimize', ...BASE, '--range', 'fast=40:50:10', '--param', 'slow=45', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(readCsv(join(out, 'trials.csv')).map((t) => t.status)).toEqual(['ok', 'skipped']);
  }, 60_000);

  it("names a config file's parameter by its field", async () => {
    const dir = tempDir('qf-param-config-');
    writeFileSync(join(dir, 'c.json'), JSON.stringify({ params: { foo: 7 } }));
    expectError(
      await runCli(['optimize', ...BASE, '--config', join(dir, 'c.json'), '--range', 'fast=5:10:5', '--out', join(dir, 'out')]),
      "field 'params.foo' value '7': SmaCross has no parameter 'foo' (it has: fast, slow, size)",
    );
  });
});

describe('optimize and walkforward: other flags', () => {
  it('refuses --seed 1.5 as --seed -1 is', async () => {
    for (const command of ['optimize', 'walkforward']) {
      for (const seed of ['1.5', '-1']) {
        expectError(
          await runCli([command, ...BASE, ...(command === 'walkforward' ? WINDOWS : []), '--range', 'fast=5:10:5', '--seed', seed, '--out', join(tempDir(), 'out')]),
          `field '--seed' value '${seed}': --seed must be an integer >= 0`,
        );
      }
    }
  });

  it('refuses a --values number too large to be finite, as --range does', async () => {
    expectError(await runCli(['optimize', ...BASE, '--values', 'size=1e400', '--out', join(tempDir(), 'out')]), "field '--values' value 'size=1e400': value '1e400' is not a finite number");
  });

  it('names the window lengths given, and their values, when their units differ', async () => {
    expectError(
      await runCli(['walkforward', ...BASE, '--values', 'fast=10,20', '--train', '2000', '--test', '6m', '--out', join(tempDir(), 'out')]),
      "field '--test' value '6m': --train 2000 is a number of bars but --test 6m is a calendar length: give --train and --test all in bars (1000) or all as calendar lengths (3y, 6m, 30d)",
    );
  });

  it('refuses an --out that is a file (or inside one) before any trial or window runs', async () => {
    const dir = tempDir('qf-out-file-');
    const file = join(dir, 'file');
    writeFileSync(file, 'mine');
    mkdirSync(join(dir, 'folder'));
    const before = runs();
    for (const command of ['optimize', 'walkforward']) {
      const flags = [command, ...BASE, '--strategy', labelCross, ...(command === 'walkforward' ? WINDOWS : []), '--values', 'fast=10,20'];
      const r = await runCli([...flags, '--out', file]);
      expectError(r, `cannot write ${file}: it is a file, not a folder`);
      expect(r.stdout).toBe('');
      expectError(await runCli([...flags, '--out', join(file, 'out')]), `cannot write ${join(file, 'out')}: ${file} is a file, not a folder`);
    }
    expect(runs()).toBe(before);
    expect(readFileSync(file, 'utf8')).toBe('mine');
  });

  it('says how many threads ran the trials: no more than there were trials', async () => {
    const r = await runCli(['optimize', ...BASE.slice(0, -2), '--values', 'fast=10', '--workers', '8', '--out', join(tempDir(), 'out')]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^1 trials in .* on this thread$/m);
  });
});
