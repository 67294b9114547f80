import { appendFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { csvField, formatTime } from '../../report/format.js';
import type { Incident } from '../source.js';

/** The columns of an incident log, as in a paper run's incidents.csv. */
export const INCIDENT_COLUMNS = 'time,kind,symbol,channel,detail';

/**
 * An incident log a recording appends to (`<catalog>/_incidents.csv` by
 * default): one row per incident, written at once so that a killed recorder
 * loses none; the header is written when the file is new or empty.
 */
export class IncidentLog {
  private count = 0;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    if (!existsSync(path) || statSync(path).size === 0) appendFileSync(path, `${INCIDENT_COLUMNS}\n`);
  }

  append(i: Incident): void {
    appendFileSync(this.path, `${formatTime(i.time)},${i.kind},${csvField(i.symbol)},${csvField(i.channel)},${csvField(i.detail)}\n`);
    this.count++;
  }

  /** Incidents appended by this log. */
  get appended(): number {
    return this.count;
  }
}
