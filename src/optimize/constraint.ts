/**
 * `--constraint "EXPR"`: a small expression language over parameter names,
 * parsed once (tokenizer + precedence climbing, no eval, no Function) and
 * compiled to a tree of closures. Grammar, precedence and types: see
 * docs/optimize.md. Precedence and associativity are JavaScript's.
 */
import { addExact, mulExact, subExact } from '../core/decimal.js';
import { InputError } from '../core/errors.js';

export type BinaryOp = '||' | '&&' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '+' | '-' | '*' | '/' | '%';
export type UnaryOp = '-' | '!';
export type FunctionName = 'abs' | 'min' | 'max' | 'floor' | 'ceil' | 'round';

/** A parsed expression; `col` is the 1-based column of the node's first character (or its operator, for binary nodes). */
export type Expr =
  | { readonly kind: 'number'; readonly value: number; readonly col: number }
  | { readonly kind: 'string'; readonly value: string; readonly col: number }
  | { readonly kind: 'boolean'; readonly value: boolean; readonly col: number }
  | { readonly kind: 'name'; readonly name: string; readonly col: number }
  | { readonly kind: 'unary'; readonly op: UnaryOp; readonly arg: Expr; readonly col: number }
  | { readonly kind: 'binary'; readonly op: BinaryOp; readonly left: Expr; readonly right: Expr; readonly col: number }
  | { readonly kind: 'call'; readonly fn: FunctionName; readonly args: readonly Expr[]; readonly col: number };

/** Binding power of binary operators, as in JavaScript (all left-associative). */
export const PRECEDENCE: Readonly<Record<BinaryOp, number>> = {
  '||': 1,
  '&&': 2,
  '==': 3,
  '!=': 3,
  '<': 4,
  '<=': 4,
  '>': 4,
  '>=': 4,
  '+': 5,
  '-': 5,
  '*': 6,
  '/': 6,
  '%': 6,
};

const FUNCTIONS: Readonly<Record<FunctionName, { readonly min: number; readonly max: number; readonly apply: (args: readonly number[]) => number }>> = {
  abs: { min: 1, max: 1, apply: (a) => Math.abs(a[0] as number) },
  floor: { min: 1, max: 1, apply: (a) => Math.floor(a[0] as number) },
  ceil: { min: 1, max: 1, apply: (a) => Math.ceil(a[0] as number) },
  round: { min: 1, max: 1, apply: (a) => Math.round(a[0] as number) },
  min: { min: 1, max: Infinity, apply: (a) => Math.min(...a) },
  max: { min: 1, max: Infinity, apply: (a) => Math.max(...a) },
};
const isFunctionName = (s: string): s is FunctionName => Object.prototype.hasOwnProperty.call(FUNCTIONS, s);

// ---------------------------------------------------------------- tokens

type TokenKind = 'number' | 'string' | 'name' | 'op' | 'end';
interface Token {
  readonly kind: TokenKind;
  /** The operator or name as normalized (`and` -> `&&`), or the literal's text. */
  readonly text: string;
  readonly col: number;
  readonly value?: number | string;
}

