import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SAMPLES, readCsv, summaryOf, tempDir } from '../../test/helpers/cli.js';
import { runCli } from '../../test/helpers/run-cli.js';

const KO = join(SAMPLES, 'KO-1997-1998.csv');
const MARK = '// <- throws here';

/** Writes a strategy whose class body is `body`; returns its path and the line of the marked statement. */
function strategyFile(dir: string, name: string, body: string, top = ''): { file: string; line: number } {
  const text = `import { Strategy, z, type Bar, type QuoteTick, type TradeTick, type OrderEvent, type TimerEvent, type StrategyContext, type OrderBook } from 'quantflow';
${top}
export default class ${name} extends Strategy<Record<string, unknown>> {
  private n = 0;
${body}
}
`;
  const file = join(dir, `${name}.ts`);
  writeFileSync(file, text);
  const line = text.split('\n').findIndex((l) => l.includes(MARK)) + 1;
  return { file, line };
}

/** The engine's own frames (and Node's) must not reach the user. */
function expectNoEngineFrames(stderr: string): void {
  expect(stderr).not.toMatch(/internal error/);
  expect(stderr).not.toMatch(/[/\\](src|dist)[/\\](backtest|cli|execution|strategy)[/\\]/);
  expect(stderr).not.toMatch(/node_modules|node:internal/);
}

interface HookCase {
  readonly hook: string;
  readonly data: string;
  readonly body: string;
  /** Equity rows written before the failure: a number, or at least 1. */
  readonly rows: number | 'some';
}

const HOOKS: readonly HookCase[] = [
  { hook: 'onStart', data: KO, rows: 0, body: `  override onStart(_ctx: StrategyContext): void {\n    throw new Error('no start today'); ${MARK}\n  }` },
  {
    hook: 'onBar',
    data: KO,
    rows: 5,
    body: `  override onBar(_bar: Bar, ctx: StrategyContext): void {\n    if (++this.n === 2) ctx.buy(10);\n    if (this.n === 5) throw new RangeError('bar five'); ${MARK}\n  }`,
  },
  {
    hook: 'onQuote',
    data: join(SAMPLES, 'USDJPY-2013-ticks.csv'),
    rows: 'some',
    body: `  override onQuote(_q: QuoteTick, _ctx: StrategyContext): void {\n    if (++this.n === 7) throw new Error('quote seven'); ${MARK}\n  }`,
  },
  {
    hook: 'onTrade',
    data: join(SAMPLES, 'tardis-bitmex-trades-XBTUSD.csv'),
    rows: 'some',
    body: `  override onTrade(_t: TradeTick, _ctx: StrategyContext): void {\n    if (++this.n === 3) throw new Error('trade three'); ${MARK}\n  }`,
  },
  {
    hook: 'onBook',
    data: join(SAMPLES, 'tardis-binance-futures-book-snapshot-25.csv'),
    rows: 'some',
    body: `  override onBook(_b: OrderBook, _ctx: StrategyContext): void {\n    if (++this.n === 2) throw new Error('book two'); ${MARK}\n  }`,
  },
  {
    hook: 'onOrderEvent',
    data: KO,
    rows: 'some',
    body:
      `  override onBar(_bar: Bar, ctx: StrategyContext): void {\n    if (++this.n === 3) ctx.buy(10);\n  }\n` +
      `  override onOrderEvent(e: OrderEvent, _ctx: StrategyContext): void {\n    if (e.kind === 'filled') throw new Error('fill seen'); ${MARK}\n  }`,
  },
  {
    hook: 'onTimer',
    data: KO,
    rows: 'some',
    body:
      `  override onStart(ctx: StrategyContext): void {\n    ctx.setTimer('t', '1997-01-10T12:00:00Z');\n  }\n` +
      `  override onTimer(_t: TimerEvent, _ctx: StrategyContext): void {\n    throw new Error('timer'); ${MARK}\n  }`,
  },
  { hook: 'onStop', data: KO, rows: 356, body: `  override onStop(_ctx: StrategyContext): void {\n    throw new Error('no stop'); ${MARK}\n  }` },
];

