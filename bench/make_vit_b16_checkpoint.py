#!/usr/bin/env python3
"""Generate two full-size ViT-B-16 OpenCLIP *training* checkpoints for the checkpoint benchmark.

Structure follows docs/contracts.md §2.6-2.7 (what open_clip@73fa7f0's main.py saves under DDP, torch 1.13):

    {"epoch": int, "name": str,
     "state_dict": OrderedDict('module.<key>' -> fp32 tensor)   # 302 tensors, 149,620,737 params, OC key order
     "optimizer": AdamW.state_dict()                           # state {i: {step, exp_avg, exp_avg_sq}},
                                                               # 2 param groups (200 no-decay / 102 decay), lr numpy.float64
     "scaler": GradScaler.state_dict()}                        # CUDA-style {scale, growth_factor, ...}

Weights are random (seeded), built directly as tensors (open_clip is not instantiated).  B = A + a small perturbation
whose relative size grows with depth, as if the model had trained on one more TiC year; B's optimizer moments and step
count are new as well.  Files (≈1.7955 GB each, torch zip format, pickle protocol 2, ZIP_STORED) go to
bench/.data/A.pt and bench/.data/B.pt; a manifest records their sizes, and generation is skipped when both files
exist with the recorded sizes.

Run with the Debian torch:  /usr/bin/python3 bench/make_vit_b16_checkpoint.py [--out DIR] [--force]
"""
from __future__ import annotations

import argparse
import collections
import json
import math
import os
import re
import shutil
import sys
import time
import zipfile

import numpy as np
import torch

GENERATOR_VERSION = 1
SEED = 20240611
N_TENSORS = 302
N_PARAMS = 149_620_737
HERE = os.path.dirname(os.path.abspath(__file__))
SHAPES_FIXTURE = os.path.join(HERE, '..', '..', 'shared', 'fixtures', 'openclip', 'state_dict_shapes.json')
EXPECTED_GLOBALS = {
    '_codecs.encode', 'collections.OrderedDict', 'numpy.core.multiarray.scalar', 'numpy.dtype',
    'torch.FloatStorage', 'torch._utils._rebuild_tensor_v2',
}

BLOCK_SUFFIXES = [
    ('ln_1.weight', 'w'), ('ln_1.bias', 'w'),
    ('attn.in_proj_weight', '3w,w'), ('attn.in_proj_bias', '3w'),
    ('attn.out_proj.weight', 'w,w'), ('attn.out_proj.bias', 'w'),
    ('ln_2.weight', 'w'), ('ln_2.bias', 'w'),
    ('mlp.c_fc.weight', '4w,w'), ('mlp.c_fc.bias', '4w'),
    ('mlp.c_proj.weight', 'w,4w'), ('mlp.c_proj.bias', 'w'),
]


def vit_b16_shapes() -> 'collections.OrderedDict[str, tuple[int, ...]]':
    """ViT-B-16 state-dict keys (unprefixed) in open_clip's order, contracts §2.7."""
    vw, tw, embed, layers, patch, grid, ctx, vocab = 768, 512, 512, 12, 16, 14, 77, 49408
    s: 'collections.OrderedDict[str, tuple[int, ...]]' = collections.OrderedDict()
    s['positional_embedding'] = (ctx, tw)
    s['text_projection'] = (tw, embed)
    s['logit_scale'] = ()
    s['visual.class_embedding'] = (vw,)
    s['visual.positional_embedding'] = (grid * grid + 1, vw)
    s['visual.proj'] = (vw, embed)
    s['visual.conv1.weight'] = (vw, 3, patch, patch)
    s['visual.ln_pre.weight'] = (vw,)
    s['visual.ln_pre.bias'] = (vw,)

    def blocks(prefix: str, w: int) -> None:
        dims = {'w': w, '3w': 3 * w, '4w': 4 * w}
        for i in range(layers):
            for suffix, spec in BLOCK_SUFFIXES:
                s[f'{prefix}.resblocks.{i}.{suffix}'] = tuple(dims[d] for d in spec.split(','))

    blocks('visual.transformer', vw)
    s['visual.ln_post.weight'] = (vw,)
    s['visual.ln_post.bias'] = (vw,)
    blocks('transformer', tw)
    s['token_embedding.weight'] = (vocab, tw)
    s['ln_final.weight'] = (tw,)
    s['ln_final.bias'] = (tw,)
    return s


