/**
 * Grouping CLIP state-dict keys (contracts §2.7, after stripping `module.`) into towers and blocks, for
 * parameter counts and per-block diffs.
 */
export type ClipTower = 'visual' | 'text' | 'other';

const textTopLevel = new Set(['positional_embedding', 'text_projection']);
const textPrefixes = ['transformer.', 'token_embedding.', 'ln_final.', 'text.'];

/**
 * visual: `visual.*`; text: the text transformer, token and positional embeddings, ln_final and
 * text_projection (OpenCLIP keeps these at the top level, and `text.*` for custom text towers); other:
 * `logit_scale` and anything else.
 */
export function towerOf(name: string): ClipTower {
  if (name.startsWith('visual.')) {
    return 'visual';
  }
  if (textTopLevel.has(name) || textPrefixes.some((prefix) => name.startsWith(prefix))) {
    return 'text';
  }
  return 'other';
}

const resblock = /^((?:visual\.|text\.)?transformer\.resblocks\.\d+)\./;

/**
 * The block a key belongs to: `visual.transformer.resblocks.N` or `transformer.resblocks.N` for residual blocks,
 * else `visual (other)`, `text (other)` or `other`.
 */
export function blockOf(name: string): string {
  const match = resblock.exec(name);
  if (match?.[1] !== undefined) {
    return match[1];
  }
  const tower = towerOf(name);
  return tower === 'other' ? 'other' : `${tower} (other)`;
}
