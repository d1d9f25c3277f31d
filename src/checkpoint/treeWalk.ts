import { checkpointWarning, type CheckpointWarning } from './base/checkpointWarning';
import { isPickleObject, keySegment, type PickleObject, type PickleValue, type TensorRef } from './base/pickleValues';

/**
 * Walking a decoded pickle tree. A pickle can share and even cycle its containers through the memo, and a
 * hostile one can nest them arbitrarily, so every walk here is iterative, visits each container once and stops at
 * a depth limit with a warning.
 */

export interface FoundTensor {
  /** Dotted path from the walk's start: dict keys as they are, ints and list indices in decimal. */
  readonly name: string;
  readonly path: readonly string[];
  readonly tensor: TensorRef;
}

export interface WalkOptions {
  readonly maxDepth: number;
  /** Stop after this many tensors. */
  readonly maxTensors?: number;
  /** Receives a `depthLimit` warning when the walk had to stop descending. */
  readonly warn?: (warning: CheckpointWarning) => void;
}

/** Every tensor under `root`, in the tree's order (dict insertion order, then list order). */
export function findTensors(root: PickleValue, options: WalkOptions): FoundTensor[] {
  const found: FoundTensor[] = [];
  const seen = new Set<PickleObject>();
  const warnDepthLimit = depthLimitWarner(options);
  // Depth-first with an explicit stack; frames link to their parent so a path is only spelled out for tensors.
  const stack: Frame[] = [{ value: root, parent: undefined, segment: '', depth: 0 }];
  while (stack.length > 0) {
    const frame = stack.pop() as Frame;
    const { value } = frame;
    if (!isPickleObject(value)) {
      continue;
    }
    if (value.kind === 'tensor') {
      const path = pathOf(frame);
      found.push({ name: path.join('.'), path, tensor: value });
      if (options.maxTensors !== undefined && found.length >= options.maxTensors) {
        break;
      }
      continue;
    }
    if (seen.has(value)) {
      continue;
    }
    seen.add(value);
    const children = childrenOf(value);
    if (children.length === 0) {
      continue;
    }
    if (frame.depth >= options.maxDepth) {
      warnDepthLimit();
      continue;
    }
    for (let i = children.length - 1; i >= 0; i--) {
      const [segment, child] = children[i] as [string, PickleValue];
      stack.push({ value: child, parent: frame, segment, depth: frame.depth + 1 });
    }
  }
  return found;
}

/**
 * Calls `visit` for every tensor under `root`, like findTensors (same containers, same depth limit and warning)
 * but without spelling out names and paths: for callers that only count or sum (the optimizer state's bytes).
 */
export function visitTensors(root: PickleValue, options: WalkOptions, visit: (tensor: TensorRef) => void): void {
  const seen = new Set<PickleObject>();
  const warnDepthLimit = depthLimitWarner(options);
  let visited = 0;
  const values: PickleValue[] = [root];
  const depths: number[] = [0];
  while (values.length > 0) {
    const value = values.pop() as PickleValue;
    const depth = depths.pop() as number;
    if (!isPickleObject(value)) {
      continue;
    }
    if (value.kind === 'tensor') {
      visit(value);
      visited += 1;
      if (options.maxTensors !== undefined && visited >= options.maxTensors) {
        break;
      }
      continue;
    }
    if (seen.has(value)) {
      continue;
    }
    seen.add(value);
    const children = childValues(value);
    if (children.length === 0) {
      continue;
    }
    if (depth >= options.maxDepth) {
      warnDepthLimit();
      continue;
    }
    for (let i = children.length - 1; i >= 0; i--) {
      values.push(children[i] as PickleValue);
      depths.push(depth + 1);
    }
  }
}

/** The children of a container in childrenOf's order, without their names. */
function childValues(value: PickleObject): readonly PickleValue[] {
  switch (value.kind) {
    case 'dict':
      return value.entries.map((entry) => entry[1]);
    case 'list':
    case 'tuple':
    case 'set':
    case 'frozenset':
      return value.items;
    case 'namespace':
      return childValues(value.attributes);
    case 'opaque':
      return [
        ...(value.args?.items ?? []),
        ...value.listItems,
        ...value.dictItems.map(([, child]) => child),
        ...(value.state === undefined ? [] : [value.state]),
      ];
    default:
      return [];
  }
}

interface Frame {
  readonly value: PickleValue;
  readonly parent: Frame | undefined;
  readonly segment: string;
  readonly depth: number;
}

