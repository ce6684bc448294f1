"""Closing the loop (issue 14): owners, actions, events and alerts, on copies of the demo store.

The alert tests run the real ``run`` flow (ingest, analyse, insights, send-alerts) and
deliver to a real local HTTP server (as the Slack webhook) and a real local SMTP server
(aiosmtpd), as tests/test_delivery.py does for the digest.
"""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiosmtpd.controller import Controller
from typer.testing import CliRunner

from tests.test_delivery import _free_port, _Inbox, _WebhookServer
from voc.cli import app
from voc.errors import ConfigError
from voc.store import loop as store_loop
from voc.store.warehouse import Warehouse
from voc.taxonomy import load_taxonomy, parse_taxonomy

REPO = Path(__file__).resolve().parents[1]
BURST_WEEK = "2026-W45"  # the bundled samples' planted payment-error burst
PLANTED_WEEK = "2026-W47"  # the demo store's latest week, where these tests plant theirs
WEBHOOK_ENV = "VOC_TEST_MOBILE_WEBHOOK"
runner = CliRunner()

# App crash complaints dated in the demo store's latest week: the "crashes every time" topic
# had one record the week before, so these make it flare up (emerging, complaints x13).
PLANTED = [
    "The app crashes every time I open it since the update.",
    "App crashes on launch, cannot use it at all.",
    "Crashes immediately after the splash screen. Useless.",
    "Since version 5.2 the app keeps crashing, please fix.",
    "The app crashed three times while I was browsing.",
    "Constant crashes on my phone after the latest update.",
    "It crashes whenever I tap the cart, so annoying.",
    "App closes itself and crashes every single time.",
    "The new update made the app crash on startup, terrible.",
    "Keeps crashing when I try to log in. Fix this crash.",
    "Crashes all the time now. Worst update ever.",
    "The app crashes as soon as it loads, every time.",
    "アプリを開くと毎回落ちます。",
    "アップデート後、起動直後にアプリがクラッシュします。",
]


# --- fixtures --------------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def _local_only(monkeypatch: pytest.MonkeyPatch) -> None:
    # urllib honours proxy variables; the local servers must be reached directly.
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("ALL_PROXY", raising=False)
    monkeypatch.delenv(WEBHOOK_ENV, raising=False)
    monkeypatch.delenv("VOC_USER", raising=False)


@pytest.fixture
def webhook() -> Iterator[_WebhookServer]:
    server = _WebhookServer()
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def inbox() -> Iterator[tuple[_Inbox, int]]:
    handler = _Inbox()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, server_hostname="localhost")
    controller.start()
    yield handler, port
    controller.stop()


