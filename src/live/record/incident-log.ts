import { appendFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { INCIDENT_COLUMNS, incidentCsvRow } from '../incident-csv.js';
import type { Incident } from '../source.js';

export { INCIDENT_COLUMNS };

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
    appendFileSync(this.path, `${incidentCsvRow(i)}\n`);
    this.count++;
  }

  /** Incidents appended by this log. */
  get appended(): number {
    return this.count;
  }
}
