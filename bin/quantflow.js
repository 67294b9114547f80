#!/usr/bin/env node
import { run } from '../dist/cli/main.js';
import { processIO } from '../dist/cli/io.js';

// A reader that goes away (`quantflow ... | head`) ends the command quietly, not with an EPIPE stack.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(process.exitCode ?? 0);
  });
}

process.exitCode = await run(process.argv.slice(2), processIO);
