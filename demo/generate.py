#!/usr/bin/env python3
"""Generate the TiC Studio demo workspace (a small ml-tic-clip tree with SAMPLE data).

    /usr/bin/python3 demo/generate.py

Deterministic: fixed seeds and fixed timestamps. Every number written here (losses,
accuracies, recalls, timings) is made up to look plausible; nothing comes from a real
training run. Formats follow docs/contracts.md and the real OpenCLIP outputs in
shared/fixtures/openclip/. Checkpoints are real torch files from the tiny CLIP builder
in test/fixtures/checkpoints/make_checkpoints.py.

The absolute paths written into logs / params.txt / info.pkl use the prefix
/home/demo/ml-tic-clip, which stands for this demo/ folder.
"""

from __future__ import annotations

import json
import math
import os
import pathlib
import pickle
import random
import shutil
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Dict, List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # keep __pycache__ out of test/fixtures/checkpoints
sys.path.insert(0, os.path.join(HERE, "..", "test", "fixtures", "checkpoints"))

import make_checkpoints as mc  # noqa: E402  (tiny CLIP builder, real torch)

# ---------------------------------------------------------------------------------------
# Workspace constants
# ---------------------------------------------------------------------------------------

ABS_ROOT = "/home/demo/ml-tic-clip"  # stands for demo/
OUTPUT_DIR = f"{ABS_ROOT}/datacomp/results"
DATA_ROOT = "/home/demo/data/tic-datacomp-yearly/train"
MONTHLY_DATA_ROOT = "/home/demo/data/tic-datacomp-monthly/train"  # $TIC_DATACOMP_M_PATH/train (contracts §4.3)
IMAGENET_VAL = "/home/demo/data/imagenet/val"
SCALE = "tic_medium"
MODEL = "ViT-B-32"
FILTERING = "basic"

# tic_medium geometry (contracts §1.2): 8 GPUs x 512 = 4096, 5 checkpoints, 900 steps/epoch
WORLD_SIZE = 8
PER_GPU_BATCH = 512
GLOBAL_BATCH = WORLD_SIZE * PER_GPU_BATCH
EPOCHS = 5
SAMPLES_PER_EPOCH = 4096 * 4500 // EPOCHS  # 3,686,400
STEPS_PER_EPOCH = SAMPLES_PER_EPOCH // GLOBAL_BATCH  # 900
TOTAL_STEPS = STEPS_PER_EPOCH * EPOCHS  # 4500
BASE_LR = 5e-4
LOG_EVERY = 50
ZEROSHOT_EPOCHS = (2, 4, 5)
EVAL_YEARS = list(range(2014, 2023))

# basic-filtered medium shards per year (about 1/100 of the internal xlarge counts)
SHARDS = {2014: 71, 2015: 70, 2016: 150, 2017: 410, 2018: 508, 2019: 529}
# ... and per month (a month holds about 1/12 of its year)
MONTH_SHARDS = {202001: 44, 202002: 41, 202003: 46}

# The 102 TiC-DataComp months, generate_tasklist.py's MONTHS (contracts §3.4; src/tic/ticMonths.ts): gaps included.
TIC_MONTHS: List[int] = (
    [201400 + m for m in (3, 4, 7, 8, 9, 10, 11, 12)]
    + [201500 + m for m in (1, 2, 3, 4, 5, 6, 7, 8, 10, 11)]
    + [201600 + m for m in (2, 4, 5, 6, 7, 8, 9, 10, 12)]
    + [y * 100 + m for y in range(2017, 2022) for m in range(1, 13)]
    + [202200 + m for m in (1, 5, 6, 7, 8, 9, 10, 11, 12)]
    + [202300 + m for m in range(1, 7)]
)
assert len(TIC_MONTHS) == 102

# The months whose placeholder training folders demo/data/train-monthly/ holds (what the demo can train next: the
# months after its monthly chain, and 2023-01...2023-06 to continue a published 2022.pt month by month).
DATA_MONTHS = [202001, 202002, 202003, 202004, 202005, 202006, 202301, 202302, 202303, 202304, 202305, 202306]

# Tiny checkpoints: 1+1 layers, width 4 -> each file about 50 KB
DEMO_CKPT_CONFIG = mc.TinyClipConfig(
    vision_width=4, vision_layers=1, patch_size=4, image_size=8,
    text_width=4, text_layers=1, context_length=16, vocab_size=32, embed_dim=4,
)


