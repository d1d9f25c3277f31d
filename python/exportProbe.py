"""Export an OpenCLIP checkpoint for TiC Studio's CPU probe (src/probe/probeModel.ts).

    python exportProbe.py --checkpoint epoch_latest.pt --arch ViT-B-16 --out DIR [--opset 14]

Run with the Python that has torch and open_clip (the training environment). Writes into DIR:

    image_encoder.onnx          float32 [N, 3, S, S] "image" -> float32 [N, D] "features"   (model.encode_image)
    text_encoder.onnx           int64 [N, context] "text" -> float32 [N, D] "features"      (model.encode_text)
    bpe_simple_vocab_16e6.txt.gz  open_clip's BPE vocabulary
    probe.json                  {arch, imageSize, mean, std, contextLength, logitScale, sourceCheckpoint,
                                 sourceSha256, opset, vocab}

stdout: `PROGRESS <fraction> <message>` lines, then one JSON line with the result.
Exit codes: 0 done; 2 bad arguments / unsupported model; 3 a module is missing (stderr: `MISSING torch` or
`MISSING open_clip`); 1 anything else (stderr has the traceback).
"""

import argparse
import hashlib
import inspect
import json
import os
import shutil
import sys
import traceback

OPENAI_MEAN = (0.48145466, 0.4578275, 0.40821073)
OPENAI_STD = (0.26862954, 0.26130258, 0.27577711)
VOCAB_FILE = "bpe_simple_vocab_16e6.txt.gz"
IMAGE_FILE = "image_encoder.onnx"
TEXT_FILE = "text_encoder.onnx"


def progress(fraction, message):
    print("PROGRESS %.3f %s" % (fraction, message), flush=True)


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def export_towers(torch, model, image_size, sample_ids, out_dir, opset):
    """Export model.encode_image / model.encode_text as two ONNX graphs with a dynamic batch axis.

    Shared with test/fixtures/probe/make_tiny_clip.py, so the test fixture is exported exactly like a real model.
    """

    class ImageTower(torch.nn.Module):
        def __init__(self, clip):
            super().__init__()
            self.clip = clip

        def forward(self, image):
            return self.clip.encode_image(image)

    class TextTower(torch.nn.Module):
        def __init__(self, clip):
            super().__init__()
            self.clip = clip

        def forward(self, text):
            return self.clip.encode_text(text)

    kwargs = {"do_constant_folding": True, "opset_version": opset}
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kwargs["dynamo"] = False  # torch >= 2.9 defaults to the dynamo exporter; the TorchScript one is what we test
    fastpath = getattr(getattr(torch.backends, "mha", None), "set_fastpath_enabled", None)
    if fastpath is not None:
        fastpath(False)  # the fused MultiheadAttention kernel has no ONNX export

    image = torch.randn(2, 3, image_size, image_size)
    # Grad mode on (weights require grad): torch < 2 has no switch for MultiheadAttention's fused fast path,
    # whose aten::_native_multi_head_attention has no ONNX symbolic, and grad mode is one thing that turns it off.
    with torch.enable_grad():
        torch.onnx.export(
            ImageTower(model).eval(),
            (image,),
            os.path.join(out_dir, IMAGE_FILE),
            input_names=["image"],
            output_names=["features"],
            dynamic_axes={"image": {0: "batch"}, "features": {0: "batch"}},
            **kwargs,
        )
        torch.onnx.export(
            TextTower(model).eval(),
            (sample_ids,),
            os.path.join(out_dir, TEXT_FILE),
            input_names=["text"],
            output_names=["features"],
            dynamic_axes={"text": {0: "batch"}, "features": {0: "batch"}},
            **kwargs,
        )
    return image


