/** Order-book files for the live tests: generated Binance depth files, and the book a file ends with. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Xoshiro128 } from '../../src/core/random.js';
import { openBookFeed } from '../../src/data/index.js';
import { OrderBook } from '../../src/model/order-book.js';

/** The book at the end of a book file, as the backtest's reader and model build it. */
export function fileBook(paths: string[]): OrderBook {
  // the bundled update file starts after a hole in the ids; the local exchange serves it continuous
  const feed = openBookFeed(paths, { onGap: 'warn' });
  const book = new OrderBook();
  for (let chunk = feed.next(); chunk !== null; chunk = feed.next()) book.applyRows(chunk);
  feed.close?.();
  return book;
}

/**
 * A Binance depth snapshot and `events` update events (ids continuous, a few
 * levels each, seeded), in the bundled files' layout.
 */
export function writeDepthFiles(dir: string, events: number, seed: number): string[] {
  const rng = new Xoshiro128(seed);
  const header = 'symbol,timestamp,first_update_id,last_update_id,side,update_type,price,qty,pu';
  const snap = [header];
  for (let i = 0; i < 20; i++) {
    snap.push(`BTCUSDT,1667346579146,1000,1000,b,snap,${(20000 - i * 0.5).toFixed(2)},${(1 + i).toFixed(3)},-1`);
    snap.push(`BTCUSDT,1667346579146,1000,1000,a,snap,${(20001 + i * 0.5).toFixed(2)},${(2 + i).toFixed(3)},-1`);
  }
  const upd = [header];
  let id = 1001;
  for (let e = 0; e < events; e++) {
    const n = 1 + Math.floor(rng.nextFloat() * 4);
    const first = id;
    const last = id + n - 1;
    for (let k = 0; k < n; k++) {
      const bid = rng.nextFloat() < 0.5;
      const step = Math.floor(rng.nextFloat() * 30);
      const price = bid ? 20000 - step * 0.5 : 20001 + step * 0.5;
      const qty = rng.nextFloat() < 0.3 ? 0 : 0.001 * (1 + Math.floor(rng.nextFloat() * 5000));
      upd.push(`BTCUSDT,${1667346580000 + e * 100},${first},${last},${bid ? 'b' : 'a'},set,${price.toFixed(2)},${qty.toFixed(3)},-1`);
    }
    id = last + 1;
  }
  const s = join(dir, `depth-snap-${seed}.csv`);
  const u = join(dir, `depth-update-${seed}.csv`);
  writeFileSync(s, `${snap.join('\n')}\n`);
  writeFileSync(u, `${upd.join('\n')}\n`);
  return [s, u];
}

