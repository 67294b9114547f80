import { existsSync, statSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ZodType } from 'zod';
import type { Issue } from '../core/errors.js';
import { InputError } from '../core/errors.js';
import { RUNNING_BUILD, moduleUrl } from '../core/module-url.js';
import { Strategy } from '../strategy/strategy.js';
import type { StrategyClass } from '../strategy/strategy.js';
import { compileStrategy } from './strategy-compiler.js';
import { StrategyError, strategyFrames } from './strategy-error.js';

let loaderReady = false;
/** From a build: the running package's entry, which compiled strategies import as 'quantflow' (undefined under a TS source runner). */
let packageEntry: string | undefined;

/**
 * From a build, a strategy file is compiled (strategy-compiler.ts) and
 * imports this running copy as 'quantflow': a strategy file anywhere gets
 * the engine's own classes, and no module hook slows down the rest of the
 * process. Under a TypeScript source runner (tests), which resolves the
 * package by itself, `import()` of .ts files goes through tsx.
 */
async function prepareLoader(): Promise<void> {
  if (loaderReady) return;
  loaderReady = true;
  if (RUNNING_BUILD) {
    packageEntry = moduleUrl('index');
    // The package, loaded now: the strategy's `import 'quantflow'` finds it loaded.
    await import(packageEntry);
    return;
  }
  const { register: registerTsx } = await import('tsx/esm/api');
  registerTsx();
}

/** Compiled strategy modules of this thread, by strategy file (absolute path). */
const compiledModules = new Map<string, string>();

/**
 * The compiled module this thread loaded for a strategy file (undefined
 * when it loaded none, or ran from the sources): a sweep's worker threads
 * import it as it is instead of compiling the file again.
 */
export function compiledStrategyModule(path: string): string | undefined {
  return compiledModules.get(resolvePath(path));
}

/** The strategy file's module: `compiled` when given (another thread compiled it), else compiled (from a build) or imported as it is. */
async function importStrategy(file: string, compiled: string | undefined): Promise<Record<string, unknown>> {
  let url = pathToFileURL(file).href;
  if (packageEntry !== undefined) {
    url = compiled ?? (await compileStrategy(file, packageEntry));
    compiledModules.set(file, url);
  }
  return (await import(url)) as Record<string, unknown>;
}

/**
 * Why a strategy file did not load: a compile error at its line and column
 * (one line), an exception of its top-level code as a strategy error at the
 * strategy's line, else the loader's message.
 */
function loadError(path: string, e: unknown): Error {
  const message = e instanceof Error ? e.message : String(e);
  // esbuild: "Build failed with 1 error:\n/abs/file.ts:3:17: ERROR: Expected ..." (through tsx: "Transform failed ...")
  const compile = /^(.*?):(\d+):(\d+): ERROR: (.*)$/m.exec(message);
  if (compile !== null) {
    return new InputError({ code: 'invalid_strategy', file: path, line: Number(compile[2]), message: `cannot compile the strategy (column ${compile[3]}): ${compile[4]}` });
  }
  if (strategyFrames(e).length > 0) return new StrategyError('load', e, path);
  const first = message.split('\n')[0] ?? '';
  return new InputError({ code: 'invalid_strategy', file: path, message: `cannot load the strategy: ${first}` });
}

function isStrategyClass(x: unknown): x is StrategyClass<object> {
  return typeof x === 'function' && typeof (x as { prototype?: { onBar?: unknown } }).prototype?.onBar === 'function';
}

/** The hooks every Strategy base class has had (a class from another copy of quantflow has them too; a plain class with an onBar has not). */
const BASE_HOOKS = ['onStart', 'onBar', 'onQuote', 'onBook', 'onTrade', 'onOrderEvent', 'onTimer', 'onStop'] as const;

/** Hooks the engine calls: none may be async (see asyncHook). */
const STRATEGY_HOOKS = [...BASE_HOOKS, 'onFeedStatus'] as const;

/**
 * A hook of the class declared `async`, if any. The engine calls hooks and
 * goes on: it never waits for a Promise, so what follows an `await` would run
 * at some later event, against a state that has moved on, and what it throws
 * would be lost. Refused at load time, before anything runs.
 */
function asyncHook(cls: StrategyClass<object>): string | undefined {
  const proto = cls.prototype as unknown as Record<string, unknown>;
  for (const hook of STRATEGY_HOOKS) {
    const f = proto[hook];
    if (typeof f === 'function' && /^Async/.test(f.constructor.name)) return hook;
  }
  return undefined;
}

