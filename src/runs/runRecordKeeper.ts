import { rm } from 'node:fs/promises';
import { isFinalStatus, isValidRunId, RunRecordError, type RunRecord } from './model/runRecord';
import type { RunRecordStore } from './model/runRecordStore';
import { assertRealRunsFolder } from './model/runsFolder';
import type { RunEvents } from './runEvents';

export interface RunRecordKeeperOptions {
  store: RunRecordStore;
  /** Where every record written here is announced, and final records are handed to the run's waiters. */
  events: RunEvents;
  /** The scheduler's own error for a run it has no record of (SupervisorError `notFound`, SlurmError…). */
  notFound: (id: string) => Error;
  /** Whether a record is this scheduler's to act on (the Slurm one takes only `scheduler: 'slurm'`). Default: all. */
  owns?: (record: RunRecord) => boolean;
  /** Told the id of a run settle() found final, so the scheduler stops watching it. */
  onSettled: (id: string) => void;
}

/**
 * The record plumbing both schedulers share: a record read as "there or not" (a bad file counts as not there), a
 * record required for an action, every write announced through RunEvents, and the end of a run handed to its
 * waiters once. The Supervisor and the SlurmScheduler each keep one over the same `.tic-studio/runs` store.
 */
export class RunRecordKeeper {
  readonly store: RunRecordStore;
  private readonly events: RunEvents;

  constructor(private readonly options: RunRecordKeeperOptions) {
    this.store = options.store;
    this.events = options.events;
  }

  /** The record, or undefined when there is none or its file cannot be used. */
  async read(id: string): Promise<RunRecord | undefined> {
    const result = await this.store.read(id);
    return result instanceof RunRecordError ? undefined : result;
  }

  /** The record, or the scheduler's notFound error when there is none this scheduler owns. */
  async require(id: string): Promise<RunRecord> {
    const record = await this.read(id);
    if (record === undefined || !(this.options.owns?.(record) ?? true)) throw this.options.notFound(id);
    return record;
  }

  /** Writes a new record and announces it. */
  async write(record: RunRecord): Promise<void> {
    await this.store.write(record);
    this.events.emit(record);
  }

  /** The store's serialised read-modify-write, announcing what it wrote. */
  async update(id: string, change: (record: RunRecord) => RunRecord | undefined): Promise<RunRecord | undefined> {
    const changed = await this.store.update(id, change);
    if (changed !== undefined) this.events.emit(changed);
    return changed;
  }

  /** A final record goes to the run's waiters and the scheduler stops watching the run; a live one changes nothing. */
  settle(record: RunRecord): void {
    if (this.events.settle(record)) this.options.onSettled(record.id);
  }
}

/**
 * Removes the record of an ended run and the files kept next to it (its console log, the wrapper's start and exit
 * notes, a Slurm script). The record is read again first, as any record is: only a well-formed record of an ended
 * run is removed (a running one, or a file that is not a record, is left alone and undefined returned), and only
 * from a real runs folder, never through a link a repository planted. Resolves with the removed record.
 */
export async function removeEndedRecord(store: RunRecordStore, id: string): Promise<RunRecord | undefined> {
  if (!isValidRunId(id)) return undefined;
  const record = await store.read(id);
  if (record === undefined || record instanceof RunRecordError || !isFinalStatus(record.status)) return undefined;
  await assertRealRunsFolder(store.dir);
  // The record first: once it is gone the run is gone from every list, whatever happens to the rest.
  await rm(store.recordPath(id), { force: true });
  for (const path of [store.logPath(id), store.startedPath(id), store.exitPath(id), store.scriptPath(id)]) {
    await rm(path, { force: true }).catch(() => undefined);
  }
  return record;
}
