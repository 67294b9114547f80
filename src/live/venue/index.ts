export { CcxtVenue, createCcxtVenue, type CcxtExchange, type CcxtVenueOptions, type CcxtVenueRetained } from './ccxt-venue.js';
export { ccxtOrderArgs, sessionRunId, type CcxtOrderArgs } from './mapping.js';
