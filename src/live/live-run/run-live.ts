import type { Micros } from '../../core/time.js';
import type { Instrument } from '../../model/instrument.js';
import { wallMicros } from '../replay-source.js';
import type { LiveVenue, LiveVenueStart } from '../live-venue.js';
import { archivePreviousSession } from './session-archive.js';
import { runSession, type PaperRunOptions, type PaperRunResult, type SessionVenue } from '../paper/trading-session.js';

export interface LiveRunOptions extends PaperRunOptions {
  /** Where orders go (a ccxt venue, or a test's own); opened by the run, closed at its end. */
  readonly venue: LiveVenue;
  /** The venue's exchange id, for summary.json. */
  readonly venueName: string;
}

/**
 * The venue's start refused to trade (an order at the exchange the run does
 * not know, under `--unknown-orders stop`): the run ended before it began.
 * Not a bug and not a mistake in the command: exit status 1, one line.
 */
export class LiveVenueStopError extends Error {
  override readonly name = 'LiveVenueStopError';
}

/**
 * A live run: runPaper's loop (market source -> LiveDriver -> TradingKernel,
 * outputs as it goes) with a live venue instead of the simulated exchange.
 * The venue opens first (recovery, the account); the kernel starts from its
 * cash and positions, takes the orders still working at the exchange into
 * its order manager (adopted: their reports apply from then on), names new
 * orders with the session's run id, and polls the venue for reports. At the
 * end the venue closes: orders still working stay at the exchange. Outputs
 * of an earlier session in the same folder move to `sessions/<run id>/` first.
 */
export function runLive(o: LiveRunOptions): Promise<PaperRunResult> {
  // A run folder started again (after a crash or a stop): the session before keeps its outputs.
  archivePreviousSession(o.out);
  return runSession(o, liveSessionVenue(o.venue, o.venueName, o.wallNow ?? wallMicros));
}

/** A LiveVenue as the session's venue. */
export function liveSessionVenue(venue: LiveVenue, name: string, wallNow: () => Micros): SessionVenue {
  let start: LiveVenueStart | undefined;
  let adopted = 0;
  return {
    async open(instruments: readonly Instrument[]) {
      const s = (start = await venue.open(instruments));
      return {
        cash: s.cash,
        positions: s.positions,
        runId: s.runId,
        incidents: s.incidents,
        ...(s.stop ? { stop: new LiveVenueStopError(stopMessage(s)) } : {}),
      };
    },
    connect(kernel) {
      kernel.connectVenue(venue);
      const s = start as LiveVenueStart;
      if (!s.stop) {
        const time = wallNow();
        for (const w of s.workingOrders) {
          const order = kernel.adoptOrder(w, time);
          venue.adopt(w.clientOrderId, order.id);
          adopted++;
        }
      }
      return {
        fillModel: 'exchange',
        ambiguousFills: () => 0,
        summary: (k) => ({
          exchange: name,
          run_id: s.runId,
          start: {
            balances: s.balances,
            cash: s.cash,
            positions: s.positions.map((p) => ({ symbol: p.symbol, quantity: p.quantity, average_price: p.averagePrice === p.averagePrice ? p.averagePrice : null })),
            adopted_orders: adopted,
            incidents: s.incidents.length,
          },
          orders_left_working: k.orders.liveCount,
          note: 'orders still working when the run stops stay at the exchange',
        }),
      };
    },
    close: () => venue.close(),
  };
}

/** Why the venue's start refused to trade, naming the order(s) concerned from its incidents. */
function stopMessage(s: LiveVenueStart): string {
  const all = s.incidents.map((i) => i.detail);
  const named = all.filter((d) => /unknown|not the run/i.test(d));
  const why = (named.length > 0 ? named : all).join('; ');
  return (
    `live run stopped before trading: the exchange has an order this run does not know (--unknown-orders stop)${why !== '' ? `: ${why}` : ''}; ` +
    'cancel it at the exchange, or run again with --unknown-orders adopt or cancel'
  );
}
