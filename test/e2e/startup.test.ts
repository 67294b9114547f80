import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ROOT, SAMPLES, tempDir } from '../helpers/cli.js';

/**
 * The large libraries only some commands need (ccxt ~0.5 s and ~45 MB,
 * DuckDB, BullMQ, ioredis) are loaded by those commands, not by importing
 * the package: a strategy imports it in every backtest and in every
 * optimizer worker.
 */
const HEAVY = ['ccxt', '@duckdb/node-api', '@duckdb/node-bindings', 'bullmq', 'ioredis'];

/**
 * Smaller ones, loaded on first use too (20 to 60 ms each, paid again by
 * every optimizer worker): WebSockets (the local exchange), pino (JSON log
 * lines, the ccxt source's log), piscina (the optimizer's worker pool).
 */
const ON_USE = ['ws', 'pino', 'piscina'];
const WATCHED = [...HEAVY, ...ON_USE];

/** Runs `body` (ES module code) in a fresh node that records every import of WATCHED, then prints what was loaded, as JSON. */
function loadedAfter(body: string): { imported: string[]; required: string[]; stdout: string; stderr: string; status: number | null } {
  const hook = `export async function resolve(specifier, context, next) {
    if (${JSON.stringify(WATCHED)}.includes(specifier)) process.stderr.write('HEAVY ' + specifier + '\\n');
    return next(specifier, context);
  }`;
  const script = `
    import { register, createRequire } from 'node:module';
    register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}));
    ${body}
    const cache = Object.keys(createRequire(import.meta.url).cache);
    const required = ${JSON.stringify(WATCHED)}.filter((h) => cache.some((p) => p.includes('/node_modules/' + h + '/')));
    process.stdout.write('\\nREQUIRED ' + JSON.stringify(required) + '\\n');
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  const imported = [...r.stderr.matchAll(/^HEAVY (\S+)$/gm)].map((m) => m[1] as string);
  const required = JSON.parse(/^REQUIRED (.*)$/m.exec(r.stdout)?.[1] ?? '[]') as string[];
  return { imported, required, stdout: r.stdout, stderr: r.stderr, status: r.status };
}

const dist = (path: string): string => JSON.stringify(pathToFileURL(join(ROOT, 'dist', path)).href);

describe('start-up: what importing the package and running a backtest loads', () => {
  it('the package loads none of ccxt, DuckDB, BullMQ, ioredis, ws, pino or piscina', () => {
    const r = loadedAfter(`const q = await import(${dist('index.js')}); if (typeof q.createCcxtVenue !== 'function') throw new Error('no createCcxtVenue');`);
    expect(r.status, r.stderr).toBe(0);
    expect(r.imported).toEqual([]);
    expect(r.required).toEqual([]);
  });

  it('a whole `quantflow backtest` through the CLI loads none of them (its strategy logs no JSON line)', () => {
    const out = join(tempDir(), 'run');
    const args = JSON.stringify(['backtest', '--strategy', 'examples/sma-cross.ts', '--data', join(SAMPLES, 'ORCL-1995-2014.csv'), '--out', out]);
    const r = loadedAfter(`
      const { run } = await import(${dist('cli/main.js')});
      const { processIO } = await import(${dist('cli/io.js')});
      const code = await run(${args}, processIO);
      if (code !== 0) throw new Error('backtest exited with ' + code);`);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('final equity');
    expect(r.imported).toEqual([]);
    expect(r.required).toEqual([]);
  });

  it('a live source loads ccxt when it is created (the check above can see it)', () => {
    const r = loadedAfter(`const q = await import(${dist('index.js')}); new q.CcxtSource({ exchange: 'binance' });`);
    expect(r.status, r.stderr).toBe(0);
    // ccxt (which loads ws) and pino, the source's own log.
    expect(r.required).toEqual(['ccxt', 'ws', 'pino']);
  });
});
