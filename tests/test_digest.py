"""The weekly digest on the demo store: what it reads, how it renders, the real Prefect flow.

The store is the session's ``demo`` fixture (the real ``run`` flow over the bundled samples).
Its 2026-W45 holds the samples' planted burst of Japanese payment-error complaints.
"""

from __future__ import annotations

import dataclasses
import json
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from voc.digest.data import Digest, gather
from voc.digest.render import Renderer, write_digest
from voc.store.warehouse import Warehouse
from voc.taxonomy import load_taxonomy

pytestmark = pytest.mark.usefixtures("prefect_harness")

BURST_WEEK = "2026-W45"
EMPTY_WEEK = "2026-W12"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
PHONE = re.compile(r"\d{2,4}-\d{2,4}-\d{3,4}")
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def burst(demo: dict[str, Path]) -> Digest:
    """The English digest of the burst week, as `voc digest` gathers it."""
    with Warehouse(demo["store"], read_only=True) as store:
        return gather(store, BURST_WEEK, language="en")


@pytest.fixture(scope="module")
def empty(demo: dict[str, Path]) -> Digest:
    with Warehouse(demo["store"], read_only=True) as store:
        return gather(store, EMPTY_WEEK)


# -- what the digest reads ---------------------------------------------------------------------
def test_the_planted_burst_leads_the_week_with_quotes_in_both_languages(burst: Digest) -> None:
    assert burst.records > 200 and burst.analysed == burst.records
    assert len(burst.pain_points) >= 5
    first = burst.pain_points[0]
    assert "決済" in first.keywords and first.emerging
    # Named in English in the English digest: its complaints have an English label.
    assert not JAPANESE.search(first.label), first.label
    assert first.volume > 3 * first.previous_volume  # the burst: 54 against 6
    assert {q.language for q in first.quotes} >= {"ja", "en"}
    assert first.impacts["nps"] > 5  # it drags the week's NPS down
    for point in burst.pain_points[:5]:
        assert 1 <= len(point.quotes) <= 3
        assert len(point.history) == 8 and point.history[-1] == (
            BURST_WEEK,
            point.volume,
            pytest.approx(point.negative_share),
        )
        assert point.where and all(cell["volume"] > 0 for cell in point.where)


def test_quotes_are_this_weeks_complaints_redacted(demo: dict[str, Path], burst: Digest) -> None:
    quotes = [q for point in burst.pain_points for q in point.quotes]
    assert quotes
    for quote in quotes:
        assert not EMAIL.search(quote.text) and not PHONE.search(quote.text)
        assert len(quote.text) <= 281
    with Warehouse(demo["store"], read_only=True) as store:
        week_texts = set(
            store.query(
                "SELECT s.text FROM sentences s JOIN feedback f USING (feedback_id) "
                "WHERE strftime(f.created_at, '%G-W%V') = ?",
                [BURST_WEEK],
            )["text"].map(lambda t: " ".join(t.split()))
        )
    whole = [q for q in quotes if not q.text.endswith("…")]
    assert whole and all(q.text in week_texts for q in whole)
    first = burst.pain_points[0].quotes
    assert all(q.sentiment_score < 0 for q in first)  # a pain point is quoted by complaints


def test_surveys_emerging_falling_and_heat_map_hold_together(
    demo: dict[str, Path], burst: Digest
) -> None:
    from voc.store.topics import topic_labels

    with Warehouse(demo["store"], read_only=True) as store:
        english = topic_labels(store, "en")
    metrics = {s.metric: s for s in burst.surveys}
    assert set(metrics) >= {"nps", "csat"}
    assert metrics["nps"].respondents > 0 and metrics["nps"].previous is not None
    assert metrics["csat"].drags
    assert metrics["csat"].drags[0][0] == english[burst.pain_points[0].topic_id]
    assert burst.pain_points[0].topic_id in {m.topic_id for m in burst.emerging}
    for move in burst.falling:
        assert move.share is not None and move.baseline_share is not None
        assert move.share <= 0.5 * move.baseline_share and move.baseline >= 3
    cells = burst.heatmap
    assert not cells.empty and (cells["negative"] <= cells["records"]).all()
    assert int(burst.weekly["records"].iloc[-1]) == burst.records
    assert burst.weekly["week"].tolist()[-1] == BURST_WEEK


