"""The web app (``voc ui``) driven headlessly through Streamlit's ``AppTest``: every page,
filter and form of the real app on the demo store (the real ``run`` flow's), checking
what a person would see.

Tests that write (rename, merge) or fake a run work on a copy of the demo store, which
other tests share read-only.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from tests.conftest import REPO

APP = REPO / "voc" / "ui" / "app.py"
PAGES = ["pages/trends.py", "pages/surveys.py", "pages/topics.py", "pages/health.py"]
BURST_WEEK = "2026-W45"  # the samples' planted burst of Japanese payment errors
# The burst's topic: 決済エラー in Japanese; in English its English complaints' label
# ("billing address doesn't match"), as the English digest names it (issue 11, point 4).
PAYMENT = re.compile(r"決済|payment|billing", re.IGNORECASE)
# What redaction leaves no trace of: e-mail addresses and phone numbers.
PERSONAL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+|\b\d{3}[-\s]\d{3,4}[-\s]\d{4}\b")


def _config_copy(demo: dict[str, Path], root: Path, **changes: Any) -> Path:
    config = yaml.safe_load(demo["config"].read_text(encoding="utf-8"))
    for key, value in changes.items():
        config.setdefault(key, {}).update(value)
    path = root / "voc.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def demo_app(demo: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    """The app on the shared demo store (read-only), started on its first page."""
    monkeypatch.setenv("VOC_CONFIG", str(demo["config"]))
    yield start()


@pytest.fixture
def demo_copy(demo: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the demo store (with its snapshot) and a config naming it; the app reads it."""
    for name in ("voc.duckdb", "voc.duckdb.snapshot"):
        shutil.copyfile(demo["store"].with_name(name), tmp_path / name)
    config = _config_copy(demo, tmp_path, store={"path": str(tmp_path / "voc.duckdb")})
    monkeypatch.setenv("VOC_CONFIG", str(config))
    return config


def start() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=180)
    at.run()
    assert_clean(at)
    return at


def assert_clean(at: AppTest) -> None:
    """No exception and no error box on the page."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def texts(at: AppTest) -> str:
    """Every markdown, caption and header text of the page, joined."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [h.value for h in at.header] + [s.value for s in at.subheader]
    return "\n".join(parts)


def table_with(at: AppTest, column: str) -> Any:
    """The first table on the page with ``column``."""
    for frame in at.dataframe:
        if column in frame.value.columns:
            return frame.value
    raise AssertionError(f"no table with a {column!r} column")


def pain_table(at: AppTest) -> Any:
    return table_with(at, "history")


def records_table(at: AppTest) -> Any:
    return table_with(at, "feedback_id")


# -- pain points ---------------------------------------------------------------------------
def test_pain_points_page_opens_on_the_default_week_with_every_week_to_pick(
    demo: dict[str, Path], demo_app: AppTest
) -> None:
    from voc import query
    from voc.store.warehouse import Warehouse

    with Warehouse(demo["store"], read_only=True) as store:
        expected = query.default_week(store)
        weeks = query.weekly_records(store)
    assert expected is not None
    week = demo_app.selectbox(key="pp_week")
    assert week.value == expected.week
    assert len(week.options) == len(weeks)  # every week in the store, newest first
    assert week.options[0].startswith(max(weeks))
    assert demo_app.header[0].value == f"Pain points of {expected.week}"


