import { watch as fsWatch, type FSWatcher } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readUntrustedText, UntrustedFileError } from '../../shared/untrustedFile';
import { parseRunRecordText, RunRecordError, type RunRecord } from './runRecord';
import { assertRealRunsFolder, ensureRealRunsFolder } from './runsFolder';
import { writeJsonAtomic } from '../../shared/atomicWrite';

/** A record file that could not be used; listed next to the good ones instead of throwing. */
export interface RunRecordProblem {
  id: string;
  path: string;
  error: RunRecordError;
}

export interface RunRecordListing {
  /** Newest first (createdAt). */
  records: RunRecord[];
  problems: RunRecordProblem[];
}

export interface RunRecordStoreOptions {
  /** How often the folder is also polled (fs.watch misses changes made on another host over NFS). Default 2 s. */
  pollMs?: number;
  /** fs.watch, replaceable so a test can force the polling fallback. */
  watch?: typeof fsWatch;
}

/** `<workspace>/.tic-studio/runs`. */
export function runRecordsDir(workspaceRoot: string): string {
  return join(workspaceRoot, '.tic-studio', 'runs');
}

/** A record is a few KB; anything much larger was not written by TiC Studio and is not read into memory. */
export const maxRunRecordBytes = 1024 * 1024;

const recordFile = /^([A-Za-z0-9][A-Za-z0-9_-]{0,127})\.json$/;

/**
 * The run records of one workspace: one JSON file per run, written atomically (temp file + rename, so a reader
 * never sees half a record), listed with the unreadable ones reported, and watched so that every window sees
 * the runs another window started or finished.
 *
 * Next to `<id>.json` live `<id>.log` (stdout + stderr), and the wrapper's `<id>.started.json` and
 * `<id>.exit.json` (supervisorWrapper.ts); only `<id>.json` names a record.
 */
export class RunRecordStore {
  private readonly pollMs: number;
  private readonly watchFn: typeof fsWatch;
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(
    readonly dir: string,
    options: RunRecordStoreOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 2000;
    this.watchFn = options.watch ?? fsWatch;
  }

  recordPath(id: string): string {
    return join(this.dir, `${id}.json`);
  }

  logPath(id: string): string {
    return join(this.dir, `${id}.log`);
  }

  startedPath(id: string): string {
    return join(this.dir, `${id}.started.json`);
  }

  exitPath(id: string): string {
    return join(this.dir, `${id}.exit.json`);
  }

  /** A Slurm run's batch script, as shown before submission (sbatchScript.ts). */
  scriptPath(id: string): string {
    return join(this.dir, `${id}.sbatch`);
  }

  /**
   * Creates `.tic-studio/runs`; throws RunsFolderError when either folder is a symlink or not a folder (a
   * repository can plant one to make TiC Studio write somewhere else), so no run starts writing there.
   */
  async ensureDir(): Promise<void> {
    await ensureRealRunsFolder(this.dir);
  }

  /**
   * The record, a RunRecordError when the file is bad, or undefined when there is none. The file is the
   * workspace's: a named pipe, a device or a file over maxRunRecordBytes is a bad record, read without waiting.
   */
  async read(id: string): Promise<RunRecord | RunRecordError | undefined> {
    const path = this.recordPath(id);
    let text: string;
    try {
      text = await readUntrustedText(path, maxRunRecordBytes, { what: 'a run record' });
    } catch (e) {
      if (UntrustedFileError.is(e, 'notFound')) return undefined;
      return new RunRecordError('unreadable', `cannot read run record: ${(e as Error).message}`, path);
    }
    const parsed = parseRunRecordText(text, path);
    if (parsed instanceof RunRecordError || parsed.id !== id) return parsed;
    // The record's word for where its console log is proves nothing: a planted record could name any file to be
    // shown, followed or (Slurm notes) appended to. A run's log is always `<id>.log` next to its record.
    return { ...parsed, logPath: this.logPath(id) };
  }

