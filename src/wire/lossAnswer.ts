import type { HostToDashboard, LossQuery, LossSeriesWire } from '../protocol/dashboardMessages';
import { lossChainInputs, type LossStore } from './lossStore';
import type { Workspace } from '../workspace/workspaceScan';

type LossesMessage = Extract<HostToDashboard, { type: 'losses' }>;

/** A loss answer slower than this goes out chain by chain. */
export const streamLossesAfterMs = 50;

/**
 * Answers the dashboard's loss request: in one `losses` message when it is quick, else chain by chain. Once the
 * answer has taken `afterMs` (logs being parsed: a cold open), each chain goes out as soon as it is ready
 * (`partial: true`, the last message without), so the first chain is drawn without waiting for the others' logs.
 * Chains are read one after another in the order asked (LossStore.stream).
 */
export async function answerLossQuery(
  store: LossStore,
  workspace: Workspace | undefined,
  requestId: number,
  query: LossQuery,
  post: (message: LossesMessage) => void,
  options: { afterMs?: number; now?: () => number } = {},
): Promise<void> {
  const now = options.now ?? Date.now;
  const afterMs = options.afterMs ?? streamLossesAfterMs;
  const chains = lossChainInputs(workspace, query.chains);
  const started = now();
  const head = { type: 'losses', requestId, field: query.field, axis: query.axis } as const;
  let ready: LossSeriesWire[] = [];
  let sent = 0;
  for await (const series of store.stream(chains, query)) {
    ready.push(series);
    sent++;
    if (sent < chains.length && now() - started >= afterMs) {
      post({ ...head, series: ready, partial: true });
      ready = [];
    }
  }
  post({ ...head, series: ready });
}