// Maps, not object literals: a name such as `constructor` must not find Object.prototype's.
const WORD_OPS: ReadonlyMap<string, string> = new Map([
  ['and', '&&'],
  ['or', '||'],
  ['not', '!'],
]);
// Longest first, so `<=` is not read as `<` then `=`.
const SYMBOLS = ['===', '!==', '&&', '||', '==', '!=', '<=', '>=', '<', '>', '+', '-', '*', '/', '%', '!', '(', ')', ','];
const SYMBOL_ALIASES: ReadonlyMap<string, string> = new Map([
  ['===', '=='],
  ['!==', '!='],
]);
const NUMBER_AT = /(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/y;
const NAME_AT = /[A-Za-z_$][A-Za-z0-9_$]*/y;

class ConstraintSyntax {
  constructor(
    readonly col: number,
    readonly message: string,
  ) {}
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const col = i + 1;
    NUMBER_AT.lastIndex = i;
    const num = NUMBER_AT.exec(text);
    if (num !== null && /[\d.]/.test(c)) {
      tokens.push({ kind: 'number', text: num[0], col, value: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    NAME_AT.lastIndex = i;
    const name = NAME_AT.exec(text);
    if (name !== null) {
      const word = name[0];
      const op = WORD_OPS.get(word);
      tokens.push(op !== undefined ? { kind: 'op', text: op, col } : { kind: 'name', text: word, col });
      i += word.length;
      continue;
    }
    if (c === '"' || c === "'") {
      const close = text.indexOf(c, i + 1);
      if (close < 0) throw new ConstraintSyntax(col, 'the string is not closed');
      tokens.push({ kind: 'string', text: text.slice(i, close + 1), col, value: text.slice(i + 1, close) });
      i = close + 1;
      continue;
    }
    const sym = SYMBOLS.find((s) => text.startsWith(s, i));
    if (sym === undefined) {
      const hint = c === '=' ? " (use == to compare)" : c === '&' || c === '|' ? ` (use ${c}${c})` : '';
      throw new ConstraintSyntax(col, `unexpected character '${c}'${hint}`);
    }
    tokens.push({ kind: 'op', text: SYMBOL_ALIASES.get(sym) ?? sym, col });
    i += sym.length;
  }
  tokens.push({ kind: 'end', text: '', col: text.length + 1 });
  return tokens;
}

// ---------------------------------------------------------------- parser

const isBinaryOp = (s: string): s is BinaryOp => Object.prototype.hasOwnProperty.call(PRECEDENCE, s);

class Parser {
  private pos = 0;
  constructor(
    private readonly tokens: readonly Token[],
    private readonly knownNames: readonly string[] | undefined,
  ) {}

  private peek(): Token {
    return this.tokens[this.pos] as Token;
  }

  parseAll(): Expr {
    if (this.peek().kind === 'end') throw new ConstraintSyntax(this.peek().col, 'the constraint is empty');
    const e = this.expression(0);
    const t = this.peek();
    if (t.kind !== 'end') throw new ConstraintSyntax(t.col, `unexpected ${shown(t)} (expected an operator)`);
    return e;
  }

  /** Precedence climbing: binary operators binding tighter than `min`, all left-associative. */
  private expression(min: number): Expr {
    let left = this.unary();
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'op' || !isBinaryOp(t.text)) break;
      const prec = PRECEDENCE[t.text];
      if (prec <= min) break;
      this.pos++;
      const right = this.expression(prec);
      left = { kind: 'binary', op: t.text, left, right, col: t.col };
    }
    return left;
  }

  private unary(): Expr {
    const t = this.peek();
    if (t.kind === 'op' && (t.text === '-' || t.text === '!')) {
      this.pos++;
      return { kind: 'unary', op: t.text, arg: this.unary(), col: t.col };
    }
    return this.primary();
  }

  private primary(): Expr {
    const t = this.peek();
    this.pos++;
    switch (t.kind) {
      case 'number':
        return { kind: 'number', value: t.value as number, col: t.col };
      case 'string':
        return { kind: 'string', value: t.value as string, col: t.col };
      case 'name': {
        if (t.text === 'true' || t.text === 'false') return { kind: 'boolean', value: t.text === 'true', col: t.col };
        const next = this.peek();
        if (next.kind === 'op' && next.text === '(') return this.call(t);
        if (this.knownNames !== undefined && !this.knownNames.includes(t.text)) {
          const list = this.knownNames.length > 0 ? ` (parameters: ${this.knownNames.join(', ')})` : '';
          throw new ConstraintSyntax(t.col, `unknown parameter '${t.text}'${list}`);
        }
        return { kind: 'name', name: t.text, col: t.col };
      }
      case 'op':
        if (t.text === '(') {
          const e = this.expression(0);
          this.expect(')');
          return e;
        }
        this.pos--;
        throw new ConstraintSyntax(t.col, `expected a value, found ${shown(t)}`);
      case 'end':
        this.pos--;
        throw new ConstraintSyntax(t.col, 'expected a value');
    }
  }

  private call(name: Token): Expr {
    if (!isFunctionName(name.text)) {
      throw new ConstraintSyntax(name.col, `unknown function '${name.text}' (functions: ${Object.keys(FUNCTIONS).join(', ')})`);
    }
    const fn = name.text;
    this.pos++; // (
    const args: Expr[] = [];
    if (!(this.peek().kind === 'op' && this.peek().text === ')')) {
      for (;;) {
        args.push(this.expression(0));
        const t = this.peek();
        if (t.kind === 'op' && t.text === ',') {
          this.pos++;
          continue;
        }
        break;
      }
    }
    this.expect(')');
    const { min, max } = FUNCTIONS[fn];
    if (args.length < min || args.length > max) {
      const want = min === max ? `${min} argument${min === 1 ? '' : 's'}` : `at least ${min} argument`;
      throw new ConstraintSyntax(name.col, `${fn} takes ${want}, not ${args.length}`);
    }
    return { kind: 'call', fn, args, col: name.col };
  }

  private expect(op: string): void {
    const t = this.peek();
    if (t.kind === 'op' && t.text === op) {
      this.pos++;
      return;
    }
    throw new ConstraintSyntax(t.col, `expected '${op}'${t.kind === 'end' ? '' : `, found ${shown(t)}`}`);
  }
}

function shown(t: Token): string {
  return t.kind === 'end' ? 'the end' : `'${t.text}'`;
}

// ---------------------------------------------------------------- types and compilation

type StaticType = 'number' | 'boolean' | 'string' | 'any';
type Eval = (params: Readonly<Record<string, unknown>>) => unknown;

function typeOf(e: Expr): StaticType {
  switch (e.kind) {
    case 'number':
    case 'call':
      return 'number';
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
    case 'name':
      return 'any';
    case 'unary':
      return e.op === '-' ? 'number' : 'boolean';
    case 'binary':
      return PRECEDENCE[e.op] >= 5 ? 'number' : 'boolean';
  }
}

const TYPE_WORDS: Readonly<Record<Exclude<StaticType, 'any'>, string>> = { number: 'a number', boolean: 'true or false', string: 'a string' };

/** A runtime type problem: a parameter's value does not fit where it is used. */
class ConstraintValue {
  constructor(
    readonly col: number,
    readonly message: string,
  ) {}
}

function valueWord(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

class Compiler {
  /** `e` compiled, with a check that it yields `want` (statically when its type is known, else at run time). */
  typed(e: Expr, want: Exclude<StaticType, 'any'>, user: string): Eval {
    const t = typeOf(e);
    if (t !== 'any' && t !== want) throw new ConstraintSyntax(e.col, `${user} needs ${TYPE_WORDS[want]}, not ${TYPE_WORDS[t]}`);
    const f = this.compile(e);
    if (t === want) return f;
    const name = (e as { name: string }).name;
    return (p) => {
      const v = f(p);
      if (typeof v !== want) throw new ConstraintValue(e.col, `parameter '${name}' is ${valueWord(v)}: ${user} needs ${TYPE_WORDS[want]}`);
      return v;
    };
  }

  compile(e: Expr): Eval {
    switch (e.kind) {
      case 'number':
      case 'string':
      case 'boolean': {
        const v = e.value;
        return () => v;
      }
      case 'name': {
        const { name, col } = e;
        return (p) => {
          const v = Object.prototype.hasOwnProperty.call(p, name) ? p[name] : undefined;
          if (typeof v !== 'number' && typeof v !== 'string' && typeof v !== 'boolean') {
            throw new ConstraintValue(col, v === undefined ? `parameter '${name}' has no value` : `parameter '${name}' is ${valueWord(v)}, not a number, string or boolean`);
          }
          return v;
        };
      }
      case 'unary': {
        if (e.op === '-') {
          const f = this.typed(e.arg, 'number', "'-'");
          return (p) => {
            const v = -(f(p) as number);
            return v === 0 ? 0 : v;
          };
        }
        const f = this.typed(e.arg, 'boolean', "'!'");
        return (p) => !(f(p) as boolean);
      }
      case 'call': {
        const user = `${e.fn}()`;
        const fs = e.args.map((a) => this.typed(a, 'number', user));
        const apply = FUNCTIONS[e.fn].apply;
        return (p) => apply(fs.map((f) => f(p) as number));
      }
      case 'binary':
        return this.binary(e);
    }
  }

  private binary(e: Extract<Expr, { kind: 'binary' }>): Eval {
    const user = `'${e.op}'`;
    switch (e.op) {
      case '||':
      case '&&': {
        const l = this.typed(e.left, 'boolean', user);
        const r = this.typed(e.right, 'boolean', user);
        return e.op === '&&' ? (p) => (l(p) as boolean) && (r(p) as boolean) : (p) => (l(p) as boolean) || (r(p) as boolean);
      }
      case '==':
      case '!=': {
        const lt = typeOf(e.left);
        const rt = typeOf(e.right);
        if (lt !== 'any' && rt !== 'any' && lt !== rt) throw new ConstraintSyntax(e.col, `${user} compares ${TYPE_WORDS[lt]} with ${TYPE_WORDS[rt]}`);
        const l = this.compile(e.left);
        const r = this.compile(e.right);
        // A parameter side is checked at run time: a value of another type is a mistake, not a false.
        const same = (p: Readonly<Record<string, unknown>>): boolean => {
          const a = l(p);
          const b = r(p);
          if (typeof a !== typeof b) throw mismatch(e, user, a, b);
          return a === b;
        };
        return e.op === '==' ? same : (p) => !same(p);
      }
      default: {
        const l = this.typed(e.left, 'number', user);
        const r = this.typed(e.right, 'number', user);
        return numericOp(e.op, l, r);
      }
    }
  }
}

const VALUE_TYPES: Readonly<Record<string, string>> = { number: 'a number', boolean: 'a boolean', string: 'a string' };
const typeWord = (v: unknown): string => VALUE_TYPES[typeof v] ?? typeof v;

/**
 * `==` or `!=` between values of two types. At least one side is a
 * parameter (the types of the others are checked at parse time): it is
 * named, with its value and type; two parameters are both named.
 */
function mismatch(e: Extract<Expr, { kind: 'binary' }>, user: string, a: unknown, b: unknown): ConstraintValue {
  const param = (x: Expr, v: unknown): string => `parameter '${(x as { name: string }).name}' is ${valueWord(v)} (${typeWord(v)})`;
  if (e.left.kind === 'name' && e.right.kind === 'name') {
    return new ConstraintValue(e.left.col, `${param(e.left, a)} and ${param(e.right, b)}: ${user} compares values of one type`);
  }
  const [name, value, other] = e.left.kind === 'name' ? [e.left, a, b] : [e.right, b, a];
  return new ConstraintValue(name.col, `${param(name, value)}: ${user} compares it with ${typeWord(other)}`);
}

function numericOp(op: '<' | '<=' | '>' | '>=' | '+' | '-' | '*' | '/' | '%', l: Eval, r: Eval): Eval {
  const n = (f: Eval, p: Readonly<Record<string, unknown>>): number => f(p) as number;
  switch (op) {
    case '<':
      return (p) => n(l, p) < n(r, p);
    case '<=':
      return (p) => n(l, p) <= n(r, p);
    case '>':
      return (p) => n(l, p) > n(r, p);
    case '>=':
      return (p) => n(l, p) >= n(r, p);
    // Decimal-exact where the result is a short decimal: 0.1 + 0.2 == 0.3 holds.
    case '+':
      return (p) => addExact(n(l, p), n(r, p));
    case '-':
      return (p) => subExact(n(l, p), n(r, p));
    case '*':
      return (p) => mulExact(n(l, p), n(r, p));
    case '/':
      return (p) => n(l, p) / n(r, p);
    case '%':
      return (p) => n(l, p) % n(r, p);
  }
}

// ---------------------------------------------------------------- public API

export interface ConstraintOptions {
  /** The parameter names an expression may use; any other name is an error at parse time. */
  readonly knownNames?: readonly string[];
  /** The flag named in messages (default `--constraint`). */
  readonly flag?: string;
}

/** A compiled constraint: `test` is true when a parameter set satisfies it. */
export interface Constraint {
  readonly text: string;
  readonly ast: Expr;
  /** The parameter names it reads, in order of first use. */
  readonly names: readonly string[];
  /** Evaluates the constraint; a parameter whose value does not fit (a string where a number is needed) is an InputError. */
  test(params: Readonly<Record<string, unknown>>): boolean;
}

function constraintError(flag: string, text: string, col: number, message: string): InputError {
  return new InputError({ code: 'invalid_option', field: flag, value: text, message: `column ${col}: ${message}` });
}

/** Parses and compiles `text`; a syntax or type error is an InputError naming the column. */
export function parseConstraint(text: string, options: ConstraintOptions = {}): Constraint {
  const flag = options.flag ?? '--constraint';
  let ast: Expr;
  let evaluate: Eval;
  try {
    ast = new Parser(tokenize(text), options.knownNames).parseAll();
    evaluate = new Compiler().typed(ast, 'boolean', 'a constraint');
  } catch (e) {
    if (e instanceof ConstraintSyntax) throw constraintError(flag, text, e.col, e.message);
    throw e;
  }
  const names: string[] = [];
  walk(ast, (n) => {
    if (n.kind === 'name' && !names.includes(n.name)) names.push(n.name);
  });
  return {
    text,
    ast,
    names,
    test(params) {
      try {
        return evaluate(params) as boolean;
      } catch (e) {
        if (e instanceof ConstraintValue) throw constraintError(flag, text, e.col, e.message);
        throw e;
      }
    },
  };
}

function walk(e: Expr, visit: (e: Expr) => void): void {
  visit(e);
  if (e.kind === 'unary') walk(e.arg, visit);
  else if (e.kind === 'binary') {
    walk(e.left, visit);
    walk(e.right, visit);
  } else if (e.kind === 'call') for (const a of e.args) walk(a, visit);
}

/**
 * The expression as text with the fewest parentheses that keep its tree
 * (JavaScript's rules: a child binding looser than its parent, or a right
 * child binding as loosely, is parenthesized). Parsing the result gives the
 * same tree.
 */
export function printExpr(e: Expr): string {
  switch (e.kind) {
    case 'number':
      return String(e.value);
    case 'string':
      return JSON.stringify(e.value);
    case 'boolean':
      return String(e.value);
    case 'name':
      return e.name;
    case 'call':
      return `${e.fn}(${e.args.map(printExpr).join(', ')})`;
    case 'unary': {
      const inner = printExpr(e.arg);
      const wrapped = e.arg.kind === 'binary' ? `(${inner})` : inner;
      // `- -x` (not `--x`, a decrement in JavaScript).
      return wrapped.startsWith('-') ? `${e.op} ${wrapped}` : `${e.op}${wrapped}`;
    }
    case 'binary': {
      const prec = PRECEDENCE[e.op];
      const side = (child: Expr, right: boolean): string => {
        const s = printExpr(child);
        if (child.kind !== 'binary') return s;
        const cp = PRECEDENCE[child.op];
        return cp < prec || (right && cp === prec) ? `(${s})` : s;
      };
      return `${side(e.left, false)} ${e.op} ${side(e.right, true)}`;
    }
  }
}
