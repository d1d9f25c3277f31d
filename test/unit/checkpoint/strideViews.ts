import type { PyValue } from './pickleBuilder';
import { torchZipBytes, type StorageContent } from './syntheticCheckpoints';

/** One float32 view into a storage of its own or a shared one: whatever geometry a hostile file may declare. */
export interface StrideView {
  readonly name: string;
  readonly storage: string;
  readonly shape: readonly number[];
  readonly stride: readonly number[];
}

/** A torch-zip checkpoint whose state dict holds `views` over `storages` (float32 values each). */
export function stridedViewsCheckpoint(storages: Record<string, Uint8Array>, views: readonly StrideView[]): Buffer {
  const numel = (key: string): number => (storages[key] as Uint8Array).length / 4;
  const entries = views.map((v): [PyValue, PyValue] => [
    v.name,
    {
      tensor: {
        storage: { key: v.storage, storageClass: 'FloatStorage', numel: numel(v.storage) },
        shape: v.shape,
        stride: v.stride,
      },
    },
  ]);
  const content: StorageContent[] = Object.entries(storages).map(([key, data]) => ({ key, data }));
  return torchZipBytes({ dict: [['state_dict', { ordered: entries }]] }, { storages: content });
}
