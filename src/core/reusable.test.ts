import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdTable, OrderedIdTable, ReusableList } from './reusable.js';

describe('ReusableList', () => {
  it('behaves as an array through pushes, clears, retains and sorts', () => {
    const op = fc.oneof(
      fc.integer({ min: -50, max: 50 }).map((x) => ({ kind: 'push' as const, x })),
      fc.constant({ kind: 'clear' as const }),
      fc.integer({ min: -50, max: 50 }).map((x) => ({ kind: 'retain' as const, x })),
      fc.constant({ kind: 'sort' as const }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const list = new ReusableList<{ v: number }>();
        let model: { v: number }[] = [];
        for (const o of ops) {
          if (o.kind === 'push') expect(list.push({ v: o.x })).toBe(model.push({ v: o.x }));
          else if (o.kind === 'clear') {
            list.clear();
            model = [];
          } else if (o.kind === 'retain') {
            list.retain((e) => e.v > o.x);
            model = model.filter((e) => e.v > o.x);
          } else {
            list.sort((a, b) => a.v - b.v);
            model.sort((a, b) => a.v - b.v);
          }
          expect(list.length).toBe(model.length);
          expect(Array.from({ length: list.length }, (_, i) => list.at(i).v)).toEqual(model.map((e) => e.v));
        }
      }),
    );
  });
});

describe('IdTable', () => {
  it('behaves as a Map for any ids: dense, far apart, fractional, negative', () => {
    const id = fc.oneof(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 5000 }), fc.constantFrom(0, -3, 1.5, 1e9));
    const op = fc.oneof(
      fc.tuple(fc.constant('set' as const), id, fc.integer()),
      fc.tuple(fc.constant('delete' as const), id, fc.constant(0)),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), fc.array(id, { maxLength: 20 }), (ops, probes) => {
        const table = new IdTable<number>();
        const model = new Map<number, number>();
        for (const [kind, k, v] of ops) {
          if (kind === 'set') {
            table.set(k, v);
            model.set(k, v);
          } else expect(table.delete(k)).toBe(model.delete(k));
          expect(table.size).toBe(model.size);
        }
        for (const k of [...probes, ...model.keys()]) expect(table.get(k)).toBe(model.get(k));
      }),
    );
  });
});

