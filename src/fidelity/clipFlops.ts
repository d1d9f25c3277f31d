import type { ClipArchitecture } from '../checkpoint/clipArchitecture';
import type { ClipModelName } from '../tic/clipModels';

/**
 * Forward FLOPs of one image-text pair through an OpenCLIP ViT CLIP, from the architecture's dimensions (contracts
 * §9): what a training step's compute is made of. A multiply-add counts as 2 FLOPs. Counted: the patch embedding,
 * every transformer layer's four attention projections (q, k, v, out), its two attention matrix products (QKᵀ and
 * attention × V over all tokens) and its MLP, and the final projection of each tower. Not counted: layer norms,
 * softmax, GELU, embeddings looked up, the loss (each at most a few tenths of a percent). The text tower runs over
 * all `context_length` positions, padding included, as OpenCLIP does.
 */
export interface ClipDims {
  readonly imageSize: number;
  readonly patchSize: number;
  readonly visionWidth: number;
  readonly visionLayers: number;
  /** MLP hidden width ÷ width: 4 for every model here (OpenCLIP's `mlp_ratio` default). */
  readonly visionMlpRatio: number;
  readonly embedDim: number;
  readonly contextLength: number;
  readonly textWidth: number;
  readonly textLayers: number;
  readonly textMlpRatio: number;
}

/**
 * OpenCLIP's `src/open_clip/model_configs/{name}.json` for the models TiC uses (contracts §1.2: ViT-B-32 for
 * tic_debug and tic_medium, ViT-B-16 for tic_large and tic_xlarge) and ViT-L-14 (contracts §2.7 has the same
 * numbers as state-dict shapes).
 */
export const clipModelDims: Readonly<Record<ClipModelName, ClipDims>> = {
  'ViT-B-32': vit({ patchSize: 32, visionWidth: 768, visionLayers: 12, embedDim: 512, textWidth: 512 }),
  'ViT-B-16': vit({ patchSize: 16, visionWidth: 768, visionLayers: 12, embedDim: 512, textWidth: 512 }),
  'ViT-L-14': vit({ patchSize: 14, visionWidth: 1024, visionLayers: 24, embedDim: 768, textWidth: 768 }),
};

function vit(d: Pick<ClipDims, 'patchSize' | 'visionWidth' | 'visionLayers' | 'embedDim' | 'textWidth'>): ClipDims {
  return { imageSize: 224, visionMlpRatio: 4, contextLength: 77, textLayers: 12, textMlpRatio: 4, ...d };
}

/**
 * The dimensions of an OpenCLIP model name as params.txt `model` has it. `-quickgelu` changes the activation only,
 * not the FLOPs. Null for any other model: its config is not known here.
 */
export function clipDimsOf(model: string | null | undefined): ClipDims | null {
  if (model === null || model === undefined) return null;
  const name = model.trim().replace(/-quickgelu$/, '');
  return Object.hasOwn(clipModelDims, name) ? clipModelDims[name as ClipModelName] : null;
}

/** The dimensions a checkpoint's state dict shows (contracts §2.7); null where one the count needs is missing. */
export function clipDimsFromArchitecture(arch: ClipArchitecture): ClipDims | null {
  const { imageSize, embedDim, contextLength, textWidth } = arch;
  if (imageSize === null || embedDim === null || contextLength === null || textWidth === null) return null;
  if (arch.visionLayers === 0 || arch.textLayers === 0) return null;
  // The MLP width is not in ClipArchitecture; every OpenCLIP ViT CLIP config uses 4.
  return {
    imageSize,
    patchSize: arch.patchSize,
    visionWidth: arch.visionWidth,
    visionLayers: arch.visionLayers,
    visionMlpRatio: 4,
    embedDim,
    contextLength,
    textWidth,
    textLayers: arch.textLayers,
    textMlpRatio: 4,
  };
}

export interface ClipForwardFlops {
  readonly image: number;
  readonly text: number;
  /** image + text: one image-text pair. */
  readonly total: number;
}

export function clipForwardFlops(d: ClipDims): ClipForwardFlops {
  const grid = Math.floor(d.imageSize / d.patchSize);
  const patches = grid * grid;
  // The patch embedding is a conv with stride = kernel: one (3·p²) × width product per patch.
  const patchEmbed = patches * 3 * d.patchSize * d.patchSize * d.visionWidth;
  const image =
    patchEmbed +
    d.visionLayers * transformerLayerMacs(patches + 1, d.visionWidth, d.visionMlpRatio) +
    d.visionWidth * d.embedDim;
  // Only the end-of-text token is projected (OpenCLIP `encode_text`).
  const text =
    d.textLayers * transformerLayerMacs(d.contextLength, d.textWidth, d.textMlpRatio) + d.textWidth * d.embedDim;
  return { image: 2 * image, text: 2 * text, total: 2 * (image + text) };
}

/** Multiply-adds of one pre-norm transformer layer over `tokens` tokens. */
function transformerLayerMacs(tokens: number, width: number, mlpRatio: number): number {
  const projections = 4 * tokens * width * width;
  const attention = 2 * tokens * tokens * width;
  const mlp = 2 * tokens * width * (mlpRatio * width);
  return projections + attention + mlp;
}

/**
 * Training FLOPs per forward FLOP: the backward pass costs about twice the forward (gradients with respect to the
 * activations and to the weights), so forward + backward ≈ 3 × forward (Kaplan et al. 2020, "Scaling Laws for
 * Neural Language Models", §2.1). Activation checkpointing (`--grad-checkpointing`) runs the forward again: 4 ×, not
 * counted here.
 */
export const trainFlopsPerForwardFlop = 3;
