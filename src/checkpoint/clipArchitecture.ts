import type { ClipModelName } from '../tic/clipModels';

export interface ClipArchitecture {
  /** Only the three models of contracts §2.7 are named; anything else is null with its numbers filled in. */
  readonly name: ClipModelName | null;
  readonly patchSize: number;
  readonly visionWidth: number;
  readonly visionLayers: number;
  readonly imageSize: number | null;
  readonly embedDim: number | null;
  readonly contextLength: number | null;
  readonly vocabSize: number | null;
  readonly textWidth: number | null;
  readonly textHeads: number | null;
  readonly textLayers: number;
}

const knownModels: readonly { name: ClipModelName; patch: number; width: number; layers: number }[] = [
  { name: 'ViT-B-32', patch: 32, width: 768, layers: 12 },
  { name: 'ViT-B-16', patch: 16, width: 768, layers: 12 },
  { name: 'ViT-L-14', patch: 14, width: 1024, layers: 24 },
];

/** Null when there is no ViT patch embedding (`visual.conv1.weight` of rank 4). */
export function inferClipArchitecture(shapes: ReadonlyMap<string, readonly number[]>): ClipArchitecture | null {
  const conv1 = shapes.get('visual.conv1.weight');
  if (conv1 === undefined || conv1.length !== 4) {
    return null;
  }
  const patchSize = conv1[3] as number;
  const visionWidth = conv1[0] as number;
  const dim = (key: string, index: number): number | null => {
    const shape = shapes.get(key);
    return shape !== undefined && shape.length > index ? (shape[index] as number) : null;
  };
  const positions = dim('visual.positional_embedding', 0);
  const imageSize = positions !== null && positions >= 1 ? patchSize * Math.round(Math.sqrt(positions - 1)) : null;
  let visionLayers = 0;
  const textBlocks = new Set<string>();
  for (const key of shapes.keys()) {
    if (key.startsWith('visual.') && key.endsWith('.attn.in_proj_weight')) {
      visionLayers += 1;
    }
    const text = /^transformer\.resblocks\.(\d+)\./.exec(key);
    if (text?.[1] !== undefined) {
      textBlocks.add(text[1]);
    }
  }
  const textWidth = dim('ln_final.weight', 0);
  const name =
    knownModels.find((m) => m.patch === patchSize && m.width === visionWidth && m.layers === visionLayers)?.name ??
    null;
  return {
    name,
    patchSize,
    visionWidth,
    visionLayers,
    imageSize,
    embedDim: dim('text_projection', 1),
    contextLength: dim('positional_embedding', 0),
    vocabSize: dim('token_embedding.weight', 0),
    textWidth,
    textHeads: textWidth === null ? null : Math.floor(textWidth / 64),
    textLayers: textBlocks.size,
  };
}
