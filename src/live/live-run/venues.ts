import type { LiveVenueFactory } from '../live-venue.js';
import { createCcxtVenue } from '../venue/index.js';

const factories = new Map<string, LiveVenueFactory>();

/**
 * Makes exchange id `id` trade through `factory` in `quantflow live
 * --exchange id` (tests register venues of their own). The latest
 * registration of an id wins; any other id trades through the ccxt venue.
 */
export function registerLiveVenue(id: string, factory: LiveVenueFactory): void {
  factories.set(id.toLowerCase(), factory);
}

/** The venue factory for exchange id `id`: a registered one, else createCcxtVenue. */
export function liveVenueFactory(id: string): LiveVenueFactory {
  return factories.get(id.toLowerCase()) ?? createCcxtVenue;
}