function pathOf(frame: Frame): string[] {
  const path: string[] = [];
  for (let at: Frame | undefined = frame; at?.parent !== undefined; at = at.parent) {
    path.push(at.segment);
  }
  return path.reverse();
}

/** The named children of a container; values with no useful key get a positional name. */
function childrenOf(value: PickleObject): [string, PickleValue][] {
  switch (value.kind) {
    case 'dict':
      return value.entries.map(([key, child], i) => [keySegment(key) ?? `[${i}]`, child]);
    case 'list':
    case 'tuple':
    case 'set':
    case 'frozenset':
      return value.items.map((child, i) => [String(i), child]);
    case 'namespace':
      return childrenOf(value.attributes);
    case 'opaque':
      return [
        ...(value.args === undefined
          ? []
          : value.args.items.map((child, i): [string, PickleValue] => [`args.${i}`, child])),
        ...value.listItems.map((child, i): [string, PickleValue] => [String(i), child]),
        ...value.dictItems.map(([key, child], i): [string, PickleValue] => [keySegment(key) ?? `[${i}]`, child]),
        ...(value.state === undefined ? [] : ([['state', value.state]] as [string, PickleValue][])),
      ];
    default:
      return [];
  }
}

/** JSON-safe values (no bigint, no cycles) for showing small pieces of a tree, such as the GradScaler state. */
export type PlainValue = null | boolean | number | string | PlainValue[] | { [key: string]: PlainValue };

/**
 * A plain JSON rendering of a value, for display: dicts with string/int keys become objects, sequences arrays,
 * tensors `{tensor: dtype, shape}`, opaque objects `{global}`. Cycles and too-deep values become a short marker,
 * and at most `maxNodes` values are rendered: memo sharing can make a small pickle a DAG with 2^60 paths.
 */
export function toPlainValue(value: PickleValue, maxDepth: number, maxItems = 1000, maxNodes = 10_000): PlainValue {
  const active = new Set<PickleObject>();
  let nodes = 0;
  const convert = (current: PickleValue, depth: number): PlainValue => {
    nodes += 1;
    if (nodes > maxNodes) {
      return '<…>';
    }
    if (current === null || typeof current === 'boolean' || typeof current === 'string') {
      return current;
    }
    if (typeof current === 'number') {
      // JSON has no NaN or infinities; spell them as Python would print them.
      return Number.isFinite(current) ? current : String(current).replace('Infinity', 'inf');
    }
    if (typeof current === 'bigint') {
      return current.toString();
    }
    if (depth >= maxDepth) {
      return `<${current.kind} nested too deep>`;
    }
    if (active.has(current)) {
      return `<recursive ${current.kind}>`;
    }
    active.add(current);
    try {
      return convertObject(current, depth);
    } finally {
      active.delete(current);
    }
  };
  const convertObject = (current: PickleObject, depth: number): PlainValue => {
    switch (current.kind) {
      case 'dict': {
        const out: { [key: string]: PlainValue } = {};
        for (const [key, child] of current.entries.slice(0, maxItems)) {
          const segment = keySegment(key) ?? JSON.stringify(convert(key, depth + 1));
          out[segment] = convert(child, depth + 1);
        }
        return out;
      }
      case 'list':
      case 'tuple':
      case 'set':
      case 'frozenset':
        return current.items.slice(0, maxItems).map((child) => convert(child, depth + 1));
      case 'tensor':
        return { tensor: current.dtype, shape: [...current.shape] };
      case 'storage':
        return { storage: current.key, dtype: current.dtype, numel: current.numel };
      case 'bytes':
        return { bytes: current.data.length };
      case 'global':
        return { global: current.global };
      case 'opaque':
        return { global: current.global };
      case 'dtype':
        return current.dtype;
      case 'device':
        return current.index === null ? current.type : `${current.type}:${current.index}`;
      case 'numpyDtype':
        return `${current.byteOrder}${current.code}`;
      case 'path':
        return current.path;
      case 'namespace':
        return convert(current.attributes, depth);
    }
  };
  return convert(value, 0);
}

/** Says once per walk that values deeper than the limit were skipped. */
function depthLimitWarner(options: { maxDepth: number; warn?: (w: CheckpointWarning) => void }): () => void {
  let warned = false;
  return () => {
    if (warned) return;
    warned = true;
    options.warn?.(
      checkpointWarning(
        'depthLimit',
        `values nested deeper than ${options.maxDepth} levels were not searched for tensors`,
      ),
    );
  };
}
