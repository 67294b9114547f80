/**
 * The `data` commands' mistakes of the user: one line each, naming the
 * field (or flag) and the value given, exit status 2.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SAMPLES, tempDir } from '../../../test/helpers/cli.js';
import { runCli, type InProcessRun } from '../../../test/helpers/run-cli.js';

const KO = join(SAMPLES, 'KO-1997-1998.csv');

function expectOneLine(r: InProcessRun, expected: string): void {
  expect(r.status, r.stderr).toBe(2);
  expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
  expect(r.stderr.trimEnd()).toBe(`error: ${expected}`);
}

describe('data check format flags name the value given', () => {
  it('--delimiter', async () => {
    expectOneLine(await runCli(['data', 'check', KO, '--delimiter', ';;']), "field 'delimiter' value ';;': CSV format option 'delimiter': Too big: expected string to have exactly 1 characters");
  });

  it('--kind', async () => {
    expectOneLine(await runCli(['data', 'check', KO, '--kind', 'candle']), `field 'kind' value 'candle': CSV format option 'kind': Invalid option: expected one of "bar"|"quote"|"trade"`);
  });

  it('--timezone', async () => {
    const r = await runCli(['data', 'check', KO, '--timezone', 'Mars/Base']);
    expectOneLine(r, "field 'timezone' value 'Mars/Base': CSV format option 'timezone': not a timezone: give 'UTC', an offset like '-05:00', 'EST' (fixed UTC-5) or an IANA name like 'America/New_York'");
  });
});

describe('data query', () => {
  const catalog = join(tempDir('qf-data-errors-'), 'catalog');
  beforeAll(async () => {
    const r = await runCli(['data', 'import', KO, '--catalog', catalog, '--no-progress']);
    expect(r.status, r.stderr).toBe(0);
  }, 60_000);

  it('reports a SQL error on one line: the error and its hint, without the quoted query and caret', async () => {
    expectOneLine(
      await runCli(['data', 'query', 'SELECT * FROM barz', '--catalog', catalog]),
      `field 'SQL' value 'SELECT * FROM barz': Catalog Error: Table with name barz does not exist! Did you mean "bars"?`,
    );
  });

  it('names a query written over several lines on one line', async () => {
    const r = await runCli(['data', 'query', 'SELECT *\n  FROM barz\n', '--catalog', catalog]);
    expectOneLine(r, `field 'SQL' value 'SELECT * FROM barz': Catalog Error: Table with name barz does not exist! Did you mean "bars"?`);
  });
});

describe('data import --catalog that is not a folder', () => {
  const dir = tempDir('qf-data-errors-');

  it('a file: names --catalog and the path', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'not a catalog\n');
    expectOneLine(await runCli(['data', 'import', KO, '--catalog', file, '--no-progress']), `field '--catalog' value '${file}': is a file, not a catalog folder`);
  });

  it('a path through a file: names --catalog and the path', async () => {
    const file = join(dir, 'another-file');
    writeFileSync(file, 'not a catalog\n');
    const root = join(file, 'catalog');
    expectOneLine(await runCli(['data', 'import', KO, '--catalog', root, '--no-progress']), `field '--catalog' value '${root}': a part of the path is a file, not a folder`);
    expect(existsSync(root)).toBe(false);
  });
});
