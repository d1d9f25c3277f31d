import type { LogSummary } from '../formats/logSummary';
import type { Workspace } from '../workspace/workspaceScan';
import { chainProtocol } from './chainProtocol';
import { readEvalProvenance } from './evalProvenanceFiles';
import type { ChainProtocol } from './protocolReport';

/**
 * The protocol guard for every chain of a scanned workspace: reads what the scan did not (each evaluation's
 * `tic-studio-eval.json`), then checks each chain (chainProtocol.ts). `logs`: whole-log summaries by experiment
 * folder, when the caller has them.
 */
export async function workspaceProtocol(
  workspace: Workspace,
  logs?: ReadonlyMap<string, LogSummary | null>,
): Promise<ChainProtocol[]> {
  const provenance = await readEvalProvenance(workspace.chains);
  return workspace.chains.map((chain) => chainProtocol(chain, workspace, logs, provenance));
}
