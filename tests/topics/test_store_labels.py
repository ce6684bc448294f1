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


@pytest.fixture(scope="module")
def mapped_demo(prefect_harness: None, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo store built with ``topics.vector_map: use-cca-v1`` (its topics in the
    map's space, which a refit without the map cannot match by their centroids: it
    retires them and finds the clusters again under new ids)."""
    from tests.conftest import build_demo

    return build_demo(tmp_path_factory.mktemp("mapped"), vector_map="use-cca-v1")["store"]


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


@pytest.mark.parametrize("fitted_in", ["embeddings", "use-cca-v1"])
def test_a_renamed_topic_keeps_its_label_through_a_refit(demo_copy, mapped_demo, fitted_in):
    """Through a refit that keeps the topic, the label stays on its id; through one that
    retires it (the store was fitted in the vector map's space and this refit is not),
    it goes to the topic that took the topic's sentences, or the refit says why not."""
    from voc.topics.store import update_topics

    if fitted_in == "use-cca-v1":
        shutil.copy(mapped_demo, demo_copy["store"])
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
    renames = {r["topic_id"]: r for r in result["topics"].get("renames", [])}
    if topic_id in after:  # the refit kept the topic: nothing to carry, nothing said
        assert "renames" not in result["topics"]
    if topic_id in renames and renames[topic_id]["carried_to"] is None:
        # Retired and not carried: kept on the retired topic and said, never dropped.
        assert topic_id not in after and "not carried" in renames[topic_id]["message"]
        listed = runner.invoke(app, ["topics", "--config", str(demo_copy["config"])])
        assert listed.exit_code == 0 and renames[topic_id]["message"] in listed.output
        return
    shown = renames[topic_id]["carried_to"] if topic_id in renames else topic_id
    assert after[shown] == "Parcel arrived late"  # the person's label, where it went
    from voc.store.topics import topic_labels

    with Warehouse(demo_copy["store"], read_only=True) as wh:
        # ... on its pain point too, in every language, over its complaints' label.
        assert topic_labels(wh, pain_points=True)[shown] == "Parcel arrived late"
        assert topic_labels(wh, "ja", pain_points=True)[shown] == "Parcel arrived late"
        named = wh.query(
            "SELECT topic_id, complaint_label FROM topics WHERE complaint_label IS NOT NULL "
            "AND topic_id NOT IN (SELECT topic_id FROM topic_renames)"
        )
        pain = topic_labels(wh, pain_points=True)
    assert len(named) and all(
        pain[int(t)] == label for t, label in named.itertuples(index=False, name=None)
    )
    # Other topics keep the labels the registry gave them (a refit in another space keeps
    # none of them: it found every topic again under a new id).
    kept = [i for i in before if i != topic_id and i in after]
    assert sum(after[i] == before[i] for i in kept) >= 0.9 * len(kept)
    # A config label wins, and survives the next update too.
    other = next(i for i in sorted(after) if i != shown)
    with Warehouse(demo_copy["store"]) as wh:
        update_topics(wh, "use-multilingual", "test-cfg", labels={other: "sizing runs small"})
    assert _labels(demo_copy["store"])[other] == "sizing runs small"
    unknown = runner.invoke(
        app, ["topics", "rename", "99999", "x", "--config", str(demo_copy["config"])]
    )
    assert unknown.exit_code != 0 and "voc topics" in unknown.output


def test_a_refit_that_retires_renamed_topics_carries_each_label_or_says_why(
    demo_copy, mapped_demo, caplog
):
    """Every topic renamed, then a refit that retires them all (fitted in the map's space,
    refitted without it): each label goes to the topic that took at least half of its
    topic's sentences when that one has no label yet, and is otherwise kept on the
    retired topic and reported, by the refit and by `voc topics`."""
    from voc.topics.renames import RENAME_HINT
    from voc.topics.store import rename_topic, set_config_labels, topic_labels, update_topics

    shutil.copy(mapped_demo, demo_copy["store"])
    keys = ["feedback_id", "sentence_index"]
    renamed = sorted(_labels(demo_copy["store"]))
    with Warehouse(demo_copy["store"]) as wh:
        for topic_id in renamed:
            rename_topic(wh, topic_id, f"named {topic_id}")
        before = wh.query("SELECT feedback_id, sentence_index, topic_id FROM sentence_topics")
        result = update_topics(wh, "use-multilingual", "test-retire", force_refit=True)
        after = wh.query("SELECT feedback_id, sentence_index, topic_id FROM sentence_topics")
        given = dict(wh.query("SELECT topic_id, label FROM topic_renames").values.tolist())
        events = wh.query("SELECT * FROM topic_events WHERE run_id = 'test-retire'")
    active = set(_labels(demo_copy["store"]))
    outcomes = {r["topic_id"]: r for r in result["topics"]["renames"]}
    assert set(outcomes) == {t for t in renamed if t not in active}  # none left out
    moved = before.merge(after, on=keys, suffixes=("", "_now"))
    kinds = {"carried": 0, "split": 0, "has a label": 0}
    for topic_id, outcome in outcomes.items():
        now = moved.loc[moved["topic_id"] == topic_id, "topic_id_now"]
        counts = now[now.isin(active)].value_counts()
        share = counts.iloc[0] / len(now)
        successor, label = int(counts.index[0]), f"named {topic_id}"
        if outcome["carried_to"] is not None:
            kinds["carried"] += 1
            assert outcome["carried_to"] == successor and share >= 0.5
            assert given[successor] == label and topic_id not in given
        elif share >= 0.5:
            kinds["has a label"] += 1  # two renamed topics became one: the larger kept it
            assert given[successor] != label and given[topic_id] == label
            assert f"has the label {given[successor]!r}" in outcome["message"]
        else:
            kinds["split"] += 1
            assert given[topic_id] == label and "split across" in outcome["message"]
    assert all(kinds.values()), kinds
    carried = {r["carried_to"]: t for t, r in outcomes.items() if r["carried_to"] is not None}
    # The history: one event per outcome, on the topic that has the label now.
    assert len(events[events["event"].str.startswith("label_")]) == len(outcomes)
    assert set(events.loc[events["event"] == "label_carried", "topic_id"]) == set(carried)
    runner = CliRunner()
    listed = runner.invoke(app, ["topics", "--config", str(demo_copy["config"])])
    assert listed.exit_code == 0 and RENAME_HINT in listed.output
    for outcome in outcomes.values():
        assert (outcome["message"] in listed.output) == (outcome["carried_to"] is None)
    new_id, old_id = min(carried.items())
    shown = runner.invoke(
        app, ["topics", "show", str(new_id), "--config", str(demo_copy["config"])]
    )
    assert shown.exit_code == 0 and f"topic {new_id}: named {old_id} (active)" in shown.output
    assert "label history" in shown.output
    assert f"of topic {old_id} carried to topic {new_id}" in shown.output
    with Warehouse(demo_copy["store"]) as wh:
        assert topic_labels(wh, "ja", pain_points=True)[new_id] == f"named {old_id}"
        # The config naming the retired topic names the topic its label went to.
        with caplog.at_level("WARNING", logger="voc.topics.store"):
            assert set_config_labels(wh, {old_id: f"named {old_id}"}) == 0
        assert f"write {new_id} for it in the config" in caplog.text
        assert set_config_labels(wh, {old_id: "parcel arrived late"}) == 1
        given = dict(wh.query("SELECT topic_id, label FROM topic_renames").values.tolist())
    assert given[new_id] == "parcel arrived late" and old_id not in given


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


def test_an_empty_rename_gives_the_topic_back_its_own_label_for_good(demo_copy, mapped_demo):
    """`voc topics rename ID ""` puts back the label the topic's fit found, now and after
    the next refit (a rename was written over it, and a refit keeps a topic's label);
    a retired topic is not renamed, with a line that says what to do."""
    from voc.topics.store import update_topics

    config = ["--config", str(demo_copy["config"])]
    before = _labels(demo_copy["store"])
    topic_id = max(before)
    runner = CliRunner()
    renamed = runner.invoke(app, ["topics", "rename", str(topic_id), "my label", *config])
    assert renamed.exit_code == 0 and _labels(demo_copy["store"])[topic_id] == "my label"
    undone = runner.invoke(app, ["topics", "rename", str(topic_id), "", *config])
    assert undone.exit_code == 0, undone.output
    assert f"'my label' -> {before[topic_id]!r}" in undone.output
    assert _labels(demo_copy["store"])[topic_id] == before[topic_id]
    with Warehouse(demo_copy["store"]) as wh:
        update_topics(wh, "use-multilingual", "test-refit", force_refit=True)
    after = _labels(demo_copy["store"])
    if topic_id in after:
        assert after[topic_id] == before[topic_id]
    assert "my label" not in after.values()

    # Retired topics: fitted in the map's space, refitted without it, every topic retires.
    shutil.copy(mapped_demo, demo_copy["store"])
    old = max(_labels(demo_copy["store"]))
    with Warehouse(demo_copy["store"]) as wh:
        update_topics(wh, "use-multilingual", "test-refit", force_refit=True)
    assert old not in _labels(demo_copy["store"])
    refused = runner.invoke(app, ["topics", "rename", str(old), "late parcel", *config])
    assert refused.exit_code != 0 and "retired" in refused.output
    assert f"voc topics show {old}" in refused.output
    assert "late parcel" not in _labels(demo_copy["store"]).values()
