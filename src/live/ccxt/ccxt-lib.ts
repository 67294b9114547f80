import { createRequire } from 'node:module';
import type ccxtDefault from 'ccxt';

/** The ccxt library (its default export: the exchange classes, `pro`, the error classes). */
export type Ccxt = typeof ccxtDefault;

const requireModule = createRequire(import.meta.url);
let lib: Ccxt | undefined;

/**
 * ccxt, loaded on first use. It takes about half a second to load, and a
 * backtest, an optimizer worker or a strategy importing the package never
 * needs it: only a live feed or venue does. Its CommonJS build is the one
 * loaded, so the loading is synchronous (constructors stay synchronous);
 * code that checks ccxt's error classes must take them from here too, not
 * from `import 'ccxt'` (the ES module build has its own copies).
 */
export function ccxtLib(): Ccxt {
  return (lib ??= requireModule('ccxt') as Ccxt);
}

/** ccxt if something has loaded it already (an error from ccxt implies it has), else undefined. */
export function loadedCcxt(): Ccxt | undefined {
  return lib;
}
