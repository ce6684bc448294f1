"""The record-level ``mixed`` rule of :func:`voc.models.sentiment.roll_up`, by measurement.

    python -m bench.mixed_rule [--model v3]

Runs the analyser as ``voc enrich`` does (language identified, clauses split, each clause
predicted) on the dev split of the hand-written convention sets (``convention_en`` /
``convention_ja``, rows labelled ``mixed`` vs the rest) and on the hand-written regression
sets (tests/models/data/sentiment_regression_{en,ja}.tsv, never trained on). The clauses'
probabilities are kept, so every candidate rule is scored on the same predictions:

- ``symmetric t``: one clause scores (p(positive) - p(negative)) >= t, another <= -t;
- ``asymmetric p/n``: one clause >= p, another <= -n;
- ``argmax m``: one clause labelled positive (argmax) and another labelled negative, each
  by a margin of at least m over its runner-up.

A rule is chosen on the dev split only (F1 of the mixed flag, English and Japanese pooled;
ties go to the higher thresholds); the regression sets are only reported (mixed rows
flagged, false-mixed rate on the other rows) for the current rule and the chosen one.
Prints a markdown table, then one JSON line. docs/benchmarks.md, "The mixed flag", has
the figures.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

import numpy as np

from voc.models.sentiment_labels import LABELS, roll_up

Rule = Callable[[np.ndarray], bool]
POS, NEG = LABELS.index("positive"), LABELS.index("negative")


def clause_probabilities(analyzer: Any, texts: list[str]) -> list[np.ndarray]:
    """Each text's clause probabilities ``(n_clauses, 3)``, through the analyser."""
    from voc.text.language import LanguageIdentifier

    identifier = LanguageIdentifier(("en", "ja"))
    model = analyzer.sentiment_model
    kept: list[np.ndarray] = []
    original = model.predict_proba

    def spy(*args: Any, **kwargs: Any) -> np.ndarray:
        out = original(*args, **kwargs)
        kept.append(np.asarray(out))
        return out

    model.predict_proba = spy
    try:
        result = analyzer.analyze(texts, [identifier.identify(t) for t in texts])
    finally:
        del model.predict_proba
    probabilities = kept[0]
    assert len(probabilities) == len(result.sentences)
    rows: dict[int, list[int]] = {}
    for row, sentence in enumerate(result.sentences):
        rows.setdefault(sentence.record, []).append(row)
    out = [probabilities[rows.get(i, [])] for i in range(len(texts))]
    for record, clauses in zip(result.records, out, strict=True):  # same flag as the analyser
        if len(clauses):
            assert record.mixed == roll_up(clauses, np.ones(len(clauses)))[2]
    return out


def symmetric(t: float) -> Rule:
    return asymmetric(t, t)


def asymmetric(p: float, n: float) -> Rule:
    def rule(clauses: np.ndarray) -> bool:
        if len(clauses) == 0:
            return False
        scores = clauses[:, POS] - clauses[:, NEG]
        return bool(scores.max() >= p and scores.min() <= -n)

    return rule


def argmax_margin(m: float) -> Rule:
    def rule(clauses: np.ndarray) -> bool:
        if len(clauses) == 0:
            return False
        ordered = np.sort(clauses, axis=1)
        margin = ordered[:, -1] - ordered[:, -2]
        top = clauses.argmax(axis=1)
        return bool(((top == POS) & (margin >= m)).any() and ((top == NEG) & (margin >= m)).any())

    return rule


def candidates() -> dict[str, Rule]:
    grid = [round(x, 2) for x in np.arange(0.05, 0.81, 0.05)]
    rules: dict[str, Rule] = {}
    for t in grid:
        rules[f"symmetric {t:.2f}"] = symmetric(t)
    for p in grid:
        for n in grid:
            if p != n:
                rules[f"asymmetric {p:.2f}/{n:.2f}"] = asymmetric(p, n)
    for m in [0.0, *grid]:
        rules[f"argmax {m:.2f}"] = argmax_margin(m)
    return rules


def flag_figures(flags: list[bool], truth: list[bool]) -> dict[str, Any]:
    f, y = np.array(flags, dtype=bool), np.array(truth, dtype=bool)
    tp, fp, fn = int((f & y).sum()), int((f & ~y).sum()), int((~f & y).sum())
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return {
        "f1": round(f1, 4),
        "mixed_flagged": f"{tp} of {int(y.sum())}",
        "false_mixed": f"{fp} of {int((~y).sum())}",
        "false_mixed_rate": round(fp / max(int((~y).sum()), 1), 4),
    }


def _strictness(name: str) -> float:
    return sum(float(x) for x in name.split()[1].split("/"))


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="v3")
    parser.add_argument(
        "--rule",
        help="report this rule (a candidate's name, e.g. 'asymmetric 0.10/0.25') "
        "instead of choosing one (for another model, under the rule chosen for v3)",
    )
    args = parser.parse_args(argv)

    from voc.analysis import Analyzer
    from voc.models.sentiment_data import convention_set, hard_labels
    from voc.models.train_v3 import regression_set

    analyzer = Analyzer.load(args.model)
    data: dict[str, tuple[list[np.ndarray], list[bool]]] = {}
    for language in ("en", "ja"):
        conv = convention_set(language).subset("dev")
        truth = [bool(x) for x in hard_labels(conv.targets) == -1]
        data[f"dev {language}"] = (clause_probabilities(analyzer, list(conv.texts)), truth)
        rows = regression_set(language)
        data[f"regression {language}"] = (
            clause_probabilities(analyzer, [t for _, _, t in rows]),
            [label == "mixed" for label, _, _ in rows],
        )

    def score(rule: Rule, names: list[str]) -> dict[str, Any]:
        flags = [rule(c) for name in names for c in data[name][0]]
        truth = [t for name in names for t in data[name][1]]
        return flag_figures(flags, truth)

    rules = candidates()
    dev = {name: score(rule, ["dev en", "dev ja"])["f1"] for name, rule in rules.items()}
    best_f1 = max(dev.values())
    chosen = args.rule or max((n for n, f in dev.items() if f == best_f1), key=_strictness)
    current = "symmetric 0.50"  # the rule before this measurement
    by_family: dict[str, str] = {}
    for name, f1 in dev.items():
        family = name.split()[0]
        if family not in by_family or (f1, _strictness(name)) > (
            dev[by_family[family]],
            _strictness(by_family[family]),
        ):
            by_family[family] = name
    report: dict[str, Any] = {"model": args.model, "chosen": chosen, "rules": {}}
    print("| rule | set | F1 | mixed rows flagged | false mixed |")
    print("|---|---|---|---|---|")
    shown = [current, chosen] if args.rule else [current, *by_family.values(), chosen]
    for name in dict.fromkeys(shown):
        rule = rules[name]
        report["rules"][name] = {}
        for part in ["dev en", "dev ja", "dev en+ja", "regression en", "regression ja"]:
            names = ["dev en", "dev ja"] if part == "dev en+ja" else [part]
            figures = score(rule, names)
            report["rules"][name][part] = figures
            print(
                f"| {name} | {part} | {figures['f1']:.3f} | {figures['mixed_flagged']} "
                f"| {figures['false_mixed']} |"
            )
    print(json.dumps(report))
    return report


if __name__ == "__main__":
    main()
