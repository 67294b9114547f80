import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SAMPLES, tempDir } from '../../test/helpers/cli.js';
import { runCli } from '../../test/helpers/run-cli.js';

const KO = join(SAMPLES, 'KO-1997-1998.csv');

/** A strategy that logs before the data, on its first two bars, with and without fields, and a warning. */
function loggingStrategy(): string {
  const dir = tempDir('qf-log-');
  const file = join(dir, 'Logs.ts');
  writeFileSync(
    file,
    `import { Strategy, type Bar, type StrategyContext } from 'quantflow';
export default class Logs extends Strategy {
  private n = 0;
  override onStart(ctx: StrategyContext): void { ctx.log.info('starting'); }
  override onBar(bar: Bar, ctx: StrategyContext): void {
    this.n++;
    if (this.n === 1) ctx.log.info('bought 100', { price: bar.close, side: 'buy' });
    if (this.n === 2) ctx.log.warn('spread wide');
  }
}
`,
  );
  return file;
}

async function backtest(extra: readonly string[], tty: boolean): Promise<{ status: number; log: string[] }> {
  const file = loggingStrategy();
  const r = await runCli(['backtest', '--strategy', file, '--data', KO, '--to', '1997-01-10', '--out', join(tempDir('qf-log-out-'), 'run'), '--no-progress', ...extra], { tty });
  return { status: r.status, log: r.stderr.split('\n').filter((l) => l !== '') };
}

const PRETTY = [
  '- INFO  starting',
  '1997-01-02T23:59:59.999999Z INFO  bought 100 {"price":51.875,"side":"buy"}',
  '1997-01-03T23:59:59.999999Z WARN  spread wide',
];
const JSON_LINES = [
  { level: 30, time: null, msg: 'starting' },
  { level: 30, time: '1997-01-02T23:59:59.999999Z', price: 51.875, side: 'buy', msg: 'bought 100' },
  { level: 40, time: '1997-01-03T23:59:59.999999Z', msg: 'spread wide' },
];

describe("ctx.log on the command line: readable on a terminal, JSON lines otherwise, stamped with the data's clock", () => {
  it('pretty on a terminal', async () => {
    const r = await backtest([], true);
    expect(r.status).toBe(0);
    expect(r.log).toEqual(PRETTY);
  });

  it('JSON lines when stderr is not a terminal', async () => {
    const r = await backtest([], false);
    expect(r.status).toBe(0);
    expect(r.log.map((l) => JSON.parse(l) as unknown)).toEqual(JSON_LINES);
  });

  it('--log-format overrides the default either way', async () => {
    expect((await backtest(['--log-format', 'json'], true)).log.map((l) => JSON.parse(l) as unknown)).toEqual(JSON_LINES);
    expect((await backtest(['--log-format', 'pretty'], false)).log).toEqual(PRETTY);
  });

  it('an unknown format is exit 2 naming the flag', async () => {
    const r = await runCli(['backtest', '--strategy', loggingStrategy(), '--data', KO, '--log-format', 'xml', '--no-progress']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("error: field '--log-format' value 'xml': expected pretty or json\n");
  });
});
