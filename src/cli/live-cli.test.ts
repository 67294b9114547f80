/**
 * `quantflow live` in process, with a venue of the test's own registered
 * under an exchange id (registerLiveVenue) and replayed market data under
 * the same id (registerMarketSource): flags, exit statuses, outputs, and no
 * credential anywhere.
 */
import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, SAMPLES, tempDir } from '../../test/helpers/cli.js';
import { runCli } from '../../test/helpers/run-cli.js';
import { ScriptedLiveVenue } from '../../test/helpers/scripted-live-venue.js';
import type { LiveVenueOptions, LiveVenueStart } from '../live/live-venue.js';
import { registerLiveVenue } from '../live/live-run/venues.js';
import { FileReplaySource } from '../live/replay-source.js';
import { registerMarketSource } from '../live/sources.js';

const KEY = 'qfKEY-7c1d9e0b2a44f3';
const SECRET = 'qfSECRET-0f9e8d7c6b5a4321';
const EX = 'qf-live-test';

let dir: string;
let bars: string;
let venue: ScriptedLiveVenue;
let given: LiveVenueOptions | undefined;

function start(over: Partial<LiveVenueStart> = {}): LiveVenueStart {
  return {
    balances: { USDT: 5000 },
    cash: 5000,
    positions: [{ symbol: 'BTC-PERP', quantity: 0, averagePrice: NaN }],
    workingOrders: [{ clientOrderId: 'P1-9', venueOrderId: '31', request: { symbol: 'BTC-PERP', side: 'buy', type: 'limit', quantity: 0.01, price: 1000 }, filledQuantity: 0 }],
    incidents: [],
    runId: 'P2',
    stop: false,
    ...over,
  };
}

function useVenue(s: LiveVenueStart): void {
  venue = new ScriptedLiveVenue(s);
  venue.marketPrice = () => 46_000;
  given = undefined;
  registerLiveVenue(EX, (options) => {
    given = options;
    return venue;
  });
}

function credentialsFile(mode: number, text = JSON.stringify({ apiKey: KEY, secret: SECRET })): string {
  const file = join(dir, `keys-${mode.toString(8)}.json`);
  writeFileSync(file, text);
  chmodSync(file, mode);
  return file;
}

const args = (out: string, ...more: string[]): string[] => [
  'live',
  '--strategy', join(ROOT, 'examples/sma-cross.ts'),
  '--exchange', EX,
  '--symbol', 'BTC-PERP',
  '--param', 'fast=3', '--param', 'slow=8', '--param', 'size=0.01',
  '--out', out,
  ...more,
];

function filesUnder(d: string): string[] {
  return readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? filesUnder(join(d, f)) : [join(d, f)]));
}

function expectNoSecrets(texts: readonly string[]): void {
  for (const t of texts) {
    expect(t).not.toContain(KEY);
    expect(t).not.toContain(SECRET);
  }
}

beforeAll(() => {
  dir = tempDir('qf-live-cli-');
  // 600 one-minute bars of the sample, replayed as fast as possible as the exchange's market data.
  bars = join(dir, 'BTC-PERP-2022-01-1m.csv');
  writeFileSync(bars, readFileSync(join(SAMPLES, 'BTC-PERP-2022-01-1m.csv'), 'utf8').split('\n').slice(0, 601).join('\n') + '\n');
  registerMarketSource(EX, () => ({ source: new FileReplaySource({ files: [bars], speed: 0 }), name: EX, timeRate: 0 }));
});

