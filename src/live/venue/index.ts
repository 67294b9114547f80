export { CcxtVenue, createCcxtVenue, type CcxtExchange, type CcxtVenueOptions } from './ccxt-venue.js';
export { ccxtOrderArgs, sessionRunId, type CcxtOrderArgs } from './mapping.js';
