/**
 * The parts of the TiC-CLIP training protocol that every scale shares (contracts §9); the per-scale values (model,
 * global batch, lr, samples, first-step warmup) are in ticScales.ts. None of the `tic_*` scales sets an optimizer
 * value, so OpenCLIP's ViT defaults apply (`OC:src/training/params.py`, contracts §1.2).
 */

/** AdamW as OpenCLIP builds it for a ViT when nothing overrides it. */
export const ticOptimizer = { beta1: 0.9, beta2: 0.98, eps: 1e-6, wd: 0.2 } as const;

export type TicOptimizerKey = keyof typeof ticOptimizer;

/** datacomp's train.py default `--precision`. */
export const ticPrecision = 'amp';

/** OpenCLIP's default `--lr-scheduler`; the protocol has no cooldown (`epochs_cooldown` None). */
export const ticLrScheduler = 'cosine';

/** A continual step's warmup in the public scripts (`--warmup 0`, contracts §1.4). */
export const continualWarmup = 0;

/**
 * The warmup of the released xlarge models after their first step (`TIC:params/*\/*.yaml`, `warmup: 2000`): not the
 * scripts' value, but what the published checkpoints were trained with.
 */
export const releasedXlargeContinualWarmup = 2000;

/**
 * How far the global batch (per-GPU batch × world size × accum_freq) may be below the scale's: the per-GPU batch is
 * an integer division, so a world size that does not divide the batch loses a little (96 GPUs: 90,048 of 90,112,
 * −0.07 %; tic_medium on 6 GPUs: 4,092 of 4,096, −0.1 %). 0.2 % admits those and nothing a person would choose.
 */
export const globalBatchTolerance = 0.002;

/**
 * How far a step's samples may be from its budget: the batch count is rounded up per epoch, then to a multiple of
 * the workers (tic_medium on 6 GPUs: +0.35 %); 2 % admits every such geometry and no changed duration.
 */
export const samplesTolerance = 0.02;