def test_a_week_without_data_is_empty_not_an_error(empty: Digest) -> None:
    assert empty.empty and empty.records == 0 and not empty.pain_points
    markdown = Renderer(empty, "en").markdown()
    assert "No feedback was recorded in 2026-W12" in markdown
    page = Renderer(empty, "ja").html()
    assert 'id="empty"' in page and "フィードバックはありません" in page
    assert 'class="pain"' not in page


# -- rendering ---------------------------------------------------------------------------------
def test_writes_markdown_html_and_charts_in_english_and_japanese(
    burst: Digest, tmp_path: Path
) -> None:
    taxonomy = load_taxonomy()
    english = write_digest(burst, tmp_path / "en", "en", taxonomy)
    japanese = write_digest(burst, tmp_path / "ja", "ja", taxonomy)
    assert english.html == tmp_path / "en" / BURST_WEEK / "digest.html"
    assert sorted(p.stem for p in english.charts) == ["heatmap", "trends", "weekly"]
    md = english.markdown.read_text(encoding="utf-8")
    assert "## Top pain points" in md and "### 1. " in md and "![" in md
    assert "Billing and payment" in md  # touchpoints by their taxonomy label
    page = english.html.read_text(encoding="utf-8")
    assert page.count('<svg role="img"') == 3 and "<script" not in page
    assert '<blockquote class="quote" lang="ja">' in page  # Japanese glyphs in an English page
    ja_md = japanese.markdown.read_text(encoding="utf-8")
    assert "主なペインポイント" in ja_md and "請求・決済" in ja_md
    assert japanese.html.read_text(encoding="utf-8").startswith('<!DOCTYPE html>\n<html lang="ja">')
    assert not list((tmp_path / "en").rglob("*.partial"))


def test_customer_text_is_escaped_in_html_and_markdown(burst: Digest) -> None:
    point = burst.pain_points[0]
    hostile = dataclasses.replace(
        point.quotes[0], text='<script>alert("x")</script> **bold** | pipe # hash'
    )
    digest = dataclasses.replace(
        burst, pain_points=[dataclasses.replace(point, quotes=[hostile]), *burst.pain_points[1:]]
    )
    page = Renderer(digest).html()
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    markdown = Renderer(digest).markdown()
    assert r"\*\*bold\*\* \| pipe \# hash" in markdown


def test_charts_are_the_same_for_the_same_week(demo: dict[str, Path]) -> None:
    with Warehouse(demo["store"], read_only=True) as store:
        japanese = gather(store, BURST_WEEK, language="ja")
    first, second = Renderer(japanese, "ja").charts(), Renderer(japanese, "ja").charts()
    assert first == second
    assert "決済" in first["trends"]  # labels stay text, drawn by the browser's fonts


# -- the flow ----------------------------------------------------------------------------------
class _Webhook(ThreadingHTTPServer):
    def __init__(self, failing: bool) -> None:
        super().__init__(("127.0.0.1", 0), _Hook)
        self.failing = failing
        self.bodies: list[dict[str, Any]] = []


class _Hook(BaseHTTPRequestHandler):
    server: _Webhook

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.bodies.append(json.loads(body))
        self.send_response(503 if self.server.failing else 200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"no" if self.server.failing else b"ok")

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def webhook(request: pytest.FixtureRequest) -> Iterator[_Webhook]:
    server = _Webhook(failing=getattr(request, "param", False))
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    yield server
    server.shutdown()
    server.server_close()


def _config_with_slack(demo: dict[str, Path], tmp_path: Path) -> Path:
    config = yaml.safe_load(demo["config"].read_text(encoding="utf-8"))
    config["digest"] = {
        "out_dir": str(tmp_path / "reports"),
        "delivery": {"slack": {}, "retries": 1, "retry_delay_seconds": 0},
    }
    path = tmp_path / "voc.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def _run_row(demo: dict[str, Path], run_id: str) -> tuple[str, dict[str, Any]]:
    with Warehouse(demo["store"], read_only=True) as store:
        flow, status, summary = store._con.execute(
            "SELECT flow, status, summary FROM runs WHERE run_id = ?", [run_id]
        ).fetchone()
    assert flow == "digest"
    return status, json.loads(summary)