def write_manifest(out_dir, manifest):
    with open(os.path.join(out_dir, "probe.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")


def check_with_onnxruntime(torch, model, out_dir, image, ids):
    """Compare the ONNX towers with torch on the export inputs, when onnxruntime is installed (optional)."""
    try:
        import onnxruntime
    except ImportError:
        return None
    with torch.no_grad():
        want_image = model.encode_image(image).numpy()
        want_text = model.encode_text(ids).numpy()
    worst = 0.0
    for file, name, value, want in ((IMAGE_FILE, "image", image, want_image), (TEXT_FILE, "text", ids, want_text)):
        session = onnxruntime.InferenceSession(os.path.join(out_dir, file), providers=["CPUExecutionProvider"])
        got = session.run(None, {name: value.numpy()})[0]
        worst = max(worst, float(abs(got - want).max()))
    return worst


def normalize_of(preprocess, model):
    """mean / std of the eval transform's Normalize, else the model's, else OpenAI's."""
    for transform in getattr(preprocess, "transforms", []):
        mean, std = getattr(transform, "mean", None), getattr(transform, "std", None)
        if mean is not None and std is not None:
            return [float(v) for v in mean], [float(v) for v in std]
    mean = getattr(model.visual, "image_mean", None) or OPENAI_MEAN
    std = getattr(model.visual, "image_std", None) or OPENAI_STD
    return [float(v) for v in mean], [float(v) for v in std]


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--checkpoint", required=True, help="an open_clip checkpoint (.pt / .bin / .safetensors)")
    parser.add_argument("--arch", required=True, help="the open_clip model name, e.g. ViT-B-16")
    parser.add_argument("--out", required=True, help="the export directory (created)")
    parser.add_argument("--opset", type=int, default=14)
    args = parser.parse_args(argv)

    progress(0.0, "importing torch and open_clip")
    try:
        import torch
    except ImportError:
        print("MISSING torch", file=sys.stderr)
        return 3
    try:
        import open_clip
    except ImportError:
        print("MISSING open_clip", file=sys.stderr)
        return 3

    if not os.path.isfile(args.checkpoint):
        print("checkpoint not found: %s" % args.checkpoint, file=sys.stderr)
        return 2
    progress(0.05, "hashing the checkpoint")
    source_sha256 = sha256_of(args.checkpoint)

    progress(0.2, "loading %s" % args.arch)
    model, _, preprocess = open_clip.create_model_and_transforms(args.arch, pretrained=args.checkpoint, device="cpu")
    model = model.float().eval()
    tokenizer = open_clip.get_tokenizer(args.arch)
    # open_clip < 2.18 returns its `tokenize` function, later versions a SimpleTokenizer; both are CLIP's BPE.
    kind = getattr(tokenizer, "__name__", type(tokenizer).__name__)
    if kind not in ("tokenize", "SimpleTokenizer"):
        print("%s uses the %s tokenizer; the probe supports CLIP's BPE only" % (args.arch, kind), file=sys.stderr)
        return 2
    size = model.visual.image_size
    size = tuple(size) if isinstance(size, (tuple, list)) else (size, size)
    if size[0] != size[1]:
        print("non-square image size %r is not supported" % (size,), file=sys.stderr)
        return 2
    image_size = int(size[0])
    context_length = int(getattr(model, "context_length", None) or getattr(tokenizer, "context_length", 77))
    mean, std = normalize_of(preprocess, model)
    ids = tokenizer(["a photo of a cat", "a diagram"], context_length=context_length)

    os.makedirs(args.out, exist_ok=True)
    progress(0.4, "exporting the image and text towers to ONNX (opset %d)" % args.opset)
    image = export_towers(torch, model, image_size, ids, args.out, args.opset)

    progress(0.8, "copying the vocabulary")
    vocab_source = os.path.join(os.path.dirname(open_clip.__file__), VOCAB_FILE)
    shutil.copyfile(vocab_source, os.path.join(args.out, VOCAB_FILE))

    manifest = {
        "arch": args.arch,
        "imageSize": image_size,
        "mean": mean,
        "std": std,
        "contextLength": context_length,
        "logitScale": float(model.logit_scale.exp().item()),
        "sourceCheckpoint": os.path.abspath(args.checkpoint),
        "sourceSha256": source_sha256,
        "opset": args.opset,
        "vocab": VOCAB_FILE,
    }
    write_manifest(args.out, manifest)

    progress(0.9, "checking the ONNX towers against torch")
    max_diff = check_with_onnxruntime(torch, model, args.out, image, ids)
    progress(1.0, "done")
    print(json.dumps({"ok": True, "out": os.path.abspath(args.out), "probe": manifest, "onnxMaxAbsDiff": max_diff}))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except SystemExit:
        raise
    except BaseException:
        traceback.print_exc()
        sys.exit(1)
