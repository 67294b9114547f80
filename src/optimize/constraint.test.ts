import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { parseConstraint, printExpr, type BinaryOp, type Expr, type FunctionName } from './constraint.js';

const holds = (text: string, params: Record<string, unknown>): boolean => parseConstraint(text).test(params);

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as Error).message;
  }
  throw new Error('expected an InputError');
}

describe('parseConstraint: evaluation', () => {
  it('compares parameters', () => {
    expect(holds('fast < slow', { fast: 10, slow: 30 })).toBe(true);
    expect(holds('fast < slow', { fast: 30, slow: 30 })).toBe(false);
    expect(holds('fast <= slow', { fast: 30, slow: 30 })).toBe(true);
    expect(holds('slow >= 2 * fast and slow - fast > 5', { fast: 10, slow: 20 })).toBe(true);
    expect(holds('slow >= 2 * fast and slow - fast > 5', { fast: 10, slow: 19 })).toBe(false);
  });

  it('has arithmetic with unary minus, %, and JavaScript precedence', () => {
    expect(holds('-fast + 2 * 3 == -4', { fast: 10 })).toBe(true);
    expect(holds('fast % 4 == 2', { fast: 10 })).toBe(true);
    expect(holds('2 + 3 * 4 == 14 && (2 + 3) * 4 == 20', {})).toBe(true);
    expect(holds('10 - 4 - 3 == 3 && 24 / 4 / 2 == 3', {})).toBe(true);
    expect(holds('- -fast == fast', { fast: 3 })).toBe(true);
  });

  it('adds, subtracts and multiplies decimals exactly', () => {
    expect(holds('a + b == 0.3', { a: 0.1, b: 0.2 })).toBe(true);
    expect(holds('a * 3 == 0.3 && 0.3 - a == 0.2', { a: 0.1 })).toBe(true);
  });

  it('has && || ! and the words and, or, not, with && above ||', () => {
    expect(holds('true || false && false', {})).toBe(true);
    expect(holds('(true || false) && false', {})).toBe(false);
    expect(holds('not (fast > 5) or slow == 1', { fast: 10, slow: 1 })).toBe(true);
    expect(holds('!(fast > 5) || slow == 1', { fast: 10, slow: 2 })).toBe(false);
    expect(holds('fast < slow == slow > fast', { fast: 1, slow: 2 })).toBe(true);
  });

  it('calls abs, min, max, floor, ceil, round', () => {
    expect(holds('abs(fast - slow) >= 5', { fast: 10, slow: 3 })).toBe(true);
    expect(holds('min(fast, slow, 4) == 3 && max(fast, slow) == 10', { fast: 10, slow: 3 })).toBe(true);
    expect(holds('floor(x) == 1 && ceil(x) == 2 && round(x) == 2 && round(1.4) == 1', { x: 1.5 })).toBe(true);
  });

  it('compares strings and booleans with == and !=', () => {
    expect(holds('mode == "fast" && trail', { mode: 'fast', trail: true })).toBe(true);
    expect(holds("mode != 'fast' || !trail", { mode: 'fast', trail: true })).toBe(false);
    expect(holds('mode === "slow"', { mode: 'slow' })).toBe(true);
  });

  it('lists the names it reads', () => {
    expect(parseConstraint('fast < slow && abs(fast) > 1 || size > 0').names).toEqual(['fast', 'slow', 'size']);
  });
});