def test_burst_week_lists_the_payment_errors_first_with_quotes_and_records(
    demo_app: AppTest,
) -> None:
    demo_app.selectbox(key="pp_week").set_value(BURST_WEEK).run()
    assert_clean(demo_app)
    table = pain_table(demo_app)
    first = table.iloc[0]
    assert PAYMENT.search(first["label"]), table[["label", "volume"]]
    assert first["emerging"] == "▲"
    assert first["volume"] >= 30 and first["negative_share"] >= 0.5
    assert len(first["history"]) == 8 and first["history"][-1] == first["volume"]
    assert first["history"][-2] < first["volume"] / 2  # a burst: the week before was quiet
    # The drill-down opens on the first pain point: its quotes and the records behind it.
    shown = texts(demo_app)
    quotes = [m.value for m in demo_app.markdown if m.value.startswith("> ")]
    assert len(quotes) >= 3 and any(PAYMENT.search(q) for q in quotes), quotes
    records = records_table(demo_app)
    assert len(records) == first["volume"]
    assert set(records["language"]) >= {"ja", "en"}
    assert not PERSONAL.search(shown + "\n".join(records["text"])), "personal data shown"
    # The channel x touchpoint cells of the week.
    assert "Channel x touchpoint" in shown


def test_each_filter_narrows_the_pain_points(demo_app: AppTest) -> None:
    demo_app.selectbox(key="pp_week").set_value(BURST_WEEK).run()
    whole = pain_table(demo_app)
    for key, value in [
        ("pp_channel", "social"),
        ("pp_touchpoint", "billing_and_payment"),
        ("pp_language", "ja"),
        ("pp_source", "social_posts"),
    ]:
        widget = demo_app.selectbox(key=key)
        widget.set_value(value).run()
        assert_clean(demo_app)
        narrowed = pain_table(demo_app)
        assert 0 < len(narrowed) <= len(whole), key
        assert narrowed["volume"].iloc[0] <= whole["volume"].max(), key
        records = records_table(demo_app)
        column = {"pp_channel": "channel", "pp_language": "language", "pp_source": "source"}
        if key in column:
            assert set(records[column[key]]) == {value}, (key, set(records[column[key]]))
        demo_app.selectbox(key=key).set_value("all / すべて").run()
    # A subset by language is counted live: every record of it is Japanese.
    demo_app.selectbox(key="pp_language").set_value("ja").run()
    assert "Counted among the records" in texts(demo_app)
    assert PAYMENT.search(pain_table(demo_app)["label"].iloc[0])


# -- the other pages -----------------------------------------------------------------------
def test_trends_page_charts_topics_touchpoints_and_a_cross_lingual_search(
    demo_app: AppTest,
) -> None:
    demo_app.switch_page("pages/trends.py").run()
    assert_clean(demo_app)
    assert demo_app.header[0].value == "Trends"
    for kind in ("topic", "touchpoint", "all"):
        demo_app.radio(key="tr_kind.en").set_value(kind).run()
        assert_clean(demo_app)
    demo_app.radio(key="tr_kind.en").set_value("topic").run()
    topic = demo_app.selectbox(key="tr_topic.en")
    payment = next(o for o in topic.options if PAYMENT.search(o))  # "label (id)"
    topic.set_value(int(re.search(r"\((\d+)\)$", payment).group(1))).run()
    assert_clean(demo_app)
    demo_app.radio(key="tr_by.en").set_value("month").run()
    demo_app.multiselect(key="tr_channels.en").set_value(["social", "survey"]).run()
    assert_clean(demo_app)
    # English words find the Japanese payment complaints of the burst week.
    demo_app.text_input(key="tr_search").set_value("the payment failed at checkout").run()
    assert_clean(demo_app)
    hits = table_with(demo_app, "sentence")
    assert len(hits) == 30
    assert (hits["language"] == "ja").any() and hits["sentence"].str.contains("決済").any()
    assert "closest records" in texts(demo_app)


def test_survey_page_shows_nps_csat_ces_with_respondents(demo_app: AppTest) -> None:
    demo_app.switch_page("pages/surveys.py").run()
    assert_clean(demo_app)
    labels = [m.label for m in demo_app.metric]
    assert any(label.startswith("NPS") for label in labels), labels
    assert any(label.startswith("CSAT") for label in labels), labels
    table = demo_app.dataframe[0].value
    assert any("Respondents" in str(c) for c in table.columns), table.columns
    assert demo_app.subheader[-1].value == "Why did it move?"


