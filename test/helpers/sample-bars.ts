import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SAMPLES } from './cli.js';

/** A daily bar as written in a Yahoo sample file, read plainly (no engine code). */
export interface RawBar {
  date: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

export function readYahoo(file: string, from = '0000', to = '9999'): RawBar[] {
  const lines = readFileSync(join(SAMPLES, file), 'utf8').trim().split(/\r?\n/);
  const h = (lines[0] as string).split(',');
  const col = (n: string): number => h.indexOf(n);
  return lines
    .slice(1)
    .map((l) => l.split(','))
    .filter((f) => (f[0] as string) >= from && (f[0] as string) <= to)
    .map((f) => ({
      date: f[0] as string,
      open: Number(f[col('Open')]),
      high: Number(f[col('High')]),
      low: Number(f[col('Low')]),
      close: Number(f[col('Close')]),
      volume: Number(f[col('Volume')]),
    }));
}

/** First bar after `after` where a level is reached going down (<=) or up (>=), with the classic price. */
export function firstTouch(bars: readonly RawBar[], after: number, level: number, down: boolean): { index: number; price: number } | undefined {
  for (let j = after + 1; j < bars.length; j++) {
    const b = bars[j] as RawBar;
    if (down ? b.open <= level : b.open >= level) return { index: j, price: b.open };
    if (down ? b.low <= level : b.high >= level) return { index: j, price: level };
  }
  return undefined;
}