@dataclass
class Run:
    variant: str  # the strategy: cumulative | sequential
    year: int
    parent: Optional[Tuple[str, int]]
    start: datetime
    seed: int
    loss_start: float
    loss_end: float
    scale_start: float
    scale_end: float
    imagenet: Tuple[Tuple[float, float], ...]  # (top1, top5) at epochs 2, 4, 5
    retr_base: float  # mean_recall@1 on its own year
    dcnet_base: float  # acc1 on its own year
    evaluated: bool = True
    # A method variant (another lr) continuing the same strategy: its exp names end in _{suffix}
    suffix: str = ""
    lr: float = BASE_LR
    # A monthly step (contracts §1.7): the month it trains (YYYYMM); `year` is then that month's calendar year.
    month: Optional[int] = None

    @property
    def step(self) -> int:
        """The time step: the year, or the month (YYYYMM) of a monthly step."""
        return self.month if self.month is not None else self.year

    @property
    def key(self) -> Tuple[str, int]:
        """How a child names this run as its parent: (strategy, year or month); (strategy_suffix, year): a variant."""
        return (f"{self.variant}_{self.suffix}" if self.suffix else self.variant, self.step)

    @property
    def exp_name(self) -> str:
        if self.month is not None:  # src/plan/resumePlan.ts: datacomp_{scale}-{filtering}_{strategy}_m{YYYYMM}
            return f"datacomp_medium-{FILTERING}_{self.variant}_m{self.month}"
        return f"datacomp_medium-{FILTERING}_{self.variant}_{self.year}" + (f"_{self.suffix}" if self.suffix else "")

    @property
    def warmup(self) -> int:
        return 500 if self.parent is None else 0  # first step uses the scale config, later --warmup 0

    @property
    def data_years(self) -> List[int]:
        """The data folders, newest first: years, or for a monthly step its months (sequential: the month alone)."""
        if self.month is not None:
            assert self.variant == "sequential"
            return [self.month]
        if self.year == 2016:
            return [2016, 2015, 2014]
        if self.variant == "cumulative":
            return list(range(self.year, 2013, -1))  # the scripts prepend each new year
        return [self.year]


RUNS: List[Run] = [
    Run("cumulative", 2016, None, datetime(2025, 3, 3, 9, 12, 7), 11, 8.318, 5.21, 14.286, 37.9,
        ((0.04118, 0.12054), (0.07968, 0.20742), (0.09134, 0.22896)), 0.262, 0.184),
    Run("cumulative", 2017, ("cumulative", 2016), datetime(2025, 3, 3, 10, 21, 44), 12, 5.46, 4.87, 37.9, 46.8,
        ((0.10312, 0.24748), (0.11984, 0.27516), (0.12622, 0.28608)), 0.284, 0.203),
    Run("sequential", 2017, ("cumulative", 2016), datetime(2025, 3, 3, 10, 24, 19), 13, 5.41, 4.81, 37.9, 46.3,
        ((0.09976, 0.24118), (0.11528, 0.26802), (0.12068, 0.27714)), 0.281, 0.199),
    Run("cumulative", 2018, ("cumulative", 2017), datetime(2025, 3, 3, 13, 47, 51), 14, 5.23, 4.66, 46.8, 54.9,
        ((0.13148, 0.29376), (0.14332, 0.31368), (0.14886, 0.32238)), 0.297, 0.216),
    Run("sequential", 2018, ("sequential", 2017), datetime(2025, 3, 4, 8, 15, 3), 15, 5.26, 4.69, 46.3, 54.1,
        ((0.12014, 0.27452), (0.12962, 0.29098), (0.13376, 0.29806)), 0.290, 0.208),
    Run("cumulative", 2019, ("cumulative", 2018), datetime(2025, 3, 4, 10, 40, 26), 16, 5.08, 4.52, 54.9, 61.8,
        ((0.15338, 0.33012), (0.16406, 0.34718), (0.16902, 0.35486)), 0.306, 0.224, evaluated=False),
    # A method variant: the cumulative chain continued from the same 2016 checkpoint with lr 1e-4 instead of 5e-4,
    # so the chain forks after 2016 (TiC Studio shows two cumulative lineages).
    Run("cumulative", 2017, ("cumulative", 2016), datetime(2025, 3, 5, 9, 3, 12), 17, 5.46, 4.95, 37.9, 43.1,
        ((0.10488, 0.25012), (0.11802, 0.27236), (0.12310, 0.28154)), 0.281, 0.201, suffix="lr1e4", lr=1e-4),
    Run("cumulative", 2018, ("cumulative_lr1e4", 2017), datetime(2025, 3, 5, 12, 30, 40), 18, 5.19, 4.74, 43.1,
        49.6, ((0.12876, 0.28902), (0.13904, 0.30688), (0.14398, 0.31512)), 0.293, 0.212, suffix="lr1e4", lr=1e-4),
    # A short sequential monthly chain branched off the cumulative 2019 step (contracts §1.7, our reading of "the same
    # commands" for months): 2020-01, 2020-02, 2020-03, each --new_run --warmup 0 --resume the step before, on that
    # month's folder alone, with the scale's step budget. 2020-03 is not evaluated yet.
    Run("sequential", 2020, ("cumulative", 2019), datetime(2025, 3, 6, 9, 5, 33), 19, 4.63, 4.44, 61.8, 63.9,
        ((0.16214, 0.34388), (0.16702, 0.35106), (0.16988, 0.35612)), 0.306, 0.222, month=202001),
    Run("sequential", 2020, ("sequential", 202001), datetime(2025, 3, 6, 10, 4, 18), 20, 4.55, 4.37, 63.9, 65.7,
        ((0.16594, 0.35020), (0.16876, 0.35388), (0.17046, 0.35702)), 0.308, 0.223, month=202002),
    Run("sequential", 2020, ("sequential", 202002), datetime(2025, 3, 6, 11, 2, 51), 21, 4.49, 4.31, 65.7, 67.3,
        ((0.16642, 0.35112), (0.16930, 0.35490), (0.17108, 0.35796)), 0.310, 0.224, month=202003, evaluated=False),
]
RUN_BY_KEY: Dict[Tuple[str, int], Run] = {r.key: r for r in RUNS}


def run_dir_abs(run: Run) -> str:
    return f"{OUTPUT_DIR}/{run.exp_name}"


