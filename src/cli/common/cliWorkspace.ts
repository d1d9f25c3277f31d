import { findTicCheckout } from '../../workspace/ticCheckout';
import { scanWorkspace, type Workspace } from '../../workspace/workspaceScan';

/** A workspace with a checkout is scanned as the extension scans it; any other folder as a results tree. */
export async function scanCliWorkspace(dir: string): Promise<Workspace> {
  if ((await findTicCheckout(dir)) !== null) return scanWorkspace(dir);
  return scanWorkspace(dir, { resultDirs: ['.'], evalDirs: ['.'] });
}
