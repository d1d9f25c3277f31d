/**
 * Which OpenCLIP model a state dict is, by the rules of contracts §2.7 (which mirror OpenCLIP's
 * `build_model_from_openai_state_dict`): shapes of a few named tensors, after stripping `module.`.
 */
export type ClipModelName = 'ViT-B-32' | 'ViT-B-16' | 'ViT-L-14';
