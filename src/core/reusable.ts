/**
 * Containers for the per-order churn of a run (an order is added, then
 * removed a bar later, tens of thousands of times) that make no garbage in
 * the steady state. Array's `length = 0` gives the storage back (the next
 * push allocates it again), and a Map's delete rehashes its table now and
 * then; these keep their storage.
 */

/**
 * A list filled and emptied over and over (a broker phase's orders, the
 * order events of a step). Slots past `length` hold undefined, so emptying
 * it keeps nothing alive.
 */
export class ReusableList<T> {
  private readonly items: (T | undefined)[] = [];
  length = 0;

  /** Appends; returns the new length (as Array's push). */
  push(item: T): number {
    const n = this.length;
    if (n < this.items.length) this.items[n] = item;
    else this.items.push(item);
    return (this.length = n + 1);
  }

  /** The i-th item, 0 <= i < length. */
  at(i: number): T {
    return this.items[i] as T;
  }

  clear(): void {
    const items = this.items;
    for (let i = 0; i < this.length; i++) items[i] = undefined;
    this.length = 0;
  }

  /** Sorts the items (Array's sort puts the undefined slots after them, without calling `compare`). */
  sort(compare: (a: T, b: T) => number): void {
    (this.items as T[]).sort(compare);
  }

  /** Keeps the items `keep` returns true for, in order. */
  retain(keep: (item: T) => boolean): void {
    const items = this.items;
    let n = 0;
    for (let i = 0; i < this.length; i++) {
      const item = items[i] as T;
      if (keep(item)) items[n++] = item;
    }
    for (let i = n; i < this.length; i++) items[i] = undefined;
    this.length = n;
  }
}

/**
 * Values by id, for ids that count from 1 (order ids): a dense array, so
 * that removing one is a store, not a Map's delete. The array covers a
 * window of ids, from `base` on: once the ids at its front are all removed
 * (orders are added in id order and most end soon after), the window moves
 * past them, so its length follows the values held, not every id ever
 * added. Any other id (not a whole number, before the window, or far beyond
 * the ids seen) goes to a Map.
 */
export class IdTable<T> {
  /** slots[i] holds the value of id base + i. */
  private readonly slots: (T | undefined)[] = [];
  private base = 1;
  /** Slots before this one are all empty (the window may move past them). */
  private first = 0;
  private readonly sparse = new Map<number, T>();
  size = 0;

  /** Slots of the dense array (for tests: it follows the ids held, not the ids seen). */
  get denseLength(): number {
    return this.slots.length;
  }

  get(id: number): T | undefined {
    const i = id - this.base;
    if (i >= 0 && i < this.slots.length) {
      const v = this.slots[i];
      if (v !== undefined || this.sparse.size === 0) return v;
    }
    return this.sparse.size > 0 ? this.sparse.get(id) : undefined;
  }

  set(id: number, value: T): void {
    const slots = this.slots;
    const i = id - this.base;
    if (!(Number.isInteger(id) && i >= 0 && i <= slots.length + DENSE_GAP)) {
      if (!this.sparse.has(id)) this.size++;
      this.sparse.set(id, value);
      return;
    }
    // An id kept in the Map before the array reached it moves to the array.
    if (this.sparse.size > 0 && this.sparse.delete(id)) this.size--;
    while (slots.length <= i) slots.push(undefined);
    if (slots[i] === undefined) this.size++;
    slots[i] = value;
    if (i < this.first) this.first = i;
  }

  /** Removes the id's value; whether it had one. */
  delete(id: number): boolean {
    const slots = this.slots;
    const i = id - this.base;
    if (i >= 0 && i < slots.length && slots[i] !== undefined) {
      slots[i] = undefined;
      this.size--;
      // `first` may be an empty slot already (ids between those set were never set: a table of only some orders), so
      // the test is the slot, not whether this id was the first: otherwise the window would never move past such a gap.
      if (slots[this.first] === undefined) this.advance();
      return true;
    }
    if (this.sparse.size > 0 && this.sparse.delete(id)) {
      this.size--;
      return true;
    }
    return false;
  }

  /** Moves `first` past the empty slots at the front; when they are over half the array, the window moves past them. */
  private advance(): void {
    const slots = this.slots;
    let f = this.first;
    while (f < slots.length && slots[f] === undefined) f++;
    this.first = f;
    if (f < WINDOW_SHIFT || f * 2 < slots.length) return;
    // Copied down in place, then cut: amortized one move per id, and no new array.
    const n = slots.length - f;
    for (let k = 0; k < n; k++) slots[k] = slots[k + f];
    slots.length = n;
    this.base += f;
    this.first = 0;
  }
}

/** Empty slots at the front of IdTable's array before its window moves past them. */
const WINDOW_SHIFT = 64;

/** How far past the ids seen an id may be and still take a slot of IdTable's array (the slots between are allocated). */
const DENSE_GAP = 1024;

/**
 * An IdTable that also iterates its values in the order their ids were
 * added, as a Map does, for ids that are added once each (order ids). Ids of
 * removed values are dropped from the order when they outnumber the rest,
 * but not while an iteration is under way (one may remove values as it
 * goes, as over a Map).
 */
export class OrderedIdTable<T> {
  private readonly table = new IdTable<T>();
  private readonly ids = new ReusableList<number>();
  private iterating = 0;

  get size(): number {
    return this.table.size;
  }

  get(id: number): T | undefined {
    return this.table.get(id);
  }

  /** Adds the value of an id not added before. */
  add(id: number, value: T): void {
    if (this.ids.length > 2 * this.table.size + 32 && this.iterating === 0) {
      const table = this.table;
      this.ids.retain((k) => table.get(k) !== undefined);
    }
    this.table.set(id, value);
    this.ids.push(id);
  }

  delete(id: number): boolean {
    return this.table.delete(id);
  }

  *values(): IterableIterator<T> {
    this.iterating++;
    try {
      for (let i = 0; i < this.ids.length; i++) {
        const v = this.table.get(this.ids.at(i));
        if (v !== undefined) yield v;
      }
    } finally {
      this.iterating--;
    }
  }
}