def check_shapes(shapes) -> None:
    assert len(shapes) == N_TENSORS, len(shapes)
    total = sum(math.prod(v) for v in shapes.values())
    assert total == N_PARAMS, total
    if os.path.exists(SHAPES_FIXTURE):
        with open(SHAPES_FIXTURE) as f:
            ref = json.load(f)['ViT-B-16']
        assert list(ref.keys()) == list(shapes.keys()), 'key order differs from state_dict_shapes.json'
        for k, v in ref.items():
            assert tuple(v) == shapes[k], (k, v, shapes[k])
        print(f'shapes match {os.path.normpath(SHAPES_FIXTURE)} (302 keys, order and shapes)', flush=True)


def no_decay(name: str, ndim: int) -> bool:
    # open_clip main.py: exclude = p.ndim < 2 or "bn" in n or "ln" in n or "bias" in n or 'logit_scale' in n
    return ndim < 2 or 'bn' in name or 'ln' in name or 'bias' in name or 'logit_scale' in name


def depth_of(name: str) -> float:
    """0..1 position of the tensor in its tower (for a depth-dependent perturbation)."""
    m = re.search(r'resblocks\.(\d+)\.', name)
    if m:
        return (int(m.group(1)) + 0.5) / 12
    return 1.0 if ('ln_post' in name or 'proj' in name or 'ln_final' in name or 'logit_scale' in name) else 0.0


def init_weights(shapes, g: torch.Generator) -> 'collections.OrderedDict[str, torch.Tensor]':
    """Random but plausibly-scaled weights (roughly open_clip's init, plus noise on LN/bias so that no tensor is 0)."""
    sd: 'collections.OrderedDict[str, torch.Tensor]' = collections.OrderedDict()
    for name, shape in shapes.items():
        if name == 'logit_scale':
            t = torch.tensor(4.2, dtype=torch.float32)  # trained value, below ln(100)
        elif name.endswith('.bias') or name.endswith('in_proj_bias'):
            t = torch.randn(shape, generator=g) * 0.02
        elif re.search(r'(ln_\w+|ln_final)\.weight$', name):
            t = 1.0 + torch.randn(shape, generator=g) * 0.05
        else:
            fan_in = shape[-1] if len(shape) >= 2 else shape[0]
            if name == 'visual.conv1.weight':
                fan_in = shape[1] * shape[2] * shape[3]
            std = 0.02 if 'embedding' in name else fan_in ** -0.5
            t = torch.randn(shape, generator=g) * std
        sd[name] = t.contiguous()
    return sd


def perturb(sd, g: torch.Generator):
    """B = A + delta, with ‖delta‖/‖A‖ ≈ 0.5%..3% depending on tower and depth."""
    out = collections.OrderedDict()
    for name, a in sd.items():
        tower_base = 0.01 if name.startswith('visual.') else 0.005
        rel = tower_base * (1.0 + 2.0 * depth_of(name))
        if name == 'logit_scale':
            out[name] = a + 0.05
            continue
        rms = float(a.pow(2).mean().sqrt())
        out[name] = (a + torch.randn(a.shape, generator=g) * (rel * rms)).contiguous()
    return out


def make_optimizer(sd, g: torch.Generator, step: int, lr: float, wd: float = 0.2):
    names = list(sd.keys())
    group0 = [i for i, n in enumerate(names) if no_decay(n, sd[n].ndim)]
    group1 = [i for i, n in enumerate(names) if not no_decay(n, sd[n].ndim)]
    order = group0 + group1  # torch numbers params across groups in group order
    state = {}
    for idx, pi in enumerate(order):
        p = sd[names[pi]]
        state[idx] = {
            'step': torch.tensor(float(step)),
            'exp_avg': torch.randn(p.shape, generator=g) * 1e-4,
            'exp_avg_sq': torch.rand(p.shape, generator=g) * 1e-8,
        }

    def group(ids, weight_decay):
        return {'weight_decay': weight_decay, 'lr': np.float64(lr), 'betas': (0.9, 0.98), 'eps': 1e-06,
                'amsgrad': False, 'foreach': None, 'maximize': False, 'capturable': False, 'params': ids}

    param_groups = [group(list(range(len(group0))), 0.0), group(list(range(len(group0), len(order))), wd)]
    assert (len(group0), len(group1)) == (200, 102), (len(group0), len(group1))
    return {'state': state, 'param_groups': param_groups}


def scaler_state(growth_tracker: int):
    return {'scale': 65536.0, 'growth_factor': 2.0, 'backoff_factor': 0.5, 'growth_interval': 2000,
            '_growth_tracker': growth_tracker}


def expected_min_size() -> int:
    # fp32 weights + exp_avg + exp_avg_sq, plus one 4-byte step per param tensor
    return 12 * N_PARAMS + 4 * N_TENSORS


def size_plausible(path: str) -> bool:
    if not os.path.exists(path):
        return False
    n = os.path.getsize(path)
    return expected_min_size() <= n <= expected_min_size() + 4_000_000


