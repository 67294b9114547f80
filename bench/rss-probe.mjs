// Loaded with `node --import` into a measured process: at exit, writes the
// process's peak resident set size (all threads) to the file in QF_RSS_OUT.
import { writeFileSync } from 'node:fs';

const out = process.env.QF_RSS_OUT;
if (out !== undefined) {
  process.on('exit', () => {
    writeFileSync(out, `${JSON.stringify({ maxRssKiB: process.resourceUsage().maxRSS })}\n`);
  });
}
