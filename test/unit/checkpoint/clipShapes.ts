/**
 * Test helper: the OpenCLIP state-dict keys and shapes of contracts §2.7 (key order included), generated from
 * the model dimensions. For ViT-B-32, B-16 and L-14 this reproduces shared/fixtures/openclip/state_dict_shapes.json
 * exactly (302 / 302 / 446 tensors, 151,277,313 / 149,620,737 / 427,616,513 parameters).
 */
export interface ClipDims {
  readonly visionWidth: number;
  readonly visionLayers: number;
  readonly patch: number;
  readonly grid: number;
  readonly textWidth: number;
  readonly textLayers: number;
  readonly embedDim: number;
  readonly vocab?: number;
  readonly context?: number;
}

export const clipModels = {
  'ViT-B-32': { visionWidth: 768, visionLayers: 12, patch: 32, grid: 7, textWidth: 512, textLayers: 12, embedDim: 512 },
  'ViT-B-16': {
    visionWidth: 768,
    visionLayers: 12,
    patch: 16,
    grid: 14,
    textWidth: 512,
    textLayers: 12,
    embedDim: 512,
  },
  'ViT-L-14': {
    visionWidth: 1024,
    visionLayers: 24,
    patch: 14,
    grid: 16,
    textWidth: 768,
    textLayers: 12,
    embedDim: 768,
  },
} as const satisfies Record<string, ClipDims>;

function resblock(prefix: string, width: number): [string, number[]][] {
  return [
    [`${prefix}ln_1.weight`, [width]],
    [`${prefix}ln_1.bias`, [width]],
    [`${prefix}attn.in_proj_weight`, [3 * width, width]],
    [`${prefix}attn.in_proj_bias`, [3 * width]],
    [`${prefix}attn.out_proj.weight`, [width, width]],
    [`${prefix}attn.out_proj.bias`, [width]],
    [`${prefix}ln_2.weight`, [width]],
    [`${prefix}ln_2.bias`, [width]],
    [`${prefix}mlp.c_fc.weight`, [4 * width, width]],
    [`${prefix}mlp.c_fc.bias`, [4 * width]],
    [`${prefix}mlp.c_proj.weight`, [width, 4 * width]],
    [`${prefix}mlp.c_proj.bias`, [width]],
  ];
}

export function clipStateShapes(dims: ClipDims): [string, number[]][] {
  const { visionWidth: vw, textWidth: tw, embedDim } = dims;
  const shapes: [string, number[]][] = [
    ['positional_embedding', [dims.context ?? 77, tw]],
    ['text_projection', [tw, embedDim]],
    ['logit_scale', []],
    ['visual.class_embedding', [vw]],
    ['visual.positional_embedding', [dims.grid * dims.grid + 1, vw]],
    ['visual.proj', [vw, embedDim]],
    ['visual.conv1.weight', [vw, 3, dims.patch, dims.patch]],
    ['visual.ln_pre.weight', [vw]],
    ['visual.ln_pre.bias', [vw]],
  ];
  for (let i = 0; i < dims.visionLayers; i++) {
    shapes.push(...resblock(`visual.transformer.resblocks.${i}.`, vw));
  }
  shapes.push(['visual.ln_post.weight', [vw]], ['visual.ln_post.bias', [vw]]);
  for (let i = 0; i < dims.textLayers; i++) {
    shapes.push(...resblock(`transformer.resblocks.${i}.`, tw));
  }
  shapes.push(
    ['token_embedding.weight', [dims.vocab ?? 49408, tw]],
    ['ln_final.weight', [tw]],
    ['ln_final.bias', [tw]],
  );
  return shapes;
}

export function numelOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
