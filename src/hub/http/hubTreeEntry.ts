import { repoFilePathProblem } from '../core/hubRepoId';
import { untrustedText } from '../core/untrustedText';

/** One file of a Hub tree listing, checked: every field is what its name says, so it may build a cache path. */
export interface HubTreeFile {
  path: string;
  /** The git blob sha1 (40 hex; for an LFS file, the pointer's). */
  gitOid: string;
  size: number;
  /** The LFS object: its sha256 (64 hex) and the real size. */
  lfs: { oid: string; size: number } | undefined;
}

export type ParsedTreeEntry =
  { kind: 'file'; file: HubTreeFile } | { kind: 'directory' } | { kind: 'bad'; problem: string };

const gitSha1 = /^[0-9a-f]{40}$/;
const sha256 = /^[0-9a-f]{64}$/;

/**
 * A tree entry as the Hub sent it (`GET /api/models/{repo}/tree/{rev}`), checked like user input: a Hub, a mirror
 * or a proxy on the way can answer anything, and the path and the ids build paths in the cache. A bad entry comes
 * back as a problem that names it (escaped), for the caller to drop and report.
 */
export function parseTreeEntry(raw: unknown): ParsedTreeEntry {
  if (typeof raw !== 'object' || raw === null) return { kind: 'bad', problem: 'an entry that is not an object' };
  const entry = raw as Record<string, unknown>;
  const path = entry.path;
  if (typeof path !== 'string') return { kind: 'bad', problem: 'an entry without a path' };
  const name = `'${untrustedText(path)}'`;
  const pathProblem = repoFilePathProblem(path);
  if (pathProblem) return { kind: 'bad', problem: `${name}: ${pathProblem}` };
  if (entry.type === 'directory') return { kind: 'directory' };
  if (entry.type !== 'file') return { kind: 'bad', problem: `${name}: an entry of unknown type` };
  if (typeof entry.oid !== 'string' || !gitSha1.test(entry.oid))
    return { kind: 'bad', problem: `${name}: its git blob id is not 40 hexadecimal characters` };
  if (!isSize(entry.size)) return { kind: 'bad', problem: `${name}: its size is not a whole number of bytes` };
  let lfs: HubTreeFile['lfs'];
  if (entry.lfs !== undefined && entry.lfs !== null) {
    const l = entry.lfs as Record<string, unknown>;
    if (typeof l !== 'object') return { kind: 'bad', problem: `${name}: its LFS field is not an object` };
    if (typeof l.oid !== 'string' || !sha256.test(l.oid))
      return { kind: 'bad', problem: `${name}: its LFS sha256 is not 64 hexadecimal characters` };
    if (!isSize(l.size)) return { kind: 'bad', problem: `${name}: its LFS size is not a whole number of bytes` };
    lfs = { oid: l.oid, size: l.size };
  }
  return { kind: 'file', file: { path, gitOid: entry.oid, size: entry.size, lfs } };
}

function isSize(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
