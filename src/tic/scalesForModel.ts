import type { ClipModelName } from './clipModels';
import { ticScaleConfigs, ticScales, type TicScale } from './ticScales';

/**
 * The scales that can continue a checkpoint of `model`: train.py builds the scale's own model and loads the
 * checkpoint's state dict into it, which only works when the two are the same architecture (contracts §1.2, §7.4).
 * The published TiC-CLIP checkpoints are ViT-B-16, so only tic_large and tic_xlarge continue them, although the
 * model card's example runs tic_medium (ViT-B-32).
 */
export function scalesForModel(model: ClipModelName): TicScale[] {
  return ticScales.filter((s) => ticScaleConfigs[s].model === model);
}

/** The other scales, each with the model it trains. */
export function scalesNotForModel(model: ClipModelName): { scale: TicScale; model: ClipModelName }[] {
  return ticScales
    .filter((s) => ticScaleConfigs[s].model !== model)
    .map((scale) => ({ scale, model: ticScaleConfigs[scale].model }));
}
