"""How far the loop's statistics can be trusted: simulations with a known truth.

    python -m bench.loop_stats [--replications 400]

Prints one JSON object:

- ``drivers_coverage``: how often the 95 % bootstrap intervals of
  :func:`voc.insights.drivers.decompose` hold the true change and the true contribution
  of each topic, for weeks of 25 respondents (a demo week) and of 300; the population's
  shares and scores are known, so the truth is the split's formula on them.
- ``fix_verdicts``: how often :func:`voc.insights.fixes.judge_fix` says fixed, no change
  or worse when nothing changed (false alarms), when the topic halved, and when it
  doubled, at the demo's volumes (about 250 records a week; a topic at 10 %, 3 % and 1 %
  of them, 70 % negative) with the default windows (4 weeks each side, 20 mentions).
- ``seconds``: one 1000-resample split of a 1000-respondent week, 60 topics.

Weeks are drawn with Poisson counts; the seed is fixed, so the output is reproducible.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np


def _week(rng: np.random.Generator, n: int, shares, promoter, detractor):
    topics = rng.choice(len(shares), size=n, p=shares)
    u = rng.random(n)
    points = np.where(u < promoter[topics], 100.0, np.where(u > 1 - detractor[topics], -100.0, 0))
    return points, [[int(t) + 1] for t in topics]


def drivers_coverage(replications: int, n: int, rng: np.random.Generator) -> dict[str, float]:
    from voc.insights.drivers import decompose

    shares0, shares1 = np.array([0.2, 0.5, 0.3]), np.array([0.4, 0.3, 0.3])
    promoter0, detractor0 = np.array([0.1, 0.6, 0.6]), np.array([0.7, 0.2, 0.1])
    promoter1, detractor1 = np.array([0.1, 0.6, 0.4]), np.array([0.7, 0.2, 0.3])
    score0, score1 = 100 * (promoter0 - detractor0), 100 * (promoter1 - detractor1)
    m0, m1 = shares0 @ score0, shares1 @ score1
    centre = (m0 + m1) / 2
    true = (shares1 - shares0) * ((score0 + score1) / 2 - centre) + (shares0 + shares1) / 2 * (
        score1 - score0
    )
    change_hits, topic_hits = 0, np.zeros(3)
    for seed in range(replications):
        p0, t0 = _week(rng, n, shares0, promoter0, detractor0)
        p1, t1 = _week(rng, n, shares1, promoter1, detractor1)
        split = decompose(p0, t0, p1, t1, n_boot=1000, seed=seed)
        low, high = split["change_ci"]
        change_hits += low <= m1 - m0 <= high
        groups = split["groups"].set_index("topic_id")
        for k in range(3):
            if k + 1 in groups.index:
                row = groups.loc[k + 1]
                topic_hits[k] += row["ci_low"] <= true[k] <= row["ci_high"]
    return {
        "respondents_a_week": n,
        "change": round(change_hits / replications, 3),
        "worst_topic": round(float(topic_hits.min()) / replications, 3),
        "topics": [round(float(h) / replications, 3) for h in topic_hits],
    }


def fix_verdicts(
    replications: int, rate: float, ratio: float, rng: np.random.Generator
) -> dict[str, float]:
    from voc.insights.fixes import judge_fix

    weekly, weeks, negative = 250, 4, 0.7
    counts: dict[str, int] = {}
    for _ in range(replications):
        e0 = int(rng.poisson(weekly, weeks).sum())
        e1 = int(rng.poisson(weekly, weeks).sum())
        x0 = int(rng.binomial(e0, rate))
        x1 = int(rng.binomial(e1, rate * ratio))
        verdict = judge_fix(
            mentions_before=x0, records_before=e0, negative_before=int(rng.binomial(x0, negative)),
            mentions_after=x1, records_after=e1, negative_after=int(rng.binomial(x1, negative)),
            weeks_after=weeks, after_weeks=weeks, min_records=20,
        )["verdict"]  # fmt: skip
        counts[verdict] = counts.get(verdict, 0) + 1
    return {v: round(n / replications, 3) for v, n in sorted(counts.items())}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=400)
    args = parser.parse_args()
    rng = np.random.default_rng(14)
    out: dict[str, object] = {
        "drivers_coverage": [drivers_coverage(args.replications, n, rng) for n in (25, 300)],
        "fix_verdicts": {
            f"rate {rate:.0%}, x{ratio}": fix_verdicts(args.replications * 5, rate, ratio, rng)
            for rate in (0.1, 0.03, 0.01)
            for ratio in (1.0, 0.5, 2.0)
        },
    }
    from voc.insights.drivers import decompose

    topics = [
        [int(t) for t in rng.choice(60, size=rng.integers(0, 3), replace=False)]
        for _ in range(1000)
    ]
    points = rng.choice([-100.0, 0, 100], 1000)
    started = time.perf_counter()
    decompose(points, topics, points[::-1], topics[::-1], n_boot=1000)
    out["seconds"] = round(time.perf_counter() - started, 3)
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
