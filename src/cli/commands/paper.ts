import type { Command } from 'commander';
import { runPaper } from '../../live/paper/paper-run.js';
import type { CliIO } from '../io.js';
import { addSessionOptions, inSessionFolder, writeSessionRunJson, rethrowFailure, sessionReport, sessionSetup, withStopSignals, type SessionFlags } from '../session-flags.js';

export function registerPaper(program: Command, io: CliIO, done: (code: number) => void): void {
  const cmd = program
    .command('paper')
    .description('paper trading: a strategy on live market data, orders filled by the simulated venue; outputs written as the run goes');
  addSessionOptions(cmd, 'starting cash (default 100000)', 'runs/paper').action(async (raw: SessionFlags & { data?: string | string[] }) => {
    const setup = await sessionSetup(raw, io, 'runs/paper');
    const { config, symbols, channels, timeframe } = setup;
    const session = { paper: { exchange: setup.flags.exchange, symbols, channels, timeframe } };
    const run = await inSessionFolder(config.out, () =>
      withStopSignals((signal) =>
        runPaper({ ...setup.run, signal, logWith: setup.logWith, onIncident: setup.onIncident, onStart: (instruments) => writeSessionRunJson(config, instruments, session) }),
      ),
    );
    rethrowFailure(run, config.out);
    io.stdout.write(sessionReport(run, config.out));
    done(0);
  });
}
