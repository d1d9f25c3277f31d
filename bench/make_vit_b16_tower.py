#!/usr/bin/env python3
"""The probe benchmark's model and its torch peer (bench/probeBench.mjs).

    /usr/bin/python3 bench/make_vit_b16_tower.py OUT_DIR [--batch 8] [--runs 5]

Builds a ViT-B/16 image tower of CLIP's shape (224 px, 16 px patches, width 768, 12 layers, 12 heads, MLP 3072,
pre-LN, class token, projection to 512; random weights, seeded), exports it to OUT_DIR/image_encoder.onnx the way
python/exportProbe.py exports a tower (opset 14, dynamic batch), writes the benchmark batch to OUT_DIR/batch.f32,
then times torch's own CPU forward on it (torch.no_grad, all cores, after 2 warm-up runs) and prints one JSON line:
{"torchImagesPerSecond", "torchMsPerBatch", "batch", "threads", "torch", "features"} (features: the first row, to
check ONNX Runtime computes the same thing).
"""

import json
import os
import sys
import time

import torch
from torch import nn

WIDTH, LAYERS, HEADS, PATCH, SIZE, EMBED = 768, 12, 12, 16, 224, 512


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln_1 = nn.LayerNorm(WIDTH)
        self.attn = nn.MultiheadAttention(WIDTH, HEADS, batch_first=True)
        self.ln_2 = nn.LayerNorm(WIDTH)
        self.mlp = nn.Sequential(nn.Linear(WIDTH, 4 * WIDTH), nn.GELU(), nn.Linear(4 * WIDTH, WIDTH))

    def forward(self, x):
        y = self.ln_1(x)
        x = x + self.attn(y, y, y, need_weights=False)[0]
        return x + self.mlp(self.ln_2(x))


class VisionTower(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, WIDTH, PATCH, PATCH, bias=False)
        self.class_embedding = nn.Parameter(torch.randn(WIDTH) * 0.02)
        self.positional_embedding = nn.Parameter(torch.randn((SIZE // PATCH) ** 2 + 1, WIDTH) * 0.01)
        self.ln_pre = nn.LayerNorm(WIDTH)
        self.blocks = nn.Sequential(*[Block() for _ in range(LAYERS)])
        self.ln_post = nn.LayerNorm(WIDTH)
        self.proj = nn.Parameter(torch.randn(WIDTH, EMBED) * WIDTH**-0.5)

    def forward(self, image):
        x = self.conv1(image).flatten(2).transpose(1, 2)
        cls = self.class_embedding.expand(x.shape[0], 1, WIDTH)
        x = torch.cat([cls, x], dim=1) + self.positional_embedding
        x = self.blocks(self.ln_pre(x))
        return self.ln_post(x[:, 0]) @ self.proj


def main():
    out = sys.argv[1]
    batch = int(sys.argv[sys.argv.index("--batch") + 1]) if "--batch" in sys.argv else 8
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 5
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    torch.set_num_threads(os.cpu_count() or 1)
    model = VisionTower().eval()
    images = torch.randn(batch, 3, SIZE, SIZE)
    # With grad mode on, as python/exportProbe.py does: under no_grad torch 1.13 takes the fused attention path,
    # which has no ONNX export.
    torch.onnx.export(
        model,
        images[:1],
        os.path.join(out, "image_encoder.onnx"),
        input_names=["image"],
        output_names=["features"],
        dynamic_axes={"image": {0: "batch"}, "features": {0: "batch"}},
        opset_version=14,
    )
    with torch.no_grad():
        images.numpy().astype("float32").tofile(os.path.join(out, "batch.f32"))
        for _ in range(2):
            features = model(images)
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            features = model(images)
            times.append(time.perf_counter() - start)
    times.sort()
    median = times[len(times) // 2]
    print(
        json.dumps(
            {
                "torchImagesPerSecond": batch / median,
                "torchMsPerBatch": median * 1000,
                "batch": batch,
                "threads": torch.get_num_threads(),
                "torch": torch.__version__,
                "features": features[0].tolist(),
            }
        )
    )


if __name__ == "__main__":
    main()