  async list(): Promise<RunRecordListing> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], problems: [] };
      throw e;
    }
    const records: RunRecord[] = [];
    const problems: RunRecordProblem[] = [];
    for (const name of names.sort()) {
      const id = recordFile.exec(name)?.[1];
      if (id === undefined) continue;
      const result = await this.read(id);
      if (result === undefined) continue;
      if (result instanceof RunRecordError) problems.push({ id, path: this.recordPath(id), error: result });
      else if (result.id !== id)
        problems.push({
          id,
          path: this.recordPath(id),
          error: new RunRecordError('invalid', `run record: id ${result.id} in ${name}`),
        });
      else records.push(result);
    }
    records.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
    return { records, problems };
  }

  /** Throws RunsFolderError, writing nothing, when `.tic-studio` or its `runs` folder is a symlink. */
  async write(record: RunRecord): Promise<void> {
    await assertRealRunsFolder(this.dir);
    await writeJsonAtomic(this.recordPath(record.id), record);
  }

  /**
   * Read-modify-write of one record, serialised per id in this process; `change` sees the record as it is on
   * disk now and returns undefined to leave it alone. Resolves with the written record (undefined: nothing written).
   */
  update(id: string, change: (record: RunRecord) => RunRecord | undefined): Promise<RunRecord | undefined> {
    const previous = this.locks.get(id) ?? Promise.resolve();
    const next = previous.then(async () => {
      const current = await this.read(id);
      if (current === undefined || current instanceof RunRecordError) return undefined;
      const changed = change(current);
      if (changed === undefined) return undefined;
      await this.write(changed);
      return changed;
    });
    const settled = next.catch(() => undefined);
    this.locks.set(id, settled);
    void settled.then(() => {
      if (this.locks.get(id) === settled) this.locks.delete(id);
    });
    return next;
  }

  /**
   * Watches the folder and calls `listener` with the ids of records that were written or removed (debounced).
   * fs.watch is fast on a local disk; the poll catches what it misses (NFS, or a platform without it).
   */
  watch(listener: (ids: string[]) => void): { dispose(): void } {
    let disposed = false;
    const pending = new Set<string>();
    let flushTimer: NodeJS.Timeout | undefined;
    const flush = () => {
      flushTimer = undefined;
      if (disposed || pending.size === 0) return;
      const ids = [...pending];
      pending.clear();
      listener(ids);
    };
    const note = (id: string) => {
      pending.add(id);
      flushTimer ??= setTimeout(flush, 30);
    };

    let watcher: FSWatcher | undefined;
    const startWatcher = () => {
      try {
        watcher = this.watchFn(this.dir, { persistent: false }, (_event, filename) => {
          const id = filename === null ? undefined : recordFile.exec(String(filename))?.[1];
          if (id !== undefined) note(id);
        });
        watcher.on('error', () => {
          watcher?.close();
          watcher = undefined;
        });
      } catch {
        watcher = undefined;
      }
    };

    let snapshot: Map<string, string> | undefined;
    let polling = false;
    const poll = async () => {
      if (polling || disposed) return;
      polling = true;
      try {
        const next = await this.snapshot();
        if (snapshot !== undefined) {
          for (const [id, sig] of next) if (snapshot.get(id) !== sig) note(id);
          for (const id of snapshot.keys()) if (!next.has(id)) note(id);
        }
        snapshot = next;
        if (watcher === undefined && !disposed) startWatcher();
      } finally {
        polling = false;
      }
    };
    void this.ensureDir()
      .catch(() => undefined)
      .then(() => {
        if (!disposed) startWatcher();
        return poll();
      });
    const pollTimer = setInterval(() => void poll(), this.pollMs);
    pollTimer.unref();
    return {
      dispose: () => {
        disposed = true;
        clearInterval(pollTimer);
        if (flushTimer) clearTimeout(flushTimer);
        watcher?.close();
      },
    };
  }

  /** id → "mtime:size" of every record file. */
  private async snapshot(): Promise<Map<string, string>> {
    const result = new Map<string, string>();
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return result;
    }
    for (const name of names) {
      const id = recordFile.exec(name)?.[1];
      if (id === undefined) continue;
      try {
        const s = await stat(join(this.dir, name));
        result.set(id, `${s.mtimeMs}:${s.size}`);
      } catch {
        // Removed between readdir and stat: the next poll reports it.
      }
    }
    return result;
  }
}
