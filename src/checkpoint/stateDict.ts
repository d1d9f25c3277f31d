import {
  dictGet,
  isDict,
  isTensor,
  keySegment,
  type PickleDict,
  type PickleValue,
  type TensorRef,
} from './base/pickleValues';

/**
 * Where the model weights sit in a checkpoint and what they are called. OpenCLIP training checkpoints keep
 * them under `state_dict` (contracts §2.6); other tools use `model` or save the state dict itself. Multi-GPU
 * runs prefix every key with `module.` (DDP), which OpenCLIP strips on load, and so do we.
 */

/** Keys that hold a state dict in common checkpoint layouts, in order of preference. */
const stateDictKeys = ['state_dict', 'model', 'model_state_dict', 'module', 'net', 'weights'];

export const ddpPrefix = 'module.';

export interface NamedTensor {
  /** The key after prefix stripping (`visual.conv1.weight`). */
  readonly name: string;
  /** The key as stored (`module.visual.conv1.weight`). */
  readonly storedName: string;
  readonly tensor: TensorRef;
}

export interface StateDict {
  /** Keys from the root to the state dict: ['state_dict'], ['model'], or [] for a bare state dict. */
  readonly path: readonly string[];
  /** 'module.' when every key had it and it was stripped. */
  readonly stripPrefix: typeof ddpPrefix | null;
  readonly tensors: readonly NamedTensor[];
  /** Entries that are not tensors (e.g. `_extra_state`), by stored key. */
  readonly otherKeys: readonly string[];
}

/** The state dict of a checkpoint's root, or null when there is no dict of tensors where one usually is. */
export function findStateDict(root: PickleValue): StateDict | null {
  if (!isDict(root)) {
    return null;
  }
  for (const key of stateDictKeys) {
    const candidate = dictGet(root, key);
    if (candidate !== undefined && isDict(candidate) && holdsTensors(candidate)) {
      return describe(candidate, [key]);
    }
  }
  return holdsTensors(root) ? describe(root, []) : null;
}

function holdsTensors(dict: PickleDict): boolean {
  return dict.entries.some(([, value]) => isTensor(value));
}

function describe(dict: PickleDict, path: string[]): StateDict {
  const tensors: { storedName: string; tensor: TensorRef }[] = [];
  const otherKeys: string[] = [];
  dict.entries.forEach(([key, value], index) => {
    const storedName = keySegment(key) ?? `[${index}]`;
    if (isTensor(value)) {
      tensors.push({ storedName, tensor: value });
    } else {
      otherKeys.push(storedName);
    }
  });
  const strip = tensors.length > 0 && tensors.every(({ storedName }) => storedName.startsWith(ddpPrefix));
  return {
    path,
    stripPrefix: strip ? ddpPrefix : null,
    tensors: tensors.map(({ storedName, tensor }) => ({
      name: strip ? storedName.slice(ddpPrefix.length) : storedName,
      storedName,
      tensor,
    })),
    otherKeys,
  };
}
