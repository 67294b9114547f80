/** Recording live market data into the catalog (`quantflow record`, docs/live.md). */
export { CatalogRecorder, type CatalogRecorderOptions, type FlushReport, type RecorderStats } from './catalog-recorder.js';
export { recordMarket, type RecordMarketOptions } from './record-market.js';
export { IncidentLog, INCIDENT_COLUMNS } from './incident-log.js';