describe('parseConstraint: errors', () => {
  it('names the column of the problem', () => {
    expect(errorOf(() => parseConstraint('fast < '))).toBe("field '--constraint' value 'fast < ': column 8: expected a value");
    expect(errorOf(() => parseConstraint('fast <'))).toMatch(/column 7: expected a value$/);
    expect(errorOf(() => parseConstraint(''))).toMatch(/column 1: the constraint is empty/);
    expect(errorOf(() => parseConstraint('(fast < slow'))).toMatch(/column 13: expected '\)'$/);
    expect(errorOf(() => parseConstraint('fast slow'))).toMatch(/column 6: unexpected 'slow' \(expected an operator\)/);
    expect(errorOf(() => parseConstraint('fast = slow'))).toMatch(/column 6: unexpected character '=' \(use == to compare\)/);
    expect(errorOf(() => parseConstraint('fast < slow & 1'))).toMatch(/column 13: unexpected character '&' \(use &&\)/);
    expect(errorOf(() => parseConstraint('fast < * 2'))).toMatch(/column 8: expected a value, found '\*'/);
    expect(errorOf(() => parseConstraint('mode == "fast'))).toMatch(/column 9: the string is not closed/);
    expect(errorOf(() => parseConstraint('sqrt(fast) < 3'))).toMatch(/column 1: unknown function 'sqrt' \(functions: abs, floor, ceil, round, min, max\)/);
    expect(errorOf(() => parseConstraint('abs(fast, slow) < 3'))).toMatch(/column 1: abs takes 1 argument, not 2/);
    expect(errorOf(() => parseConstraint('max() < 3'))).toMatch(/column 1: max takes at least 1 argument, not 0/);
  });

  it('refuses unknown names at parse time when the names are given', () => {
    expect(errorOf(() => parseConstraint('fast < slwo', { knownNames: ['fast', 'slow', 'size'] }))).toBe(
      "field '--constraint' value 'fast < slwo': column 8: unknown parameter 'slwo' (parameters: fast, slow, size)",
    );
  });

  it('refuses type mistakes it can see at parse time', () => {
    expect(errorOf(() => parseConstraint('fast - slow'))).toMatch(/column 6: a constraint needs true or false, not a number/);
    expect(errorOf(() => parseConstraint('fast + (slow < 3) > 1'))).toMatch(/column 14: '\+' needs a number, not true or false/);
    expect(errorOf(() => parseConstraint('!fast < slow'))).toMatch(/column 1: '<' needs a number, not true or false/);
    expect(errorOf(() => parseConstraint('fast == "x" && 1'))).toMatch(/column 16: '&&' needs true or false, not a number/);
    expect(errorOf(() => parseConstraint('1 == true'))).toMatch(/column 3: '==' compares a number with true or false/);
  });

  it('refuses a parameter value that does not fit, naming the parameter', () => {
    const c = parseConstraint('mode < 3', { flag: '--constraint' });
    expect(errorOf(() => c.test({ mode: 'fast' }))).toBe(
      "field '--constraint' value 'mode < 3': column 1: parameter 'mode' is \"fast\": '<' needs a number",
    );
    expect(errorOf(() => parseConstraint('trail').test({ trail: 1 }))).toMatch(/parameter 'trail' is 1: a constraint needs true or false/);
    expect(errorOf(() => parseConstraint('fast < slow').test({ fast: 1 }))).toMatch(/column 8: parameter 'slow' has no value/);
  });

  it('refuses == and != between a parameter and a value of another type, naming the parameter, its type and the column', () => {
    expect(errorOf(() => parseConstraint('fast == "a"').test({ fast: 5 }))).toBe(
      "field '--constraint' value 'fast == \"a\"': column 1: parameter 'fast' is 5 (a number): '==' compares it with a string",
    );
    expect(errorOf(() => parseConstraint('fast == true').test({ fast: 5 }))).toMatch(/column 1: parameter 'fast' is 5 \(a number\): '==' compares it with a boolean$/);
    expect(errorOf(() => parseConstraint('3 == label').test({ label: 'a' }))).toMatch(/column 6: parameter 'label' is "a" \(a string\): '==' compares it with a number$/);
    expect(errorOf(() => parseConstraint('fast != "5"').test({ fast: 5 }))).toMatch(/column 1: parameter 'fast' is 5 \(a number\): '!=' compares it with a string$/);
    expect(errorOf(() => parseConstraint('size > 0 && mode == fast').test({ size: 1, mode: 'a', fast: 5 }))).toMatch(
      /column 13: parameter 'mode' is "a" \(a string\) and parameter 'fast' is 5 \(a number\): '==' compares values of one type$/,
    );
    // Values of one type still compare.
    expect(holds('fast != "5"', { fast: '5' })).toBe(false);
    expect(holds('mode == other', { mode: 'a', other: 'a' })).toBe(true);
  });

  it('never reaches JavaScript: names are looked up, not evaluated', () => {
    expect(errorOf(() => parseConstraint('constructor == 1').test({}))).toMatch(/parameter 'constructor' has no value/);
    expect(errorOf(() => parseConstraint('process.exit(1)'))).toMatch(/column 8: unexpected character '\.'/);
    expect(errorOf(() => parseConstraint('toString(fast) < 1'))).toMatch(/column 1: unknown function 'toString'/);
  });
});

