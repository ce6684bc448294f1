"""The leave-one-dataset-out measurement trains without the held-out data set and scores
it as the tagger decides."""

from __future__ import annotations

from typing import Any

import numpy as np

from voc.models import touchpoint_lodo
from voc.models.touchpoint_training import block_decisions
from voc.touchpoints import FEATURES

HIT = FEATURES.index("keyword_hit")


def _block(domain: str, text_domain: str, variant: str, part: str, seed: int) -> dict[str, Any]:
    """Two clauses per text, 3 touchpoints: a keyword hit in a clause means the label."""
    rng = np.random.default_rng(seed)
    n_texts, n_touchpoints = 40, 3
    labels = (rng.random((n_texts, n_touchpoints)) < 0.3).astype(np.int8)
    if variant == "cross_domain":
        labels[:] = 0
    features = rng.normal(size=(2 * n_texts, n_touchpoints, len(FEATURES))).astype(np.float32)
    features[..., HIT] = 0.0
    features[0::2, :, HIT] = labels
    return {
        "features": features,
        "owners": np.repeat(np.arange(n_texts), 2),
        "labels": labels,
        "forced": np.zeros((2 * n_texts, n_touchpoints), dtype=bool),
        "vetoed": np.zeros((2 * n_texts, n_touchpoints), dtype=bool),
        "taxonomy": f"{domain}_taxonomy" + ("" if variant != "cross_domain" else "<-x"),
        "variant": variant,
        "part": part,
        "domain": domain,
        "text_domain": text_domain,
    }


def _blocks() -> list[dict[str, Any]]:
    domains = ("apps", "clothing", "complaints")
    blocks, seed = [], 0
    for domain in domains:
        for part in ("fit", "dev"):
            for variant in ("plain", "description_only", "half_a"):
                blocks.append(_block(domain, domain, variant, part, seed := seed + 1))
            for other in domains:
                if other != domain:
                    blocks.append(_block(domain, other, "cross_domain", part, seed := seed + 1))
    return blocks


def test_each_data_set_is_held_out_of_training_and_scored(monkeypatch) -> None:
    blocks = _blocks()
    seen: list[set[str]] = []
    real_train = touchpoint_lodo.train

    def recording_train(kept: list[dict[str, Any]], **kwargs: Any) -> Any:
        seen.append({b["domain"] for b in kept} | {b["text_domain"] for b in kept})
        assert not any(b["variant"].startswith("half_") for b in kept)  # halves=False
        return real_train(kept, **{**kwargs, "max_iter": 20})

    monkeypatch.setattr(touchpoint_lodo, "train", recording_train)
    result = touchpoint_lodo.leave_one_dataset_out(blocks, keyword_threshold=None)
    assert seen == [{"clothing", "complaints"}, {"apps", "complaints"}, {"apps", "clothing"}]
    assert set(result["held_out"]) == {"apps", "clothing", "complaints"}
    apps = result["held_out"]["apps"]
    # Scored on the measured variants only; halves train, never score.
    assert set(apps["per_set"]) == {"apps_taxonomy/plain", "apps_taxonomy/description_only"}
    # The keyword hit is the label here: a model that learnt it carries over.
    assert apps["per_set"]["apps_taxonomy/plain"]["f1"] > 0.9
    assert apps["keywords_only"]["apps_taxonomy/plain"] == 1.0
    assert result["worst"] == min(
        v["f1"] for r in result["held_out"].values() for v in r["per_set"].values()
    )


def test_block_decisions_apply_the_taggers_rules() -> None:
    block = _block("apps", "apps", "plain", "dev", 1)
    probability = np.zeros(block["forced"].shape, dtype=np.float32)
    block["forced"][0, 0] = True  # text 0, touchpoint 0
    block["vetoed"][[0, 1], 1] = True  # both clauses of text 0
    block["vetoed"][2, 1] = True  # one clause of text 1
    probability[:, 1] = 1.0
    tags = block_decisions(block, probability, 0.5, 0.5).reshape(block["labels"].shape)
    assert tags[0, 0] and not tags[0, 1]
    assert tags[1, 1]  # its other clause is tagged: a text gets what any clause gets
    without = block_decisions(block, probability, 0.5, 0.5, rules=False)
    assert not without.reshape(block["labels"].shape)[0, 0]


def test_nested_thresholds_never_look_at_the_data_set_they_score() -> None:
    def sweep(best: str) -> dict[str, Any]:
        return {
            "sweep": {
                key: {"x/plain": 0.9 if key == best else 0.5, "cross_domain_tag_rate": 0.0}
                for key in ("0.05/0.3", "0.2/0.5", "0.2/0.7")
            }
        }

    held_out = {"a": sweep("0.2/0.7"), "b": sweep("0.2/0.5"), "c": sweep("0.2/0.5")}
    nested = touchpoint_lodo.nested_thresholds(held_out)
    # a's own best (0.7) is not chosen for a: b and c agree on 0.5.
    assert nested["per_domain"]["a"] == {"thresholds": "0.2/0.5", "x/plain": 0.5}
    # For b, a and c disagree: every pair has a worst of 0.5; precision first: the highest.
    assert nested["per_domain"]["b"]["thresholds"] == "0.2/0.7"
    assert nested["worst_plain"] == 0.5
    assert nested["chosen"] == "0.2/0.7"  # over all three, every pair's worst is 0.5