describe('a strategy that throws: exit 2, its own line, its own frames, outputs so far marked incomplete', () => {
  for (const c of HOOKS) {
    it(`in ${c.hook}`, async () => {
      const dir = tempDir('qf-throw-');
      const { file, line } = strategyFile(dir, `Throws${c.hook}`, c.body);
      const out = join(dir, 'out');
      const r = await runCli(['backtest', '--strategy', file, '--data', c.data, '--out', out, '--no-progress']);
      expect(r.status, r.stderr).toBe(2);
      const first = r.stderr.split('\n')[0] ?? '';
      expect(first).toMatch(new RegExp(`^error: strategy error in ${escape(file)}:${line}: .+ \\(in ${c.hook}\\)$`));
      // The frames shown are the strategy's, at the .ts file's own lines.
      expect(r.stderr).toContain(`(${file}:${line}:`);
      expectNoEngineFrames(r.stderr);
      const summary = summaryOf(out);
      expect(summary.complete).toBe(false);
      expect(String(summary.incomplete_reason)).toBe(first.slice('error: '.length));
      const equity = readCsv(join(out, 'equity.csv'));
      if (c.rows === 'some') expect(equity.length).toBeGreaterThan(0);
      else expect(equity.length).toBe(c.rows);
      for (const f of ['trades.csv', 'orders.csv', 'fills.csv', 'positions.csv', 'run.json']) expect(existsSync(join(out, f)), f).toBe(true);
    });
  }

  it('in onBar: the outputs hold everything up to the failing bar, and its fill', async () => {
    const dir = tempDir('qf-throw-');
    const { file } = strategyFile(dir, 'Partial', HOOKS[1]!.body);
    const out = join(dir, 'out');
    const r = await runCli(['backtest', '--strategy', file, '--data', KO, '--out', out, '--no-progress']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/note: the run stopped there: its outputs up to 1997-01-08T23:59:59.999999Z are in .*, marked incomplete in summary\.json/);
    const equity = readCsv(join(out, 'equity.csv'));
    expect(equity.map((e) => e.time)).toEqual(['1997-01-02', '1997-01-03', '1997-01-06', '1997-01-07', '1997-01-08'].map((d) => `${d}T23:59:59.999999Z`));
    // Bought 10 at the open of the third bar (52.625 is not the open; 53.125 is): equity = cash + 10 x the fifth close.
    expect(readCsv(join(out, 'fills.csv')).map((f) => [f.time, f.quantity, f.price])).toEqual([['1997-01-06T23:59:59.999999Z', '10', '53.125']]);
    expect(equity[4]).toMatchObject({ equity: '100002.5', cash: '99468.75', position_value: '533.75' });
    const summary = summaryOf(out);
    expect(summary).toMatchObject({ bars: 5, orders: 1, final_equity: 100002.5, end: '1997-01-08T23:59:59.999999Z' });
  });

  it('report and compare of an incomplete run say so', async () => {
    const dir = tempDir('qf-throw-');
    const { file } = strategyFile(dir, 'Partial', HOOKS[1]!.body);
    const out = join(dir, 'out');
    expect((await runCli(['backtest', '--strategy', file, '--data', KO, '--out', out, '--no-progress'])).status).toBe(2);
    const reason = String(summaryOf(out).incomplete_reason);
    const report = await runCli(['report', out]);
    expect(report.status, report.stderr).toBe(0);
    expect(report.stderr).toContain(`note: the run is incomplete: ${reason}; it shows what ran until then\n`);
    const whole = join(dir, 'whole');
    expect((await runCli(['backtest', '--strategy', join(process.cwd(), 'examples/sma-cross.ts'), '--data', KO, '--out', whole, '--no-progress'])).status).toBe(0);
    const compare = await runCli(['compare', whole, out, '--out', join(dir, 'cmp')]);
    expect(compare.status, compare.stderr).toBe(0);
    expect(compare.stderr).toBe(`note: ${out}: the run is incomplete: ${reason}; it shows what ran until then\n`);
  });

  it("an exception of the strategy's own indicator, which the engine updates: a strategy error at its line", async () => {
    const dir = tempDir('qf-throw-');
    const file = join(dir, 'OwnIndicator.ts');
    const text = `import { Indicator, Strategy, type StrategyContext } from 'quantflow';
class Fragile extends Indicator {
  private n = 0;
  update(x: number): number {
    if (++this.n === 4) throw new Error('cannot take ' + x); ${MARK}
    this.value = x;
    return x;
  }
}
export default class UsesFragile extends Strategy {
  override onStart(ctx: StrategyContext): void {
    ctx.register(new Fragile());
  }
}
`;
    writeFileSync(file, text);
    const out = join(dir, 'out');
    const r = await runCli(['backtest', '--strategy', file, '--data', KO, '--out', out, '--no-progress']);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(`error: strategy error in ${file}:5: cannot take 54.375 (during the run)`);
    expectNoEngineFrames(r.stderr);
    expect(summaryOf(out)).toMatchObject({ complete: false, bars: 4 });
  });

  it('a thrown string, object or undefined: the value and the hook, with the file (no line exists)', async () => {
    for (const [label, value, shown] of [
      ['String', `'gave up'`, '"gave up"'],
      ['Object', `{ code: 42 }`, '{ code: 42 }'],
      ['Undefined', 'undefined', 'undefined'],
    ] as const) {
      const dir = tempDir('qf-throw-');
      const { file } = strategyFile(dir, `Throws${label}`, `  override onBar(_bar: Bar, _ctx: StrategyContext): void {\n    throw ${value}; ${MARK}\n  }`);
      const r = await runCli(['backtest', '--strategy', file, '--data', KO, '--out', join(dir, 'out'), '--no-progress']);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr.split('\n')[0]).toBe(
        `error: strategy error in ${file}: ${shown} was thrown in onBar; it is not an Error, so it carries no line (throw new Error(...) to get one)`,
      );
      expectNoEngineFrames(r.stderr);
      expect(summaryOf(join(dir, 'out')).complete).toBe(false);
    }
  });

  it('in the constructor, the parameter schema and the file itself: exit 2 at the line, nothing written', async () => {
    const dir = tempDir('qf-throw-');
    const cases = [
      { stage: 'in the constructor', ...strategyFile(dir, 'Ctor', `  constructor(p: Record<string, unknown>) {\n    super(p);\n    throw new Error('cannot build'); ${MARK}\n  }`) },
      {
        stage: 'in the parameter schema',
        ...strategyFile(
          dir,
          'Refine',
          `  static params = z.object({ k: z.number().default(1) }).refine((p) => {\n    if (p.k > 0) throw new TypeError('refine exploded'); ${MARK}\n    return true;\n  });`,
        ),
      },
      { stage: 'while loading the file', ...strategyFile(dir, 'TopLevel', '', `const table: Record<string, number> = {};\nif (table.x === undefined) throw new Error('top level'); ${MARK}`) },
    ];
    for (const c of cases) {
      const out = join(dir, `out-${c.line}`);
      const r = await runCli(['backtest', '--strategy', c.file, '--data', KO, '--out', out, '--no-progress']);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr.split('\n')[0]).toMatch(new RegExp(`^error: strategy error in ${escape(c.file)}:${c.line}: .+ \\(${c.stage}\\)$`));
      expectNoEngineFrames(r.stderr);
      expect(existsSync(out)).toBe(false);
    }
  });

  it("a context call's input error is that error, at the strategy's call site", async () => {
    const dir = tempDir('qf-throw-');
    const { file, line } = strategyFile(
      dir,
      'BadSymbol',
      `  override onBar(_bar: Bar, ctx: StrategyContext): void {\n    if (++this.n === 4) ctx.buy(1, { symbol: 'NOPE' }); ${MARK}\n  }`,
    );
    const out = join(dir, 'out');
    const r = await runCli(['backtest', '--strategy', file, '--data', KO, '--out', out, '--no-progress']);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(
      `error: field 'ctx.buy(options.symbol)' value '"NOPE"': no data for this symbol; the run has KO (called at ${file}:${line}, onBar)`,
    );
    expectNoEngineFrames(r.stderr);
    const summary = summaryOf(out);
    expect(summary.complete).toBe(false);
    expect(summary.incomplete_reason).toBe(`field 'ctx.buy(options.symbol)' value '"NOPE"': no data for this symbol; the run has KO (called at ${file}:${line}, onBar)`);
    expect(readFileSync(join(out, 'equity.csv'), 'utf8').trim().split('\n')).toHaveLength(1 + 4);
  });

  it('a hook declared async: refused at load, before anything runs (exit 2, the hook named)', async () => {
    const dir = tempDir('qf-async-');
    const { file } = strategyFile(dir, 'AsyncBar', `  override async onBar(_bar: Bar, _ctx: StrategyContext): Promise<void> {\n    throw new Error('async boom');\n  }`);
    const out = join(dir, 'out');
    const r = await runCli(['backtest', '--strategy', file, '--data', KO, '--out', out, '--no-progress']);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toBe(
      `error: ${file}: field 'onBar': onBar is async: a strategy's hooks run synchronously (the engine does not wait for a Promise, so code after an await would run at some later event and what it throws would be lost); remove async\n`,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('a hook that returns a Promise (not declared async): a strategy error in that hook, the run incomplete, no unhandled rejection', async () => {
    const dir = tempDir('qf-async-');
    const { file } = strategyFile(
      dir,
      'PromiseBar',
      `  override onBar(_bar: Bar, _ctx: StrategyContext): void {\n    if (++this.n === 3) return Promise.reject(new Error('later')) as unknown as void;\n  }`,
    );
    const out = join(dir, 'out');
    const unhandled: unknown[] = [];
    const listen = (e: unknown): void => void unhandled.push(e);
    process.on('unhandledRejection', listen);
    try {
      const r = await runCli(['backtest', '--strategy', file, '--data', KO, '--out', out, '--no-progress']);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr.split('\n')[0]).toBe(
        `error: strategy error in ${file}: onBar returned a Promise: a strategy's hooks run synchronously (the engine does not wait for it, so code after an await would run at some later event and what it throws would be lost) (in onBar)`,
      );
      expect(summaryOf(out)).toMatchObject({ complete: false, bars: 3 });
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', listen);
    }
  });

  it('a class with an onBar that does not extend Strategy: the file exports no Strategy subclass', async () => {
    const dir = tempDir('qf-plain-');
    const file = join(dir, 'plain.ts');
    writeFileSync(file, 'export default class Plain {\n  onBar(): void {}\n}\n');
    const r = await runCli(['backtest', '--strategy', file, '--data', KO, '--out', join(dir, 'out'), '--no-progress']);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toBe(
      `error: ${file}: the file exports no Strategy subclass: Plain does not extend Strategy (it has no onStart, onQuote, onBook, onTrade, onOrderEvent, onTimer, onStop); write export default class Plain extends Strategy\n`,
    );
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
