import { run } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/io.js';

export interface InProcessRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the command line in this process (`run(argv, io)`), stdout and stderr captured; `tty` says whether stderr is a terminal. */
export async function runCli(argv: readonly string[], options: { tty?: boolean } = {}): Promise<InProcessRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s), isTTY: options.tty === true },
  };
  const status = await run(argv, io);
  return { status, stdout, stderr };
}
