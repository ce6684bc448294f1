"""Ingest end to end on real files and a real DuckDB store (without Prefect: see
tests/pipelines for the flow)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from voc.config import IngestConfig, SourceConfig, apply_preset
from voc.ingest import ingest_source
from voc.store.warehouse import Warehouse

SURVEY_HEADER = "Response ID,Submitted At,How likely are you to recommend us to a friend or colleague?,What is the main reason for your score?\n"


def _survey(tmp_path: Path, body: str, name: str = "survey.csv") -> SourceConfig:
    path = tmp_path / name
    path.write_text(SURVEY_HEADER + body, encoding="utf-8")
    return apply_preset(SourceConfig(name="survey", path=str(path), preset="survey"))


def _ingest(source: SourceConfig, store: Warehouse, run_id: str = "run-1", **kwargs):
    return ingest_source(source, store, IngestConfig(), run_id, **kwargs)


@pytest.fixture
def store(tmp_path: Path):
    with Warehouse(tmp_path / "voc.duckdb") as warehouse:
        yield warehouse


def test_every_row_is_stored_or_quarantined_with_its_reason(
    tmp_path: Path, store: Warehouse
) -> None:
    source = _survey(
        tmp_path,
        "r1,2026-10-05T09:00:00Z,9,Delivery was fast and the parcel arrived intact\n"
        "r2,2026-10-05T10:00:00Z,3,\n"  # empty text
        "r3,2026-10-05T11:00:00Z,11,Eleven out of ten is not a score\n"  # impossible NPS
        'r4,2026-10-05T12:00:00Z,"5,broken quoting\n'  # broken line: swallows the next ones
        "\n"
        "r5,2026-10-06T09:00:00Z,8,Checkout was smooth\n"
        "r1,2026-10-05T09:00:00Z,9,Delivery was fast and the parcel arrived intact\n"  # duplicate
        "r6,yesterday-ish,6,Support took three days to answer\n"  # unreadable time
        "r7,2026-10-07T09:00:00Z,7,Refund took two weeks to arrive\n",
    )
    summary = _ingest(source, store)
    stored = store.query("SELECT native_id FROM feedback ORDER BY native_id")["native_id"].tolist()
    quarantine = store.query("SELECT line, reason FROM quarantine ORDER BY line")
    reasons = dict(zip(quarantine["line"], quarantine["reason"], strict=True))
    assert summary.read == summary.stored + summary.already_stored + summary.quarantined
    assert summary.stored == len(stored)
    assert summary.quarantined == len(quarantine)
    assert reasons[3] == "missing_text"
    assert reasons[4] == "impossible_rating"
    assert "duplicate" in reasons.values()
    assert "unparseable_timestamp" in reasons.values()
    assert reasons[5] == "malformed_row"  # the unclosed quote costs its own line only
    assert stored == ["r1", "r5", "r7"]
    assert summary.duplicates == 1
    assert summary.quarantined_by_reason["missing_text"] == 1


def test_ingesting_the_same_file_twice_changes_no_count(tmp_path: Path, store: Warehouse) -> None:
    source = _survey(
        tmp_path, "r1,2026-10-05T09:00:00Z,9,Great\nr2,2026-10-05T10:00:00Z,11,Bad score\n"
    )
    first = _ingest(source, store, "run-1")
    counts = store.query(
        "SELECT (SELECT count(*) FROM feedback) AS f, (SELECT count(*) FROM quarantine) AS q"
    )
    second = _ingest(source, store, "run-2")
    assert (first.stored, first.quarantined) == (1, 1)
    assert second.files_skipped == 1 and second.read == 0
    again = store.query(
        "SELECT (SELECT count(*) FROM feedback) AS f, (SELECT count(*) FROM quarantine) AS q"
    )
    assert again.equals(counts)
    forced = _ingest(source, store, "run-3", force=True)
    assert (forced.stored, forced.already_stored) == (0, 1)
    assert store.query("SELECT count(*) AS n FROM quarantine")["n"].iat[0] == 1


def test_an_edited_export_adds_only_its_new_rows(tmp_path: Path, store: Warehouse) -> None:
    source = _survey(tmp_path, "r1,2026-10-05T09:00:00Z,9,Great service\n")
    _ingest(source, store, "run-1")
    _survey(
        tmp_path, "r1,2026-10-05T09:00:00Z,9,Great service\nr2,2026-10-06T09:00:00Z,4,Slow refund\n"
    )
    summary = _ingest(source, store, "run-2")
    assert (summary.stored, summary.already_stored, summary.duplicates) == (1, 1, 0)


def test_shift_jis_csv_ingests_with_correct_japanese_text(tmp_path: Path, store: Warehouse) -> None:
    path = tmp_path / "csat_ja.csv"
    text = "回答ID,回答日時,満足度,ご意見\n1,2026/10/05 09:12,2,配送が３日も遅れました。梱包も潰れていました。\n2,2026/10/06 10:00,5,ＡＰＰがとても使いやすいです\n"
    path.write_bytes(text.encode("cp932"))
    source = apply_preset(
        SourceConfig(
            name="csat",
            path=str(path),
            channel="survey",
            text_col="ご意見",
            id_col="回答ID",
            time_col="回答日時",
            timezone="Asia/Tokyo",
            rating_col="満足度",
            rating_scale="csat",
        )
    )
    summary = _ingest(source, store)
    rows = store.query("SELECT text, language, created_at, rating FROM feedback ORDER BY native_id")
    assert summary.stored == 2
    assert rows["text"].tolist() == [
        "配送が3日も遅れました。梱包も潰れていました。",
        "APPがとても使いやすいです",
    ]
    assert rows["language"].tolist() == ["ja", "ja"]
    assert str(rows["created_at"].iat[0]) == "2026-10-05 00:12:00"  # 09:12 in Tokyo


def test_undecodable_bytes_quarantine_the_row_not_the_file(
    tmp_path: Path, store: Warehouse
) -> None:
    path = tmp_path / "survey.csv"
    good = "".join(
        f'r{n},2026-10-05T09:00:00Z,9,"Fine delivery — a lovely café dress, 配送も速い {n}"\n'
        for n in range(1, 40)
    )
    path.write_bytes(
        SURVEY_HEADER.encode()
        + good.encode("utf-8")
        + b"r40,2026-10-05T10:00:00Z,8,Caf\xe9 corner broke \xff\xfe here\n"
        + b'r41,2026-10-05T11:00:00Z,7,"Quick refund, thank you"\n'
    )
    source = apply_preset(SourceConfig(name="survey", path=str(path), preset="survey"))
    summary = _ingest(source, store)
    assert summary.stored == 40
    assert summary.quarantined_by_reason == {"bad_encoding": 1}
    line = store.query("SELECT line FROM quarantine")["line"].iat[0]
    assert line == 41
    texts = store.query("SELECT text FROM feedback WHERE native_id = 'r1'")["text"]
    assert texts.iat[0] == "Fine delivery — a lovely café dress, 配送も速い 1"


def test_a_binary_file_is_quarantined_whole_and_nothing_is_stored(
    tmp_path: Path, store: Warehouse
) -> None:
    path = tmp_path / "survey.csv"
    path.write_bytes(bytes(range(256)) * 50)
    source = apply_preset(SourceConfig(name="survey", path=str(path), preset="survey"))
    summary = _ingest(source, store)
    assert summary.stored == 0
    assert summary.quarantined == 1
    reason = store.query("SELECT reason, line FROM quarantine").iloc[0].tolist()
    assert reason == ["undecodable_file", 0]


def test_personal_data_is_redacted_before_storage_and_in_quarantine(
    tmp_path: Path, store: Warehouse
) -> None:
    source = _survey(
        tmp_path,
        "r1,2026-10-05T09:00:00Z,2,Call me on 090-1234-5678 or write to jane.doe@example.com about order https://shop.example.com/orders/88812345\n"
        "r2,2026-10-05T10:00:00Z,11,Wrong score; mail me at bob@example.org - Thanks, Monica Clarke\n",
    )
    _ingest(source, store)
    stored = store.query("SELECT text, pii_redactions FROM feedback").iloc[0]
    assert "090-1234-5678" not in stored["text"] and "jane.doe@example.com" not in stored["text"]
    assert "88812345" not in stored["text"]
    assert "[PHONE]" in stored["text"] and "[EMAIL]" in stored["text"]
    assert stored["pii_redactions"] >= 3
    payload = store.query("SELECT raw_payload FROM quarantine")["raw_payload"].iat[0]
    assert "bob@example.org" not in payload and "[EMAIL]" in payload
    assert "Monica" not in payload and "[PERSON]" in payload


def test_reposts_are_stored_and_flagged_as_near_duplicates(
    tmp_path: Path, store: Warehouse
) -> None:
    path = tmp_path / "posts.jsonl"
    posts = [
        {
            "id": "1",
            "created_at": "2026-10-05T03:00:00Z",
            "text": "@shop 注文した商品が一週間たっても届きません。どうなっていますか？ https://t.co/abc",
        },
        {
            "id": "2",
            "created_at": "2026-10-05T04:00:00Z",
            "text": "@other 注文した商品が一週間たっても届きません。どうなっていますか?? https://t.co/xyz",
        },
        {
            "id": "3",
            "created_at": "2026-10-05T05:00:00Z",
            "text": "アプリが最新版で落ちるようになりました",
        },
    ]
    path.write_text("\n".join(json.dumps(p, ensure_ascii=False) for p in posts), encoding="utf-8")
    source = apply_preset(SourceConfig(name="social", path=str(path), preset="social"))
    summary = _ingest(source, store)
    flags = store.query(
        "SELECT native_id, near_duplicate_of, feedback_id FROM feedback ORDER BY native_id"
    )
    assert summary.stored == 3 and summary.near_duplicates == 1
    assert flags["near_duplicate_of"].iat[1] == flags["feedback_id"].iat[0]
    assert flags["near_duplicate_of"].isna().tolist() == [True, False, True]


def test_a_mapping_naming_a_missing_column_fails_at_once(tmp_path: Path, store: Warehouse) -> None:
    from voc.errors import ConfigError

    path = tmp_path / "r.csv"
    path.write_text("id,body\n1,hello\n", encoding="utf-8")
    source = SourceConfig(name="r", path=str(path), channel="review", text_col="Review Text")
    with pytest.raises(ConfigError, match=r"'Review Text'.*'body'"):
        _ingest(source, store)


def test_person_names_are_redacted_by_default_and_kept_when_ner_is_off(
    tmp_path: Path, store: Warehouse
) -> None:
    from voc.config import RedactionConfig

    source = _survey(
        tmp_path,
        "r1,2026-10-05T09:00:00Z,3,Sarah Johnson at your help desk never called me back\n"
        "r2,2026-10-05T10:00:00Z,4,担当の山田花子様の対応が遅かったです\n",
    )
    _ingest(source, store)
    texts = store.query("SELECT text FROM feedback ORDER BY native_id")["text"].tolist()
    assert "Sarah Johnson" not in texts[0] and "[PERSON]" in texts[0]
    assert "山田" not in texts[1] and "[PERSON]様" in texts[1]

    with Warehouse(tmp_path / "fast.duckdb") as fast:
        settings = IngestConfig(redaction=RedactionConfig(ner=False))
        ingest_source(source, fast, settings, "run-fast")
        kept = fast.query("SELECT text FROM feedback ORDER BY native_id")["text"].tolist()
    assert "Sarah Johnson" in kept[0]


def test_a_file_quarantined_as_unreadable_is_read_once_fixed(
    tmp_path: Path, store: Warehouse
) -> None:
    # CSV bytes saved as .xlsx: the workbook cannot be opened, the file is quarantined.
    body = SURVEY_HEADER + "r1,2026-10-05T09:00:00Z,9,Great\nr2,2026-10-05T10:00:00Z,3,Slow\n"
    exports = tmp_path / "exports"
    exports.mkdir()
    (exports / "survey.xlsx").write_text(body, encoding="utf-8")
    source = apply_preset(
        SourceConfig(name="survey", path=str(exports), preset="survey", format="auto")
    )
    first = _ingest(source, store, "run-1")
    assert (first.stored, first.quarantined_by_reason) == (0, {"unreadable_file": 1})
    assert [item["file"] for item in first.skipped_files] == [str(exports / "survey.xlsx")]
    assert "quarantined" in first.skipped_files[0]["reason"]
    assert store.query("SELECT count(*) AS n FROM ingested_files")["n"].iat[0] == 0

    # The user saves the same bytes as .csv: the rows are read, nothing is "unchanged".
    (exports / "survey.xlsx").rename(exports / "survey.csv")
    second = _ingest(source, store, "run-2")
    assert (second.read, second.stored, second.files_skipped) == (2, 2, 0)
    assert second.skipped_files == []

    # Now it was read: the next run skips it and says why.
    third = _ingest(source, store, "run-3")
    assert (third.read, third.files_skipped) == (0, 1)
    assert "unchanged" in third.skipped_files[0]["reason"]
    assert "run-2" in third.skipped_files[0]["reason"]


def test_a_file_recorded_as_done_by_an_older_version_without_rows_is_read_again(
    tmp_path: Path, store: Warehouse
) -> None:
    source = _survey(tmp_path, "r1,2026-10-05T09:00:00Z,9,Great\n")
    from voc.sources.files import file_sha256

    path = Path(source.path)
    # What the old code left after quarantining this content whole: a row with 0 rows read.
    store.mark_file_ingested("survey", file_sha256(path), str(path), 1, 0, "old-run")
    summary = _ingest(source, store, "run-1")
    assert (summary.read, summary.stored) == (1, 1)
    rows = store.query("SELECT rows_read, run_id FROM ingested_files")
    assert rows.values.tolist() == [[1, "run-1"]]


def test_one_very_long_review_never_fails_its_file(tmp_path: Path, store: Warehouse) -> None:
    # 96 KB of Japanese: over what sudachi's name finder takes in one call. Before, the
    # whole file failed on it and nothing of it was stored.
    long_review = "田中さんに電話しました。" + "配送がとても遅い。" * 3000
    source = _survey(
        tmp_path,
        "r1,2026-10-05T09:00:00Z,9,Great service\n"
        f"r2,2026-10-05T10:00:00Z,2,{long_review}\n"
        "r3,2026-10-05T11:00:00Z,4,Slow refund\n",
    )
    summary = _ingest(source, store)
    assert (summary.read, summary.stored, summary.quarantined) == (3, 3, 0)
    text = store.query("SELECT text FROM feedback WHERE native_id = 'r2'")["text"].iat[0]
    assert text.startswith("[PERSON]さんに電話しました。") and len(text) > 27_000


def test_metadata_objects_are_redacted_to_the_last_string(tmp_path: Path, store: Warehouse) -> None:
    path = tmp_path / "posts.jsonl"
    user = {
        "name": "jennifer lopez",
        "username": "jlo_fan88",
        "followers": 1200,
        "contact": {"email": "jen.lopez@example.com", "phones": ["+1 415 555 0134"]},
        "bio": "call me on 090-1234-5678",
    }
    rows = [
        {"id": "p1", "text": "The parcel was late again", "user": user},
        {"id": "p2", "text": {"body": "Rude driver", "author": "Sarah Connor"}, "user": user},
        {"id": "p3", "text": ["late", "again"], "user": {"handle": "sconnor"}},
    ]
    path.write_text("\n".join(json.dumps(row) for row in rows) + "\n", encoding="utf-8")
    source = SourceConfig(
        name="social",
        path=str(path),
        format="jsonl",
        channel="social",
        text_col="text",
        id_col="id",
        metadata_cols=["user"],
    )
    summary = _ingest(source, store)
    assert (summary.stored, summary.quarantined_by_reason) == (1, {"not_text": 2})

    stored = json.loads(store.query("SELECT metadata FROM feedback")["metadata"].iat[0])
    assert stored["user"] == {
        "name": "[PERSON]",
        "username": "[HANDLE]",
        "followers": 1200,
        "contact": {"email": "[EMAIL]", "phones": ["[PHONE]"]},
        "bio": "call me on [PHONE]",
    }
    assert store.query("SELECT pii_redactions FROM feedback")["pii_redactions"].iat[0] >= 5

    quarantined = store.query("SELECT detail, raw_payload FROM quarantine ORDER BY line")
    assert all("holds an object" in d or "holds a list" in d for d in quarantined["detail"])
    everything = " ".join(quarantined["raw_payload"])
    for value in ("jennifer", "jlo_fan88", "jen.lopez", "555 0134", "Sarah Connor", "sconnor"):
        assert value not in everything
    assert "{'body'" not in everything  # never the Python repr of the object
