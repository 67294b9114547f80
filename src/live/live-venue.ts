/**
 * The port between a live run (`quantflow live`) and the exchange it trades
 * on: the kernel's ExecutionClient, plus the start of a session. A session
 * starts by recovering (the run's order journal replayed, the exchange's
 * open orders, balances and recent fills fetched, the two reconciled and the
 * reconciliation's actions carried out) and states the account the run
 * trades from; the kernel starts from that account.
 */
import type { Micros } from '../core/time.js';
import type { ExecutionClient } from '../model/execution.js';
import type { Instrument } from '../model/instrument.js';
import type { Balances, JournalOrderRequest, UnknownOrderPolicy } from './journal/index.js';
import type { Incident } from './source.js';

/** An exchange account's keys. Never printed, logged or written anywhere. */
export interface ApiCredentials {
  readonly apiKey: string;
  readonly secret: string;
  /** Some exchanges want a passphrase too. */
  readonly password?: string | undefined;
}

/** A run's position in one instrument when a session starts. */
export interface LivePosition {
  readonly symbol: string;
  /** Base units, negative short. */
  readonly quantity: number;
  /** Average price of the fills that make up the position (NaN when unknown: held before the run). */
  readonly averagePrice: number;
}

/** An order working at the exchange that the session continues (placed by an earlier session of the run, or adopted). */
export interface LiveWorkingOrder {
  readonly clientOrderId: string;
  readonly venueOrderId: string;
  readonly request: JournalOrderRequest;
  /** Already filled, base units. */
  readonly filledQuantity: number;
}

export interface LiveVenueStart {
  /** The account as the exchange states it after recovery (total = free + in orders), per currency. */
  readonly balances: Balances;
  /** The run's cash: the balance of the instruments' quote currency. */
  readonly cash: number;
  /** One per instrument of the run, in the order given to `open`. */
  readonly positions: readonly LivePosition[];
  readonly workingOrders: readonly LiveWorkingOrder[];
  /** What recovery found and did, one incident each (for incidents.csv and the log). */
  readonly incidents: readonly Incident[];
  /** Prefix of this session's client order ids (`<prefix>-<order id>`), unique among the run's sessions. */
  readonly runId: string;
  /** True when an unknown order stops the run (`unknownOrders: 'stop'`); the run must not trade. */
  readonly stop: boolean;
}

export interface LiveVenue extends ExecutionClient {
  /** Recovers and opens a session for `instruments`; nothing is sent before it resolves. */
  open(instruments: readonly Instrument[]): Promise<LiveVenueStart>;
  /**
   * The kernel took `workingOrders[i]` (by client order id) into its order
   * manager as order `orderId`: the order's reports go there from now on.
   */
  adopt(clientOrderId: string, orderId: number): void;
  /** Stops the report streams and polling and closes the journal. Working orders stay at the exchange. */
  close(): Promise<void>;
}

export interface LiveVenueOptions {
  /** ccxt exchange id (binance). */
  readonly exchange: string;
  /** A local exchange's base URL (`quantflow exchange`); absent: the exchange's own. */
  readonly url?: string | undefined;
  readonly credentials: ApiCredentials;
  /** The run folder: the journal lives there (journal.qfj). */
  readonly runDir: string;
  readonly unknownOrders: UnknownOrderPolicy;
  readonly wallNow: () => Micros;
  readonly onIncident: (incident: Incident) => void;
}

export type LiveVenueFactory = (options: LiveVenueOptions) => LiveVenue;