describe('IdTable window', () => {
  it('behaves as a Map when ids come in order and end a little later, old ids set again included', () => {
    // Orders: ids added in order, mostly removed oldest first (the window moves), some recent ones removed early, now and then an id from long ago set again.
    const op = fc.oneof(
      { weight: 6, arbitrary: fc.constant({ kind: 'add' as const, back: 0 }) },
      { weight: 5, arbitrary: fc.record({ kind: fc.constant('oldest' as const), back: fc.integer({ min: 0, max: 3 }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('recent' as const), back: fc.integer({ min: 0, max: 8 }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('set' as const), back: fc.integer({ min: 0, max: 3000 }) }) },
      // An id never set (a table of only some orders): gaps, also while the table is empty.
      { weight: 2, arbitrary: fc.constant({ kind: 'skip' as const, back: 0 }) },
    );
    fc.assert(
      fc.property(fc.array(op, { minLength: 200, maxLength: 3000 }), (ops) => {
        const table = new IdTable<number>();
        const model = new Map<number, number>();
        let next = 1;
        for (const o of ops) {
          if (o.kind === 'add') {
            table.set(next, next);
            model.set(next, next);
            next++;
          } else if (o.kind === 'skip') {
            next++;
          } else if (o.kind === 'set') {
            const k = Math.max(1, next - 1 - o.back);
            table.set(k, -k);
            model.set(k, -k);
          } else {
            const live = [...model.keys()].sort((a, b) => a - b);
            const k = o.kind === 'oldest' ? (live[Math.min(o.back, live.length - 1)] ?? 1) : Math.max(1, next - 1 - o.back);
            expect(table.delete(k)).toBe(model.delete(k));
          }
          expect(table.size).toBe(model.size);
        }
        for (let k = 0; k <= next; k++) expect(table.get(k)).toBe(model.get(k));
      }),
      { numRuns: 200 },
    );
  });

  it('holds a window from the oldest id it holds, with ids never set among them and the table empty now and then', () => {
    // Orders in id order, only some of them held (ids skipped), each removed oldest first.
    const op = fc.oneof(fc.constant('add' as const), fc.constant('skip' as const), fc.constant('skip' as const), fc.constant('oldest' as const), fc.constant('oldest' as const));
    fc.assert(
      fc.property(fc.array(op, { minLength: 500, maxLength: 4000 }), (ops) => {
        const table = new IdTable<number>();
        const held: number[] = [];
        let next = 1;
        let widest = 0;
        for (const o of ops) {
          if (o === 'add') {
            table.set(next, next);
            held.push(next);
          }
          if (o !== 'oldest') next++;
          else if (held.length > 0) expect(table.delete(held.shift() as number)).toBe(true);
          expect(table.size).toBe(held.length);
          // What the window may span: the ids from the oldest held to the last one seen.
          widest = Math.max(widest, next - (held[0] ?? next));
          expect(table.denseLength).toBeLessThanOrEqual(2 * widest + 2 * 64);
        }
        for (const id of held) expect(table.get(id)).toBe(id);
      }),
      { numRuns: 100 },
    );
  });

  it('holds a window of the ids, not every id it has seen', () => {
    const table = new IdTable<string>();
    // 100,000 orders, at most three live at a time (each ends two orders after it began).
    for (let id = 1; id <= 100_000; id++) {
      table.set(id, `order ${id}`);
      if (id > 2) expect(table.delete(id - 2)).toBe(true);
    }
    expect(table.size).toBe(2);
    expect(table.get(99_999)).toBe('order 99999');
    expect(table.get(100_000)).toBe('order 100000');
    expect(table.get(5)).toBeUndefined();
    expect(table.denseLength).toBeLessThan(200);
  });

  it('moves past ids it never held, also when it was empty in between (the cash committed by buy orders only)', () => {
    const table = new IdTable<number>();
    // Every other id (a buy), removed before the next is set (filled before the sell after it): the table empties
    // each time, and the ids between are never set.
    for (let id = 1; id <= 100_001; id += 2) {
      expect(table.get(id - 2)).toBe(id > 1 ? (id - 2) * 1.5 : undefined);
      if (id > 1) expect(table.delete(id - 2)).toBe(true);
      expect(table.size).toBe(0);
      table.set(id, id * 1.5);
    }
    expect(table.size).toBe(1);
    expect(table.get(100_001)).toBe(150_001.5);
    expect(table.get(99_999)).toBeUndefined();
    expect(table.denseLength).toBeLessThan(200);
  });
});

describe('OrderedIdTable', () => {
  it('iterates as a Map in insertion order, with removals during an iteration', () => {
    const op = fc.oneof(
      fc.constant({ kind: 'add' as const, k: 0 }),
      fc.nat({ max: 400 }).map((k) => ({ kind: 'delete' as const, k })),
      fc.nat({ max: 400 }).map((k) => ({ kind: 'iterate' as const, k })),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        const table = new OrderedIdTable<string>();
        const model = new Map<number, string>();
        let next = 1;
        for (const o of ops) {
          if (o.kind === 'add') {
            table.add(next, `v${next}`);
            model.set(next, `v${next}`);
            next++;
          } else if (o.kind === 'delete') expect(table.delete(o.k)).toBe(model.delete(o.k));
          else {
            // Iterate both, removing every value whose id is a multiple of k along the way, and add one in the middle.
            const seen: string[] = [];
            const want: string[] = [];
            let added = false;
            for (const v of table.values()) {
              seen.push(v);
              const id = Number(v.slice(1));
              if (o.k > 0 && id % o.k === 0) table.delete(id);
              if (!added) {
                table.add(next, `v${next}`);
                added = true;
              }
            }
            added = false;
            for (const v of model.values()) {
              want.push(v);
              const id = Number(v.slice(1));
              if (o.k > 0 && id % o.k === 0) model.delete(id);
              if (!added) {
                model.set(next, `v${next}`);
                added = true;
              }
            }
            if (added) next++;
            expect(seen).toEqual(want);
          }
          expect(table.size).toBe(model.size);
        }
        expect([...table.values()]).toEqual([...model.values()]);
      }),
    );
  });
});