def test_the_flow_writes_the_files_publishes_the_artifact_and_records_the_run(
    demo: dict[str, Path],
) -> None:
    from prefect.artifacts import Artifact

    from pipelines.digest import digest_flow

    result = digest_flow(
        config_path=str(demo["config"]), week=BURST_WEEK, deliver=False, run_id="digest-test-1"
    )
    assert result["status"] == "completed" and result["pain_points"] >= 5
    assert Path(result["html"]) == demo["reports"] / BURST_WEEK / "digest.html"
    assert Path(result["html"]).stat().st_size > 20_000 and Path(result["markdown"]).exists()
    artifact = Artifact.get("voc-digest-en")
    assert artifact is not None and BURST_WEEK in str(artifact.data)
    status, summary = _run_row(demo, "digest-test-1")
    assert status == "completed" and summary["html"] == result["html"]

    empty = digest_flow(config_path=str(demo["config"]), week=EMPTY_WEEK, deliver=False)
    assert empty["status"] == "completed" and empty["empty"] and empty["records"] == 0
    assert "No feedback" in Path(empty["markdown"]).read_text(encoding="utf-8")


def test_the_flow_posts_to_slack(
    demo: dict[str, Path], tmp_path: Path, webhook: _Webhook, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipelines.digest import digest_flow

    monkeypatch.setenv(
        "VOC_SLACK_WEBHOOK_URL", f"http://127.0.0.1:{webhook.server_address[1]}/T/B/x"
    )
    result = digest_flow(config_path=str(_config_with_slack(demo, tmp_path)), week=BURST_WEEK)
    (sent,) = result["delivery"]
    assert sent["channel"] == "slack" and sent["ok"] and sent["attempts"] == 1
    assert len(webhook.bodies) == 1 and "*Top pain points*" in webhook.bodies[0]["text"]
    assert "charts/" not in webhook.bodies[0]["text"]  # no links to files Slack cannot see


@pytest.mark.parametrize("webhook", [True], indirect=True)
def test_a_failing_slack_is_retried_reported_and_keeps_the_files(
    demo: dict[str, Path], tmp_path: Path, webhook: _Webhook, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipelines.digest import digest_flow
    from voc.errors import DeliveryError

    monkeypatch.setenv(
        "VOC_SLACK_WEBHOOK_URL", f"http://127.0.0.1:{webhook.server_address[1]}/T/B/x"
    )
    with pytest.raises(DeliveryError, match="slack") as failure:
        digest_flow(
            config_path=str(_config_with_slack(demo, tmp_path)),
            week=BURST_WEEK,
            run_id="digest-test-failing",
        )
    assert len(webhook.bodies) == 2  # the first try and one retry
    html = tmp_path / "reports" / BURST_WEEK / "digest.html"
    assert html.exists() and str(html) in str(failure.value)
    status, summary = _run_row(demo, "digest-test-failing")
    assert status == "failed" and "503" in summary["error"]


def test_the_default_week_is_the_last_complete_one_in_the_schedule_zone() -> None:
    from voc.weeks import last_complete_week

    sunday_night_utc = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)  # Monday 08:30 in Tokyo
    assert last_complete_week("Asia/Tokyo", sunday_night_utc) == "2026-W47"
    assert last_complete_week("UTC", sunday_night_utc) == "2026-W46"


def test_the_cli_prints_the_digest_path_last_and_refuses_a_bad_week(
    demo: dict[str, Path],
) -> None:
    from voc.cli import app

    runner = CliRunner()
    ok = runner.invoke(
        app, ["digest", "--week", BURST_WEEK, "--no-deliver", "--config", str(demo["config"])]
    )
    assert ok.exit_code == 0, ok.output
    last = ok.output.strip().splitlines()[-1]
    assert last == f"digest: {demo['reports'] / BURST_WEEK / 'digest.html'}"
    bad = runner.invoke(app, ["digest", "--week", "2026-45", "--config", str(demo["config"])])
    assert bad.exit_code == 2 and "ISO week such as 2026-W45" in bad.output


# -- pain points are complaints; praise has its own section ------------------------------------
def _demo_weeks_with_pain_points(demo: dict[str, Path]) -> list[str]:
    with Warehouse(demo["store"], read_only=True) as store:
        return store.query(
            "SELECT DISTINCT week FROM pain_points WHERE week >= '2026-W36' ORDER BY week"
        )["week"].tolist()


def test_no_listed_pain_point_is_under_the_negative_share_floor(demo: dict[str, Path]) -> None:
    from voc.insights.painpoints import MIN_COMPLAINTS, MIN_NEGATIVE_SHARE

    assert MIN_NEGATIVE_SHARE >= 0.5
    weeks = _demo_weeks_with_pain_points(demo)
    assert BURST_WEEK in weeks
    listed = 0
    with Warehouse(demo["store"], read_only=True) as store:
        for week in weeks:
            digest = gather(store, week)
            for point in digest.pain_points:
                listed += 1
                assert point.negative_share >= MIN_NEGATIVE_SHARE, (week, point.label)
                assert point.volume * point.negative_share >= MIN_COMPLAINTS, (week, point)
            # A topic is a pain point or praised, never both.
            assert not {p.topic_id for p in digest.pain_points} & {
                p.topic_id for p in digest.praise
            }
            # The survey scores are dragged down by pain points only.
            complained = set(
                store.query(
                    "SELECT coalesce(t.label, 'topic ' || p.topic_id) AS label "
                    "FROM pain_points p LEFT JOIN topics t USING (topic_id) "
                    "WHERE p.week = ? AND p.channel = '*' AND p.touchpoint = '*' "
                    "AND p.negative_share >= ? AND p.volume * p.negative_share >= ?",
                    [week, MIN_NEGATIVE_SHARE, MIN_COMPLAINTS],
                )["label"]
            )
            for survey in digest.surveys:
                assert {label for label, _ in survey.drags} <= complained, (week, survey)
    assert listed > len(weeks)  # the floor leaves pain points to list
    # The CLI lists the same topics, in the same order, as the digest.
    from voc.cli import app

    shown = CliRunner().invoke(
        app, ["pain-points", "--week", BURST_WEEK, "-c", str(demo["config"]), "-f", "json"]
    )
    assert shown.exit_code == 0, shown.output
    rows = json.loads(shown.stdout)
    assert rows and all(row["negative_share"] >= MIN_NEGATIVE_SHARE for row in rows)


#: Labels no CX lead could forward: fillers and keyword lists (the W45 digest listed
#: "nope", "waist" and "exception" before issue 11's phrase labels).
FILLER_LABELS = {"nope", "hmm", "meh", "bummer", "thanks", "exception", "なし", "特になし"}


def test_the_burst_weeks_pain_points_are_complaints_labelled_with_phrases(burst: Digest) -> None:
    """Issue 11, "how we will know": the W45 digest lists no pain point whose negative
    share is under 50%, and its labels are phrases a person would write ("charged twice",
    決済エラー), not bare words, fillers or keyword lists."""
    from voc.topics.labels import is_phrase

    assert burst.pain_points
    for point in burst.pain_points:
        assert point.negative_share >= 0.5, (point.label, point.negative_share)
        assert point.label.casefold() not in FILLER_LABELS, point.label
        assert is_phrase(point.label, "en"), point.label


def test_the_burst_weeks_pain_points_are_named_by_their_complaints(
    demo: dict[str, Path], burst: Digest
) -> None:
    """Issue 11: a pain point is called by a phrase of its topic's negative sentences, not
    by its topic's label, which comes from all of them: the W45 digest listed "v neck is
    just right" (praise) and "too bad", "not worth", "cant use", "will be returning"
    (evaluations that say nothing of what is wrong). No pain point's label reads as
    praise to the store's sentiment model; no more say nothing than the topics' own
    labels of the same pain points (the returns topic's own label names the refund too
    now), and at most 3 of the 10 ("too tight", "not worth", "nothing has changed":
    topics grouped by tone). bench/pain_labels.py measures both."""
    from voc.models.loaders import load_sentiment
    from voc.store.topics import topic_labels
    from voc.topics.labels import names_a_thing
    from voc.topics.tokens import KeywordTokenizer, keyword_language

    with Warehouse(demo["store"], read_only=True) as store:
        own = topic_labels(store)
        complaints = dict(
            store.query(
                "SELECT topic_id, complaint_label FROM topics WHERE complaint_label IS NOT NULL"
            ).itertuples(index=False, name=None)
        )
    shown = [p.label for p in burst.pain_points]
    topic_named = [own[p.topic_id] for p in burst.pain_points]
    # Named by its complaints wherever its topic has enough of them (the burst's do).
    assert all(complaints.get(p.topic_id, p.label) == p.label for p in burst.pain_points)
    assert sum(p.topic_id in complaints for p in burst.pain_points) >= len(shown) - 1
    sentiment = load_sentiment()
    codes = [keyword_language(label, None) for label in shown]
    if getattr(sentiment, "reads_pooled", False):  # it embeds by itself, as the analyser
        read = sentiment.predict(shown, codes)
    else:
        from voc.models.embedders import get_embedder

        read = sentiment.predict(shown, codes, get_embedder("use-multilingual").embed(shown))
    assert not [label for label, (polarity, _) in zip(shown, read, strict=True)
                if polarity == "positive"], read  # fmt: skip
    # The yardstick reads each label alone with spaCy's tagger, the reference the hashed
    # keyword tagger imitates: on a bare three-word label a tagger's guess ("fit" in "fit
    # was very unflattering": a noun or a verb?) would move the count, not the labels.
    reference = KeywordTokenizer(english_tagger="spacy")
    said_nothing = sum(not n for n in names_a_thing(shown, codes, reference))
    topics_said_nothing = sum(
        not n
        for n in names_a_thing(
            topic_named, [keyword_language(t, None) for t in topic_named], reference
        )
    )
    assert said_nothing <= min(topics_said_nothing, 3), (shown, topic_named)


def test_the_burst_stays_the_first_emerging_pain_point(burst: Digest) -> None:
    emerging = [p for p in burst.pain_points if p.emerging]
    assert emerging and emerging[0] is burst.pain_points[0] and "決済" in emerging[0].keywords


def test_praise_is_a_short_section_of_positive_topics_and_quotes(
    demo: dict[str, Path], burst: Digest
) -> None:
    assert 1 <= len(burst.praise) <= 3
    with Warehouse(demo["store"], read_only=True) as store:
        for praised in burst.praise:
            assert praised.positive_share >= 0.5 and praised.quotes
            for quote in praised.quotes:
                assert quote.sentiment == "positive" and quote.sentiment_score > 0
                labels = _sentence_labels(store, praised.topic_id, quote.text, BURST_WEEK)
                assert labels == {"positive"}, (praised.label, quote.text, labels)
    english, japanese = Renderer(burst, "en"), Renderer(burst, "ja")
    md = english.markdown()
    assert "## What customers love" in md and burst.praise[0].label in md
    assert md.index("## Top pain points") < md.index("## What customers love")
    assert "## お客様に好評な点" in japanese.markdown()
    assert '<section id="love">' in english.html()
    # voc love is the CLI side of the section: the same topics first.
    from voc.cli import app

    shown = CliRunner().invoke(
        app, ["love", "--week", BURST_WEEK, "-c", str(demo["config"]), "-f", "json"]
    )
    assert shown.exit_code == 0, shown.output
    rows = json.loads(shown.stdout)
    assert [r["topic_id"] for r in rows[: len(burst.praise)]] == [p.topic_id for p in burst.praise]
    assert all(r["positive_share"] >= 0.5 for r in rows)


def _sentence_labels(store: Warehouse, topic_id: int, text: str, week: str) -> set[str]:
    """The sentiment labels of the topic's sentences of ``week`` that read ``text``."""
    return set(
        store.query(
            "SELECT s.sentiment FROM sentences s "
            "JOIN sentence_topics t USING (feedback_id, sentence_index) "
            "JOIN feedback f USING (feedback_id) "
            "WHERE t.topic_id = ? AND strftime(f.created_at, '%G-W%V') = ? "
            "AND regexp_replace(trim(s.text), '\\s+', ' ', 'g') = ?",
            [topic_id, week, text],
        )["sentiment"]
    )


def test_a_pain_points_quotes_are_its_complaints_of_that_week_in_cli_and_digest(
    demo: dict[str, Path], burst: Digest
) -> None:
    from voc import query

    with Warehouse(demo["store"], read_only=True) as store:
        for point in burst.pain_points:
            assert point.quotes, point.label
            for quote in point.quotes:
                assert quote.sentiment == "negative"
                if not quote.text.endswith("…"):
                    labels = _sentence_labels(store, point.topic_id, quote.text, BURST_WEEK)
                    assert labels == {"negative"}, (point.label, quote.text, labels)
        shown = query.pain_points(store, week=BURST_WEEK).set_index("topic_id")["quote"]
    # The terminal's quote is the digest's first one: one picker.
    assert shown.to_dict() == {p.topic_id: p.quotes[0].text for p in burst.pain_points}


# -- one default week --------------------------------------------------------------------------
def test_cli_and_digest_default_to_the_same_week_with_data(
    demo: dict[str, Path], tmp_path: Path
) -> None:
    from voc import query
    from voc.cli import app
    from voc.weeks import last_complete_week

    config = yaml.safe_load(demo["config"].read_text(encoding="utf-8"))
    config["digest"] = {"out_dir": str(tmp_path / "reports")}
    path = tmp_path / "voc.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    runner = CliRunner()
    pain = runner.invoke(app, ["pain-points", "-c", str(path), "-f", "json"])
    digest = runner.invoke(app, ["digest", "--no-deliver", "-c", str(path), "-f", "json"])
    assert pain.exit_code == 0 and digest.exit_code == 0, (pain.output, digest.output)
    written = json.loads(digest.stdout)
    with Warehouse(demo["store"], read_only=True) as store:
        default = query.default_week(store, config["schedules"]["timezone"])
        records = query.weekly_records(store)
    assert default is not None and written["week"] == default.week
    assert not written["empty"] and records[default.week] == written["records"] > 0
    # The week is complete and no later complete week has data.
    calendar = last_complete_week(config["schedules"]["timezone"])
    assert default.week <= calendar
    assert not [w for w, n in records.items() if default.week < w <= calendar and n]
    # The CLI shows the same week and prints the same notes (on stderr, JSON stays clean).
    assert all(row["week"] == default.week for row in json.loads(pain.stdout))
    table = runner.invoke(app, ["pain-points", "-c", str(path)])
    assert table.exit_code == 0 and f"pain points {default.week}" in table.stdout
    assert all(f"note: {note}" in pain.stderr for note in default.notes)
    assert written["notes"] == default.notes
    md = Path(written["markdown"]).read_text(encoding="utf-8")
    # The demo's last week with data is a stub of a few records: its note says so.
    if default.thin:
        assert any("usual" in note for note in default.notes)
        assert "Only " in md and "usual" in md
        # A few records give every topic a share of 0 %: nothing is called falling away.
        assert "Too little feedback this week to tell" in md and "records this week:" not in md
    if default.stale:
        assert "No feedback is dated after this week" in md


def test_a_japanese_digest_does_not_overwrite_the_english_one(
    demo: dict[str, Path], tmp_path: Path
) -> None:
    from pipelines.digest import digest_flow

    config = yaml.safe_load(demo["config"].read_text(encoding="utf-8"))
    config["digest"] = {"out_dir": str(tmp_path / "reports")}
    path = tmp_path / "voc.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    english = digest_flow(config_path=str(path), week=BURST_WEEK, deliver=False)
    before = {
        p: p.read_bytes() for p in (tmp_path / "reports" / BURST_WEEK).rglob("*") if p.is_file()
    }
    japanese = digest_flow(config_path=str(path), week=BURST_WEEK, language="ja", deliver=False)
    assert Path(japanese["markdown"]) == tmp_path / "reports" / BURST_WEEK / "ja" / "digest.md"
    assert Path(japanese["html"]).parent != Path(english["html"]).parent
    for file, content in before.items():
        assert file.read_bytes() == content, f"{file} was overwritten by the Japanese digest"
    assert "## Top pain points" in Path(english["markdown"]).read_text(encoding="utf-8")
    ja_md = Path(japanese["markdown"]).read_text(encoding="utf-8")
    assert "## 主なペインポイント" in ja_md and "## お客様に好評な点" in ja_md
    assert {p.name for p in Path(japanese["charts"][0]).parent.iterdir()} == {
        Path(c).name for c in japanese["charts"]
    }


def test_a_japanese_digest_and_the_cli_label_topics_in_japanese(
    demo: dict[str, Path], burst: Digest, tmp_path: Path
) -> None:
    """Issue 11, point 4: a topic with a label in the digest's language reads in it, the
    other kept as its alias: -l ja reads Japanese labels in the digest, `voc
    pain-points` and `voc love`, the English digest and -l en English ones. Pain points
    read under their complaints' label, in that language where it has one. The fit
    labels in digest.language (en), so the stored labels are the English ones."""
    from voc.cli import app
    from voc.store.topics import topic_labels

    with Warehouse(demo["store"], read_only=True) as store:
        japanese = gather(store, BURST_WEEK, language="ja")
        in_japanese = topic_labels(store, "ja")
        in_english = topic_labels(store, "en")
        own = topic_labels(store)
        pain_in_japanese = topic_labels(store, "ja", pain_points=True)
        pain_in_english = topic_labels(store, "en", pain_points=True)
        pain_own = topic_labels(store, pain_points=True)
        stored = store.query(
            "SELECT topic_id, label, aliases, complaint_label, complaint_aliases FROM topics"
        )
    # The fit's rule: the label in digest.language whenever the topic has one.
    both = 0
    for row in stored.itertuples(index=False):
        for label, aliases in (
            (row.label, row.aliases),
            (row.complaint_label, row.complaint_aliases),
        ):
            names = json.loads(aliases) if isinstance(aliases, str) else {}
            if "en" in names:
                assert label == names["en"], (label, names)
                both += "ja" in names
    assert both >= 3  # the demo has topics and complaints in both languages
    assert own == in_english and pain_own == pain_in_english
    first = japanese.pain_points[0]
    assert first.topic_id == burst.pain_points[0].topic_id
    assert "決済" in first.label and first.label == pain_in_japanese[first.topic_id]
    assert burst.pain_points[0].label != first.label  # its English alias
    assert all(p.label == pain_in_japanese[p.topic_id] for p in japanese.pain_points)
    assert all(p.label == pain_in_english[p.topic_id] for p in burst.pain_points)
    sections = ("praise", "emerging", "falling")
    shown = [item for name in sections for item in getattr(japanese, name)]
    assert all(item.label == in_japanese[item.topic_id] for item in shown)
    english = [item for name in sections for item in getattr(burst, name)]
    assert all(item.label == in_english[item.topic_id] for item in english)
    for drag in (d for s in japanese.surveys for d in s.drags):
        assert drag[0] in in_japanese.values()

    config = ["--week", BURST_WEEK, "-c", str(demo["config"]), "-f", "json"]
    runner = CliRunner()
    for command in ("pain-points", "love"):
        pain = command == "pain-points"
        for language, labels in (
            ("ja", pain_in_japanese if pain else in_japanese),
            ("en", pain_in_english if pain else in_english),
            (None, pain_in_english if pain else in_english),  # digest.language
        ):
            chosen = ["-l", language] if language else []
            result = runner.invoke(app, [command, *config, *chosen, "--limit", "20"])
            assert result.exit_code == 0, result.output
            rows = json.loads(result.stdout)
            assert rows and all(r["label"] == labels[r["topic_id"]] for r in rows)
            if command == "pain-points":
                assert rows[0]["topic_id"] == first.topic_id
                assert bool(JAPANESE.search(rows[0]["label"])) == (language == "ja")
    for language, labels in (("ja", in_japanese), ("en", in_english)):
        listed = runner.invoke(app, ["topics", *config[2:], "-l", language])
        assert listed.exit_code == 0, listed.output
        rows = json.loads(listed.stdout)
        assert rows and all(r["label"] == labels[r["topic_id"]] for r in rows)
    # Alerts and the web app name pain points by the same rule, in digest.language / the
    # app's language.
    from voc.config import load_config
    from voc.loop import find_alerts
    from voc.ui import loaders

    with Warehouse(demo["store"], read_only=True) as store:
        alerts = find_alerts(store, load_config(demo["config"]), load_taxonomy(), [BURST_WEEK])
    assert alerts and all(a.label == pain_in_english[a.topic_id] for a in alerts)
    for language, labels in (("en", pain_in_english), ("ja", pain_in_japanese)):
        frame = loaders.pain_points(
            str(demo["store"]), ("test",), BURST_WEEK, None, None, None, None, language
        )
        assert not frame.empty
        pairs = zip(frame["topic_id"], frame["label"], strict=True)
        assert all(labels[int(t)] == label for t, label in pairs)
    refused = runner.invoke(app, ["love", *config, "-l", "fr"])
    assert refused.exit_code == 2 and "write en or ja" in refused.output