def latest_ckpt_abs(run: Run) -> str:
    return f"{run_dir_abs(run)}/checkpoints/epoch_latest.pt"


def data_root(run: Run) -> str:
    return DATA_ROOT if run.month is None else MONTHLY_DATA_ROOT


def data_dir_arg(run: Run) -> str:
    return "::".join(f"{data_root(run)}/{y}/" for y in run.data_years)


def train_data(run: Run) -> str:
    # datacomp train.py get_input_shards: "{dir}/{00000000..N}.tar" per directory, joined with ::
    shards = SHARDS if run.month is None else MONTH_SHARDS
    return "::".join(f"{data_root(run)}/{y}/{{{0:08d}..{shards[y] - 1:08d}}}.tar" for y in run.data_years)


# ---------------------------------------------------------------------------------------
# params.txt (97 keys of open_clip @73fa7f0, sorted; values are str() renderings)
# ---------------------------------------------------------------------------------------

def params_for(run: Run) -> Dict[str, str]:
    rd = run_dir_abs(run)
    p = {
        "accum_freq": "1",
        "aug_cfg": "{}",
        "batch_size": str(PER_GPU_BATCH),
        "beta1": "0.9",
        "beta2": "0.98",
        "checkpoint_path": f"{rd}/checkpoints",
        "coca_caption_loss_weight": "2.0",
        "coca_contrastive_loss_weight": "1.0",
        "copy_codebase": "False",
        "csv_caption_key": "title",
        "csv_img_key": "filepath",
        "csv_separator": "\t",
        "dataset_resampled": "True",
        "dataset_type": "webdataset",
        "ddp_static_graph": "True",
        "debug": "False",
        "delete_previous_checkpoint": "False",
        "device": "cuda:0",
        "dist_backend": "nccl",
        "dist_url": "env://",
        "distill": "False",
        "distill_model": "None",
        "distill_pretrained": "None",
        "distributed": "True",
        "epochs": str(EPOCHS),
        "epochs_cooldown": "None",
        "eps": "1e-06",
        "force_custom_text": "False",
        "force_image_size": "None",
        "force_patch_dropout": "None",
        "force_quick_gelu": "False",
        "gather_with_grad": "True",
        "grad_checkpointing": "True",
        "grad_clip_norm": "None",
        "horovod": "False",
        "image_interpolation": "None",
        "image_mean": "None",
        "image_resize_mode": "None",
        "image_std": "None",
        "imagenet_v2": "None",
        "imagenet_val": IMAGENET_VAL,
        "local_loss": "True",
        "local_rank": "0",
        "lock_image": "False",
        "lock_image_freeze_bn_stats": "False",
        "lock_image_unlocked_groups": "0",
        "lock_text": "False",
        "lock_text_freeze_layer_norm": "False",
        "lock_text_unlocked_layers": "0",
        "log_every_n_steps": str(LOG_EVERY),
        "log_level": "20",
        "log_local": "False",
        "log_path": f"{rd}/out.log",
        "logs": OUTPUT_DIR,
        "lr": str(run.lr),
        "lr_cooldown_end": "0.0",
        "lr_cooldown_power": "1.0",
        "lr_scheduler": "cosine",
        "model": MODEL,
        "name": run.exp_name,
        "new_run": str(run.parent is not None),
        "no_set_device_rank": "False",
        "precision": "amp",
        "pretrained": "",
        "pretrained_image": "False",
        "rank": "0",
        "remote_sync": "None",
        "remote_sync_frequency": "300",
        "remote_sync_protocol": "s3",
        "report_to": "",
        "resume": latest_ckpt_abs(RUN_BY_KEY[run.parent]) if run.parent else "None",
        "save_frequency": "1",
        "save_most_recent": "True",
        "seed": "0",
        "siglip": "False",
        "skip_scheduler": "False",
        "tensorboard": "False",
        "tensorboard_path": "",
        "torchcompile": "False",
        "torchscript": "False",
        "trace": "False",
        "train_data": train_data(run),
        "train_data_upsampling_factors": "None",
        "train_num_samples": str(SAMPLES_PER_EPOCH),
        "use_bn_sync": "False",
        "use_bnb_linear": "None",
        "val_data": "None",
        "val_frequency": "1",
        "val_num_samples": "None",
        "wandb": "False",
        "wandb_notes": "",
        "wandb_project_name": "open-clip",
        "warmup": str(run.warmup),
        "wd": "0.2",
        "workers": "4",
        "world_size": str(WORLD_SIZE),
        "zeroshot_frequency": "2",
    }
    assert len(p) == 97
    return dict(sorted(p.items()))


# ---------------------------------------------------------------------------------------
# out.log
# ---------------------------------------------------------------------------------------

def ts(t: datetime) -> str:
    return t.strftime("%Y-%m-%d,%H:%M:%S")


