import { relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { InputError, InvariantError } from '../core/errors.js';
import { PACKAGE_ROOT_URL } from '../core/module-url.js';
import type { CompletedRun } from './completed-run.js';

/** Where a strategy's code was running when it threw. */
export type StrategyStage =
  | 'load'
  | 'params'
  | 'constructor'
  | 'onStart'
  | 'onBar'
  | 'onQuote'
  | 'onTrade'
  | 'onBook'
  | 'onOrderEvent'
  | 'onTimer'
  | 'onFeedStatus'
  | 'onStop'
  | 'run';

/** One frame of a stack trace in the strategy's own code (or code it imports), never the engine's. */
export interface StrategyFrame {
  /** The frame as V8 printed it, with the path shown relative to the working folder. */
  readonly text: string;
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

// The engine's own code is under <root>/src (the sources) and <root>/dist (the build's entries and chunks).
const ROOT = fileURLToPath(PACKAGE_ROOT_URL);
const ENGINE_DIRS = [`${ROOT}src${sep}`, `${ROOT}dist${sep}`];

/** Whether a source file is the strategy's (or a helper of it) rather than the engine's, Node's or a dependency's. */
export function isStrategyCode(file: string): boolean {
  if (file.startsWith('node:') || file.includes(`${sep}node_modules${sep}`) || file.includes('/node_modules/')) return false;
  if (!file.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(file)) return false; // native, <anonymous>, eval
  return !ENGINE_DIRS.some((d) => file.startsWith(d));
}

const FRAME = /^\s*at (?:(.*?) \()?(.+?):(\d+):(\d+)\)?$/;

/** A path for messages: relative to the working folder when inside it. */
export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel !== '' && !rel.startsWith('..') && !rel.startsWith(sep) ? rel : file;
}

/** The frames of an error's stack that lie in strategy code, top first. */
export function strategyFrames(error: unknown): StrategyFrame[] {
  const stack = error instanceof Error && typeof error.stack === 'string' ? error.stack : '';
  const frames: StrategyFrame[] = [];
  for (const raw of stack.split('\n')) {
    const m = FRAME.exec(raw);
    if (m === null) continue;
    let file = m[2] as string;
    if (file.startsWith('file://')) {
      try {
        file = fileURLToPath(file);
      } catch {
        continue;
      }
    }
    if (!isStrategyCode(file)) continue;
    const line = Number(m[3]);
    const column = Number(m[4]);
    const where = `${displayPath(file)}:${line}:${column}`;
    frames.push({ text: m[1] !== undefined ? `at ${m[1]} (${where})` : `at ${where}`, file, line, column });
  }
  return frames;
}

/** A thrown value that is not an Error, shown on one line. */
function showValue(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : inspect(value, { depth: 2, breakLength: Infinity, maxStringLength: 200 });
  return text.length > 300 ? `${text.slice(0, 300)}...` : text;
}

/**
 * An exception out of a strategy's code: a hook, its constructor, its
 * parameter schema, or the file's top level. A user's mistake (exit status
 * 2), reported at the strategy's own line with the strategy's frames only.
 * An InputError thrown by a context call inside a hook (a bad indicator
 * period, an unknown symbol) stays that input error, with the strategy's
 * call site added.
 */
export class StrategyError extends Error {
  override readonly name = 'StrategyError';
  /** The strategy's frames of the stack, top first (empty for a thrown value that is not an Error). */
  readonly frames: readonly StrategyFrame[];
  /** The simulated time at which it was thrown (NaN before any data, or outside a run). */
  time = NaN;
  /** What the run produced up to the throw, when it stopped a run (the engine's partial results). */
  partial: CompletedRun | undefined;
  /** Lines to show after the error (where the partial outputs went). */
  readonly notes: string[] = [];

  constructor(
    /** Where the strategy was: a hook, 'constructor', 'params', 'load'. */
    readonly stage: StrategyStage,
    /** What the strategy threw, as thrown. */
    readonly thrown: unknown,
    /** The strategy file, as given. */
    readonly file: string,
  ) {
    super('');
    this.frames = strategyFrames(thrown);
    this.message = this.headline();
  }

  /** The input error a context call threw, when that is what happened. */
  get inputError(): InputError | undefined {
    return this.thrown instanceof InputError ? this.thrown : undefined;
  }

  /** `FILE:LINE` of the strategy's own code nearest the throw, or the file alone when no line is known. */
  get location(): string {
    const top = this.frames[0];
    return top !== undefined ? `${displayPath(top.file)}:${top.line}` : displayPath(this.file);
  }

  private get during(): string {
    switch (this.stage) {
      case 'load':
        return 'while loading the file';
      case 'params':
        return 'in the parameter schema';
      case 'constructor':
        return 'in the constructor';
      case 'run':
        return 'during the run';
      default:
        return `in ${this.stage}`;
    }
  }

  /** One line: `strategy error in FILE:LINE: message (in onBar)`. */
  headline(): string {
    const t = this.thrown;
    if (t instanceof Error) {
      const what = t.name === 'Error' || t.name === '' ? t.message : `${t.name}: ${t.message}`;
      return `strategy error in ${this.location}: ${oneLine(what)} (${this.during})`;
    }
    return (
      `strategy error in ${this.location}: ${showValue(t)} was thrown ${this.during}; ` +
      `it is not an Error, so it carries no line (throw new Error(...) to get one)`
    );
  }
}

function oneLine(text: string): string {
  const first = text.split('\n').find((l) => l.trim() !== '') ?? '';
  return first.trim() === text.trim() ? first : `${first.trim()} ...`;
}

/** Bugs stay bugs: only what is not an InvariantError becomes a strategy error. */
export function toStrategyError(stage: StrategyStage, thrown: unknown, file: string): unknown {
  if (thrown instanceof StrategyError || thrown instanceof InvariantError) return thrown;
  return new StrategyError(stage, thrown, file);
}
