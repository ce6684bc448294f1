"""Topic labels in the store and `voc enrich`'s choice of topics, on the demo store."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from voc.cli import app
from voc.store.warehouse import Warehouse


@pytest.fixture
def demo_copy(demo: dict[str, Path], tmp_path: Path) -> dict[str, Path]:
    """A writable copy of the demo store (the session's demo must not change)."""
    store = tmp_path / "voc.duckdb"
    shutil.copy(demo["store"], store)
    config = yaml.safe_load(demo["config"].read_text(encoding="utf-8"))
    config["store"] = {"path": str(store)}
    path = tmp_path / "voc.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return {"store": store, "config": path}


def _labels(store: Path) -> dict[int, str]:
    with Warehouse(store, read_only=True) as wh:
        rows = wh.query("SELECT topic_id, label FROM topics WHERE status = 'active'")
    return dict(zip(rows["topic_id"].astype(int), rows["label"], strict=True))


def test_demo_topics_are_labelled_with_phrases_and_keep_keywords_and_aliases(demo):
    with Warehouse(demo["store"], read_only=True) as wh:
        topics = wh.query(
            "SELECT label, keywords, aliases, phrases FROM topics WHERE status = 'active' "
            "ORDER BY size DESC LIMIT 20"
        )
    assert not topics["label"].str.contains(" · ").any()
    assert (topics["keywords"].map(len) > 0).all()
    for row in topics.itertuples(index=False):
        aliases = json.loads(row.aliases)
        assert row.label in aliases.values() or not aliases
        assert len(row.label.split()) <= 6


def test_a_renamed_topic_keeps_its_label_through_a_refit(demo_copy):
    from voc.topics.store import update_topics

    before = _labels(demo_copy["store"])
    topic_id = max(before)  # any active topic
    runner = CliRunner()
    renamed = runner.invoke(
        app,
        ["topics", "rename", str(topic_id), "Parcel  arrived late", "--config",
         str(demo_copy["config"])],
    )  # fmt: skip
    assert renamed.exit_code == 0, renamed.output
    assert _labels(demo_copy["store"])[topic_id] == "Parcel arrived late"
    with Warehouse(demo_copy["store"]) as wh:
        pain_runs = set(wh.query("SELECT DISTINCT run_id FROM pain_points")["run_id"])
        result = update_topics(wh, "use-multilingual", "test-refit", force_refit=True)
        # The topics step writes topics only: pain points are the insights step's.
        assert set(result) == {"topics"}
        assert set(wh.query("SELECT DISTINCT run_id FROM pain_points")["run_id"]) == pain_runs
    after = _labels(demo_copy["store"])
    assert after[topic_id] == "Parcel arrived late"  # the same id, the person's label
    from voc.store.topics import topic_labels

    with Warehouse(demo_copy["store"], read_only=True) as wh:
        # ... on its pain point too, in every language, over its complaints' label.
        assert topic_labels(wh, pain_points=True)[topic_id] == "Parcel arrived late"
        assert topic_labels(wh, "ja", pain_points=True)[topic_id] == "Parcel arrived late"
        named = wh.query(
            "SELECT topic_id, complaint_label FROM topics WHERE complaint_label IS NOT NULL "
            "AND topic_id NOT IN (SELECT topic_id FROM topic_renames)"
        )
        pain = topic_labels(wh, pain_points=True)
    assert len(named) and all(
        pain[int(t)] == label for t, label in named.itertuples(index=False, name=None)
    )
    # Other topics keep the labels the registry gave them.
    kept = [i for i in before if i != topic_id and i in after]
    assert sum(after[i] == before[i] for i in kept) >= 0.9 * len(kept)
    # A config label wins, and survives the next update too.
    other = kept[0]
    with Warehouse(demo_copy["store"]) as wh:
        update_topics(wh, "use-multilingual", "test-cfg", labels={other: "sizing runs small"})
    assert _labels(demo_copy["store"])[other] == "sizing runs small"
    unknown = runner.invoke(
        app, ["topics", "rename", "99999", "x", "--config", str(demo_copy["config"])]
    )
    assert unknown.exit_code != 0 and "voc topics" in unknown.output


def test_enrich_fits_topics_on_a_file_the_store_does_not_know(demo_copy, shared_data, tmp_path):
    """Reddit comments (GoEmotions) have nothing to do with the demo's reviews and
    complaints: auto fits the file's own topics and says why; store forces the store's."""
    comments = pd.read_csv(
        shared_data / "goemotions_sentiment_dev.tsv", sep="\t", usecols=["text"]
    ).head(400)
    source = tmp_path / "comments.csv"
    comments.to_csv(source, index=False)
    runner = CliRunner()
    base = ["enrich", str(source), "--text-col", "text", "--config", str(demo_copy["config"])]
    auto = runner.invoke(app, [*base, "--out", str(tmp_path / "auto.csv")])
    assert auto.exit_code == 0, auto.output
    assert "topics: fitted on the file: only" in auto.output  # stderr, mixed in by the runner
    forced = runner.invoke(app, [*base, "--out", str(tmp_path / "store.csv"), "--topics", "store"])
    assert forced.exit_code == 0 and "topics: the store's topic model" in forced.output
    auto_out = pd.read_csv(tmp_path / "auto.csv")
    store_out = pd.read_csv(tmp_path / "store.csv")
    assert (auto_out["topic_id"] == -1).mean() < (store_out["topic_id"] == -1).mean()
    with Warehouse(demo_copy["store"], read_only=True) as wh:
        store_labels = set(wh.query("SELECT label FROM topics")["label"])
    # Named after the comments, not after the store's reviews (a short word may coincide).
    assert auto_out["topic_label"].isin(store_labels - {"other"}).mean() < 0.2


def test_enrich_keeps_the_store_topics_for_a_file_like_the_store(demo_copy, tmp_path):
    from tests.conftest import SAMPLES

    reviews = pd.read_csv(SAMPLES / "womens_clothing_reviews.csv").head(200)
    source = tmp_path / "reviews.csv"
    reviews.to_csv(source, index=False)
    result = CliRunner().invoke(
        app,
        ["enrich", str(source), "--text-col", "Review Text", "--out", str(tmp_path / "o.csv"),
         "--config", str(demo_copy["config"]), "--format", "json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "topics: the store's topic model" in result.output
    summary = json.loads(result.output[result.output.index("{") : result.output.rindex("}") + 1])
    assert summary["topics_from"] == "store" and summary["store_assigned_share"] >= 0.75


def test_a_reader_in_one_language_gets_each_topic_label_in_it(demo):
    from voc.topics.store import topic_labels

    with Warehouse(demo["store"], read_only=True) as wh:
        english, japanese, plain = (
            topic_labels(wh, "en"),
            topic_labels(wh, "ja"),
            topic_labels(wh),
        )
        aliases = wh.query("SELECT topic_id, aliases FROM topics WHERE aliases LIKE '%\"ja\"%'")
    assert len(aliases) >= 1  # the demo has topics in both languages
    for row in aliases.itertuples(index=False):
        assert japanese[row.topic_id] == json.loads(row.aliases)["ja"]
        assert english[row.topic_id] == json.loads(row.aliases).get("en", plain[row.topic_id])


def test_the_label_bench_recomputes_the_stored_complaint_labels(demo):
    """`python -m bench.pain_labels --relabel` measures a label rule change on a store
    without rebuilding it: on a store built by this code it gives back every stored
    complaint label, in the reader's language where a topic has one."""
    from bench.pain_labels import recomputed_complaint_labels
    from voc.topics.store import topic_labels

    with Warehouse(demo["store"], read_only=True) as wh:
        embedder = str(wh.query("SELECT embedder FROM topic_model")["embedder"][0])
        active = int(wh.query("SELECT count(*) AS n FROM topics WHERE status = 'active'")["n"][0])
        labels, same = recomputed_complaint_labels(wh, embedder, "ja")
        japanese = topic_labels(wh, "ja", pain_points=True)
    assert same == f"{active} of {active}"
    assert labels and all(japanese[t] == label for t, label in labels.items())