def _copy_demo(demo: dict[str, Path], folder: Path) -> Path:
    """A private copy of the session's demo store (tests here write to it)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "voc.duckdb"
    shutil.copyfile(demo["store"], target)
    wal = Path(f"{demo['store']}.wal")
    if wal.exists():
        shutil.copyfile(wal, Path(f"{target}.wal"))
    return target


def _config(
    demo: dict[str, Path],
    folder: Path,
    *,
    owners: dict[str, dict[str, Any]] | None = None,
    smtp_port: int | None = None,
    sources: list[dict[str, Any]] | None = None,
    alerts: dict[str, Any] | None = None,
) -> Path:
    """A config over a copy of the demo store, with ``owners`` put on the taxonomy."""
    store = _copy_demo(demo, folder)
    taxonomy = yaml.safe_load((REPO / "configs" / "taxonomy.yaml").read_text(encoding="utf-8"))
    for touchpoint in taxonomy["touchpoints"]:
        touchpoint.pop("owner", None)
        if owners and touchpoint["name"] in owners:
            touchpoint["owner"] = owners[touchpoint["name"]]
    taxonomy_path = folder / "taxonomy.yaml"
    taxonomy_path.write_text(yaml.safe_dump(taxonomy, allow_unicode=True), encoding="utf-8")
    config: dict[str, Any] = {
        "store": {"path": str(store)},
        "taxonomy": str(taxonomy_path),
        "alerts": {"retries": 0, "retry_delay_seconds": 0, **(alerts or {})},
        "digest": {"out_dir": str(folder / "reports")},
        "sources": sources or [],
    }
    if smtp_port is not None:
        config["digest"]["delivery"] = {
            "email": {
                "host": "127.0.0.1",
                "port": smtp_port,
                "security": "none",
                "sender": "voc <voc@example.com>",
                "to": ["cx-lead@example.com"],
                "username_env": None,
                "password_env": None,
                "timeout_seconds": 5,
            }
        }
    path = folder / "voc.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def _planted_source(folder: Path) -> dict[str, Any]:
    lines = ["id,created_at,text"] + [
        f'crash{n:02d},2026-11-{17 + n % 4}T{9 + n % 8:02d}:00:00Z,"{text}"'
        for n, text in enumerate(PLANTED)
    ]
    path = folder / "planted.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {
        "name": "planted_crashes",
        "path": str(path),
        "channel": "app_store",
        "text_col": "text",
        "id_col": "id",
        "time_col": "created_at",
    }


def _cli(*args: str) -> Any:
    return runner.invoke(app, list(args))


# --- owners ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("owner", "where", "says"),
    [
        ({"email": ["a@example.com"]}, "owner.team", "write the owning team's name"),
        ({"team": "Payments", "slack": "X"}, "owner.slack", "an owner has team, slack_webhook_env"),
        ({"team": "Payments", "email": "pay@example.com"}, "owner.email", "write a list"),
        ({"team": "Payments", "email": ["pay"]}, "owner.email[0]", "not an e-mail address"),
        ({"team": "Payments", "slack_webhook_env": "MY VAR"}, "slack_webhook_env", "letters"),
        ("Payments", "touchpoints[0].owner", "write a mapping: owner: {team: Payments"),
    ],
)
def test_a_bad_owner_fails_at_load_naming_the_key_and_what_to_write(
    owner: Any, where: str, says: str
) -> None:
    raw = {"touchpoints": [{"name": "billing", "description": "Paying.", "owner": owner}]}
    with pytest.raises(ConfigError) as error:
        parse_taxonomy(raw, origin="my-taxonomy.yaml")
    message = str(error.value)
    assert message.startswith("my-taxonomy.yaml has")
    assert where in message and says in message


def test_a_webhook_url_written_as_the_owner_variable_is_refused_and_never_echoed(
    tmp_path: Path,
) -> None:
    secret = "https://hooks.slack.com/services/T0/B0/s3cr3t"
    path = tmp_path / "taxonomy.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "touchpoints": [
                    {
                        "name": "billing",
                        "description": "Paying.",
                        "owner": {"team": "Payments", "slack_webhook_env": secret},
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as error:
        load_taxonomy(path)
    assert "touchpoints[0].owner.slack_webhook_env" in str(error.value)
    assert "NAME of an environment variable" in str(error.value)
    assert "s3cr3t" not in str(error.value)


def test_the_shipped_taxonomy_names_example_owners_without_addresses() -> None:
    owners = load_taxonomy().owners
    assert owners, "configs/taxonomy.yaml shows the owner format on a couple of touchpoints"
    assert all(not o.email and not o.slack_webhook_env for o in owners.values())


# --- actions ---------------------------------------------------------------------------------
def test_actions_round_trip_through_the_cli_append_only_latest_wins(
    demo: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = str(_config(demo, tmp_path, owners={"billing_and_payment": {"team": "Payments"}}))
    monkeypatch.setenv("VOC_USER", "alice")
    first = _cli("action", "決済エラー", "--status", "investigating", "--note", "PAY-12",
                 "--date", "2026-11-10", "-c", config)  # fmt: skip
    assert first.exit_code == 0, first.output
    topic_id = int(first.output.split()[1])
    assert "investigating on 2026-11-10, recorded by alice" in first.output
    monkeypatch.setenv("VOC_USER", "bob")
    second = _cli(
        "action", str(topic_id), "-s", "fix-shipped", "--date", "2026-11-20", "-c", config
    )
    assert second.exit_code == 0, second.output
    # A shell-friendly spelling of won't-fix, then a correction: both are new rows.
    third = _cli("action", str(topic_id), "-s", "wont-fix", "-c", config)
    fourth = _cli(
        "action", str(topic_id), "-s", "fix-shipped", "--date", "2026-11-19", "-c", config
    )
    assert third.exit_code == 0 and fourth.exit_code == 0

    listed = _cli("actions", str(topic_id), "-f", "json", "-c", config)
    history = json.loads(listed.output)
    assert [h["status"] for h in history] == [
        "investigating", "fix-shipped", "won't-fix", "fix-shipped"
    ]  # fmt: skip
    assert [h["actor"] for h in history[:2]] == ["alice", "bob"]
    assert history[0]["note"] == "PAY-12" and history[0]["action_date"] == "2026-11-10"

    with Warehouse(config_store(config), read_only=True) as store:
        latest = store_loop.latest_actions(store)
    row = latest[latest["topic_id"] == topic_id].iloc[0]
    assert row["status"] == "fix-shipped" and str(row["action_date"]) == "2026-11-19"

    # voc pain-points shows the owner and the latest status beside the pain point.
    pains = json.loads(_cli("pain-points", "--week", BURST_WEEK, "-f", "json", "-c", config).output)
    mine = next(p for p in pains if p["topic_id"] == topic_id)
    assert mine["owner"] == "Payments" and mine["action"] == "fix-shipped 2026-11-19"
    assert all("owner" in p and "action" in p for p in pains)
    shown = _cli("topics", "show", str(topic_id), "-c", config).output
    assert "status: fix-shipped on 2026-11-19 by bob" in shown


def config_store(config: str) -> Path:
    return Path(yaml.safe_load(Path(config).read_text(encoding="utf-8"))["store"]["path"])


def test_a_bad_action_is_one_line_and_records_nothing(
    demo: dict[str, Path], tmp_path: Path
) -> None:
    config = str(_config(demo, tmp_path))
    bad_status = _cli("action", "決済エラー", "--status", "done", "-c", config)
    assert bad_status.exit_code == 2
    assert "acknowledged, investigating, fix-shipped, won't-fix" in bad_status.output
    bad_topic = _cli("action", "9999", "--status", "acknowledged", "-c", config)
    assert bad_topic.exit_code == 2 and "no topic with id 9999" in bad_topic.output
    bad_date = _cli("action", "決済エラー", "-s", "acknowledged", "--date", "20.11.", "-c", config)
    assert bad_date.exit_code == 2 and "YYYY-MM-DD" in bad_date.output
    with Warehouse(config_store(config), read_only=True) as store:
        assert store_loop.action_history(store).empty


# --- events ----------------------------------------------------------------------------------
def test_events_add_import_and_list_reporting_bad_rows_by_line(
    demo: dict[str, Path], tmp_path: Path
) -> None:
    config = str(_config(demo, tmp_path))
    added = _cli("event", "add", "2026-11-03", "checkout  v2 released", "--kind", "release",
                 "-c", config)  # fmt: skip
    assert added.exit_code == 0, added.output
    csv_path = tmp_path / "events.csv"
    csv_path.write_text(
        "Date,Title,Kind,Note\n"
        "2026-11-03,checkout v2 released,release,\n"  # already there: skipped
        '2026-11-04,payment provider outage,incident,"card payments failed, 3 h"\n'
        "04/11/2026,bad date,other,\n"
        "2026-11-05,spring sale,promo,\n"
        "\n"
        "2026-11-06,,other,\n"
        "2026-11-07,newsletter,campaign\n",
        encoding="utf-8",
    )
    imported = _cli("event", "import", str(csv_path), "-c", config)
    assert imported.exit_code == 2
    assert "2 event(s) recorded, 1 already there, 3 bad row(s)" in imported.output
    assert "line 4: date '04/11/2026' is not a date" in imported.output
    assert "line 5: kind 'promo'" in imported.output
    assert "line 7: the title is empty" in imported.output
    again = _cli("event", "import", str(csv_path), "-c", config)
    assert "0 event(s) recorded, 3 already there" in again.output
    listed = json.loads(_cli("event", "list", "--since", "2026-11-04", "-f", "json",
                             "-c", config).output)  # fmt: skip
    assert [(e["event_date"], e["title"], e["kind"]) for e in listed] == [
        ("2026-11-04", "payment provider outage", "incident"),
        ("2026-11-07", "newsletter", "campaign"),
    ]
    assert listed[0]["note"] == "card payments failed, 3 h"
    missing = tmp_path / "no-title.csv"
    missing.write_text("date,name\n2026-11-01,x\n", encoding="utf-8")
    refused = _cli("event", "import", str(missing), "-c", config)
    assert refused.exit_code == 2 and "no title column" in refused.output


# --- the digest ------------------------------------------------------------------------------
def test_the_digest_shows_owner_status_and_marks_events(
    demo: dict[str, Path], tmp_path: Path
) -> None:
    from voc.digest.data import gather
    from voc.digest.render import Renderer

    config = _config(demo, tmp_path, owners={"billing_and_payment": {"team": "Payments"}})
    taxonomy = load_taxonomy(tmp_path / "taxonomy.yaml")
    with Warehouse(config_store(str(config))) as store:
        before = gather(store, BURST_WEEK, owners=taxonomy.owners)
        lead = before.pain_points[0]
        assert lead.owners == ["Payments"] and lead.action is None
        store_loop.record_action(store, lead.topic_id, "fix-shipped", action_date="2026-11-20")
        store_loop.add_event(store, "2026-11-03", "new payment page", kind="release")
        after = gather(store, BURST_WEEK, owners=taxonomy.owners)
    english = Renderer(after, "en", taxonomy)
    markdown, page = english.markdown(), english.html()
    assert "owner: Payments · status: fix shipped (2026-11-20)" in markdown
    assert "owner: Payments · status: fix shipped (2026-11-20)" in page
    assert "release: new payment page" in markdown
    charts = english.charts()
    assert "release: new payment page" in charts["trends"]
    assert "release: new payment page" in charts["weekly"]
    japanese = Renderer(after, "ja", taxonomy).markdown()
    assert "担当: Payments · 対応: 修正リリース済み（2026-11-20）" in japanese
    # A pain point nobody owns says so, once the taxonomy names owners at all.
    assert any("owner: no owner" in line for line in markdown.splitlines())


# --- alerts ----------------------------------------------------------------------------------
def test_a_planted_burst_alerts_its_owner_once_and_not_again_that_week(
    demo: dict[str, Path],
    tmp_path: Path,
    webhook: _WebhookServer,
    inbox: tuple[_Inbox, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pipelines.analyze import run_flow

    handler, port = inbox
    monkeypatch.setenv(WEBHOOK_ENV, webhook.url)
    owner = {"team": "Mobile", "slack_webhook_env": WEBHOOK_ENV, "email": ["mobile@example.com"]}
    config = _config(
        demo,
        tmp_path,
        owners={"mobile_app": owner},
        smtp_port=port,
        sources=[_planted_source(tmp_path)],
        alerts={"weeks": 1},
    )

    first = run_flow(config_path=str(config))["analyze"]["alerts"]
    assert first["weeks"] == [PLANTED_WEEK]
    assert (first["alerts"], first["sent"], first["failed"]) == (1, 2, 0)
    assert len(webhook.bodies) == 1 and len(handler.messages) == 1
    assert handler.recipients == [["mobile@example.com"]]
    slack = json.loads(webhook.bodies[0])["text"]
    mail = handler.messages[0]
    assert "crashes every time" in mail["Subject"] and "(Mobile)" in mail["Subject"]
    body = mail.get_body(preferencelist=("plain",)).get_content()
    for text in (slack, body):
        assert "emerging" in text and "flaring up in 2026-W47" in text
        assert text.count("“") >= 3  # three of the week's complaints, quoted
    quoted = [line for line in body.splitlines() if line.startswith("> ")]
    # Sentences of the planted complaints: this week's, the topic's, most negative first.
    assert len(quoted) == 3
    assert all(any(q.strip("> “”") in text for text in PLANTED) for q in quoted)

    listed = json.loads(_cli("alerts", "--week", PLANTED_WEEK, "-f", "json", "-c",
                             str(config)).output)  # fmt: skip
    assert sorted((a["channel"], a["status"], a["team"]) for a in listed) == [
        ("email", "sent", "Mobile"), ("slack", "sent", "Mobile")
    ]  # fmt: skip
    figures = json.loads(listed[0]["figures"])
    assert figures["complaints"] >= 10 and figures["previous_complaints"] <= 2
    assert len(figures["quotes"]) == 3
    assert {a["label"] for a in listed} == {"crashes every time"}
    assert all(a["reason"].startswith("emerging: ") for a in listed)

    second = run_flow(config_path=str(config))["analyze"]["alerts"]
    assert (second["alerts"], second["sent"], second["already_sent"]) == (1, 0, 1)
    assert len(webhook.bodies) == 1 and len(handler.messages) == 1


def test_a_failed_delivery_is_recorded_retried_next_run_and_never_crashes(
    demo: dict[str, Path],
    tmp_path: Path,
    webhook: _WebhookServer,
    inbox: tuple[_Inbox, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from voc.config import load_config
    from voc.loop import send_alerts

    handler, port = inbox
    handler.reject = True
    monkeypatch.setenv(WEBHOOK_ENV, webhook.url)
    owner = {"team": "Payments", "slack_webhook_env": WEBHOOK_ENV, "email": ["pay@example.com"]}
    config_path = _config(demo, tmp_path, owners={"billing_and_payment": owner}, smtp_port=port)
    config = load_config(config_path)
    taxonomy = load_taxonomy(config.taxonomy)
    with Warehouse(config.store.path) as store:
        first = send_alerts(store, config, taxonomy, weeks=[BURST_WEEK])
        # The payment-error burst and the monthly-payments one both reach Payments; an
        # alert no Payments touchpoint carries is listed without an owner, not sent.
        routed = first["alerts"] - len(first["no_owner"])
        assert routed >= 2 and first["sent"] == routed  # Slack took each; e-mail refused
        assert first["failed"] == routed and "554" in first["failures"][0]
        handler.reject = False
        second = send_alerts(store, config, taxonomy, weeks=[BURST_WEEK])
        assert (second["sent"], second["failed"]) == (routed, 0)
        third = send_alerts(store, config, taxonomy, weeks=[BURST_WEEK])
        assert (third["sent"], third["failed"], third["already_sent"]) == (0, 0, routed)
        rows = store_loop.alerts_sent(store, BURST_WEEK)
    assert len(webhook.bodies) == routed and len(handler.messages) == routed
    email = rows[rows["channel"] == "email"]
    assert sorted(email["status"].tolist()) == ["failed"] * routed + ["sent"] * routed
    assert email[email["status"] == "failed"]["error"].str.contains("554").all()


def test_a_pain_point_without_a_reachable_owner_is_listed_not_sent(
    demo: dict[str, Path], tmp_path: Path, webhook: _WebhookServer
) -> None:
    from voc.config import load_config
    from voc.loop import send_alerts

    # Payments has a team but nowhere to send; nobody owns anything else.
    config_path = _config(demo, tmp_path, owners={"billing_and_payment": {"team": "Payments"}})
    config = load_config(config_path)
    with Warehouse(config.store.path) as store:
        summary = send_alerts(store, config, load_taxonomy(config.taxonomy), weeks=[BURST_WEEK])
    # The same check from the command line: nothing new is recorded.
    checked = _cli("alerts", "--send", "--week", BURST_WEEK, "-c", str(config_path))
    assert checked.exit_code == 0, checked.output
    assert "0 sent" in checked.output and "not sent: 2026-W45" in checked.output
    with Warehouse(config.store.path) as store:
        again = send_alerts(store, config, load_taxonomy(config.taxonomy), weeks=[BURST_WEEK])
        rows = store_loop.alerts_sent(store, BURST_WEEK)
    assert summary["sent"] == 0 and summary["no_owner"]
    assert any("team Payments has no slack_webhook_env or email" in n["why"]
               for n in summary["no_owner"])  # fmt: skip
    # Recorded once per topic and week, however many runs see it.
    assert len(again["no_owner"]) == len(summary["no_owner"])
    assert len(rows) == len(summary["no_owner"]) and set(rows["status"]) == {"no-owner"}
    listed = _cli("alerts", "--week", BURST_WEEK, "-c", str(config_path)).output
    assert "no-owner" in listed and not webhook.bodies


def test_with_the_digest_fallback_unowned_alerts_go_to_the_digest_channels(
    demo: dict[str, Path],
    tmp_path: Path,
    webhook: _WebhookServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from voc.config import load_config
    from voc.loop import DIGEST_TEAM, send_alerts

    monkeypatch.setenv(WEBHOOK_ENV, webhook.url)
    config_path = _config(demo, tmp_path, alerts={"fallback": "digest"})
    raw = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    raw["digest"]["delivery"] = {"slack": {"webhook_env": WEBHOOK_ENV}}
    config_path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    config = load_config(config_path)
    with Warehouse(config.store.path) as store:
        first = send_alerts(store, config, load_taxonomy(config.taxonomy), weeks=[BURST_WEEK])
        again = send_alerts(store, config, load_taxonomy(config.taxonomy), weeks=[BURST_WEEK])
        rows = store_loop.alerts_sent(store, BURST_WEEK)
    assert first["alerts"] >= 2 and first["sent"] == first["alerts"] and not first["no_owner"]
    assert again["sent"] == 0 and again["already_sent"] == first["alerts"]
    assert len(webhook.bodies) == first["alerts"]
    assert set(rows["team"]) == {DIGEST_TEAM} and set(rows["status"]) == {"sent"}
