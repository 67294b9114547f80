/**
 * A worker thread's entry: writes returns.csv from the job it is started
 * with (workerData) and posts 'written'. See returns-thread.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { writeReturnsTable } from './returns-csv.js';
import type { ReturnsCsvJob } from './returns-thread.js';

const job = workerData as ReturnsCsvJob;
writeReturnsTable(job.path, job.table);
parentPort?.postMessage('written');
