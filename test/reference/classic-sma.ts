/**
 * An independent, deliberately plain re-implementation of the two example
 * strategies under docs/bar-execution.md's classic rules, for differential
 * tests: its own CSV reading (split on commas), its own exact SMA (BigInt
 * sums of the decimal text), no engine code. Yahoo daily files only.
 */
import { readFileSync } from 'node:fs';

export interface RefTrade {
  direction: 'long' | 'short';
  quantity: number;
  entryDate: string;
  entryPrice: number;
  exitDate: string;
  exitPrice: number;
  grossPnl: number;
  fees: number;
  netPnl: number;
}

export interface RefResult {
  trades: RefTrade[];
  finalCash: number;
  finalEquity: number;
  fees: number;
  orders: number;
}

interface Row {
  date: string;
  open: number;
  close: number;
  closeText: string;
}

function readYahoo(path: string): Row[] {
  const lines = readFileSync(path, 'utf8').trim().split(/\r?\n/);
  const header = (lines[0] as string).split(',');
  const col = (name: string): number => header.indexOf(name);
  const [d, o, c] = [col('Date'), col('Open'), col('Close')];
  return lines.slice(1).map((l) => {
    const f = l.split(',');
    return { date: f[d] as string, open: Number(f[o]), close: Number(f[c]), closeText: f[c] as string };
  });
}

function exactSma(texts: string[], end: number, n: number): number {
  if (end + 1 < n) return NaN;
  const window = texts.slice(end + 1 - n, end + 1);
  const dec = Math.max(...window.map((t) => (t.split('.')[1] ?? '').length));
  let sum = 0n;
  for (const t of window) {
    const [i, f = ''] = t.split('.');
    sum += BigInt((i as string) + f.padEnd(dec, '0'));
  }
  return Number(sum) / (n * 10 ** dec);
}

export function referenceRun(
  path: string,
  kind: 'cross' | 'reversal',
  p: { fast: number; slow: number; size: number; cash: number; feeRate: number },
): RefResult {
  const rows = readYahoo(path);
  const texts = rows.map((r) => r.closeText);
  let cash = p.cash;
  let pos = 0;
  let fees = 0;
  let orders = 0;
  let pending = 0; // signed quantity of a market order to fill at the next open
  let lastSign = 0;
  let open: { dir: 1 | -1; qty: number; date: string; price: number; fee: number } | undefined;
  const trades: RefTrade[] = [];

  for (let t = 0; t < rows.length; t++) {
    const r = rows[t] as Row;
    if (pending !== 0) {
      const q = pending;
      pending = 0;
      const price = r.open;
      const fee = Math.abs(q) * price * p.feeRate;
      cash -= q * price + fee;
      fees += fee;
      let rest = Math.abs(q);
      if (pos !== 0 && Math.sign(pos) !== Math.sign(q) && open !== undefined) {
        const closing = Math.min(rest, Math.abs(pos));
        const gross = closing * (price - open.price) * open.dir;
        const f = open.fee + (fee * closing) / Math.abs(q);
        trades.push({ direction: open.dir === 1 ? 'long' : 'short', quantity: open.qty, entryDate: open.date, entryPrice: open.price, exitDate: r.date, exitPrice: price, grossPnl: gross, fees: f, netPnl: gross - f });
        open = undefined;
        rest -= closing;
      }
      if (rest > 0) open = { dir: q > 0 ? 1 : -1, qty: rest, date: r.date, price, fee: (fee * rest) / Math.abs(q) };
      pos += q;
    }
    const diff = exactSma(texts, t, p.fast) - exactSma(texts, t, p.slow);
    let cross = 0;
    if (!Number.isNaN(diff) && diff !== 0) {
      const s = diff > 0 ? 1 : -1;
      if (lastSign !== 0 && s !== lastSign) cross = s;
      lastSign = s;
    }
    let want = 0;
    if (kind === 'cross') {
      if (cross === 1 && pos === 0) want = p.size;
      else if (cross === -1 && pos > 0) want = -pos;
    } else if (cross !== 0) {
      want = cross * p.size - pos;
    }
    if (want !== 0) {
      orders++;
      const cost = want * r.close + Math.abs(want) * r.close * p.feeRate;
      if (cost <= 0 || cash - cost >= 0) pending = want;
    }
  }
  const last = rows[rows.length - 1] as Row;
  return { trades, finalCash: cash, finalEquity: cash + pos * last.close, fees, orders };
}
