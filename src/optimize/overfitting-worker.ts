/**
 * A worker thread's entry: overfittingReport over the input it is started
 * with (workerData), posted back as its one message. See
 * overfitting-thread.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { overfittingReport, type OverfittingInput } from './overfitting.js';

parentPort?.postMessage(overfittingReport(workerData as OverfittingInput));
