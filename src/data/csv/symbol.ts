import { basename, extname } from 'node:path';

/**
 * The instrument a file name names: the stem's '-' or '_' separated segments
 * up to the first that starts with a digit. ORCL-1995-2014.csv -> ORCL,
 * BTC-PERP-2022-01-1m.csv -> BTC-PERP, GBPUSD-2012-m1-bid.csv -> GBPUSD.
 * Falls back to the whole stem when the name starts with a digit.
 */
export function symbolFromFileName(path: string): string {
  const base = basename(path);
  const stem = base.slice(0, base.length - extname(base).length) || base;
  const parts = stem.split(/([-_])/);
  let symbol = '';
  for (let i = 0; i < parts.length; i += 2) {
    const segment = parts[i]!;
    if (/^\d/.test(segment)) break;
    symbol += (i > 0 && symbol !== '' ? parts[i - 1]! : '') + segment;
  }
  return symbol !== '' ? symbol : stem;
}

/** 'bid' or 'ask' when the file name's last segment says so (GBPUSD-2012-m1-bid.csv), else 'trade'. */
export function priceSideFromFileName(path: string): 'bid' | 'ask' | 'trade' {
  const base = basename(path);
  const stem = (base.slice(0, base.length - extname(base).length) || base).toLowerCase();
  const last = stem.split(/[-_.]/).pop();
  return last === 'bid' || last === 'ask' ? last : 'trade';
}
