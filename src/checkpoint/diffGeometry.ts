import type { TensorRef } from './base/pickleValues';

/**
 * What the diff reads for one pair of tensors of equal shape. A file can declare a tensor whose element count far
 * exceeds the values it stores: a stride-0 expand (shape [1e9], stride [0] over one float) or an overlapping
 * `as_strided` view. Walking every element of such a tensor is a billion-step loop over a few stored bytes, so:
 *
 * - dimensions that are stride-0 expands on both sides hold one slice repeated; the diff reads that slice once
 *   and counts it `repeat` times (exact: every sum is `repeat` × the slice's sum);
 * - a view that still repeats its stored values many times over (an expand on one side only, an overlapping
 *   view) is not compared, with a reason, unless it is small enough that the walk costs nothing.
 */
export type PairPlan =
  { readonly read: readonly [TensorRef, TensorRef]; readonly repeat: number } | { readonly refused: string };

/** A view may have this many elements per value it can reach before it counts as repeating its storage. */
const maxRepeatPerValue = 4;
/** Views of at most this many elements are compared element by element whatever their layout (one read chunk). */
const smallView = 1 << 20;

export function planPair(a: TensorRef, b: TensorRef): PairPlan {
  // Both sides have the same shape (the caller checks), so a dimension index means the same thing on each.
  const both = a.shape.map((extent, dim) => extent > 1 && a.stride[dim] === 0 && b.stride[dim] === 0);
  let repeat = 1;
  both.forEach((dropped, dim) => {
    if (dropped) {
      repeat *= a.shape[dim] as number;
    }
  });
  const read: [TensorRef, TensorRef] = [withoutDims(a, both), withoutDims(b, both)];
  for (const [side, tensor] of [
    ['A', read[0]],
    ['B', read[1]],
  ] as const) {
    const reachable = reachableValues(tensor);
    if (tensor.numel > smallView && tensor.numel > maxRepeatPerValue * reachable) {
      return {
        refused: `in ${side} it is a view that repeats ${reachable} stored values as ${tensor.numel} elements (a stride-0 expand or overlapping strides the other side does not share); comparing it would walk every repeat`,
      };
    }
  }
  return { read, repeat };
}

/** The tensor with the dimensions marked in `drop` removed (they are stride-0, so the values do not change). */
function withoutDims(tensor: TensorRef, drop: readonly boolean[]): TensorRef {
  if (!drop.includes(true)) {
    return tensor;
  }
  const shape = tensor.shape.filter((_, dim) => !drop[dim]);
  const stride = tensor.stride.filter((_, dim) => !drop[dim]);
  return { ...tensor, shape, stride, numel: shape.reduce((n, extent) => n * extent, 1) };
}

/** How many storage elements a view can touch at most: its span, first to last, inclusive. */
function reachableValues(tensor: TensorRef): number {
  if (tensor.numel === 0) {
    return 0;
  }
  let span = 0;
  tensor.shape.forEach((extent, dim) => {
    span += (extent - 1) * (tensor.stride[dim] as number);
  });
  return span + 1;
}
