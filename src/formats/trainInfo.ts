import { readUntrustedFile } from '../shared/untrustedFile';
import { CheckpointError } from '../checkpoint/base/checkpointError';
import { resolveLimits } from '../checkpoint/base/limits';
import { unpickle } from '../checkpoint/pickle/pickleMachine';
import { dictGet, isDict, isPickleObject, type PickleValue } from '../checkpoint/base/pickleValues';
import { createTorchHooks } from '../checkpoint/pickle/torchGlobals';

/**
 * datacomp's `info.pkl` (contracts §1.5): written by train.py next to `checkpoints/` after training, and by
 * evaluate.py into its output dir (§3.2: with `--use_model` a bare `{"scale_config": {"model": arch},
 * "checkpoint": path}`). Paths are pathlib (or cloudpathlib) objects; the safe pickle machine reads them without
 * running anything.
 */
export interface TrainInfo {
  readonly scale: string | null;
  /** The checkpoint it describes (`…/checkpoints/epoch_latest.pt`), as written on the training machine. */
  readonly checkpoint: string | null;
  readonly model: string | null;
  /** `--data_dir` as given: parts joined with `::`. */
  readonly dataDir: string | null;
  readonly scaleConfig: Readonly<Record<string, string | number | boolean | null>>;
}

const maxInfoBytes = 1024 * 1024;

/**
 * Throws UntrustedFileError for a path that is not a regular file of at most 1 MB (missing, a named pipe, too
 * large: read non-blocking, never whole when too large), CheckpointError (`corrupt`…) for a file that is not a
 * small pickle of a dict.
 */
export async function readTrainInfo(path: string): Promise<TrainInfo> {
  const data = await readUntrustedFile(path, maxInfoBytes, { what: 'an info.pkl' });
  const limits = resolveLimits();
  const hooks = createTorchHooks({
    limits,
    warn: () => undefined,
    persistentLoad: () => {
      throw new CheckpointError('corrupt', 'info.pkl does not reference tensor storages');
    },
  });
  const { value } = unpickle(data, 0, hooks, limits);
  if (!isDict(value)) throw new CheckpointError('corrupt', `${path} does not hold a dict`);
  const scaleConfigValue = dictGet(value, 'scale_config');
  const scaleConfig: Record<string, string | number | boolean | null> = {};
  if (scaleConfigValue !== undefined && isDict(scaleConfigValue)) {
    for (const [k, v] of scaleConfigValue.entries) {
      if (typeof k !== 'string') continue;
      if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') scaleConfig[k] = v;
      else if (typeof v === 'bigint') scaleConfig[k] = v.toString();
    }
  }
  const model = scaleConfig['model'];
  return {
    scale: asText(dictGet(value, 'scale')),
    checkpoint: asText(dictGet(value, 'checkpoint')),
    model: typeof model === 'string' ? model : null,
    dataDir: asText(dictGet(value, 'data_dir')),
    scaleConfig,
  };
}

/** A str, a pathlib path, or a cloudpathlib path (an opaque object built from its URL string). */
function asText(value: PickleValue | undefined): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (!isPickleObject(value)) return null;
  if (value.kind === 'path') return value.path;
  if (value.kind === 'opaque') {
    const first = value.args?.items[0];
    if (typeof first === 'string') return first;
    if (value.state !== undefined && isDict(value.state)) {
      for (const [, v] of value.state.entries) if (typeof v === 'string' && /^\w+:\/\//.test(v)) return v;
    }
  }
  return null;
}