def clip_repr(vw: int = 768, vl: int = 12, patch: int = 32, tw: int = 512, tl: int = 12, vocab: int = 49408) -> str:
    """str(model) of open_clip CLIP as printed by torch 1.13 (ViT-B-32 by default)."""

    def block(i: int, w: int, ind: str) -> List[str]:
        return [
            f"{ind}({i}): ResidualAttentionBlock(",
            f"{ind}  (ln_1): LayerNorm(({w},), eps=1e-05, elementwise_affine=True)",
            f"{ind}  (attn): MultiheadAttention(",
            f"{ind}    (out_proj): NonDynamicallyQuantizableLinear(in_features={w}, out_features={w}, bias=True)",
            f"{ind}  )",
            f"{ind}  (ls_1): Identity()",
            f"{ind}  (ln_2): LayerNorm(({w},), eps=1e-05, elementwise_affine=True)",
            f"{ind}  (mlp): Sequential(",
            f"{ind}    (c_fc): Linear(in_features={w}, out_features={4 * w}, bias=True)",
            f"{ind}    (gelu): GELU(approximate='none')",
            f"{ind}    (c_proj): Linear(in_features={4 * w}, out_features={w}, bias=True)",
            f"{ind}  )",
            f"{ind}  (ls_2): Identity()",
            f"{ind})",
        ]

    lines = [
        "CLIP(",
        "  (visual): VisionTransformer(",
        f"    (conv1): Conv2d(3, {vw}, kernel_size=({patch}, {patch}), stride=({patch}, {patch}), bias=False)",
        "    (patch_dropout): Identity()",
        f"    (ln_pre): LayerNorm(({vw},), eps=1e-05, elementwise_affine=True)",
        "    (transformer): Transformer(",
        "      (resblocks): ModuleList(",
    ]
    for i in range(vl):
        lines += block(i, vw, "        ")
    lines += [
        "      )",
        "    )",
        f"    (ln_post): LayerNorm(({vw},), eps=1e-05, elementwise_affine=True)",
        "  )",
        "  (transformer): Transformer(",
        "    (resblocks): ModuleList(",
    ]
    for i in range(tl):
        lines += block(i, tw, "      ")
    lines += [
        "    )",
        "  )",
        f"  (token_embedding): Embedding({vocab}, {tw})",
        f"  (ln_final): LayerNorm(({tw},), eps=1e-05, elementwise_affine=True)",
        ")",
    ]
    return "\n".join(lines)


def loss_at(run: Run, step: int) -> float:
    x = step / TOTAL_STEPS
    if run.parent is None:  # from scratch: fast initial drop from ln(4096)
        a = (1 + step / 400.0) ** -0.55
        a_end = (1 + TOTAL_STEPS / 400.0) ** -0.55
        lo = (run.loss_end - run.loss_start * a_end) / (1 - a_end)
        return lo + (run.loss_start - lo) * a
    # warm start on new data: small bump that decays, then a slow decrease
    return run.loss_end + (run.loss_start - run.loss_end) * (0.55 * math.exp(-step / 250.0) + 0.45 * (1 - x))


def scale_at(run: Run, step: int) -> float:
    k = 1 - math.exp(-step / 1800.0)
    k_end = 1 - math.exp(-TOTAL_STEPS / 1800.0)
    return min(100.0, run.scale_start + (run.scale_end - run.scale_start) * k / k_end)


def lr_at(run: Run, step: int) -> float:
    return float(mc.cosine_lr(step, run.lr, run.warmup, TOTAL_STEPS))


class Clock:
    def __init__(self, start: datetime) -> None:
        self.t = start

    def add(self, seconds: float) -> None:
        self.t += timedelta(seconds=seconds)

    def stamp(self) -> str:
        return ts(self.t)


def train_line(epoch: int, batch_count: int, data_t: float, batch_avg: float, batch_val: float,
               lr: float, scale: float, loss_val: float, loss_avg: float) -> str:
    num_samples = batch_count * PER_GPU_BATCH * 1 * WORLD_SIZE
    digits = math.ceil(math.log10(SAMPLES_PER_EPOCH + 1))
    pct = 100.0 * batch_count / STEPS_PER_EPOCH
    sps = 1 * PER_GPU_BATCH * WORLD_SIZE / batch_val
    sps_gpu = 1 * PER_GPU_BATCH / batch_val
    losses = f"Contrastive_loss: {loss_val:#.5g} ({loss_avg:#.5g}) Loss: {loss_val:#.5g} ({loss_avg:#.5g})"
    return (
        f"Train Epoch: {epoch} [{num_samples:>{digits}}/{SAMPLES_PER_EPOCH} ({pct:.0f}%)] "
        f"Data (t): {data_t:.3f} "
        f"Batch (t): {batch_avg:.3f}, {sps:#g}/s, {sps_gpu:#g}/s/gpu "
        f"LR: {lr:5f} "
        f"Logit Scale: {scale:.3f} " + losses
    )