describe('quantflow live', () => {
  it('trades through the venue with the keys of an owner-only file; no key in any output, log or message', async () => {
    useVenue(start());
    venue.fill(1, 0.01, 1000); // the adopted order fills at the exchange (the strategy waits while it works)
    const out = join(dir, 'run-ok');
    const r = await runCli(args(out, '--credentials', credentialsFile(0o600), '--unknown-orders', 'adopt', '--fee-rate', '0.001'));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // The venue got the keys, the policy, the run folder.
    expect(given?.credentials.apiKey).toBe(KEY);
    expect(given?.credentials.secret).toBe(SECRET);
    expect(given).toMatchObject({ exchange: EX, unknownOrders: 'adopt', runDir: out });
    expect(venue.adopted).toEqual([['P1-9', 1]]);
    expect(venue.submitted.length).toBeGreaterThan(2);
    expect(venue.submitted.every((o) => o.clientOrderId.startsWith('P2-'))).toBe(true);
    expect(venue.closed).toBe(1);
    expect(r.stdout).toMatch(/adopted\s+1 orders working at the start/);
    expect(r.stdout).toMatch(/left working\s+\d+ orders \(they stay at the exchange\)/);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { complete: boolean; live: { venue: { start: { adopted_orders: number } } } };
    expect(summary.complete).toBe(true);
    expect(summary.live.venue.start.adopted_orders).toBe(1);
    const runJson = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { live: { credentials: string } };
    expect(runJson.live.credentials).toBe(`file:${join(dir, 'keys-600.json')}`);
    const files = filesUnder(out);
    expect(files.map((f) => f.slice(out.length + 1)).sort()).toEqual(
      expect.arrayContaining(['equity.csv', 'fills.csv', 'incidents.csv', 'market-data/BTC-PERP_bars.csv', 'orders.csv', 'run.json', 'summary.json', 'trades.csv']),
    );
    expectNoSecrets([...files.map((f) => readFileSync(f, 'utf8')), r.stdout, r.stderr]);
  });

  it('reads the keys from env:PREFIX; a missing variable is exit 2 naming it', async () => {
    useVenue(start({ workingOrders: [] }));
    process.env.QF_LIVE_TEST_API_KEY = KEY;
    process.env.QF_LIVE_TEST_SECRET = SECRET;
    try {
      const ok = await runCli(args(join(dir, 'run-env'), '--credentials', 'env:QF_LIVE_TEST', '--duration', '30s'));
      expect(ok.status).toBe(0);
      expect(given?.credentials.secret).toBe(SECRET);
      delete process.env.QF_LIVE_TEST_SECRET;
      const missing = await runCli(args(join(dir, 'run-env2'), '--credentials', 'env:QF_LIVE_TEST'));
      expect(missing.status).toBe(2);
      expect(missing.stderr).toBe("error: field '--credentials' value 'env:QF_LIVE_TEST': environment variable QF_LIVE_TEST_SECRET is not set (or empty)\n");
      expectNoSecrets([missing.stderr, ok.stdout, ok.stderr]);
    } finally {
      delete process.env.QF_LIVE_TEST_API_KEY;
      delete process.env.QF_LIVE_TEST_SECRET;
    }
  });

  it('user mistakes are exit 2 with one line and no stack: a group-readable keys file, --cash, no --credentials, a bad policy, a replay', async () => {
    useVenue(start());
    const out = join(dir, 'run-bad');
    const open = credentialsFile(0o644);
    const cases: [string[], RegExp][] = [
      [args(out, '--credentials', open), new RegExp(`^error: ${open.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: field '--credentials' value 'mode 0644': a credentials file must be readable by its owner only`)],
      [args(out, '--credentials', credentialsFile(0o600), '--cash', '1000'), /^error: field '--cash' value '1000': a live run trades the exchange account's balance/],
      [args(out), /^error: field '--credentials': give the API keys/],
      [args(out, '--credentials', credentialsFile(0o600), '--unknown-orders', 'ignore'), /^error: field '--unknown-orders' value 'ignore': expected adopt, cancel, stop/],
      [args(out, '--credentials', credentialsFile(0o600), '--exchange', `replay:${bars}`), /^error: field '--exchange' value 'replay:.*': a live run trades on an exchange/],
      [args(out, '--credentials', credentialsFile(0o600, JSON.stringify({ apiKey: KEY }))), /^error: .*keys-600\.json: field 'secret': missing/],
    ];
    for (const [argv, message] of cases) {
      const r = await runCli(argv);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expectNoSecrets([r.stderr, r.stdout]);
    }
    expect(venue.opened).toBeUndefined(); // none of them reached the venue
  });

  it("stops at once, exit 1, when the venue's start says stop; the message names the unknown order", async () => {
    const detail = "order 8812 (BTC-PERP sell 2 @ 99000) is not the run's; stopping (--unknown-orders stop)";
    useVenue(start({ stop: true, workingOrders: [], incidents: [{ time: Date.now() * 1000, kind: 'error', symbol: 'BTC-PERP', channel: 'rest', detail }] }));
    const out = join(dir, 'run-stop');
    const r = await runCli(args(out, '--credentials', credentialsFile(0o600)));
    expect(r.status).toBe(1);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('order 8812');
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(venue.submitted).toHaveLength(0);
    expect(venue.closed).toBe(1);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { complete: boolean; live: { stop_reason: string } };
    expect(summary).toMatchObject({ complete: false, live: { stop_reason: 'venue_stop' } });
  });
});