// ---------------------------------------------------------------- properties

const NAMES = ['a', 'b', 'c'] as const;
const at = <T extends Expr>(e: T): T => e;

/** Random well-typed expressions: numbers inside, a condition on top. */
function arbitraries(ops: { divide: boolean }) {
  const numOps: BinaryOp[] = ops.divide ? ['+', '-', '*', '/', '%'] : ['+', '-', '*', '%'];
  return fc.letrec<{ num: Expr; bool: Expr }>((tie) => ({
    num: fc.oneof(
      { maxDepth: 4, depthIdentifier: 'expr' },
      fc.integer({ min: 0, max: 20 }).map((value) => at({ kind: 'number', value, col: 0 })),
      fc.constantFrom(...NAMES).map((name) => at({ kind: 'name', name, col: 0 })),
      tie('num').map((arg) => at({ kind: 'unary', op: '-', arg, col: 0 })),
      fc.tuple(fc.constantFrom(...numOps), tie('num'), tie('num')).map(([op, left, right]) => at({ kind: 'binary', op, left, right, col: 0 })),
      fc
        .tuple(fc.constantFrom<FunctionName>('abs', 'floor', 'ceil', 'round', 'min', 'max'), fc.array(tie('num'), { minLength: 1, maxLength: 3 }))
        .map(([fn, args]) => at({ kind: 'call', fn, args: fn === 'min' || fn === 'max' ? args : args.slice(0, 1), col: 0 })),
    ),
    bool: fc.oneof(
      { maxDepth: 4, depthIdentifier: 'expr' },
      fc.tuple(fc.constantFrom<BinaryOp>('<', '<=', '>', '>=', '==', '!='), tie('num'), tie('num')).map(([op, left, right]) => at({ kind: 'binary', op, left, right, col: 0 })),
      fc.tuple(fc.constantFrom<BinaryOp>('&&', '||', '==', '!='), tie('bool'), tie('bool')).map(([op, left, right]) => at({ kind: 'binary', op, left, right, col: 0 })),
      tie('bool').map((arg) => at({ kind: 'unary', op: '!', arg, col: 0 })),
      fc.boolean().map((value) => at({ kind: 'boolean', value, col: 0 })),
    ),
  }));
}

function withoutColumns(e: Expr): unknown {
  switch (e.kind) {
    case 'unary':
      return { kind: e.kind, op: e.op, arg: withoutColumns(e.arg) };
    case 'binary':
      return { kind: e.kind, op: e.op, left: withoutColumns(e.left), right: withoutColumns(e.right) };
    case 'call':
      return { kind: e.kind, fn: e.fn, args: e.args.map(withoutColumns) };
    default: {
      const { col: _col, ...rest } = e;
      return rest;
    }
  }
}

/** JavaScript's precedence (MDN's operator precedence table), kept apart from the parser's table on purpose. */
const JS_PRECEDENCE: Readonly<Record<BinaryOp, number>> = { '||': 3, '&&': 4, '==': 8, '!=': 8, '<': 9, '<=': 9, '>': 9, '>=': 9, '+': 11, '-': 11, '*': 12, '/': 12, '%': 12 };

