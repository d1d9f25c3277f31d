#!/usr/bin/env python3
"""The torch side of bench/checkpointBench.mjs: what a researcher would run without TiC Studio.

  load PATH          torch.load(PATH, map_location='cpu', weights_only=False); prints JSON {loadSeconds}
  diff A B OUT.json  loads both checkpoints with torch.load, strips 'module.', and computes per state-dict tensor
                     ‖B−A‖₂, ‖B−A‖₂/‖A‖₂ and cosine(A, B) in float64 (like TiC Studio's diff); writes the per-tensor
                     numbers to OUT.json and prints JSON {loadSeconds, computeSeconds, totalSeconds, maxRssKiB,
                     threads, compute32Seconds}; compute32Seconds times the same loop in float32 (a faster but less
                     precise variant, reported for reference; the float64 numbers are the ones compared)

Times are measured in-process with time.perf_counter (after `import torch`). Run with /usr/bin/python3 (Debian torch).
"""
import json
import os
import resource
import sys
import time

import torch

# torch's own thread default (1 on Debian's build here; on the 2-core bench machine, which other work shares, 2
# threads made the float64 compute ~1.8x slower, 4.6 s vs 2.5 s). BENCH_TORCH_THREADS overrides it.
if os.environ.get('BENCH_TORCH_THREADS'):
    torch.set_num_threads(int(os.environ['BENCH_TORCH_THREADS']))


def load(path):
    return torch.load(path, map_location='cpu', weights_only=False)


def state_dict(ckpt):
    sd = ckpt['state_dict'] if isinstance(ckpt, dict) and 'state_dict' in ckpt else ckpt
    return {(k[7:] if k.startswith('module.') else k): v for k, v in sd.items() if torch.is_tensor(v)}


def main(argv):
    cmd = argv[1]
    if cmd == 'load':
        t0 = time.perf_counter()
        load(argv[2])
        print(json.dumps({'loadSeconds': time.perf_counter() - t0}))
        return 0
    if cmd == 'diff':
        a_path, b_path, out_path = argv[2:5]
        t0 = time.perf_counter()
        sd_a = state_dict(load(a_path))
        sd_b = state_dict(load(b_path))
        t1 = time.perf_counter()
        rows = []
        with torch.no_grad():
            for name, a in sd_a.items():
                b = sd_b.get(name)
                if b is None or b.shape != a.shape:
                    continue
                a64 = a.double()
                b64 = b.double()
                l2 = float(torch.linalg.vector_norm(b64 - a64))
                na = float(torch.linalg.vector_norm(a64))
                nb = float(torch.linalg.vector_norm(b64))
                dot = float(torch.dot(a64.flatten(), b64.flatten()))
                rows.append({'name': name, 'l2Delta': l2, 'relDelta': l2 / na if na else None,
                             'cosine': max(-1.0, min(1.0, dot / (na * nb))) if na and nb else None})
        t2 = time.perf_counter()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        with torch.no_grad():
            for name, a in sd_a.items():
                b = sd_b.get(name)
                if b is None or b.shape != a.shape:
                    continue
                float(torch.linalg.vector_norm(b - a)), float(torch.linalg.vector_norm(a))
                float(torch.linalg.vector_norm(b)), float(torch.dot(a.flatten(), b.flatten()))
        t3 = time.perf_counter()
        with open(out_path, 'w') as f:
            json.dump({'tensors': rows}, f)
        print(json.dumps({'loadSeconds': t1 - t0, 'computeSeconds': t2 - t1, 'totalSeconds': t2 - t0,
                          'maxRssKiB': rss, 'threads': torch.get_num_threads(), 'compute32Seconds': t3 - t2}))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
