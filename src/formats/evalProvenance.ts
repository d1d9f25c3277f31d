import { lstat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * `tic-studio-eval.json`: what TiC Studio writes next to an evaluation it launches (in evaluate.py's output folder),
 * because evaluate.py records neither the code that scored a checkpoint nor the task list it used (contracts §3.2),
 * and eval numbers move between eval-code versions (contracts §9):
 *
 *     {"version": 1, "checkoutCommit": "<40 hex>" | null, "dirty": true | false | null, "tasks": ["tic/…", …] | null}
 *
 * `checkoutCommit` is the ml-tic-clip checkout's `HEAD`, `dirty` whether it had uncommitted changes, both null when
 * git could not say; `tasks` the tasks asked for (the task groups given to `generate_tasklist.py --eval-tasks`, such
 * as `retrieval/yearly`, or task keys), compared as a set. The folder is the workspace's, so the file is untrusted input:
 * every field is checked, and a file that does not fit is `null` with a reason, never an exception. Keys this
 * version does not know are ignored, so a later TiC Studio can add some without older ones dropping the file.
 */
export interface EvalProvenance {
  readonly version: 1;
  readonly checkoutCommit: string | null;
  readonly dirty: boolean | null;
  readonly tasks: readonly string[] | null;
}

export const evalProvenanceFileName = 'tic-studio-eval.json';

/** A real one is under 20 KB (the full TiC task list has 222 keys, contracts §3.4). */
export const evalProvenanceMaxBytes = 256 * 1024;

const maxTasks = 4096;
const maxTaskLength = 256;

export type EvalProvenanceParse =
  | { readonly provenance: EvalProvenance; readonly reason: null }
  | { readonly provenance: null; readonly reason: string };

export function parseEvalProvenance(text: string): EvalProvenanceParse {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return bad('is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad('is not a JSON object');
  const record = value as Record<string, unknown>;
  if (!Object.hasOwn(record, 'version')) return bad('has no version');
  if (record.version !== 1) return bad(`has version ${short(record.version)}, this TiC Studio reads version 1`);

  const commit = Object.hasOwn(record, 'checkoutCommit') ? record.checkoutCommit : null;
  if (commit !== null && (typeof commit !== 'string' || !/^[0-9a-f]{40}$/.test(commit))) {
    return bad('has a checkoutCommit that is not 40 lower-case hex digits');
  }
  const dirty = Object.hasOwn(record, 'dirty') ? record.dirty : null;
  if (dirty !== null && typeof dirty !== 'boolean') return bad('has a dirty that is not true, false or null');

  const tasks = Object.hasOwn(record, 'tasks') ? record.tasks : null;
  let taskList: string[] | null = null;
  if (tasks !== null) {
    if (!Array.isArray(tasks)) return bad('has tasks that are not a list');
    if (tasks.length > maxTasks) return bad(`lists more than ${maxTasks} tasks`);
    const seen = new Set<string>();
    for (const task of tasks as unknown[]) {
      if (typeof task !== 'string' || task === '' || task.length > maxTaskLength || !/^[\x21-\x7e]+$/.test(task)) {
        return bad(`has a task that is not a task key (printable, no spaces, at most ${maxTaskLength} characters)`);
      }
      if (seen.has(task)) return bad(`lists the task ${task} twice`);
      seen.add(task);
    }
    taskList = [...seen];
  }
  return { provenance: { version: 1, checkoutCommit: commit, dirty, tasks: taskList }, reason: null };
}

/** The file's text: pretty-printed JSON with a final newline. */
export function serializeEvalProvenance(provenance: EvalProvenance): string {
  const value = {
    version: 1,
    checkoutCommit: provenance.checkoutCommit,
    dirty: provenance.dirty,
    tasks: provenance.tasks === null ? null : [...provenance.tasks],
  };
  return `${JSON.stringify(value, null, 2)}\n`;
}

function bad(why: string): EvalProvenanceParse {
  return { provenance: null, reason: `${evalProvenanceFileName} ${why}` };
}

function short(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/**
 * `tic-studio-simulated.json`: what the demo's stand-ins (`demo/simulator/standInTrain.mjs`, `standInEvaluate.mjs`)
 * leave in an experiment folder or evaluation output folder they write into, so that made-up numbers are known as
 * such wherever the folder goes (a copied results folder, the CLI, a run record removed since). Written by the
 * program that made the numbers, not by the launch: a stand-in run by hand or by a test marks its output too.
 *
 * Its presence is the whole fact: the scan only `lstat`s the name (never opens it, so a named pipe or a link to a
 * device cannot hold the scan), and anything there under that name counts. The contents are for people
 * (`{"version": 1, "writer": "standInEvaluate.mjs", "note": "…"}`) and are never read. A marker can only make results
 * look less trustworthy ("simulated"), never better, so a planted one costs its planter nothing worth having.
 */
export const simulatedMarkerFileName = 'tic-studio-simulated.json';

/** Whether `dir` holds a `tic-studio-simulated.json` (of any kind: a file, a link, a pipe); false when unreadable. */
export async function hasSimulatedMarker(dir: string): Promise<boolean> {
  try {
    await lstat(join(dir, simulatedMarkerFileName));
    return true;
  } catch {
    return false;
  }
}
