import { Worker } from 'node:worker_threads';
import { InvariantError } from './errors.js';
import { tsxRegistration } from './module-url.js';

/**
 * Runs one of the package's modules (its URL, from moduleUrl with the path
 * written out, so that the build makes it a file of its own) on a worker
 * thread of its own, given `input` as its workerData, for the one message
 * it posts back before it ends. What it throws rejects the promise (a
 * system error keeps its `code`), as does an end without a message: it
 * never hangs. Shared memory in `input` (SharedArrayBuffers) is shared with
 * the thread, not copied.
 */
export function oneShotThread<T>(moduleUrl: string, input: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerScript(moduleUrl), { eval: true, workerData: input });
    let answered = false;
    let answer: T | undefined;
    worker.once('message', (m: T) => {
      answered = true;
      answer = m;
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (answered) resolve(answer as T);
      else reject(new InvariantError(`the thread of ${moduleUrl} ended (exit code ${code}) without an answer`));
    });
  });
}

/** The worker's script: imports the entry (through tsx when it is a TypeScript source); a failure ends the thread with an error event. */
function workerScript(entry: string): string {
  return `(async () => { ${tsxRegistration(entry.endsWith('.ts'))} await import(${JSON.stringify(entry)}); })();`;
}
