#!/usr/bin/env python3
"""The torch side of bench/checkpointBench.mjs and bench/probeBench.mjs: what a researcher would run without TiC Studio.

  load PATH          torch.load(PATH, map_location='cpu', weights_only=False); prints JSON {loadSeconds}
  diff A B OUT.json  loads both checkpoints with torch.load, strips 'module.', and computes per state-dict tensor
                     ‖B−A‖₂, ‖B−A‖₂/‖A‖₂ and cosine(A, B) in float64 (like TiC Studio's diff); writes the per-tensor
                     numbers to OUT.json and prints JSON {loadSeconds, computeSeconds, totalSeconds, maxRssKiB,
                     threads, compute32Seconds}; compute32Seconds times the same loop in float32 (a faster but less
                     precise variant, reported for reference; the float64 numbers are the ones compared)
  blas               which BLAS this torch computes with and how fast: prints JSON {torch, buildBlas (BLAS_INFO of
                     torch.__config__.show(), fixed when torch was built), libblasAlternative (where Debian's
                     libblas.so.3 alternative points), sgemmFrom (the library whose sgemm_ libtorch_cpu binds to:
                     the BLAS torch really calls), openblasConfig (openblas_get_config(), when it is OpenBLAS),
                     threads (torch's and OpenBLAS's defaults), gflops / gflops1 (a 1024x1024 float32 matmul,
                     median of 9, with the default threads / on one thread)}.
                     Debian's torch is built against the generic libblas.so.3, so the library behind it is whichever
                     the alternative selects: the reference BLAS (libblas3) or OpenBLAS (libopenblas0-pthread).

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


def blas_report():
    import ctypes
    import platform
    import re

    build = re.search(r'BLAS_INFO=([^,\s]+)', torch.__config__.show())
    triplet = f'{platform.machine()}-linux-gnu'
    link = f'/usr/lib/{triplet}/libblas.so.3'
    alternative = os.path.realpath(link) if os.path.exists(link) else None

    def mapped(pattern):
        with open('/proc/self/maps') as f:
            paths = {line.split()[-1] for line in f if len(line.split()) > 5}
        return sorted(p for p in paths if re.search(pattern, p))

    class DlInfo(ctypes.Structure):
        _fields_ = [('dli_fname', ctypes.c_char_p), ('dli_fbase', ctypes.c_void_p),
                    ('dli_sname', ctypes.c_char_p), ('dli_saddr', ctypes.c_void_p)]

    def library_of(handle, symbol):
        """The file that defines `symbol` as seen from `handle` (dlsym on it searches its dependencies)."""
        try:
            address = ctypes.cast(getattr(handle, symbol), ctypes.c_void_p)
        except AttributeError:
            return None
        info = DlInfo()
        if not ctypes.CDLL(None).dladdr(address, ctypes.byref(info)):
            return None
        return os.path.realpath(info.dli_fname.decode())

    torch.randn(8, 8) @ torch.randn(8, 8)
    # The sgemm_ that libtorch_cpu binds to: the BLAS torch really calls, whatever the alternative says.
    libtorch = mapped(r'/libtorch_cpu\.so')
    sgemm_from = library_of(ctypes.CDLL(libtorch[0]), 'sgemm_') if libtorch else None
    openblas = None
    if sgemm_from:
        try:
            lib = ctypes.CDLL(sgemm_from)
            lib.openblas_get_config.restype = ctypes.c_char_p
            lib.openblas_get_config()
            openblas = lib
        except (OSError, AttributeError):
            pass

    def gflops(threads, n=1024, reps=9):
        # torch does not know its BLAS is OpenBLAS (built against the generic one), so OpenBLAS's own thread count
        # is set too.
        saved = (torch.get_num_threads(), openblas.openblas_get_num_threads() if openblas else None)
        if threads is not None:
            torch.set_num_threads(threads)
            if openblas:
                openblas.openblas_set_num_threads(threads)
        a, b = torch.randn(n, n), torch.randn(n, n)
        for _ in range(2):
            a @ b
        times = []
        for _ in range(reps):
            t0 = time.perf_counter()
            a @ b
            times.append(time.perf_counter() - t0)
        torch.set_num_threads(saved[0])
        if openblas:
            openblas.openblas_set_num_threads(saved[1])
        return 2 * n ** 3 / sorted(times)[reps // 2] / 1e9

    default_threads = {'torch': torch.get_num_threads(),
                       'openblas': openblas.openblas_get_num_threads() if openblas else None}
    g_default = gflops(None)
    g1 = gflops(1)
    return {'torch': torch.__version__, 'buildBlas': build.group(1) if build else None,
            'libblasAlternative': alternative, 'sgemmFrom': sgemm_from,
            'openblasConfig': openblas.openblas_get_config().decode() if openblas else None,
            'threads': default_threads, 'gflops': g_default, 'gflops1': g1}


def main(argv):
    cmd = argv[1]
    if cmd == 'blas':
        print(json.dumps(blas_report()))
        return 0
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
