import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '../helpers/cli.js';
import { type DocBlock, SHELL_LANGS, extractBlocks } from '../helpers/doc-blocks.js';

/**
 * Every shell block of README.md and docs/*.md runs as written, from a
 * workspace that looks like the repository root (its data, examples, CLI and
 * build linked in) so that outputs land in a temporary folder. Blocks of one
 * document run in order in one workspace, as a reader would type them.
 * `quantflow` is the installed command's name: a shim on PATH runs the build.
 * `npm ci` is a no-op here: the suite runs after it.
 */
const DOCS = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
const LINKED = ['bin', 'dist', 'data', 'examples', 'node_modules', 'package.json', 'src', 'tsconfig.json'];

function workspace(): string {
  const dir = tempDir('qf-doc-');
  for (const name of LINKED) symlinkSync(join(ROOT, name), join(dir, name));
  const shims = join(dir, '.shims');
  mkdirSync(shims);
  writeFileSync(join(shims, 'quantflow'), `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, 'bin/quantflow.js')}" "$@"\n`);
  chmodSync(join(shims, 'quantflow'), 0o755);
  return dir;
}

interface Outcome {
  status: number;
  output: string;
}

function runShell(block: DocBlock, cwd: string): Outcome {
  const script = `set -eo pipefail\nnpm() { if [ "$1" = ci ]; then return 0; fi; command npm "$@"; }\n${block.body}\n`;
  const r = spawnSync('bash', ['-c', script], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, CI: 'true', PATH: `${join(cwd, '.shims')}:${process.env.PATH ?? ''}` },
    timeout: 300_000,
  });
  return { status: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

const where = (b: DocBlock): string => `${b.file}:${b.line}`;

for (const doc of DOCS) {
  const blocks = extractBlocks(readFileSync(join(ROOT, doc), 'utf8'), doc);
  describe(doc, () => {
    it('names the language of every code block (so no command hides in an unlabelled one)', () => {
      expect(blocks.filter((b) => b.lang === '').map(where)).toEqual([]);
    });

    const shell = blocks.filter((b) => SHELL_LANGS.has(b.lang));
    if (shell.length === 0) return;
    it(
      'runs every shell block as written, each with its documented exit status',
      () => {
        const dir = workspace();
        for (const b of blocks) {
          if (b.directive?.kind === 'file') writeFileSync(join(dir, b.directive.name), `${b.body}\n`);
        }
        const failures: string[] = [];
        for (const b of shell) {
          if (b.directive?.kind === 'skip') continue;
          const expected = b.directive?.kind === 'exit' ? b.directive.status : 0;
          const { status, output } = runShell(b, dir);
          const stack = /^\s+at .*:\d+:\d+\)?$/m.test(output) || output.includes('internal error');
          if (status !== expected || stack) {
            failures.push(`${where(b)}: exit ${status}, expected ${expected}${stack ? ', with a stack trace' : ''}\n$ ${b.body}\n${output.slice(-2000)}`);
          }
        }
        expect(failures.join('\n\n')).toBe('');
      },
      900_000,
    );
  });
}
