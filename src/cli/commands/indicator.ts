import { closeSync, openSync } from 'node:fs';
import { writeAll, writeOutputFile } from '../../core/output-file.js';
import type { Command } from 'commander';
import { InputError, type Issue } from '../../core/errors.js';
import { openCsvFeed, parseCsvFormatOptions } from '../../data/index.js';
import { formatNumber, formatTime } from '../../report/format.js';
import { INDICATOR_LIST, findIndicator, type IndicatorDescriptor } from '../../strategy/indicators/registry.js';
import { collect, parsePairs, refuseSameFile } from '../args.js';
import { addFormatFlags, formatFromFlags, type FormatFlags } from '../format-flags.js';
import type { CliIO } from '../io.js';

interface IndicatorFlags extends FormatFlags {
  data?: string;
  param?: string[];
  out?: string;
  list?: boolean;
  symbol?: string;
}

/** `quantflow indicator NAME --data CSV [--param NAME=VALUE ...] [--out FILE]` and `quantflow indicator --list`. */
export function registerIndicator(program: Command, io: CliIO, done: (code: number) => void): void {
  const cmd = program
    .command('indicator')
    .description('compute a TA-Lib indicator over a CSV of bars and write time plus one column per output (empty during warm-up)')
    .argument('[name]', 'indicator, by its TA-Lib name (SMA, MACD, BBANDS, ...); see --list')
    .option('--data <csv>', 'bars to read (quotes use their mid price, trades their price and size)')
    .option('--param <name=value>', 'indicator parameter by its TA-Lib (Python wrapper) name, e.g. timeperiod=20; repeatable', collect)
    .option('--out <file>', 'CSV file to write (default: standard output)')
    .option('--list', 'list every indicator with its group, inputs, outputs and parameters')
    .option('--symbol <symbol>', 'symbol, when the file name does not give it');
  addFormatFlags(cmd).action((name: string | undefined, flags: IndicatorFlags) => {
    if (flags.list === true) {
      io.stdout.write(listing());
      done(0);
      return;
    }
    if (name === undefined) throw new InputError({ code: 'invalid_option', field: 'NAME', message: 'name an indicator (quantflow indicator --list shows them)' });
    const d = findIndicator(name);
    if (d === undefined) {
      throw new InputError({ code: 'invalid_option', field: 'NAME', value: name, message: 'unknown indicator; quantflow indicator --list shows them all' });
    }
    if (flags.data === undefined) throw new InputError({ code: 'invalid_option', field: '--data', message: 'required: the CSV of bars to read' });
    const params = parseParams(d, flags.param ?? []);
    const ind = d.create(params);
    const format = parseCsvFormatOptions({
      ...formatFromFlags(flags),
      ...(flags.timezone !== undefined ? { timezone: flags.timezone } : {}),
    });
    const data = flags.data;
    if (flags.out !== undefined) refuseSameFile(data, flags.out);
    const feed = openCsvFeed(data, { ...format, ...(flags.symbol !== undefined ? { symbol: flags.symbol } : {}) });
    const nOut = d.outputs.length;
    const empty = ','.repeat(nOut);
    let rows = 0;
    const compute = (write: (text: string) => void): void => {
      write(`time,${d.outputs.join(',')}\n`);
      for (let cols = feed.next(); cols !== null; cols = feed.next()) {
        let text = '';
        for (let i = 0; i < cols.length; i++) {
          const t = cols.time[i] as number;
          if (cols.kind === 'bar') {
            ind.updateBarAt(t, cols.open[i] as number, cols.high[i] as number, cols.low[i] as number, cols.close[i] as number, cols.volume[i] as number);
          } else if (cols.kind === 'trade') {
            const p = cols.price[i] as number;
            ind.updateBarAt(t, p, p, p, p, cols.size[i] as number);
          } else if (cols.kind === 'quote') {
            const m = ((cols.bid[i] as number) + (cols.ask[i] as number)) / 2;
            ind.updateBarAt(t, m, m, m, m, 0);
          } else {
            throw new InputError({ code: 'invalid_option', field: '--data', value: data, message: `an indicator reads bars, quotes or trades, not ${cols.kind} rows` });
          }
          if (!ind.ready) {
            text += formatTime(t) + empty + '\n';
            continue;
          }
          let line = formatTime(t);
          for (let k = 0; k < nOut; k++) line += ',' + formatNumber(k === 0 ? ind.value : ind.output(k));
          text += line + '\n';
        }
        rows += cols.length;
        write(text);
      }
    };
    try {
      if (flags.out === undefined) compute((text) => io.stdout.write(text));
      else {
        writeOutputFile(flags.out, (target) => {
          const fd = openSync(target, 'w');
          try {
            compute((text) => writeAll(fd, text));
          } finally {
            closeSync(fd);
          }
        });
      }
    } finally {
      feed.close();
    }
    if (rows === 0) io.stderr.write(`warning: ${data} has no data rows\n`);
    if (flags.out !== undefined) io.stdout.write(`wrote ${d.name} (${d.outputs.join(', ')}) for ${rows} rows to ${flags.out}\n`);
    done(0);
  });
}

/** `--param` pairs, typed as numbers and checked by the indicator's schema. */
function parseParams(d: IndicatorDescriptor, pairs: readonly string[]): Record<string, number> {
  const raw = parsePairs('--param', pairs, (text) => {
    const v = Number(text);
    return text === '' || !Number.isFinite(v) ? text : v;
  });
  const known = new Set(d.params.map((p) => p.name));
  const issues: Issue[] = [];
  for (const key of Object.keys(raw)) {
    if (!known.has(key)) {
      issues.push({
        code: 'invalid_param',
        field: key,
        message: `${d.name} has no parameter '${key}'; its parameters are ${d.params.length > 0 ? d.params.map((p) => p.name).join(', ') : 'none'}`,
      });
    }
  }
  if (issues.length > 0) throw new InputError(issues);
  const r = d.schema.safeParse(raw);
  if (!r.success) {
    throw new InputError(
      r.error.issues.map((i) => {
        const key = i.path.map(String).join('.');
        return { code: 'invalid_param' as const, field: key, value: String(raw[key]), message: `${d.name}: ${i.message}` };
      }),
    );
  }
  return r.data;
}

function listing(): string {
  const rows = INDICATOR_LIST.map((d) => [
    d.name,
    d.talib ? d.group : `${d.group} (beyond TA-Lib)`,
    d.inputs === 'real' ? 'close' : d.inputs,
    d.outputs.join(','),
    d.params.length === 0 ? '-' : d.params.map((p) => `${p.name}=${p.default}`).join(' '),
  ]);
  const head = ['name', 'group', 'inputs', 'outputs', 'params (defaults)'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (r: string[]): string => r.map((s, i) => (i === r.length - 1 ? s : s.padEnd(w[i] as number))).join('  ') + '\n';
  return line(head) + rows.map(line).join('') + `${rows.length} indicators\n`;
}
