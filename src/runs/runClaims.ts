import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { isValidRunId } from './model/runRecord';
import { ensureUserStateDir } from '../shared/userStateDir';
import { writeTextAtomic } from '../shared/atomicWrite';

/**
 * The name of the variable every process of a local run carries: `TIC_STUDIO_RUN=<run id>:<128-bit secret>`.
 * Workers inherit it, so it also marks the processes a run started that left its process group.
 */
export const runSecretVariable = 'TIC_STUDIO_RUN';

/**
 * What TiC Studio itself knows about a run it started, kept in the per-user state folder (userStateDir.ts), never
 * in the workspace: the record in `.tic-studio/runs/` is what anyone with write access to the workspace (a cloned
 * repository, a shared project folder) can claim; this file, in a folder only the user can write, is the proof.
 */
export interface RunClaim {
  version: 1;
  id: string;
  /** realpath of the workspace folder the run belongs to: a record copied into another workspace proves nothing. */
  workspace: string;
  /** The host that started (local) or submitted (Slurm) the run. */
  host: string;
  /** 32 hex digits; the run's processes carry `<id>:<secret>` in their environment. */
  secret: string;
  createdAt: string;
  /** Slurm runs: every job id this user submitted for the run, and the sha256 of the script as written. */
  slurm?: { jobIds: string[]; scriptSha256?: string };
}

export interface RunClaimsOptions {
  /** The per-user state folder (userStateDir()). */
  stateDir: string;
  workspaceRoot: string;
  host: string;
  now?: () => Date;
}

const maxClaimBytes = 64 * 1024;

/**
 * The claims of one workspace's runs on this host, one `<stateDir>/runs/<id>.json` each (mode 0600, written
 * atomically in the 0700 folder). read() returns a claim only when it belongs to this workspace and host.
 */
export class RunClaims {
  private readonly now: () => Date;
  private workspace: Promise<string> | undefined;
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(private readonly options: RunClaimsOptions) {
    this.now = options.now ?? (() => new Date());
  }

  get dir(): string {
    return join(this.options.stateDir, 'runs');
  }

  /** `<id>:<secret>`, the value of TIC_STUDIO_RUN for the run's processes. */
  static envValue(claim: RunClaim): string {
    return `${claim.id}:${claim.secret}`;
  }

  /** A new claim with a fresh secret for a run about to start; refuses an id that already has one. */
  async create(id: string): Promise<RunClaim> {
    if (!isValidRunId(id)) throw new Error(`not a run id: ${id}`);
    await this.ensureDir();
    const claim: RunClaim = {
      version: 1,
      id,
      workspace: await this.workspaceKey(),
      host: this.options.host,
      secret: randomBytes(16).toString('hex'),
      createdAt: this.now().toISOString(),
    };
    // O_EXCL: a claim is made once, by the window that starts the run.
    const handle = await open(this.path(id), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(claim, null, 2)}\n`, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    return claim;
  }

  /** This workspace's claim on run `id` from this host, or undefined (none, another workspace's, unreadable). */
  async read(id: string): Promise<RunClaim | undefined> {
    if (!isValidRunId(id)) return undefined;
    const claim = await readClaimFile(this.path(id));
    if (claim === undefined || claim.id !== id || claim.host !== this.options.host) return undefined;
    return claim.workspace === (await this.workspaceKey()) ? claim : undefined;
  }

  /** Read-modify-write of a claim, serialised per id in this process; undefined when there is no claim. */
  async update(id: string, change: (claim: RunClaim) => RunClaim): Promise<RunClaim | undefined> {
    const previous = this.locks.get(id) ?? Promise.resolve();
    const next = previous.then(async () => {
      const current = await this.read(id);
      if (current === undefined) return undefined;
      const changed = change(current);
      await this.writeAtomic(id, changed);
      return changed;
    });
    const settled = next.catch(() => undefined);
    this.locks.set(id, settled);
    void settled.then(() => {
      if (this.locks.get(id) === settled) this.locks.delete(id);
    });
    return next;
  }

  private path(id: string): string {
    return join(this.dir, `${id}.json`);
  }

  private async ensureDir(): Promise<void> {
    await ensureUserStateDir(this.options.stateDir);
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await ensureUserStateDir(this.dir);
  }

  private async writeAtomic(id: string, claim: RunClaim): Promise<void> {
    await this.ensureDir();
    await writeTextAtomic(this.path(id), `${JSON.stringify(claim, null, 2)}\n`);
  }

  private workspaceKey(): Promise<string> {
    this.workspace ??= realpath(this.options.workspaceRoot).catch(() => this.options.workspaceRoot);
    return this.workspace;
  }
}

/** Reads a claim file: a regular file of this user, not a link, at most 64 KB, in the expected shape. */
async function readClaimFile(path: string): Promise<RunClaim | undefined> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const info = await handle.stat();
    const uid = process.getuid?.();
    if (!info.isFile() || info.size > maxClaimBytes || (uid !== undefined && info.uid !== uid)) return undefined;
    return parseRunClaim(JSON.parse(await handle.readFile('utf8')));
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}

export function parseRunClaim(raw: unknown): RunClaim | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const r = raw as Record<string, unknown>;
  if (
    r.version !== 1 ||
    typeof r.id !== 'string' ||
    !isValidRunId(r.id) ||
    typeof r.workspace !== 'string' ||
    typeof r.host !== 'string' ||
    typeof r.secret !== 'string' ||
    !/^[0-9a-f]{32}$/.test(r.secret) ||
    typeof r.createdAt !== 'string'
  )
    return undefined;
  const claim: RunClaim = {
    version: 1,
    id: r.id,
    workspace: r.workspace,
    host: r.host,
    secret: r.secret,
    createdAt: r.createdAt,
  };
  if (r.slurm !== undefined) {
    const s = r.slurm as Record<string, unknown> | null;
    if (typeof s !== 'object' || s === null || !Array.isArray(s.jobIds)) return undefined;
    if (!s.jobIds.every((j) => typeof j === 'string' && /^\d+(_\d+)?$/.test(j))) return undefined;
    if (s.scriptSha256 !== undefined && (typeof s.scriptSha256 !== 'string' || !/^[0-9a-f]{64}$/.test(s.scriptSha256)))
      return undefined;
    claim.slurm = {
      jobIds: [...(s.jobIds as string[])],
      ...(s.scriptSha256 !== undefined ? { scriptSha256: s.scriptSha256 as string } : {}),
    };
  }
  return claim;
}
