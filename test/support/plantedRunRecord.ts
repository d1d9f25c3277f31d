import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { ProcessIdentity } from '../../src/runs/model/processIdentity';
import { runRecordVersion, type RunRecord } from '../../src/runs/model/runRecord';
import { runRecordsDir } from '../../src/runs/model/runRecordStore';

/**
 * Writes `<root>/.tic-studio/runs/<id>.json` as an attacker (or a repository) could: a well-formed, running local
 * record of this host naming `identity` as the run's process and `pgid` as its group (default: the process's own
 * pid, as for a run TiC Studio started). No claim exists for it in the state folder. Returns the record.
 */
export function plantRunRecord(
  root: string,
  id: string,
  identity: ProcessIdentity,
  over: { pgid?: number; label?: string } = {},
): RunRecord {
  const dir = runRecordsDir(root);
  const record: RunRecord = {
    version: runRecordVersion,
    id,
    kind: 'train',
    label: over.label ?? 'planted run',
    argv: ['python', 'train.py'],
    cwd: root,
    env: {},
    host: hostname(),
    simulated: false,
    status: 'running',
    createdAt: new Date().toISOString(),
    startedAt: new Date().toISOString(),
    logPath: join(dir, `${id}.log`),
    pid: identity.pid,
    pgid: over.pgid ?? identity.pid,
    process: identity,
  };
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${id}.json`), JSON.stringify(record));
  return record;
}
