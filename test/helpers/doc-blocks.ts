/**
 * Fenced code blocks of the project's Markdown documents, with the doc-test
 * directive written in an HTML comment on the line before the fence:
 *
 *   <!-- doctest: exit 2 -->          the block shows an error: it must exit 2
 *   <!-- doctest: skip REASON -->     not run (the reason is required)
 *   <!-- doctest: file NAME -->       a code block saved as NAME before the
 *                                     document's shell blocks run
 */
export interface DocBlock {
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** The fence's info string ('' when the fence names no language). */
  readonly lang: string;
  readonly body: string;
  readonly directive: Directive | undefined;
}

export type Directive =
  | { readonly kind: 'exit'; readonly status: number }
  | { readonly kind: 'skip'; readonly reason: string }
  | { readonly kind: 'file'; readonly name: string };

export const SHELL_LANGS: ReadonlySet<string> = new Set(['sh', 'bash', 'shell']);

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([^`\s]*)/;
const DIRECTIVE = /^\s*<!--\s*doctest:\s*(.*?)\s*-->\s*$/;

export function parseDirective(text: string, where: string): Directive {
  const exit = /^exit\s+(\d+)$/.exec(text);
  if (exit) return { kind: 'exit', status: Number(exit[1]) };
  const skip = /^skip\s+(\S.*)$/.exec(text);
  if (skip) return { kind: 'skip', reason: skip[1]! };
  const file = /^file\s+(\S+)$/.exec(text);
  if (file) return { kind: 'file', name: file[1]! };
  throw new Error(`${where}: unknown doctest directive '${text}' (exit N, skip REASON, file NAME)`);
}

export function extractBlocks(markdown: string, file: string): DocBlock[] {
  const lines = markdown.split(/\r?\n/);
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (!open) {
      // A directive that does not sit right above a fence would silently do nothing.
      if (DIRECTIVE.test(lines[i]!) && !FENCE.test(lines[i + 1] ?? '')) {
        throw new Error(`${file}:${i + 1}: a doctest directive must be on the line right before a code fence`);
      }
      continue;
    }
    const fence = open[2]!;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const l = lines[j]!;
      if (l.trimStart().startsWith(fence) && l.trim().replace(/[`~]/g, '') === '') break;
      body.push(l);
    }
    if (j === lines.length) throw new Error(`${file}:${i + 1}: unclosed code fence`);
    const prev = i > 0 ? DIRECTIVE.exec(lines[i - 1]!) : null;
    blocks.push({
      file,
      line: i + 1,
      lang: open[3]!.toLowerCase(),
      body: body.join('\n'),
      directive: prev ? parseDirective(prev[1]!, `${file}:${i}`) : undefined,
    });
    i = j;
  }
  return blocks;
}
