/**
 * The six published TiC-CLIP model repos (contracts.md §6.1): ViT-B/16 OpenCLIP training checkpoints, one
 * `checkpoints/YEAR.pt` (≈1.8 GB, LFS) and one `params/YEAR.yaml` per training year.
 */
export const ticClipRepos = [
  'apple/TiC-CLIP-basic-cumulative',
  'apple/TiC-CLIP-basic-sequential',
  'apple/TiC-CLIP-basic-oracle',
  'apple/TiC-CLIP-bestpool-cumulative',
  'apple/TiC-CLIP-bestpool-sequential',
  'apple/TiC-CLIP-bestpool-oracle',
] as const;

export type TicClipRepo = (typeof ticClipRepos)[number];