/** Prints with the fewest parentheses JavaScript needs for this tree. */
function printForJs(e: Expr): string {
  switch (e.kind) {
    case 'number':
    case 'boolean':
      return String(e.value);
    case 'string':
      return JSON.stringify(e.value);
    case 'name':
      return e.name;
    case 'call':
      return `${e.fn}(${e.args.map(printForJs).join(', ')})`;
    case 'unary': {
      const inner = e.arg.kind === 'binary' ? `(${printForJs(e.arg)})` : printForJs(e.arg);
      return `${e.op} ${inner}`;
    }
    case 'binary': {
      const side = (child: Expr, right: boolean): string => {
        const s = printForJs(child);
        if (child.kind !== 'binary') return s;
        const cp = JS_PRECEDENCE[child.op];
        const pp = JS_PRECEDENCE[e.op];
        return cp < pp || (right && cp === pp) ? `(${s})` : s;
      };
      return `${side(e.left, false)} ${e.op} ${side(e.right, true)}`;
    }
  }
}

const params = fc.record({ a: fc.integer({ min: -10, max: 10 }), b: fc.integer({ min: -10, max: 10 }), c: fc.integer({ min: -10, max: 10 }) });

describe('parseConstraint: properties', () => {
  it('printing a random expression and parsing it back gives the same tree (and the words and/or/not the same)', () => {
    fc.assert(
      fc.property(arbitraries({ divide: true }).bool, (ast) => {
        const text = printExpr(ast);
        expect(withoutColumns(parseConstraint(text).ast)).toEqual(withoutColumns(ast));
        const words = text.replaceAll('&&', ' and ').replaceAll('||', ' or ').replace(/!(?!=)/g, ' not ');
        expect(withoutColumns(parseConstraint(words).ast)).toEqual(withoutColumns(ast));
      }),
      { seed: 424242, numRuns: 400 },
    );
  });

  it('evaluates like JavaScript, whose precedence it shares (JavaScript as the oracle, in this test only)', () => {
    const prelude = 'const { abs, floor, ceil, round, min, max } = Math;';
    fc.assert(
      fc.property(arbitraries({ divide: false }).bool, params, (ast, p) => {
        const text = printForJs(ast);
        expect(withoutColumns(parseConstraint(text).ast)).toEqual(withoutColumns(ast));
        // Integers only (no division), so the exact and the float arithmetic agree.
        const js = new Function('a', 'b', 'c', `${prelude} return (${text});`) as (a: number, b: number, c: number) => unknown;
        expect(parseConstraint(text).test(p)).toBe(js(p.a, p.b, p.c));
      }),
      { seed: 1337, numRuns: 400 },
    );
  });

  it('flat strings of operators parse the way JavaScript reads them', () => {
    // No parentheses at all: only precedence and associativity decide.
    const term = fc.oneof(fc.constantFrom(...NAMES), fc.integer({ min: 0, max: 9 }).map(String));
    const flat = fc
      .tuple(term, fc.array(fc.tuple(fc.constantFrom('+', '-', '*', '%'), term), { minLength: 1, maxLength: 5 }), fc.constantFrom('<', '<=', '>', '>=', '==', '!='), term, fc.array(fc.tuple(fc.constantFrom('+', '-', '*'), term), { maxLength: 3 }))
      .map(([t0, rest, cmp, u0, rest2]) => `${t0} ${rest.map(([o, t]) => `${o} ${t}`).join(' ')} ${cmp} ${u0} ${rest2.map(([o, t]) => `${o} ${t}`).join(' ')}`);
    const chained = fc.array(flat, { minLength: 1, maxLength: 4 }).chain((parts) =>
      fc.array(fc.constantFrom('&&', '||'), { minLength: parts.length - 1, maxLength: parts.length - 1 }).map((ops) => parts.map((s, i) => (i === 0 ? s : `${ops[i - 1]} ${s}`)).join(' ')),
    );
    fc.assert(
      fc.property(chained, params, (text, p) => {
        const js = new Function('a', 'b', 'c', `return (${text});`) as (a: number, b: number, c: number) => unknown;
        expect(parseConstraint(text).test(p)).toBe(js(p.a, p.b, p.c));
      }),
      { seed: 99, numRuns: 400 },
    );
  });
});
