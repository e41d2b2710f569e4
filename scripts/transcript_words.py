#!/usr/bin/env python3
"""Count transcript-only content words in an Omi export.

For each conversation that is not discarded and has a title, a *transcript-only content
word* is a distinct lowercase word of its transcript that is not a stopword (the same list
as ``gen_demo_export.py``), has 3+ characters, and whose naive stem does not occur in the
conversation's structured text (title, overview, action items, event titles). This is what
a summary drops: the words only the transcript can answer a question with.

Prints per-export figures: conversations, segments, mean and median transcript-only words
per conversation, and the share of them that are conversational fillers.

Usage: ``python3 scripts/transcript_words.py [EXPORT ...]`` (default
``assets/demo-export.json``). Standard library only.
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_demo_export import STOPWORDS, content_words, stems  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

# Words that carry no fact: backchannels and hedges.
FILLERS = set("""
yeah okay ok alright oh um uh hmm mm hm huh yep nope like mean guess know think right well
sure cool anyway honestly actually kind sort totally literally basically gonna wanna gotta
thing things stuff lot bit pretty quite said say says go going went come yes wait good
great fine talk later let see look mm-hm sounds listen
""".split())


def structured_text(conv: dict) -> str:
    s = conv.get("structured") or {}
    parts = [s.get("title", ""), s.get("overview", "")]
    parts += [a.get("description", "") for a in s.get("action_items", [])]
    parts += [e.get("title", "") for e in s.get("events", [])]
    return " ".join(parts)


def transcript_only(conv: dict) -> set[str]:
    """Distinct transcript content words whose stems the structured text lacks."""
    known = set()
    for w in content_words(structured_text(conv)):
        known |= stems(w)
    text = " ".join(seg.get("text", "") for seg in conv.get("transcript_segments", []))
    return {w for w in content_words(text)
            if len(w) >= 3 and w not in STOPWORDS and not (stems(w) & known)}


def report(path: Path) -> None:
    convs = json.loads(path.read_text(encoding="utf-8"))["conversations"]
    live = [c for c in convs if not c.get("discarded") and
            (c.get("structured") or {}).get("title")]
    counts, fillers, segs = [], 0, 0
    for c in live:
        words = transcript_only(c)
        counts.append(len(words))
        fillers += len(words & FILLERS)
        segs += len(c.get("transcript_segments", []))
    total = sum(counts)
    print(f"{path}: {len(live)} conversations, {segs} segments "
          f"(mean {segs / len(live):.1f}, max "
          f"{max(len(c.get('transcript_segments', [])) for c in live)})")
    print(f"  transcript-only content words per conversation: mean {total / len(live):.1f}, "
          f"median {statistics.median(counts):.0f}, min {min(counts)}, max {max(counts)}; "
          f"fillers {100 * fillers / max(total, 1):.0f}% of them")


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or [ROOT / "assets" / "demo-export.json"]
    for p in paths:
        report(p)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