def test_data_health_page_lists_runs_and_the_quarantine_with_its_rows(
    demo_app: AppTest,
) -> None:
    demo_app.switch_page("pages/health.py").run()
    assert_clean(demo_app)
    runs = demo_app.dataframe[0].value
    assert {"run", "analyze"} & set(runs["flow"]) and (runs["status"] == "completed").any()
    reason = demo_app.selectbox(key="dh_reason")
    assert "missing_text" in reason.options
    reason.set_value("impossible_rating").run()
    assert_clean(demo_app)
    rows = table_with(demo_app, "raw_payload")
    assert len(rows) >= 1 and set(rows["reason"]) == {"impossible_rating"}
    assert rows["raw_payload"].str.len().gt(0).all()
    assert not PERSONAL.search("\n".join(rows["raw_payload"].astype(str)))


def test_topics_page_shows_a_topic_with_keywords_quotes_and_size(demo_app: AppTest) -> None:
    demo_app.switch_page("pages/topics.py").run()
    assert_clean(demo_app)
    topics = demo_app.dataframe[0].value
    assert len(topics) >= 20
    pick = demo_app.selectbox(key="tp_topic.en")
    pick.set_value(int(topics["topic_id"].iloc[3])).run()
    assert_clean(demo_app)
    assert demo_app.subheader[0].value.endswith(f"({int(topics['topic_id'].iloc[3])})")
    assert "Keywords:" in texts(demo_app)
    assert [m for m in demo_app.markdown if m.value.startswith("> ")]


def test_japanese_toggle_translates_every_page(demo_app: AppTest) -> None:
    toggle = demo_app.radio(key="lang_toggle")
    assert toggle.value == "en" and toggle.options == ["English", "日本語"]
    # AppTest drops the entry script's sidebar widgets from its tree after the first run
    # of an st.navigation app, so the test clicks the toggle on the first run only.
    demo_app.selectbox(key="pp_week").set_value(BURST_WEEK)
    toggle.set_value("ja").run()
    assert_clean(demo_app)
    assert demo_app.header[0].value == f"{BURST_WEEK} のペインポイント"
    # Topics are labelled in Japanese where they have a Japanese label.
    assert pain_table(demo_app)["label"].iloc[0] == "決済エラー"
    expected = {
        "pages/trends.py": "トレンド",
        "pages/surveys.py": "アンケート指標",
        "pages/topics.py": "トピック",
        "pages/health.py": "データの状態",
    }
    for page, header in expected.items():
        demo_app.switch_page(page).run()
        assert_clean(demo_app)
        assert demo_app.header[0].value == header


