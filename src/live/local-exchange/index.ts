export { startLocalExchange, type LocalExchange, type LocalExchangeOptions, type LocalExchangeStatus, type LocalExchangeStepOptions } from './server.js';
export { pointCcxtAt, type CcxtUrlTarget } from './ccxt-urls.js';
export { unifiedSymbolOf, type ExchangeDataFile } from './dataset.js';
export { RestRateLimiter, type RateVerdict } from './rate-limit.js';
export { Account, buildAccounts, verifySigned, type AccountSpec, type ApiError } from './accounts.js';
export { OrderMatcher, type ExchangeOrder, type ExchangeTrade } from './matcher.js';
