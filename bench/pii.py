"""PII redaction quality on the planted corpus (tests/text/pii_cases.yaml) and on its
held-out part (tests/text/pii_cases_heldout.yaml, never tuned on).

    python -m bench.pii

Prints one JSON line: recall and over-redaction with NER (the default), per kind, and
recall without NER (names are then missed by design); ``held_out_*`` the same two figures
on the held-out part, with NER.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

CASES = Path(__file__).resolve().parents[1] / "tests" / "text" / "pii_cases.yaml"
HELD_OUT = CASES.with_name("pii_cases_heldout.yaml")


def main() -> int:
    from voc.text.pii import Redactor
    from voc.text.pii_eval import evaluate, load_cases

    cases = load_cases(CASES)
    with_ner = evaluate(cases, Redactor(ner=True))
    without_ner = evaluate(cases, Redactor(ner=False))
    held_out = evaluate(load_cases(HELD_OUT), Redactor(ner=True))
    print(
        json.dumps(
            {
                "recall": round(with_ner.recall, 3),
                "over_redaction": round(with_ner.over_redaction, 3),
                "per_kind_recall": {k: round(v, 3) for k, v in with_ner.per_kind_recall.items()},
                "recall_without_ner": round(without_ner.recall, 3),
                "over_redaction_without_ner": round(without_ner.over_redaction, 3),
                "planted": with_ner.planted,
                "survivors": with_ner.survivors,
                "held_out_recall": round(held_out.recall, 3),
                "held_out_over_redaction": round(held_out.over_redaction, 3),
                "held_out_planted": held_out.planted,
                "held_out_survivors": held_out.survivors,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
