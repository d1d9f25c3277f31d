import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { findTicCheckout } from '../../workspace/ticCheckout';
import { scanWorkspace, type Workspace } from '../../workspace/workspaceScan';
import { UsageError, type CliIo } from './cliIo';

/** A workspace with a checkout is scanned as the extension scans it; any other folder as a results tree. */
export async function scanCliWorkspace(dir: string): Promise<Workspace> {
  if ((await findTicCheckout(dir)) !== null) return scanWorkspace(dir);
  return scanWorkspace(dir, { resultDirs: ['.'], evalDirs: ['.'] });
}

/**
 * The chains of the folder a command was given (`tic-studio results`, `tic-studio protocol`), or the exit status
 * after saying why there are none: not a folder (a usage error), no such folder, no chain found (what was looked
 * at). Files the scan could not read are named on stderr unless the output is JSON (which carries them).
 */
export async function cliChains(
  command: string,
  given: string,
  io: CliIo,
  json: boolean,
): Promise<{ readonly workspace: Workspace } | { readonly exit: number }> {
  const dir = resolve(given);
  try {
    const s = await stat(dir);
    if (!s.isDirectory()) throw new UsageError(`${given} is not a folder.`);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    io.stderr.write(`tic-studio ${command}: ${given}: notFound: no such folder\n`);
    return { exit: 1 };
  }
  const workspace = await scanCliWorkspace(dir);
  // Files that are there but could not be read (a named pipe, a device, too large): named, never waited on.
  if (!json) for (const p of workspace.problems) io.stderr.write(`tic-studio ${command}: ${p.message}\n`);
  if (workspace.chains.length === 0 && workspace.monthlyChains.length === 0) {
    io.stderr.write(noChains(command, workspace));
    return { exit: 1 };
  }
  return { workspace };
}

function noChains(command: string, ws: Workspace): string {
  const lines = [
    `tic-studio ${command}: no chains found in ${ws.root}.`,
    ws.checkout
      ? `  Found the ml-tic-clip checkout at ${ws.checkout.root}; looked for experiment folders there.`
      : '  No ml-tic-clip checkout (datacomp/train.py + datacomp/evaluate.py) there; read it as a results folder.',
    `  Looked, two levels deep, in: ${ws.scanned.join(', ')}`,
    '  for experiment folders (out.log, params.txt, checkpoints/ or info.pkl, contracts §1.5) whose name or',
    '  params.txt says the strategy, filtering, scale and year, and evaluate.py outputs (eval_results.jsonl, §3.3).',
    `  Found ${ws.experiments.length} experiment(s) and ${ws.evalDirs.length} evaluation(s).`,
    ...ws.unchained.map((u) => `  ${u.name}: not in a chain: ${u.reason}`),
  ];
  return `${lines.join('\n')}\n`;
}
