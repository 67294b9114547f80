import { InvariantError } from '../../core/errors.js';
import type { LiveVenueFactory } from '../live-venue.js';

/** The ccxt venue (LiveVenue over a ccxt exchange). */
export const createCcxtVenue: LiveVenueFactory = () => {
  throw new InvariantError('the ccxt live venue is not available in this build');
};