def test_japanese_is_the_default_when_the_digest_is_japanese(
    demo: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _config_copy(demo, tmp_path, digest={"language": "ja"})
    monkeypatch.setenv("VOC_CONFIG", str(config))
    at = start()
    assert at.radio(key="lang_toggle").value == "ja"
    assert at.header[0].value.endswith("のペインポイント")


def start_in(language: str) -> AppTest:
    """The app opened by a link naming the language (``?lang=ja``)."""
    at = AppTest.from_file(str(APP), default_timeout=180)
    at.query_params["lang"] = language
    at.run()
    assert_clean(at)
    return at


def column_labels(at: AppTest, column: str) -> dict[str, str]:
    """The shown names of the columns of the first table with ``column`` (its
    ``column_config`` labels, by column; a column without one is shown by its name)."""
    import json

    for frame in at.dataframe:
        if column in frame.value.columns:
            config = json.loads(frame.proto.columns or "{}")
            labels = {str(c): str(c) for c in frame.value.columns}
            for key, entry in config.items():
                name = key.split(":", 1)[1] if key.startswith("col:") else key
                if isinstance(entry, dict) and entry.get("label"):
                    labels[name] = entry["label"]
            return labels
    raise AssertionError(f"no table with a {column!r} column")


# English words the Japanese pages must not show in the cells and notes below.
ENGLISH_WORDS = re.compile(r"\b(up|down|flat|new|more|feedback|week|share|rate|too early)\b")


def test_japanese_pain_points_word_the_notes_trend_where_and_record_columns(
    demo: dict[str, Path], demo_app: AppTest
) -> None:
    from voc import query
    from voc.store.warehouse import Warehouse

    with Warehouse(demo["store"], read_only=True) as store:
        default = query.default_week(store)
    assert default is not None and default.notes  # the samples end weeks ago: a stale note
    at = start_in("ja")
    # The default week's notes: the same facts, in Japanese.
    captions = [c.value for c in at.caption]
    english = [c.value for c in demo_app.caption]
    assert all(note in english for note in default.notes), english
    assert not any(note in captions for note in default.notes), captions
    assert any(
        "より後の日付のフィードバックがありません" in c and default.week in c for c in captions
    )

    # The burst week's trend and "where" cells, and the records' column names.
    for app in (demo_app, at):
        app.selectbox(key="pp_week").set_value(BURST_WEEK).run()
        assert_clean(app)
    english_table, table = pain_table(demo_app), pain_table(at)
    assert english_table["trend"].str.match(r"^(up|down|flat|new) ").all(), english_table["trend"]
    for column in ("trend", "where"):
        for cell in table[column]:
            assert not ENGLISH_WORDS.search(cell), (column, cell)
    assert table["trend"].str.match(r"^(増加|減少|横ばい|新規)").all(), table["trend"]
    # The same figures: only the words differ.
    digits = re.compile(r"[+-]?\d+%?")
    assert [digits.findall(c) for c in table["trend"]] == [
        digits.findall(c) for c in english_table["trend"]
    ]
    first = table["where"].iloc[0]
    assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", first), first  # channel names in Japanese
    assert "/" in first and "(" in first
    labels = column_labels(at, "feedback_id")
    assert labels["text"] == "本文" and labels["language"] == "言語", labels
    assert all(not re.fullmatch(r"[a-z_]+", label) for label in labels.values()), labels
    assert column_labels(demo_app, "feedback_id")["text"] == "Text"


def test_japanese_fixes_page_words_the_verdict_and_its_reason(demo_copy: Path) -> None:
    from voc import query
    from voc.config import load_config
    from voc.store.loop import record_action
    from voc.store.warehouse import Warehouse

    # A fix shipped in 2026-W42 on the week before's first pain point: the demo store has
    # its 4 weeks before and after, so the page gives a verdict with figures.
    with Warehouse(load_config(demo_copy).store.path) as store:
        topic = int(query.pain_points(store, "2026-W41")["topic_id"].iloc[0])
        record_action(store, topic, "fix-shipped", actor="test", action_date=date(2026, 10, 12))
    english, japanese = start(), start_in("ja")
    for app in (english, japanese):
        app.switch_page("pages/fixes.py").run()
        assert_clean(app)
    en_row, ja_row = table_with(english, "verdict").iloc[0], table_with(japanese, "verdict").iloc[0]
    assert en_row["verdict"].split(" ", 1)[1] in (
        "fixed",
        "no change",
        "worse",
        "too early to tell",
    )
    assert ja_row["verdict"].split(" ", 1)[1] in ("改善", "変化なし", "悪化", "判断するには早い")
    assert "rate ratio" in en_row["reason"] or "too " in en_row["reason"], en_row["reason"]
    assert "修正をリリース" in ja_row["reason"] and not ENGLISH_WORDS.search(ja_row["reason"])
    assert "2026-10-12" in ja_row["reason"]
    labels = column_labels(japanese, "verdict")
    assert labels["rate_ratio_low"].startswith("95%信頼区間"), labels
    shown = texts(japanese)
    assert "修正をリリース" in shown and not re.search(r"share of feedback|too early", shown)


# -- forms (on a copy of the store) --------------------------------------------------------
def test_rename_from_the_topics_page_shows_everywhere(demo_copy: Path) -> None:
    at = start()
    at.switch_page("pages/topics.py").run()
    topic_id = int(at.dataframe[0].value["topic_id"].iloc[2])
    at.selectbox(key="tp_topic.en").set_value(topic_id).run()
    at.text_input(key="tp_rename_label").set_value("  sizes run   small ")
    at.button[0].click().run()  # the rename form's submit
    assert_clean(at)
    assert [s.value for s in at.success] == [f"Topic {topic_id} is now 'sizes run small'."]
    topics = at.dataframe[0].value
    assert topics.set_index("topic_id").loc[topic_id, "label"] == "sizes run small"

    from voc import query
    from voc.config import load_config
    from voc.store.warehouse import Warehouse

    with Warehouse(load_config(demo_copy).store.path, read_only=True) as store:
        assert query.resolve_topic(store, topic_id)[1] == "sizes run small"


@pytest.mark.slow  # a forced refit of the demo store's topics: 40-70 s here
def test_merge_from_the_topics_page_survives_a_refit(demo_copy: Path) -> None:
    from voc import query
    from voc.config import load_config
    from voc.models.embedders import DEFAULT_EMBEDDER
    from voc.store.warehouse import Warehouse
    from voc.topics.store import update_topics

    at = start()
    at.switch_page("pages/topics.py").run()
    topics = at.dataframe[0].value.set_index("topic_id")
    keep, gone = int(topics.index[0]), int(topics.index[1])
    together = int(topics.loc[keep, "sentences"] + topics.loc[gone, "sentences"])
    at.selectbox(key="tp_topic.en").set_value(gone).run()
    at.selectbox(key="tp_merge_into.en").set_value(keep)
    at.button[1].click().run()  # the merge form's submit
    assert_clean(at)
    assert at.success and f"Topic {gone}" in at.success[0].value, [s.value for s in at.success]
    after = at.dataframe[0].value.set_index("topic_id")
    assert gone not in after.index
    assert after.loc[keep, "sentences"] == together

    path = load_config(demo_copy).store.path
    with Warehouse(path) as store:
        # The pain points follow at once: no row of the merged topic is left.
        assert not (query.trends(store, topic=gone)["volume"] > 0).any()
        summary = update_topics(store, DEFAULT_EMBEDDER, "refit-after-merge", force_refit=True)
        assert summary["topics"]["action"] == "refit"
        assert summary["topics"]["new_topics"] == []  # the merged cluster came back as no new topic
        active = query.topics(store).set_index("topic_id")
        assert gone not in active.index
        # The refit re-assigns a few sentences at the edges; the merged subject stays together.
        assert active.loc[keep, "sentences"] >= 0.95 * together
        assert query.resolve_topic(store, gone)[0] == gone  # still known, as merged
    at.run()
    assert_clean(at)
    assert gone not in at.dataframe[0].value["topic_id"].tolist()


def test_a_merged_topic_stays_a_seed_of_the_next_refit(demo_copy: Path) -> None:
    """What makes a merge survive a refit (the slow test above runs one): the registry
    keeps the merged topic active, so the next fit is seeded with its centroid and
    matches it, and the stored model assigns its centroid to the survivor."""
    from voc.config import load_config
    from voc.store import topics as store_topics
    from voc.store.warehouse import Warehouse
    from voc.topics.edits import merge_topics
    from voc.topics.store import load_model, load_registry

    with Warehouse(load_config(demo_copy).store.path) as store:
        before = load_registry(store)
        merged = merge_topics(store, 6, 5, "cli")
        assert merged["sentences"] > 0 and merged["pain_points"]["rows"] > 0
        after = load_registry(store)
        assert [t.topic_id for t in after.active] == [t.topic_id for t in before.active]
        assert store_topics.topic_row(store, 6)["status"].iloc[0] == "merged"
        model = load_model(store)
        assert model is not None and 6 not in model.model.topic_ids_.tolist()
        assert (model.model.topic_ids_ == 5).sum() == 2  # both centroids now give topic 5
        counts = store.query(
            "SELECT topic_id, count(*) AS n FROM sentence_topics "
            "WHERE topic_id IN (5, 6) GROUP BY ALL"
        )
        assert counts["topic_id"].tolist() == [5]


def test_topics_merge_command_refuses_what_it_cannot_merge(demo_copy: Path) -> None:
    from typer.testing import CliRunner

    from voc.cli import app

    runner = CliRunner()
    same = runner.invoke(app, ["topics", "merge", "3", "3", "--config", str(demo_copy)])
    assert same.exit_code == 2 and "into itself" in same.output
    unknown = runner.invoke(app, ["topics", "merge", "9999", "3", "--config", str(demo_copy)])
    assert unknown.exit_code == 2 and "no topic 9999" in unknown.output
    done = runner.invoke(app, ["topics", "merge", "4", "3", "--config", str(demo_copy)])
    assert done.exit_code == 0, done.output
    assert "merged into 3" in done.output and "pain points recomputed" in done.output
    again = runner.invoke(app, ["topics", "merge", "4", "5", "--config", str(demo_copy)])
    assert again.exit_code == 2 and "already merged into topic 3" in again.output


def test_pages_read_the_snapshot_while_a_run_writes(demo_copy: Path) -> None:
    """A run holds the writer lock and DuckDB's lock on the store: every page still loads,
    from the last run's snapshot, and says so; a rename is refused at once."""
    from voc.config import load_config

    store = load_config(demo_copy).store.path
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import sys, time
                from voc.store.warehouse import Warehouse, writer_lock
                with writer_lock({str(store)!r}, 10, run_id="r1", flow="run"):
                    with Warehouse({str(store)!r}) as store:
                        store._con.execute("SELECT 1")
                        print("holding", flush=True)
                        time.sleep(120)
                """
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        started = time.monotonic()
        at = start()
        assert "snapshot" in " ".join(i.value for i in at.info)
        assert at.header[0].value.startswith("Pain points of")
        for page in PAGES:
            at.switch_page(page).run()
            assert_clean(at)
        assert time.monotonic() - started < 60  # never waited for the run
        at.switch_page("pages/topics.py").run()
        at.text_input(key="tp_rename_label").set_value("while a run writes")
        at.button[0].click().run()
        assert at.warning and "run is writing" in at.warning[0].value
    finally:
        holder.kill()
        holder.wait()


def test_every_label_has_its_japanese(demo: dict[str, Path]) -> None:
    from voc.ui.i18n import TEXT, t

    missing = [key for key, entry in TEXT.items() if not entry.get("ja")]
    assert missing == []
    placeholders = re.compile(r"\{(\w+)")
    for key, entry in TEXT.items():
        assert set(placeholders.findall(entry["en"])) == set(placeholders.findall(entry["ja"])), key
    assert t("pain_title", "ja", week="2026-W45") == "2026-W45 のペインポイント"


def test_voc_ui_refuses_a_port_in_use_in_one_line(demo: dict[str, Path]) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [str(Path(sys.executable).parent / "voc"), "ui", "--port", str(port),
             "--config", str(demo["config"])],
            capture_output=True, text=True, cwd=REPO, timeout=120,
        )  # fmt: skip
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"port {port}" in lines[0] and "--port" in lines[0], lines


# -- closing the loop: owners, actions, fixes, events, why a score moved -------------------
def test_pain_points_show_their_owner_and_the_action_form_records_a_status(
    demo_copy: Path,
) -> None:
    from voc.config import load_config
    from voc.store.loop import latest_actions
    from voc.store.warehouse import Warehouse

    at = start()
    at.selectbox(key="pp_week").set_value(BURST_WEEK).run()
    first = pain_table(at).iloc[0]
    assert PAYMENT.search(first["label"]) and first["owner"] == "Payments", first
    assert first["action"] == ""
    at.selectbox(key="pp_action_status").set_value("fix-shipped")
    at.text_input(key="pp_action_note").set_value("retry the 3-D Secure call")
    at.date_input(key="pp_action_date").set_value(date(2026, 11, 12))
    at.text_input(key="pp_action_who").set_value("payments-oncall")
    submit = next(b for b in at.button if b.label == "Record")
    submit.click().run()
    assert_clean(at)
    assert at.success and "fix-shipped" in at.success[0].value
    assert pain_table(at).iloc[0]["action"] == "fix-shipped 2026-11-12"
    history = table_with(at, "actor")
    assert history["actor"].tolist() == ["payments-oncall"]
    with Warehouse(load_config(demo_copy).store.path, read_only=True) as store:
        latest = latest_actions(store)
    assert len(latest) == 1
    row = latest.iloc[0]
    assert (row["status"], row["note"]) == ("fix-shipped", "retry the 3-D Secure call")

    # The Fixes page judges it (the burst week is the fix's week: the weeks after it have
    # too little data yet, which the page must say rather than call it fixed).
    at.switch_page("pages/fixes.py").run()
    assert_clean(at)
    fixes = table_with(at, "verdict")
    assert len(fixes) == 1 and PAYMENT.search(fixes["label"].iloc[0])
    assert fixes["verdict"].iloc[0].split(" ", 1)[1] in (
        "fixed", "no change", "worse", "too early to tell",
    )  # fmt: skip
    assert fixes["reason"].iloc[0]


def test_fixes_page_says_when_nothing_is_shipped(demo_app: AppTest) -> None:
    demo_app.switch_page("pages/fixes.py").run()
    assert_clean(demo_app)
    assert demo_app.header[0].value == "Fixes: did they work?"
    assert [i.value for i in demo_app.info] == ["No pain point is marked fix-shipped yet."]


def test_trend_charts_mark_recorded_events(demo_copy: Path) -> None:
    from voc.config import load_config
    from voc.store.loop import add_event
    from voc.store.warehouse import Warehouse

    at = start()
    at.switch_page("pages/trends.py").run()
    assert "Lines mark recorded events." not in texts(at)
    with Warehouse(load_config(demo_copy).store.path) as store:
        add_event(store, "2026-11-02", "site redesign", kind="release")
    at.run()  # the store changed: the cache key too
    assert_clean(at)
    assert "Lines mark recorded events." in texts(at)
    # Both charts carry the events' rule layer (its rows travel beside the spec).
    specs = [c.proto.spec for c in at.get("vega_lite_chart")]
    assert sum('"rule"' in spec and "strokeDash" in spec for spec in specs) == 2, specs


def test_survey_page_explains_why_a_score_moved(demo: dict[str, Path], demo_app: AppTest) -> None:
    from voc.insights.drivers import explain_change
    from voc.store.warehouse import Warehouse

    demo_app.switch_page("pages/surveys.py").run()
    demo_app.selectbox(key="sv_metric").set_value("nps").run()
    demo_app.selectbox(key="sv_week_nps.en").set_value(BURST_WEEK).run()
    assert_clean(demo_app)
    sentence = next(m.value for m in demo_app.markdown if m.value.startswith("### NPS"))
    assert "since 2026-W44" in sentence and "95% CI" in sentence, sentence
    with Warehouse(demo["store"], read_only=True) as store:
        expected = explain_change(store, "nps", BURST_WEEK)
    assert sentence == f"### {expected.sentence('en')}"
    drivers = table_with(demo_app, "contribution")
    assert len(drivers) >= 2 and (drivers["ci_low"] <= drivers["ci_high"]).all()
    assert (
        drivers["contribution"].tolist()
        == expected.contributions["contribution"].head(len(drivers)).tolist()
    )
