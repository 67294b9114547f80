import type { Micros } from '../../core/time.js';

/**
 * A piece of account bookkeeping run at the end of every time step, beside
 * the kernel's own valuation: carry accrues before the step is valued;
 * checks that act on the value (a margin call, the kill switch) come after.
 */
export interface AccountModule {
  /** Before the step's valuation: changes to cash (interest, funding, borrow fees). */
  beforeValuation?(time: Micros): void;
  /** After the step's valuation: may act on the equity (close positions, halt trading). */
  afterValuation?(time: Micros, equity: number): void;
}
