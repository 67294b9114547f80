import { describe, expect, it } from 'vitest';
import { extractBlocks } from '../helpers/doc-blocks.js';

describe('extractBlocks', () => {
  it('reads fences with their language, line, body and the directive above them', () => {
    const md = ['# T', '<!-- doctest: exit 2 -->', '```sh', 'quantflow x', '```', '', '````text', '```', '````', '```', 'bare', '```'].join('\n');
    const blocks = extractBlocks(md, 'T.md');
    expect(blocks.map((b) => [b.line, b.lang, b.body])).toEqual([
      [3, 'sh', 'quantflow x'],
      [7, 'text', '```'],
      [10, '', 'bare'],
    ]);
    expect(blocks[0]!.directive).toEqual({ kind: 'exit', status: 2 });
    expect(blocks[1]!.directive).toBeUndefined();
  });

  it('reads skip with its reason and file with its name', () => {
    const md = ['<!-- doctest: skip needs a network -->', '```sh', 'x', '```', '<!-- doctest: file a.ts -->', '```ts', 'y', '```'].join('\n');
    expect(extractBlocks(md, 'T.md').map((b) => b.directive)).toEqual([
      { kind: 'skip', reason: 'needs a network' },
      { kind: 'file', name: 'a.ts' },
    ]);
  });

  it('refuses a skip without a reason, an unknown directive, a directive away from a fence and an unclosed fence', () => {
    expect(() => extractBlocks('<!-- doctest: skip -->\n```sh\nx\n```', 'T.md')).toThrow(/unknown doctest directive/);
    expect(() => extractBlocks('<!-- doctest: exits 2 -->\n```sh\nx\n```', 'T.md')).toThrow(/T\.md:1/);
    expect(() => extractBlocks('<!-- doctest: exit 2 -->\n\n```sh\nx\n```', 'T.md')).toThrow(/right before a code fence/);
    expect(() => extractBlocks('```sh\nx\n', 'T.md')).toThrow(/T\.md:1: unclosed/);
  });
});
