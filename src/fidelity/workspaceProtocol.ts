import type { LogSummary } from '../formats/logSummary';
import type { Workspace } from '../workspace/workspaceScan';
import { readChainLogs } from './chainLogs';
import { chainProtocol } from './chainProtocol';
import { readCheckpointModels, type CheckpointModelCache } from './checkpointModels';
import { readEvalProvenance } from './evalProvenanceFiles';
import type { ChainProtocol } from './protocolReport';

/**
 * The protocol guard for every chain of a scanned workspace: reads what the scan did not (each step's whole out.log,
 * once for the chains that share it, unless `logs` gives them; each evaluation's `tic-studio-eval.json`; each final
 * checkpoint's model from its shapes), then checks
 * each chain (chainProtocol.ts).
 */
export async function workspaceProtocol(
  workspace: Workspace,
  logs?: ReadonlyMap<string, LogSummary | null>,
  checkpointCache?: CheckpointModelCache,
): Promise<ChainProtocol[]> {
  const [provenance, models] = await Promise.all([
    readEvalProvenance(workspace.chains),
    readCheckpointModels(workspace, checkpointCache),
  ]);
  let whole = logs;
  if (whole === undefined) {
    const cache = new Map<string, Promise<LogSummary | null>>();
    const read = new Map<string, LogSummary | null>();
    for (const chain of workspace.chains) {
      for (const [dir, log] of await readChainLogs(chain, workspace, { cache })) read.set(dir, log);
    }
    whole = read;
  }
  return workspace.chains.map((chain) => chainProtocol(chain, workspace, whole, provenance, models));
}
