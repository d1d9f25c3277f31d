import { CheckpointError } from './checkpointError';
import { dtypeByteSize } from './dtypes';
import type { CheckpointLimits } from './limits';
import { isPickleObject, type PickleValue, type StorageRef, type TensorRebuild, type TensorRef } from './pickleValues';

/**
 * Builds a TensorRef from the arguments of torch._utils._rebuild_tensor_v2 (contracts §2.6: storage,
 * storage_offset, size, stride) and checks what torch's `set_` would check: a sane geometry that stays inside
 * its storage. A tensor that would fail in torch.load is a `corrupt` error here, never a wrong picture.
 */
export function makeTensorRef(
  storage: PickleValue,
  storageOffset: PickleValue,
  size: PickleValue,
  stride: PickleValue,
  requiresGrad: PickleValue,
  rebuild: TensorRebuild,
  limits: CheckpointLimits,
): TensorRef {
  if (!isPickleObject(storage) || storage.kind !== 'storage') {
    throw new CheckpointError('corrupt', 'a tensor is rebuilt from something that is not a storage');
  }
  const offset = nonNegativeInteger(storageOffset, 'storage offset');
  const shape = integerList(size, 'size', limits);
  const strides = integerList(stride, 'stride', limits);
  if (strides.length !== shape.length) {
    throw new CheckpointError('corrupt', `a tensor has ${shape.length} sizes but ${strides.length} strides`);
  }
  const numel = elementCount(shape);
  if (numel > 0) {
    let last = offset;
    for (let dim = 0; dim < shape.length; dim++) {
      last += ((shape[dim] as number) - 1) * (strides[dim] as number);
    }
    if (!Number.isSafeInteger(last) || last >= storage.numel) {
      throw new CheckpointError(
        'corrupt',
        `a tensor of shape [${shape.join(', ')}] at offset ${offset} reaches element ${last} of a storage with ${storage.numel}`,
      );
    }
  }
  return {
    kind: 'tensor',
    dtype: storage.dtype,
    shape,
    stride: strides,
    storageOffset: offset,
    storage,
    numel,
    requiresGrad: requiresGrad === true,
    rebuild,
  };
}

/** The product of a shape, refusing products that a double cannot count exactly. */
export function elementCount(shape: readonly number[]): number {
  let count = 1;
  for (let i = 0; i < shape.length; i++) {
    count *= shape[i] as number;
  }
  if (!Number.isSafeInteger(count)) {
    throw new CheckpointError('tooLarge', `a tensor of shape [${shape.join(', ')}] has too many elements to count`);
  }
  return count;
}

/** Bytes a tensor's elements take (not its storage's). */
export function tensorByteSize(tensor: TensorRef): number {
  return tensor.numel * dtypeByteSize[tensor.dtype];
}

/** True when the elements are laid out in C order without gaps (torch's `is_contiguous`). */
export function isContiguous(tensor: Pick<TensorRef, 'shape' | 'stride'>): boolean {
  let expected = 1;
  for (let dim = tensor.shape.length - 1; dim >= 0; dim--) {
    const extent = tensor.shape[dim] as number;
    if (extent === 0) {
      return true;
    }
    if (extent !== 1 && tensor.stride[dim] !== expected) {
      return false;
    }
    expected *= extent;
  }
  return true;
}

/** A storage described by a persistent id, with the same checks for every format. */
export function makeStorageRef(
  key: string,
  dtype: StorageRef['dtype'],
  location: string,
  numel: PickleValue,
  elementOffset = 0,
): StorageRef {
  const count = nonNegativeInteger(numel, `element count of storage ${key}`);
  if (!Number.isSafeInteger(count * dtypeByteSize[dtype])) {
    throw new CheckpointError('tooLarge', `storage ${key} declares ${count} elements, more than any file holds`);
  }
  return { kind: 'storage', key, dtype, location, numel: count, elementOffset };
}

function nonNegativeInteger(value: PickleValue, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new CheckpointError('corrupt', `a tensor's ${what} is not a non-negative integer`);
  }
  return value;
}

function integerList(value: PickleValue, what: string, limits: CheckpointLimits): number[] {
  if (!isPickleObject(value) || (value.kind !== 'tuple' && value.kind !== 'list')) {
    throw new CheckpointError('corrupt', `a tensor's ${what} is not a tuple`);
  }
  if (value.items.length > limits.maxTensorRank) {
    throw new CheckpointError(
      'tooLarge',
      `a tensor has ${value.items.length} dimensions, over the limit of ${limits.maxTensorRank}`,
    );
  }
  // Checked in place, then copied at its exact length: no iterator and no growing array per tensor (issue 16).
  const items = value.items;
  for (let i = 0; i < items.length; i++) {
    nonNegativeInteger(items[i] as PickleValue, what);
  }
  return items.slice() as number[];
}
