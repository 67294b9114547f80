/** The generated trade sequence of test/helpers/record-process.ts: three trades to a millisecond, the same on every run. */
export const SYNTH_T0 = Date.UTC(2024, 0, 1) * 1000;

/** Event i of the sequence: [time µs, price, size, aggressor]. */
export function synthTrade(i: number): [number, number, number, number] {
  return [SYNTH_T0 + Math.floor(i / 3) * 1000, 100 + (i % 50) * 0.5, 1 + (i % 7), i % 2 === 0 ? 1 : -1];
}
