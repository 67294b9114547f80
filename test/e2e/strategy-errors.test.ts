import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SAMPLES, cli, summaryOf, tempDir } from '../helpers/cli.js';

const KO = join(SAMPLES, 'KO-1997-1998.csv');

/** The built command line compiles strategies (esbuild, with a source map): the lines it reports must be the .ts file's own. */
describe('strategy errors through the built command line', () => {
  it("names the .ts file's line of the throw and of each strategy frame, and no engine frame", () => {
    const dir = tempDir('qf-throw-e2e-');
    const file = join(dir, 'helper-throws.ts');
    writeFileSync(
      file,
      [
        "import { Strategy, type Bar, type StrategyContext } from 'quantflow';",
        '',
        'interface Counter { n: number }',
        '',
        'function check(c: Counter): void {',
        '  // a comment, so that lines of the .ts and of the emitted JS differ',
        "  if (c.n === 3) throw new Error(`bar ${c.n} is one too many`);",
        '}',
        '',
        'export default class HelperThrows extends Strategy {',
        '  private c: Counter = { n: 0 };',
        '  override onBar(_bar: Bar, _ctx: StrategyContext): void {',
        '    this.c.n++;',
        '    check(this.c);',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    const out = join(dir, 'out');
    const r = cli(['backtest', '--strategy', file, '--data', KO, '--out', out]);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toBe(
      [
        `error: strategy error in ${file}:7: bar 3 is one too many (in onBar)`,
        `    at check (${file}:7:24)`,
        `    at HelperThrows.onBar (${file}:14:5)`,
        `note: the run stopped there: its outputs up to 1997-01-06T23:59:59.999999Z are in ${out}, marked incomplete in summary.json`,
        '',
      ].join('\n'),
    );
    expect(summaryOf(out)).toMatchObject({ complete: false, bars: 3, incomplete_reason: `strategy error in ${file}:7: bar 3 is one too many (in onBar)` });
  });

  it('a compile error names the line and column, on one line', () => {
    const dir = tempDir('qf-throw-e2e-');
    const file = join(dir, 'Broken.ts');
    writeFileSync(file, "import { Strategy } from 'quantflow';\nexport default class Broken extends Strategy {\n  override onBar(: void {}\n}\n");
    const r = cli(['backtest', '--strategy', file, '--data', KO, '--out', join(dir, 'out')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`error: ${file}:3: cannot compile the strategy (column 17): Expected identifier but found ":"\n`);
  });
});
