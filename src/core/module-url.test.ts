import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT_URL, RUNNING_BUILD, moduleUrl } from './module-url.js';

describe('moduleUrl from the TypeScript sources', () => {
  it('finds the package root and names the .ts file of a module', () => {
    expect(RUNNING_BUILD).toBe(false);
    expect(existsSync(join(fileURLToPath(PACKAGE_ROOT_URL), 'package.json'))).toBe(true);
    const url = moduleUrl('optimize/trial-worker');
    expect(url).toBe(`${PACKAGE_ROOT_URL}src/optimize/trial-worker.ts`);
    expect(existsSync(fileURLToPath(url))).toBe(true);
    expect(moduleUrl('index')).toBe(new URL('../index.ts', import.meta.url).href);
  });
});
