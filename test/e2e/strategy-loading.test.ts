import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, SAMPLES, cli, summaryOf, tempDir } from '../helpers/cli.js';

const KO = join(SAMPLES, 'KO-1997-1998.csv');

/** Writes a strategy file from its lines and backtests it on KO: the run and its output folder. */
function backtestFile(file: string, lines: readonly string[]): { run: ReturnType<typeof cli>; out: string } {
  writeFileSync(file, `${lines.join('\n')}\n`);
  const out = join(dirname(file), 'out');
  return { run: cli(['backtest', '--strategy', file, '--data', KO, '--out', out]), out };
}

/**
 * The built command line compiles a strategy file (and the files it
 * imports) into one module that imports the running package: what the
 * strategy imports must resolve as Node would resolve it from the
 * strategy's own folder.
 */
describe('loading a strategy file through the built command line', () => {
  it("resolves a package from the strategy's folder, a helper file of its own, and reads import.meta.url as its own file", () => {
    const dir = tempDir('qf-load-e2e-');
    // A node_modules of the strategy's project (here: the repository's, linked), not the engine's.
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(join(ROOT, 'node_modules', 'trading-signals'), join(dir, 'node_modules', 'trading-signals'));
    writeFileSync(join(dir, 'size.ts'), 'export const SIZE: number = 7;\n');
    const { run: r, out } = backtestFile(join(dir, 'with-package.ts'), [
      "import { Strategy, type Bar, type StrategyContext } from 'quantflow';",
      "import { SMA } from 'trading-signals';",
      "import { SIZE } from './size.js';",
      '',
      'export default class WithPackage extends Strategy {',
      '  private readonly sma = new SMA(5);',
      '  override onStart(ctx: StrategyContext): void {',
      "    ctx.log.info(`file ${import.meta.url.endsWith('/with-package.ts')} dir ${import.meta.dirname === new URL('.', import.meta.url).pathname.replace(/\\/$/, '')}`);",
      '  }',
      '  override onBar(bar: Bar, ctx: StrategyContext): void {',
      '    this.sma.add(bar.close);',
      '    if (this.sma.isStable && ctx.position() === 0) ctx.buy(SIZE);',
      '  }',
      '}',
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toContain('file true dir true');
    const summary = summaryOf(out);
    expect(summary.open_trades).toBe(1);
    expect(summary.orders_filled).toBe(1);
  });

  it("loads a CommonJS strategy that requires 'quantflow', with the engine's own classes", () => {
    const dir = tempDir('qf-load-cjs-e2e-');
    const { run: r, out } = backtestFile(join(dir, 'plain.cjs'), [
      "const { Strategy } = require('quantflow');",
      'class Plain extends Strategy {',
      '  onBar(bar, ctx) {',
      '    if (ctx.position() === 0) ctx.buy(3);',
      '  }',
      '}',
      'module.exports = Plain;',
    ]);
    expect(r.status, r.stderr).toBe(0);
    // A class from another copy of the package would be warned about.
    expect(r.stderr).not.toContain('another copy');
    expect(summaryOf(out).orders_filled).toBe(1);
  });
});