def verify_zip(path: str, root: str) -> None:
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        assert names[0] == f'{root}/data.pkl', names[0]
        storages = [n for n in names if n.startswith(f'{root}/data/')]
        assert len(storages) == 4 * N_TENSORS, len(storages)
        assert all(i.compress_type == zipfile.ZIP_STORED for i in z.infolist())
        pkl = z.read(f'{root}/data.pkl')
    import pickletools
    globals_seen = set()
    protos = set()
    for op, arg, _ in pickletools.genops(pkl):
        if op.name == 'GLOBAL':
            globals_seen.add(arg.replace(' ', '.'))
        if op.name == 'PROTO':
            protos.add(arg)
    assert globals_seen == EXPECTED_GLOBALS, globals_seen
    assert protos == {2}, protos
    print(f'  {os.path.basename(path)}: zip root {root}/, {len(storages)} storages, data.pkl {len(pkl)} B, '
          f'pickle protocol 2, globals = the six of §2.6', flush=True)


def save(obj, out_dir: str, filename: str) -> int:
    # torch names the zip root after the file stem, so save under the final name in a scratch dir, then rename.
    scratch = os.path.join(out_dir, '.tmp-gen')
    os.makedirs(scratch, exist_ok=True)
    tmp = os.path.join(scratch, filename)
    t0 = time.perf_counter()
    torch.save(obj, tmp)
    os.replace(tmp, os.path.join(out_dir, filename))
    shutil.rmtree(scratch, ignore_errors=True)
    final = os.path.join(out_dir, filename)
    print(f'  wrote {final}: {os.path.getsize(final):,} B in {time.perf_counter() - t0:.1f} s', flush=True)
    verify_zip(final, os.path.splitext(filename)[0])
    return os.path.getsize(final)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--out', default=os.path.join(HERE, '.data'))
    ap.add_argument('--force', action='store_true', help='regenerate even if the files exist')
    args = ap.parse_args()
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    a_path, b_path, manifest_path = (os.path.join(out, n) for n in ('A.pt', 'B.pt', 'manifest.json'))

    if not args.force and os.path.exists(manifest_path):
        with open(manifest_path) as f:
            m = json.load(f)
        if (m.get('version') == GENERATOR_VERSION and size_plausible(a_path) and size_plausible(b_path)
                and os.path.getsize(a_path) == m['files']['A.pt'] and os.path.getsize(b_path) == m['files']['B.pt']):
            print(f'checkpoints already present in {out} (sizes match manifest); skipping generation')
            return 0

    torch.set_num_threads(max(1, os.cpu_count() or 1))
    shapes = vit_b16_shapes()
    check_shapes(shapes)
    t0 = time.perf_counter()
    g = torch.Generator().manual_seed(SEED)
    prefix = 'module.'  # multi-GPU (DDP) checkpoint, like the published TiC-CLIP ones

    print('generating A (ViT-B-16, epoch 1 of the 2021 step) ...', flush=True)
    sd_a = init_weights(shapes, g)
    opt_a = make_optimizer(sd_a, g, step=12_000, lr=1.223587092621159e-05)
    ckpt_a = {'epoch': 1, 'name': 'tic_bench_vitb16_2021', 'state_dict':
              collections.OrderedDict((prefix + k, v) for k, v in sd_a.items()),
              'optimizer': opt_a, 'scaler': scaler_state(1234)}
    size_a = save(ckpt_a, out, 'A.pt')
    del ckpt_a, opt_a

    print('generating B = A + perturbation (one more year of training) ...', flush=True)
    sd_b = perturb(sd_a, g)
    del sd_a
    opt_b = make_optimizer(sd_b, g, step=24_000, lr=1.3e-05)
    ckpt_b = {'epoch': 1, 'name': 'tic_bench_vitb16_2022', 'state_dict':
              collections.OrderedDict((prefix + k, v) for k, v in sd_b.items()),
              'optimizer': opt_b, 'scaler': scaler_state(567)}
    size_b = save(ckpt_b, out, 'B.pt')
    del ckpt_b, opt_b, sd_b

    for p in (a_path, b_path):
        assert size_plausible(p), (p, os.path.getsize(p), expected_min_size())
    with open(manifest_path, 'w') as f:
        json.dump({'version': GENERATOR_VERSION, 'seed': SEED, 'torch': torch.__version__, 'numpy': np.__version__,
                   'arch': 'ViT-B-16', 'tensors': N_TENSORS, 'params': N_PARAMS,
                   'files': {'A.pt': size_a, 'B.pt': size_b}}, f, indent=1)
    print(f'done in {time.perf_counter() - t0:.1f} s', flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