def write_log(run: Run, path: str) -> Dict[int, Tuple[float, float]]:
    rng = random.Random(run.seed)
    clock = Clock(run.start)
    out: List[str] = []

    def log(msg: str) -> None:
        out.append(f"{clock.stamp()} | INFO | {msg}")

    rd = run_dir_abs(run)
    if run.parent is None:  # datacomp default --resume latest, nothing there yet
        log(f"No latest resume checkpoint found in {rd}/checkpoints.")
    log(f"Running in distributed mode with multiple processes. Device: cuda:0."
        f"Process (global: 0, local 0), total {WORLD_SIZE}.")
    clock.add(1.4)
    log(f"Loaded {MODEL} model config.")
    clock.add(2.2)
    log("Model:")
    log(clip_repr())
    log("Params:")
    for k, v in params_for(run).items():
        log(f"  {k}: {v}")
    clock.add(1.7)
    if run.parent is not None:
        log(f"=> resuming checkpoint '{latest_ckpt_abs(RUN_BY_KEY[run.parent])}' (epoch 0)")
    clock.add(4.3)
    results: Dict[int, Tuple[float, float]] = {}
    batch_mean = 0.61 + 0.01 * rng.random()
    for epoch in range(EPOCHS):
        log(f"Start epoch {epoch}")
        loss_vals: List[float] = []
        prev = 0
        logged = [1] + list(range(LOG_EVERY + 1, STEPS_PER_EPOCH + 1, LOG_EVERY))
        if logged[-1] != STEPS_PER_EPOCH:
            logged.append(STEPS_PER_EPOCH)
        for bc in logged:
            n = bc - prev
            if prev == 0:  # first batch pays for the webdataset pipeline start-up
                data_t = (13.0 if epoch == 0 else 5.5) + 3.0 * rng.random()
                batch_avg = data_t + 2.2 + 0.8 * rng.random()
                batch_val = batch_avg
            else:
                data_t = 0.03 + 0.12 * rng.random() ** 2
                batch_avg = batch_mean + data_t * 0.3 + 0.015 * (rng.random() - 0.5)
                batch_val = batch_avg + 0.03 * (rng.random() - 0.5)
            clock.add(batch_avg * n)
            prev = bc
            step = epoch * STEPS_PER_EPOCH + bc - 1
            loss = loss_at(run, step) + rng.gauss(0, 0.045)
            loss_vals.append(loss)
            avg = sum(loss_vals) / len(loss_vals)
            line = train_line(epoch, bc, data_t, batch_avg, batch_val, lr_at(run, step),
                              scale_at(run, step + 1), loss, avg)
            log(line)
        completed = epoch + 1
        if completed in ZEROSHOT_EPOCHS:
            top1, top5 = run.imagenet[ZEROSHOT_EPOCHS.index(completed)]
            log("Starting zero-shot imagenet.")
            log("Building zero-shot classifier")
            clock.add(24 + 6 * rng.random())
            log("Using classifier")
            clock.add(61 + 10 * rng.random())
            log("Finished zero-shot imagenet.")
            top1 = round(top1 * 50000) / 50000
            top5 = round(top5 * 50000) / 50000
            results[completed] = (top1, top5)
            metrics = {"imagenet-zeroshot-val-top1": top1, "imagenet-zeroshot-val-top5": top5}
            log(f"Eval Epoch: {completed} " + "\t".join(f"{k}: {round(v, 4):.4f}" for k, v in metrics.items()))
        clock.add(9 + 4 * rng.random())  # checkpoint save
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")
    return results


# ---------------------------------------------------------------------------------------
# Checkpoints (real torch files, tiny CLIP, DDP 'module.' keys, cuda:0 storages)
# ---------------------------------------------------------------------------------------

_final_weights: Dict[Tuple[str, int], Dict] = {}


def write_checkpoints(run: Run, ckpt_dir: str) -> None:
    import torch

    torch.manual_seed(run.seed)
    init = None
    if run.parent is not None:  # --new_run --resume: weights only, fresh optimizer
        init = _final_weights[run.parent]
    model = mc.build_model(DEMO_CKPT_CONFIG, seed=run.seed, init_state=init)
    opt = mc.make_optimizer(model, lr=run.lr, wd=0.2)
    rng = random.Random(run.seed + 100)
    for n in range(1, EPOCHS + 1):
        mc.real_steps(model, opt, [mc.cosine_lr(n * STEPS_PER_EPOCH - 1, run.lr, run.warmup, TOTAL_STEPS)],
                      seed=run.seed * 10 + n)
        for st in opt.state.values():
            st["step"].fill_(float(n * STEPS_PER_EPOCH))  # global step count of the (pretend) run
        scaler = {"scale": float(2 ** rng.choice([15, 16, 16, 17])), "growth_factor": 2.0, "backoff_factor": 0.5,
                  "growth_interval": 2000, "_growth_tracker": rng.randrange(0, 2000)}
        ck = mc.train_checkpoint(model, opt, epoch=n, name=run.exp_name, scaler=scaler, prefix="module.")
        cuda = list(ck["state_dict"].values())
        for st in ck["optimizer"]["state"].values():
            cuda += [st["exp_avg"], st["exp_avg_sq"]]
        mc.save_checkpoint(ck, os.path.join(ckpt_dir, f"epoch_{n}.pt"), cuda_tensors=cuda)
        mc.save_checkpoint(ck, os.path.join(ckpt_dir, "epoch_latest.pt"), via_tmp=True, cuda_tensors=cuda)
    _final_weights[run.key] = {k: v.detach().clone() for k, v in model.state_dict().items()}


# ---------------------------------------------------------------------------------------
# info.pkl and eval results
# ---------------------------------------------------------------------------------------

SCALE_CONFIG = {"batch_size": 4096, "learning_rate": 5e-4, "train_num_samples": 4096 * 4500,
                "warmup": 500, "model": MODEL, "beta2": None}


def train_info(run: Run) -> dict:
    return {
        "scale": SCALE,
        "checkpoint": pathlib.PosixPath(latest_ckpt_abs(run)),
        "scale_config": dict(SCALE_CONFIG),
        "data_dir": pathlib.PosixPath(data_dir_arg(run)),
    }


