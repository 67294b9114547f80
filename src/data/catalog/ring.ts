/**
 * A single-producer, single-consumer queue of column blocks in a
 * SharedArrayBuffer: a worker thread decodes Parquet into free slots while
 * the engine's thread replays filled ones. Each slot holds up to `slotRows`
 * rows of `columns` Float64 columns, column after column.
 *
 * Control words (Int32): PRODUCED and CONSUMED count slots; STATE is
 * running / done / failed; SIGNAL is bumped on every change the consumer may
 * wait for, and the consumer reads it before looking, so no wake-up is lost.
 */
export const PRODUCED = 0;
export const CONSUMED = 1;
export const STATE = 2;
export const SIGNAL = 3;
/** Set by the consumer to stop the producer early (the feed was closed before its end). */
export const CANCEL = 4;
/** KiB of the source read so far, for progress (CSV sources). */
export const BYTES_READ = 5;
export const STATE_RUNNING = 0;
export const STATE_DONE = 1;
export const STATE_FAILED = 2;
const HEADER_INTS = 8;
/** The failure of a ring whose thread ended while the ring was still running. */
export const THREAD_ENDED = 'the reader thread ended before the end of the data';

export interface RingLayout {
  readonly slots: number;
  readonly slotRows: number;
  readonly columns: number;
}

export class ColumnRing {
  readonly control: Int32Array;
  /** Rows filled in each slot. */
  readonly lengths: Int32Array;
  readonly data: Float64Array;

  constructor(
    readonly buffer: SharedArrayBuffer,
    readonly layout: RingLayout,
  ) {
    this.control = new Int32Array(buffer, 0, HEADER_INTS);
    this.lengths = new Int32Array(buffer, HEADER_INTS * 4, layout.slots);
    const dataOffset = Math.ceil(((HEADER_INTS + layout.slots) * 4) / 8) * 8;
    this.data = new Float64Array(buffer, dataOffset, layout.slots * layout.slotRows * layout.columns);
  }

  static allocate(layout: RingLayout): ColumnRing {
    const dataOffset = Math.ceil(((HEADER_INTS + layout.slots) * 4) / 8) * 8;
    return new ColumnRing(new SharedArrayBuffer(dataOffset + layout.slots * layout.slotRows * layout.columns * 8), layout);
  }

  /** The column `k` of slot `slot`. */
  column(slot: number, k: number): Float64Array {
    const { slotRows, columns } = this.layout;
    const at = (slot * columns + k) * slotRows;
    return this.data.subarray(at, at + slotRows);
  }

  signal(): void {
    Atomics.add(this.control, SIGNAL, 1);
    Atomics.notify(this.control, SIGNAL);
  }
}

/** Where a decoder puts rows: columns (time first) of n rows; false once the consumer has gone. */
export interface RowSink {
  write(columns: readonly Float64Array[], n: number): boolean | Promise<boolean>;
}
