export { OrderJournal, readJournal, JOURNAL_FILE, type JournalFs, type OrderJournalOptions, type OpenedJournal } from './order-journal.js';
export { isIntent } from './records.js';
export type { ModifyBy, ReplacementLeg } from './records.js';
export type { JournalRecord, JournalRecordKind, JournalIntent, JournalReport, JournalNote, JournalFill, JournalOrderRequest, Balances } from './records.js';
export {
  replayJournal,
  applyRecord,
  emptyJournalState,
  orderStatus,
  isOrderDone,
  inFlightIntents,
  currenciesOf,
  quoteFeeOf,
  baseFeeOf,
  kernelFeeOf,
  ordersToLookUp,
  type JournalState,
  type JournalOrder,
  type JournalOrderStatus,
  type RecordedFill,
  type InFlightIntent,
} from './replay.js';
export {
  reconcile,
  journalRecordsFor,
  type ExchangeSnapshot,
  type VenueOrder,
  type VenueOrderStatus,
  type VenueFill,
  type UnknownOrderPolicy,
  type ReconcileOptions,
  type ReconcileAction,
  type Reconciliation,
} from './reconcile.js';