RETR_N = {2014: 3718, 2015: 3452, 2016: 6985, 2017: 10000, 2018: 10000, 2019: 10000, 2020: 10000, 2021: 10000, 2022: 9124}
DCNET_N = {2014: 21904, 2015: 18263, 2016: 36011, 2017: 50000, 2018: 50000, 2019: 50000, 2020: 47582, 2021: 50000, 2022: 41207}


def f32(x: float) -> float:
    import numpy as np

    return float(np.float32(x))


def temporal_factor(run: Run, eval_year: int, kind: str) -> float:
    seen_until = run.year
    if eval_year > seen_until:  # forward transfer: future data is harder
        g = eval_year - seen_until
        per, quad = (0.04, 0.002) if kind == "retrieval" else (0.018, 0.001)
        return 1 - per * g - quad * g * g
    g = seen_until - eval_year  # backward transfer
    if run.variant == "cumulative" or run.year == 2016 or eval_year >= run.year:
        per = 0.014 if kind == "retrieval" else 0.006
        return 1 - per * g
    # sequential: forgets years it no longer replays (everything before its own year)
    per = 0.055 if kind == "retrieval" else 0.026
    return 1 - 0.02 - per * g


def dcnet_metrics(rng: random.Random, acc1_true: float, n: int) -> Dict[str, float]:
    k1 = round(acc1_true * n)
    k5 = round((1 - (1 - acc1_true) ** 2.4) * n)
    mpcr = k1 / n * (0.965 + 0.02 * rng.random())
    metrics = {"acc1": k1 / n, "acc5": k5 / n, "mean_per_class_recall": mpcr}
    metrics["main_metric"] = metrics["acc1"]
    return metrics


def retrieval_metrics(rng: random.Random, m: float, n: int) -> Dict[str, float]:
    d = m * (0.025 + 0.02 * rng.random())
    r1_img, r1_txt = m - d, m + d
    metrics = {}
    for k, e in ((1, 1.0), (5, 2.3), (10, 3.1)):
        metrics[f"image_retrieval_recall@{k}"] = f32(round((1 - (1 - r1_img) ** e) * n) / n)
        metrics[f"text_retrieval_recall@{k}"] = f32(round((1 - (1 - r1_txt) ** e) * n) / n)
    metrics["mean_recall@1"] = 0.5 * (metrics["text_retrieval_recall@1"] + metrics["image_retrieval_recall@1"])
    metrics["main_metric"] = metrics["mean_recall@1"]
    return metrics


def eval_record(key: str, dataset: str, metrics: Dict[str, float]) -> str:
    return json.dumps({"key": key, "dataset": dataset, "metrics": metrics})


def eval_lines(run: Run) -> List[str]:
    if run.month is not None:
        return monthly_eval_lines(run)
    rng = random.Random(run.seed + 1000)
    lines = []
    for y in EVAL_YEARS:  # tasklist.yml order: datacompnet keys sort before retrieval keys
        acc1_true = run.dcnet_base * temporal_factor(run, y, "dcnet") + rng.uniform(-0.0015, 0.0015)
        lines.append(eval_record(f"tic/datacomp/datacompnet/yearly/{y}", f"TiC-DataCompNet-Yearly-{y}",
                                 dcnet_metrics(rng, acc1_true, DCNET_N[y])))
    for y in EVAL_YEARS:
        m = run.retr_base * temporal_factor(run, y, "retrieval") + rng.uniform(-0.003, 0.003)
        lines.append(eval_record(f"tic/datacomp/retrieval/yearly/{y}", f"TiC-DataComp-Retrieval-Yearly-{y}",
                                 retrieval_metrics(rng, m, RETR_N[y])))
    return lines


# The monthly eval sets are small: a few hundred image-text pairs (retrieval) and a few thousand images (DataCompNet)
# a month, fewer before 2017. Sizes and a per-month difficulty are fixed per month, the same for every model.
def month_set(month: int) -> Tuple[int, int, float, float]:
    rng = random.Random(month * 7 + 3)
    early = month < 201701
    retr_n = rng.randint(250, 450) if early else rng.randint(600, 1000)
    dcnet_n = rng.randint(900, 1800) if early else rng.randint(2500, 4200)
    return retr_n, dcnet_n, rng.uniform(-0.005, 0.005), rng.uniform(-0.0025, 0.0025)


def monthly_steps_before(run: Run) -> int:
    """How many sequential monthly steps this model has trained (1 for the first month after its yearly parent)."""
    k = 0
    r: Optional[Run] = run
    while r is not None and r.month is not None:
        k += 1
        r = RUN_BY_KEY[r.parent] if r.parent else None
    return k


