import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvariantError } from '../core/errors.js';
import { Xoshiro128 } from '../core/random.js';
import { writeReturnsCsv } from './returns-csv.js';
import { writeSweepFilesAsync } from './outputs.js';
import { OFF_THREAD_CELLS, writeReturnsCsvAsync } from './returns-thread.js';
import type { TrialOutcome } from './trial.js';

const dir = mkdtempSync(join(tmpdir(), 'qf-returns-thread-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * `trials` outcomes of `rows` returns (every third trial skipped): seeded
 * noise with runs of exact zeros, half of them in shared memory as trials
 * make them, half in plain arrays (as decoded from a queue).
 */
function outcomes(trials: number, rows: number): TrialOutcome[] {
  const random = new Xoshiro128(5);
  const times = new Float64Array(new SharedArrayBuffer((rows + 1) * 8));
  for (let i = 0; i <= rows; i++) times[i] = Date.UTC(2020, 0, 1) * 1000 + i * 86_400_000_000;
  return Array.from({ length: trials }, (_, j): TrialOutcome => {
    const skipped = j % 3 === 2;
    const returns = j % 2 === 0 ? new Float64Array(new SharedArrayBuffer(rows * 8)) : new Float64Array(rows);
    for (let i = 0; i < rows; i++) returns[i] = i % 7 < 3 ? 0 : 0.01 * random.nextNormal();
    return {
      trial: j + 1,
      status: skipped ? 'skipped' : 'ok',
      reason: skipped ? 'fast must be shorter than slow' : '',
      params: { fast: j },
      metrics: {},
      returns: skipped ? new Float64Array(0) : returns,
      times: j === 0 ? times : new Float64Array(0),
      millis: 1,
    };
  });
}

describe('writeReturnsCsvAsync', () => {
  it('writes on a thread of its own, for a large file, the bytes written on this one', async () => {
    const large = outcomes(150, 2_500);
    const ok = large.filter((o) => o.status === 'ok').length;
    expect(ok * 2_501).toBeGreaterThanOrEqual(OFF_THREAD_CELLS); // the thread's path
    writeReturnsCsv(join(dir, 'here.csv'), large);
    await writeReturnsCsvAsync(join(dir, 'there.csv'), large);
    const here = readFileSync(join(dir, 'here.csv'));
    expect(readFileSync(join(dir, 'there.csv')).equals(here)).toBe(true);
    const lines = here.toString('utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(2_501);
    expect(lines[0]?.split(',')).toHaveLength(ok + 1);
  });

  it('writes a small file on this thread, the same bytes', async () => {
    const small = outcomes(6, 50);
    writeReturnsCsv(join(dir, 'small-here.csv'), small);
    await writeReturnsCsvAsync(join(dir, 'small-there.csv'), small);
    expect(readFileSync(join(dir, 'small-there.csv')).equals(readFileSync(join(dir, 'small-here.csv')))).toBe(true);
  });

  it('rejects as the write would throw: a system error with its code from the thread, a broken table before any thread', async () => {
    const large = outcomes(150, 2_500);
    await expect(writeReturnsCsvAsync(join(dir, 'missing', 'returns.csv'), large)).rejects.toMatchObject({ code: 'ENOENT' });
    const uneven = large.map((o, j) => (j === 3 ? { ...o, returns: o.returns.subarray(1) } : o));
    await expect(writeReturnsCsvAsync(join(dir, 'uneven.csv'), uneven)).rejects.toBeInstanceOf(InvariantError);
  });
});

describe('writeSweepFilesAsync', () => {
  const summary = (delayMs: number) => async () => {
    await new Promise((r) => setTimeout(r, delayMs));
    return { best: undefined, run: { command: 'optimize' }, extra: { 'note.txt': 'summary\n' } };
  };

  it('writes returns.csv (on its thread) beside the other files', async () => {
    const large = outcomes(150, 2_500);
    const out = join(dir, 'sweep');
    await writeSweepFilesAsync(out, { paramNames: ['fast'], outcomes: large }, summary(20));
    expect(readdirSync(out).sort()).toEqual(['best.json', 'note.txt', 'returns.csv', 'run.json', 'trials-timing.csv', 'trials.csv']);
    writeReturnsCsv(join(dir, 'sweep-returns.csv'), large);
    expect(readFileSync(join(out, 'returns.csv')).equals(readFileSync(join(dir, 'sweep-returns.csv')))).toBe(true);
  });

  it('fails as a whole, with the error of returns.csv, when it fails while the summary is still being worked out', async () => {
    const large = outcomes(150, 2_500);
    const uneven = large.map((o, j) => (j === 3 ? { ...o, returns: o.returns.subarray(1) } : o));
    const out = join(dir, 'failed-sweep');
    // The summary takes several turns of the event loop after returns.csv failed: no unhandled rejection meanwhile.
    await expect(writeSweepFilesAsync(out, { paramNames: ['fast'], outcomes: uneven }, summary(100))).rejects.toBeInstanceOf(InvariantError);
    expect(existsSync(out)).toBe(false);
  });
});