/**
 * Loads a strategy from a TypeScript (or JavaScript) file at run time, no
 * build step: the module's default export, or its only exported Strategy
 * subclass. `compiled`: the module another thread of this process compiled
 * from it (compiledStrategyModule), imported instead of compiling again.
 */
export async function loadStrategyFile(path: string, compiled?: string): Promise<StrategyClass<object>> {
  const abs = resolvePath(path);
  if (!existsSync(abs)) throw new InputError({ code: 'file_not_found', file: path, message: 'strategy file not found' });
  if (statSync(abs).isDirectory()) throw new InputError({ code: 'invalid_strategy', file: path, message: 'is a folder: give the strategy file (.ts or .js)' });
  await prepareLoader();
  let mod: Record<string, unknown>;
  try {
    mod = await importStrategy(abs, compiled);
  } catch (e) {
    throw loadError(path, e);
  }
  // A file loaded as CommonJS arrives wrapped: { default: module.exports }.
  const inner = typeof mod.default === 'object' && mod.default !== null ? (mod.default as Record<string, unknown>) : {};
  const candidates = [mod.default, inner.default, ...Object.values(mod), ...Object.values(inner)].filter(isStrategyClass);
  const cls = candidates[0];
  if (cls === undefined) {
    throw new InputError({ code: 'invalid_strategy', file: path, message: 'the file exports no Strategy subclass (export default class ... extends Strategy)' });
  }
  if (!(cls.prototype instanceof Strategy)) {
    const proto = cls.prototype as unknown as Record<string, unknown>;
    const missing = BASE_HOOKS.filter((hook) => typeof proto[hook] !== 'function');
    if (missing.length > 0) {
      throw new InputError({
        code: 'invalid_strategy',
        file: path,
        message: `the file exports no Strategy subclass: ${cls.name || 'its class'} does not extend Strategy (it has no ${missing.join(', ')}); write export default class ${cls.name || 'MyStrategy'} extends Strategy`,
      });
    }
    // Works (the engine only calls the hooks), but instanceof checks inside the strategy would not.
    process.emitWarning(`${path}: the strategy extends a Strategy class from another copy of quantflow`);
  }
  const hook = asyncHook(cls);
  if (hook !== undefined) {
    throw new InputError({
      code: 'invalid_strategy',
      file: path,
      field: hook,
      message: `${hook} is async: a strategy's hooks run synchronously (the engine does not wait for a Promise, so code after an await would run at some later event and what it throws would be lost); remove async`,
    });
  }
  return cls;
}

/**
 * Turns command-line text into typed values: JSON where the text is JSON
 * ("10" -> 10, "true" -> true), else the text itself. The schema decides.
 */
export function coerceParamText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Validates raw parameters against the strategy's schema; unknown names are errors. */
export function parseStrategyParams(cls: StrategyClass<object>, raw: Readonly<Record<string, unknown>>, source = 'param'): object {
  const schema = cls.params as ZodType<object> | undefined;
  const issues: Issue[] = [];
  const shape = (schema as unknown as { shape?: Record<string, unknown> } | undefined)?.shape;
  const known = shape !== undefined ? Object.keys(shape) : [];
  for (const name of Object.keys(raw)) {
    if (schema === undefined || (shape !== undefined && !known.includes(name))) {
      issues.push({
        code: 'invalid_param',
        field: name,
        value: String(raw[name]),
        message: `${cls.name} has no parameter '${name}'${known.length > 0 ? ` (it has: ${known.join(', ')})` : ''}`,
      });
    }
  }
  if (issues.length > 0) throw new InputError(issues);
  if (schema === undefined) return {};
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new InputError(
      parsed.error.issues.map((i) => {
        const field = i.path.map(String).join('.');
        return {
          code: 'invalid_param' as const,
          field,
          value: field in raw ? String(raw[field]) : '(missing)',
          message: `${source} ${field}: ${i.message}`,
        };
      }),
    );
  }
  return parsed.data;
}

/** Creates the strategy with validated parameters. */
export function instantiateStrategy(cls: StrategyClass<object>, raw: Readonly<Record<string, unknown>>): Strategy<object> {
  return new cls(parseStrategyParams(cls, raw));
}