def monthly_temporal_factor(run: Run, eval_month: int, kind: str) -> float:
    assert run.month is not None
    gap = (eval_month // 100 * 12 + eval_month % 100) - (run.month // 100 * 12 + run.month % 100)  # months
    g = abs(gap) / 12.0  # in years
    # the month it just trained on, and its neighbours, gain most
    near = (0.045 if kind == "retrieval" else 0.03) * math.exp(-abs(gap) / 1.5)
    if gap > 0:  # forward transfer: later months are harder
        per, quad = (0.04, 0.002) if kind == "retrieval" else (0.018, 0.001)
        return 1 + near - per * g - quad * g * g
    if gap == 0:
        return 1 + near
    # backward: the cumulative 2019 parent kept older years well; each sequential month forgets a little more
    per, forget = (0.014, 0.015) if kind == "retrieval" else (0.006, 0.008)
    return 1 + near - per * g - forget * monthly_steps_before(run)


def monthly_eval_lines(run: Run) -> List[str]:
    """Evaluated on the monthly tasks only (generate_tasklist.py --eval-tasks retrieval/monthly,datacompnet/monthly)."""
    rng = random.Random(run.seed + 2000)
    lines = []
    for mo in TIC_MONTHS:  # sorted keys: datacompnet before retrieval
        _, n, _, hard = month_set(mo)
        acc1_true = run.dcnet_base * monthly_temporal_factor(run, mo, "dcnet") + hard + rng.uniform(-0.0015, 0.0015)
        lines.append(eval_record(f"tic/datacomp/datacompnet/monthly/{mo}", f"TiC-DataCompNet-Monthly-{mo}",
                                 dcnet_metrics(rng, acc1_true, n)))
    for mo in TIC_MONTHS:
        n, _, hard, _ = month_set(mo)
        m = run.retr_base * monthly_temporal_factor(run, mo, "retrieval") + hard + rng.uniform(-0.003, 0.003)
        lines.append(eval_record(f"tic/datacomp/retrieval/monthly/{mo}", f"TiC-DataComp-Retrieval-Monthly-{mo}",
                                 retrieval_metrics(rng, m, n)))
    return lines


def write_month_shards() -> None:
    """Placeholder shards demo/data/train-monthly/{YYYYMM}/00000000.tar, like demo/data/train/{YEAR}/ (one caption)."""
    import io
    import tarfile

    root = os.path.join(HERE, "data", "train-monthly")
    shutil.rmtree(root, ignore_errors=True)
    for mo in DATA_MONTHS:
        os.makedirs(os.path.join(root, str(mo)))
        body = f"a sample caption from {mo // 100}-{mo % 100:02d}\n".encode()
        info = tarfile.TarInfo(f"{mo}0000000.txt")
        info.size, info.mtime, info.mode = len(body), 0, 0o644
        with tarfile.open(os.path.join(root, str(mo), "00000000.tar"), "w", format=tarfile.PAX_FORMAT) as tar:
            tar.addfile(info, io.BytesIO(body))


def tasklist_yaml() -> str:
    out = []
    for y in EVAL_YEARS:
        out += [f"tic/datacomp/datacompnet/yearly/{y}:", f"  name: TiC-DataCompNet-Yearly-{y}",
                "  num_classes: 1000", "  tags:", "  - tic", "  - classification", "  time: 20"]
    for y in EVAL_YEARS:
        out += [f"tic/datacomp/retrieval/yearly/{y}:", "  main_metric: mean_recall@1",
                f"  name: TiC-DataComp-Retrieval-Yearly-{y}", "  tags:", "  - tic", "  - retrieval", "  time: 20"]
    return "\n".join(out) + "\n"


README = """# TiC Studio demo workspace

**All numbers in this folder are sample data generated by `generate.py`. They are not real
training or evaluation results.** Losses, learning rates, timings, ImageNet zero-shot
accuracies and TiC retrieval / DataCompNet scores were made up to look plausible (each model
is best near its own training year or month, future years are lower, cumulative keeps older
years better than sequential).

The tree mimics an `apple/ml-tic-clip` checkout after running the TiC-DataComp medium
(`tic_medium`, ViT-B-32, basic filtering) scripts, so TiC Studio has something to show
(`npm start`, e2e tests):

```
demo/
  simulator/                     the stand-in train.py and evaluate.py of the demo's simulated runs (Node)
  data/                          placeholder shards and ImageNet folder for their pre-launch checks
  probe/                         two tiny ONNX models with random weights and four sample images, so the Probe
                                 gives a result in one click (its numbers mean nothing: probe/README.md)
  datacomp/
    train.py, evaluate.py        placeholders: print a notice and exit 1
    tasklist.yml                 yearly TiC tasks (DataCompNet + Retrieval, 2014-2022)
    results/<exp_name>/          one open_clip output dir per training step
      out.log  params.txt  info.pkl
      checkpoints/epoch_1.pt ... epoch_5.pt, epoch_latest.pt, results.jsonl
    eval_results/<exp_name>/     one evaluate.py --output_dir per checkpoint
      eval_results.jsonl  info.pkl
```

Training steps (`exp_name = datacomp_medium-basic_<strategy>_<year>`, a method variant adds `_<variant>`):

| exp_name | resumes from (`--new_run --resume`) | data years |
|---|---|---|
| datacomp_medium-basic_cumulative_2016 | (from scratch, warmup 500) | 2016, 2015, 2014 |
| datacomp_medium-basic_cumulative_2017 | cumulative_2016 | 2017 ... 2014 |
| datacomp_medium-basic_cumulative_2018 | cumulative_2017 | 2018 ... 2014 |
| datacomp_medium-basic_cumulative_2019 | cumulative_2018 | 2019 ... 2014 (**not evaluated yet**) |
| datacomp_medium-basic_sequential_2017 | cumulative_2016 (shared first step) | 2017 |
| datacomp_medium-basic_sequential_2018 | sequential_2017 | 2018 |
| datacomp_medium-basic_cumulative_2017_lr1e4 | cumulative_2016 (lr 1e-4: a variant, the chain forks) | 2017 ... 2014 |
| datacomp_medium-basic_cumulative_2018_lr1e4 | cumulative_2017_lr1e4 | 2018 ... 2014 |

A short **monthly** chain branched off the cumulative 2019 step (`exp_name =
datacomp_medium-basic_sequential_m<YYYYMM>`, sequential: one month's folder
`/home/demo/data/tic-datacomp-monthly/train/<YYYYMM>/` each):

| exp_name | resumes from (`--new_run --warmup 0 --resume`) | data month | evaluated on |
|---|---|---|---|
| datacomp_medium-basic_sequential_m202001 | cumulative_2019 (the yearly step it branches off) | 2020-01 | the 102 monthly tasks |
| datacomp_medium-basic_sequential_m202002 | sequential_m202001 | 2020-02 | the 102 monthly tasks |
| datacomp_medium-basic_sequential_m202003 | sequential_m202002 | 2020-03 | **not evaluated yet** |

Notes:

* Absolute paths inside logs, `params.txt` and `info.pkl` start with `/home/demo/ml-tic-clip/`,
  which stands for this `demo/` folder; training data lives under `/home/demo/data/` (not included).
* Run geometry is the real `tic_medium` one: 8 GPUs x 512, 3,686,400 samples and 900 steps per
  epoch, 5 epochs, `--log_every_n_steps 50`, zero-shot ImageNet after epochs 2, 4 and 5.
* The checkpoints are real PyTorch training checkpoints (`epoch`, `name`, `state_dict`,
  `optimizer` with 2 AdamW groups and numpy.float64 lr, GradScaler `scaler`), saved as by an
  8-GPU DDP run (`module.` key prefix, storages tagged `cuda:0`; load with
  `map_location='cpu'`). To keep the demo small the model inside is a **tiny** CLIP with the real
  OpenCLIP key names (width 4, 1 vision + 1 text layer, patch 4, image 8, context 16, vocab 32,
  embed dim 4), not a real ViT-B-32; `params.txt` still says ViT-B-32.
* The monthly steps follow TiC Studio's reading of the TIC README's "the same commands" for
  months: each continues the step before with a fresh optimizer and schedule and gets the same
  `tic_medium` budget as a yearly step (5 epochs of 3,686,400 samples). Their losses continue
  from where the 2019 step ended. Their evaluations hold the monthly TiC tasks only
  (`tic/datacomp/{datacompnet,retrieval}/monthly/<YYYYMM>`, all 102 months from 2014-03 to
  2023-06, gaps included): best on their own month, lower for later months, and older months a
  little lower with every sequential month.
* `data/` holds placeholder shards (one caption each) so that the simulated runs pass the
  pre-launch checks: years under `data/train/`, and the months 2020-01...2020-06 and
  2023-01...2023-06 under `data/train-monthly/` (see `data/README.md`).
* The simulated runs (`simulator/`) write made-up numbers in the same pattern: a step that
  continues a checkpoint starts its loss near where that run ended, and a monthly step is
  evaluated on the monthly tasks.
* `info.pkl` pickles `pathlib.PosixPath` objects, as datacomp's train.py does.

Regenerate with `/usr/bin/python3 demo/generate.py` (needs torch and numpy).
"""

PLACEHOLDER = ('import sys; sys.exit("TiC Studio demo workspace: {name} is a placeholder; '
               'there is no training/evaluation code here. Point TiC Studio at a real ml-tic-clip checkout.")\n')


def main() -> int:
    dc = os.path.join(HERE, "datacomp")
    for sub in ("results", "eval_results"):
        shutil.rmtree(os.path.join(dc, sub), ignore_errors=True)
    os.makedirs(dc, exist_ok=True)
    with open(os.path.join(HERE, "README.md"), "w") as f:
        f.write(README)
    for name in ("train.py", "evaluate.py"):
        with open(os.path.join(dc, name), "w") as f:
            f.write(PLACEHOLDER.format(name=f"datacomp/{name}"))
    with open(os.path.join(dc, "tasklist.yml"), "w") as f:
        f.write(tasklist_yaml())

    write_month_shards()
    for run in RUNS:
        rdir = os.path.join(dc, "results", run.exp_name)
        cdir = os.path.join(rdir, "checkpoints")
        os.makedirs(cdir)
        with open(os.path.join(rdir, "params.txt"), "w") as f:
            for k, v in params_for(run).items():
                f.write(f"{k}: {v}\n")
        zs = write_log(run, os.path.join(rdir, "out.log"))
        with open(os.path.join(cdir, "results.jsonl"), "w") as f:
            for ep in ZEROSHOT_EPOCHS:
                top1, top5 = zs[ep]
                f.write(json.dumps({"imagenet-zeroshot-val-top1": top1, "imagenet-zeroshot-val-top5": top5}) + "\n")
        write_checkpoints(run, cdir)
        with open(os.path.join(rdir, "info.pkl"), "wb") as f:
            pickle.dump(train_info(run), f, protocol=4)
        if run.evaluated:
            edir = os.path.join(dc, "eval_results", run.exp_name)
            os.makedirs(edir)
            with open(os.path.join(edir, "info.pkl"), "wb") as f:
                pickle.dump(train_info(run), f, protocol=4)
            with open(os.path.join(edir, "eval_results.jsonl"), "w") as f:
                for line in eval_lines(run):
                    f.write(line + "\n")
    print(f"demo workspace written to {HERE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
