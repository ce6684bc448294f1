"""The Topics page names labels a person gave that no active topic shows (a refit retired
their topic and could not carry the label), and a topic's label history: what
``voc topics`` prints on stderr and ``voc topics show`` prints, in the web app, in English
and Japanese. On a copy of the demo store (``demo_copy``)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from tests.ui.test_app import assert_clean, demo_copy, start, start_in  # noqa: F401

pytestmark = pytest.mark.usefixtures("demo_copy")

LABEL = "sizes run small"
WHY = "its sentences split across 4 (40%), 9 (35%), other (25%)"


def _leave_a_label_behind(config: Path) -> tuple[int, int]:
    """A label left on a retired topic with the refit's line, and a carry to an active
    topic, written as a refit writes them; returns (retired id, the active topic's id)."""
    from voc import query
    from voc.config import load_config
    from voc.store.topic_renames import LABEL_CARRIED, LABEL_NOT_CARRIED
    from voc.store.warehouse import Warehouse

    at = datetime(2026, 11, 30, 3, 0)
    with Warehouse(load_config(config).store.path) as store:
        active = [int(t) for t in query.topics(store)["topic_id"]]
        retired, carried_to = active[-1], active[1]
        con = store._con
        con.execute("UPDATE topics SET status = 'retired' WHERE topic_id = ?", [retired])
        con.execute("INSERT INTO topic_renames VALUES (?, ?, 'cli', ?)", [retired, LABEL, at])
        con.execute(
            "INSERT INTO topic_events VALUES ('refit', ?, ?, [4, 9]::INTEGER[], ?, ?)",
            [
                LABEL_NOT_CARRIED,
                retired,
                f"rename {LABEL!r} of topic {retired} not carried: {WHY}",
                at,
            ],
        )
        con.execute(
            "INSERT INTO topic_events VALUES ('refit', ?, ?, [?]::INTEGER[], ?, ?)",
            [
                LABEL_CARRIED,
                carried_to,
                retired - 1,
                f"rename 'late deliveries' of topic {retired - 1} carried to topic "
                f"{carried_to}, which took 80% of its sentences (the refit retired it)",
                at,
            ],
        )
    return retired, carried_to


def test_topics_page_names_a_label_no_topic_shows_and_a_topics_label_history() -> None:
    import os

    config = Path(os.environ["VOC_CONFIG"])
    retired, carried_to = _leave_a_label_behind(config)
    english, japanese = start(), start_in("ja")
    for app in (english, japanese):
        app.switch_page("pages/topics.py").run()
        assert_clean(app)
        assert retired not in set(app.dataframe[0].value["topic_id"])
    [notice] = [w.value for w in english.warning]
    assert f"**{LABEL}** (retired topic {retired}): {WHY}" in notice
    assert notice.startswith("Labels you gave that no topic below shows")
    [notice] = [w.value for w in japanese.warning]
    assert f"**{LABEL}**（廃止されたトピック {retired}）：{WHY}" in notice
    assert notice.startswith("付けた名前のうち")

    english.selectbox(key="tp_topic.en").set_value(carried_to).run()
    assert_clean(english)
    [history] = [e for e in english.expander if e.label == "Label history"]
    lines = [m.value for m in history.markdown]
    assert lines == [
        f"- 2026-11-30: rename 'late deliveries' of topic {retired - 1} carried to topic "
        f"{carried_to}, which took 80% of its sentences (the refit retired it)"
    ]
    japanese.selectbox(key="tp_topic.ja").set_value(carried_to).run()
    assert [e.label for e in japanese.expander] == ["名前の履歴"]

    # Dropping the label from the retired topic (the notice's hint) clears the notice.
    from voc.config import load_config
    from voc.store.warehouse import Warehouse
    from voc.topics.store import rename_topic

    with Warehouse(load_config(config).store.path) as store:
        rename_topic(store, retired, "")
    english.run()
    assert_clean(english)
    assert not english.warning


def test_topics_page_shows_no_notice_nor_history_when_every_label_is_shown() -> None:
    app = start()
    app.switch_page("pages/topics.py").run()
    assert_clean(app)
    assert not app.warning
    assert not [e for e in app.expander if e.label == "Label history"]
