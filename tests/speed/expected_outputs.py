"""The analysis outputs the speed work (issue 15, point 4) must not change.

``python -m tests.speed.expected_outputs OUT.json`` writes, for a fixed sample of real
feedback read in place from ../shared/data (400 women's clothing reviews, 300 app
reviews, 300 VADER tweets: all three may be committed), every record's language,
sentiment, score, mixed flag, touchpoints, topic id and topic label, and every
sentence's sentiment, score and touchpoints, as ``voc enrich`` computes them (topics
fitted on the sample). ``expected_outputs.json`` beside this file was written by the code
before the speed work (commit 460b3e0), rewritten when the touchpoint relevance model v2
shipped (issue 11: its tags differ by design), its mixed flags rewritten when the mixed
rule changed (issue 10: 281 -> 407 of the 1,000 records; nothing else), its topic labels
rewritten when labels became phrases (issue 11: 316 records' labels, topic ids and every
other field unchanged), and again when key phrases kept their negations and gained verb +
preposition + object phrases (issue 11, 2026-12-03: 3 topics' labels, 14 records; nothing
else), and when the hashed English keyword tagger became the default (issue 15, 2026-12-03:
6 of 61 topics' labels, 115 records, e.g. "crashes a lot" -> "crashes all the time",
"side zipper" -> "wrinkle a lot"; nothing else), and is compared
with what the code gives now in ``test_same_outputs.py``. It holds labels and scores, no text.
"""

from __future__ import annotations

import json
import sys
from itertools import chain, zip_longest
from pathlib import Path
from typing import Any

SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
HERE = Path(__file__).resolve().parent
EXPECTED = HERE / "expected_outputs.json"


def sample_texts(shared: Path = SHARED_DATA) -> list[str]:
    """The fixed sample: 400 clothing reviews, then app reviews and tweets interleaved."""
    import csv

    def column(path: Path, name: str) -> list[str]:
        with path.open(encoding="utf-8", newline="") as handle:
            return [row[name] for row in csv.DictReader(handle) if row[name].strip()]

    reviews = column(shared / "womens_clothing_reviews.csv", "Review Text")[:400]
    apps = column(shared / "app_reviews_urr_golden.csv", "reviewText")[:300]
    tweets = [
        line.split("\t")[2]
        for line in (shared / "vader_ground_truth" / "tweets_GroundTruth.txt")
        .read_text(encoding="utf-8", errors="replace")
        .splitlines()
        if line.count("\t") >= 2
    ][:300]
    short = [t for t in chain.from_iterable(zip_longest(apps, tweets)) if t]
    return reviews + short


def outputs(texts: list[str]) -> dict[str, Any]:
    """What ``voc enrich`` says about ``texts`` (records and sentences), JSON-ready."""
    import pandas as pd

    from voc.analysis import Analyzer
    from voc.enrich import enrich_frame
    from voc.text.language import LanguageIdentifier

    analyzer = Analyzer.load()
    frame = enrich_frame(pd.DataFrame({"text": texts}), "text", analyzer, topics="file")
    records = [
        [
            row.language,
            row.sentiment,
            None if pd.isna(row.sentiment_score) else float(row.sentiment_score),
            None if pd.isna(row.sentiment_mixed) else bool(row.sentiment_mixed),
            row.touchpoints,
            None if pd.isna(row.topic_id) else int(row.topic_id),
            row.topic_label,
        ]
        for row in frame.itertuples()
    ]
    identifier = LanguageIdentifier(("en", "ja"))
    result = analyzer.analyze(texts, [identifier.identify(t) for t in texts])
    sentences = [
        [s.record, s.index, s.start, s.end, s.sentiment, s.sentiment_score, list(s.touchpoints)]
        for s in result.sentences
    ]
    return {"records": records, "sentences": sentences}


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else EXPECTED
    out.write_text(json.dumps(outputs(sample_texts()), ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"written: {out}")
