/**
 * Order statistics without sorting everything: after `selectRank(a, k, lo,
 * hi)`, a[k] holds the value a sorted a[lo..hi] would hold there, and every
 * value in a[lo..k-1] is <= a[k] <= every value in a[k+1..hi]. The arrays
 * must hold no NaN. Expected O(n); a range that does not shrink fast enough
 * is sorted instead, so the worst case stays O(n log n).
 */
export function selectRank(a: Float64Array, k: number, lo = 0, hi = a.length - 1): void {
  let rounds = 0;
  while (hi > lo) {
    if (hi - lo < 16 || ++rounds > 48) {
      a.subarray(lo, hi + 1).sort();
      return;
    }
    const pivot = medianOfThree(a[lo] as number, a[(lo + hi) >>> 1] as number, a[hi] as number);
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((a[i] as number) < pivot) i++;
      while ((a[j] as number) > pivot) j--;
      if (i <= j) {
        const x = a[i] as number;
        a[i] = a[j] as number;
        a[j] = x;
        i++;
        j--;
      }
    }
    // a[lo..j] <= pivot, a[i..hi] >= pivot, and anything between equals it.
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

function medianOfThree(x: number, y: number, z: number): number {
  if (x < y) return y < z ? y : x < z ? z : x;
  return x < z ? x : y < z ? z : y;
}

/**
 * Places the values of the given ranks (ascending) where a full ascending
 * sort would put them, and sorts a[0..prefix] completely; the rest of the
 * array is left partitioned. For quantiles and tail means of long series.
 */
export function partialSort(a: Float64Array, prefix: number, ranks: readonly number[]): void {
  const n = a.length;
  if (n === 0) return;
  const p = Math.min(prefix, n - 1);
  selectRank(a, p, 0, n - 1);
  a.subarray(0, p).sort();
  // The last rank placed: a[done+1..] hold exactly the values of the ranks above it.
  let done = p;
  for (const r of ranks) {
    if (r <= done || r >= n) continue;
    if (r === done + 1) {
      // The next rank: the smallest of what is left.
      let m = r;
      for (let i = r + 1; i < n; i++) if ((a[i] as number) < (a[m] as number)) m = i;
      const x = a[r] as number;
      a[r] = a[m] as number;
      a[m] = x;
    } else selectRank(a, r, done + 1, n - 1);
    done = r;
  }
}
