import type { SnapshotWire } from '../../src/protocol/dashboardMessages';

/** What to say when there are no chains: the host's notice (why), else what to do next. */
export function emptyText(snapshot: Pick<SnapshotWire, 'notice'>): string {
  return (
    snapshot.notice ??
    'No chains found. Open a folder with an ml-tic-clip checkout and its datacomp/results/ experiments, or start a training run from the Experiments view.'
  );
}
