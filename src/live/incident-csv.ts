import { csvField, formatTime } from '../report/format.js';
import type { Incident } from './source.js';

/** The columns of an incident log: a paper run's incidents.csv, a recording's incident log. */
export const INCIDENT_COLUMNS = 'time,kind,symbol,channel,detail';

/** One incident as a row of INCIDENT_COLUMNS (no line end). */
export function incidentCsvRow(i: Incident): string {
  return `${formatTime(i.time)},${i.kind},${csvField(i.symbol)},${csvField(i.channel)},${csvField(i.detail)}`;
}
