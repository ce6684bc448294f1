"""Every word the web app shows, in English and Japanese: one dict, one lookup.

``t("key", lang, **values)`` fills ``{placeholders}``; a key missing in Japanese falls back
to the English text (a test checks that none is missing). Channel names come from the
digest's list (:data:`voc.digest.text.CHANNELS`) and touchpoint names from the taxonomy's
``labels``, so the app and the digest call things the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from voc.weeks import DefaultWeek

LANGUAGES = ("en", "ja")

TEXT: dict[str, dict[str, str]] = {
    # -- shell -------------------------------------------------------------------------
    "app_title": {"en": "voc: voice of the customer", "ja": "voc：顧客の声"},
    "language": {"en": "Language", "ja": "表示言語"},
    "page_pain_points": {"en": "Pain points", "ja": "ペインポイント"},
    "page_trends": {"en": "Trends", "ja": "トレンド"},
    "page_surveys": {"en": "Survey metrics", "ja": "アンケート指標"},
    "page_topics": {"en": "Topics", "ja": "トピック"},
    "page_fixes": {"en": "Fixes", "ja": "対応の効果"},
    "page_health": {"en": "Data health", "ja": "データの状態"},
    "snapshot_note": {
        "en": "A run is writing the store: showing the last run's snapshot (published {when} UTC).",
        "ja": "実行中の処理がストアに書き込んでいます。"
        "直前の実行のスナップショット（{when} UTC 公開）を表示しています。",
    },
    "store_error": {"en": "Cannot read the store: {error}", "ja": "ストアを読めません：{error}"},
    "busy": {
        "en": "A run is writing the store ({error}). Try again when it ends.",
        "ja": "実行中の処理がストアに書き込んでいます（{error}）。終了後にもう一度お試しください。",
    },
    "all": {"en": "(all)", "ja": "（すべて）"},
    "none_found": {"en": "Nothing to show.", "ja": "表示するデータがありません。"},
    # -- filters -----------------------------------------------------------------------
    "week": {"en": "Week", "ja": "週"},
    "channel": {"en": "Channel", "ja": "チャネル"},
    "touchpoint": {"en": "Touchpoint", "ja": "タッチポイント"},
    "source": {"en": "Source", "ja": "ソース"},
    "records_in_week": {"en": "{records:,} records", "ja": "{records:,} 件"},
    # -- pain points -------------------------------------------------------------------
    "pain_title": {"en": "Pain points of {week}", "ja": "{week} のペインポイント"},
    "pain_caption": {
        "en": "Topics mostly complained about this week (at least half of their sentences "
        "negative, at least 3 complaints), ranked.",
        "ja": "今週、不満が中心のトピック（否定的な文が半数以上、不満 3 件以上）の順位です。",
    },
    "pain_subset_caption": {
        "en": "Counted among the records of this language / source: ranked by complaints "
        "(records x negative share); 'emerging' is the topic's flag over the whole week.",
        "ja": "この言語・ソースの記録だけで集計し、不満の件数（件数×否定率）で並べています。"
        "「急増」は週全体での判定です。",
    },
    "no_pain_points": {
        "en": "No pain point in {week}.",
        "ja": "{week} にペインポイントはありません。",
    },
    "col_rank": {"en": "Rank", "ja": "順位"},
    "col_topic": {"en": "Topic", "ja": "トピック"},
    "col_volume": {"en": "Records", "ja": "件数"},
    "col_negative": {"en": "Negative", "ja": "否定率"},
    "col_trend": {"en": "vs last week", "ja": "前週比"},
    "col_history": {"en": "Last 8 weeks", "ja": "過去 8 週"},
    "col_emerging": {"en": "Emerging", "ja": "急増"},
    "col_where": {"en": "Where", "ja": "発生場所"},
    "col_quote": {"en": "Quote", "ja": "引用"},
    "col_owner": {"en": "Owner", "ja": "担当"},
    "col_status": {"en": "Status", "ja": "対応状況"},
    "col_complaints": {"en": "Complaints", "ja": "不満件数"},
    "heatmap_title": {
        "en": "Channel x touchpoint: records this week",
        "ja": "チャネル × タッチポイント：今週の件数",
    },
    "drill_title": {"en": "Drill down", "ja": "詳細"},
    "drill_pick": {"en": "Pain point", "ja": "ペインポイント"},
    "quotes_title": {
        "en": "What customers wrote (redacted)",
        "ja": "お客様の声（個人情報は伏せ字）",
    },
    "records_title": {"en": "The records behind it", "ja": "該当する記録"},
    # -- actions (owners, statuses) ----------------------------------------------------
    "action_title": {"en": "Record what is done about it", "ja": "対応を記録"},
    "action_status": {"en": "Status", "ja": "状況"},
    "action_note": {"en": "Note", "ja": "メモ"},
    "action_date": {"en": "Date", "ja": "日付"},
    "action_who": {"en": "Who", "ja": "記録者"},
    "action_submit": {"en": "Record", "ja": "記録する"},
    "action_saved": {
        "en": "Recorded: {topic} is {status}.",
        "ja": "記録しました：{topic} は {status}。",
    },
    "action_history": {"en": "History", "ja": "履歴"},
    # -- trends ------------------------------------------------------------------------
    "trends_title": {"en": "Trends", "ja": "トレンド"},
    "trend_what": {"en": "Show", "ja": "対象"},
    "trend_all": {"en": "All feedback", "ja": "すべての声"},
    "trend_topic": {"en": "A topic", "ja": "トピック"},
    "trend_touchpoint": {"en": "A touchpoint", "ja": "タッチポイント"},
    "trend_by": {"en": "Periods", "ja": "期間"},
    "by_week": {"en": "weeks", "ja": "週"},
    "by_month": {"en": "months", "ja": "月"},
    "channels": {"en": "Channels", "ja": "チャネル"},
    "volume_chart": {"en": "Records per period", "ja": "期間ごとの件数"},
    "negative_chart": {"en": "Negative share", "ja": "否定率"},
    "events_note": {"en": "Lines mark recorded events.", "ja": "縦線は登録済みのイベントです。"},
    "search_title": {"en": "Search (any language)", "ja": "検索（多言語）"},
    "search_box": {
        "en": "Words or a sentence, e.g. parcel never arrived",
        "ja": "語句や文（例：荷物が届かない）",
    },
    "search_found": {
        "en": "{n} closest records; weeks in which they were written:",
        "ja": "近い記録 {n} 件。書かれた週：",
    },
    # -- surveys -----------------------------------------------------------------------
    "surveys_title": {"en": "Survey metrics", "ja": "アンケート指標"},
    "surveys_caption": {
        "en": "NPS (-100..100), CSAT (% satisfied), CES (mean, 1-7) per week, with respondents.",
        "ja": "週ごとの NPS（-100〜100）、CSAT（満足の割合 %）、CES（平均、1〜7）と回答者数。",
    },
    "metric": {"en": "Metric", "ja": "指標"},
    "value": {"en": "Value", "ja": "値"},
    "respondents": {"en": "Respondents", "ja": "回答者数"},
    "no_surveys": {"en": "No survey ratings in the store.", "ja": "アンケートの評価がありません。"},
    "why_title": {"en": "Why did it move?", "ja": "なぜ動いたのか"},
    "why_week": {"en": "Week", "ja": "週"},
    "why_caption": {
        "en": "A week's change against the week before, split into each topic: how much "
        "its share of respondents changed (mix) and how much its own score changed (rate), "
        "with 95% bootstrap intervals.",
        "ja": "前週からの変化をトピックごとに分解します。回答者に占める割合の変化（構成）と、"
        "そのトピック自体のスコアの変化（水準）。95% ブートストラップ信頼区間付き。",
    },
    "why_needs_two": {
        "en": "Two weeks with respondents are needed to explain a change.",
        "ja": "変化の説明には回答者のいる週が 2 週必要です。",
    },
    "why_computing": {"en": "Computing the intervals…", "ja": "信頼区間を計算しています…"},
    "contribution": {
        "en": "Contribution to the change of {metric}",
        "ja": "{metric} の変化への寄与",
    },
    "col_contribution": {"en": "Contribution", "ja": "寄与"},
    "mix": {"en": "Mix", "ja": "構成"},
    "rate": {"en": "Rate", "ja": "水準"},
    # -- topics ------------------------------------------------------------------------
    "topics_title": {"en": "Topics", "ja": "トピック"},
    "topic_pick": {"en": "Topic", "ja": "トピック"},
    "keywords": {"en": "Keywords", "ja": "キーワード"},
    "size_chart": {"en": "Records per week", "ja": "週ごとの件数"},
    "breakdown": {"en": "Channel x touchpoint", "ja": "チャネル × タッチポイント"},
    "rename_title": {"en": "Rename", "ja": "名前を変更"},
    "rename_label": {"en": "New label", "ja": "新しい名前"},
    "rename_submit": {"en": "Rename", "ja": "変更する"},
    "renamed": {
        "en": "Topic {id} is now {label!r}.",
        "ja": "トピック {id} を「{label}」に変更しました。",
    },
    "merge_title": {"en": "Merge into another topic", "ja": "別のトピックに統合"},
    "merge_into": {"en": "Merge this topic into", "ja": "統合先"},
    "merge_submit": {"en": "Merge", "ja": "統合する"},
    "merged": {
        "en": "Topic {id} ({label}) merged into {into} ({into_label}): {n:,} sentences moved.",
        "ja": "トピック {id}（{label}）を {into}（{into_label}）に統合しました：{n:,} 文を移動。",
    },
    "labels_not_shown": {
        "en": "Labels you gave that no topic below shows: a refit retired their topic and "
        "could not carry the label to the topic that took its sentences.",
        "ja": "付けた名前のうち、下のどのトピックにも表示されていないものがあります。"
        "再学習でトピックが廃止され、その文を引き継いだトピックに名前を移せませんでした。",
    },
    "label_not_shown": {
        "en": "**{label}** (retired topic {id}): {why}",
        "ja": "**{label}**（廃止されたトピック {id}）：{why}",
    },
    "label_topic_retired": {
        "en": "the topic is retired",
        "ja": "トピックは廃止されています",
    },
    "label_topic_merged": {
        "en": "the topic was merged into another by a refit",
        "ja": "トピックは再学習で別のトピックに統合されました",
    },
    "labels_not_shown_hint": {
        "en": "Give the label to a topic with the Rename form below if it still fits one; "
        'drop it from the retired topic with `voc topics rename OLD_ID ""`, which clears '
        "this notice.",
        "ja": "まだ当てはまるトピックがあれば、下の「名前を変更」でその名前を付けてください。"
        '廃止されたトピックからは `voc topics rename OLD_ID ""` で取り消すと、'
        "この表示は消えます。",
    },
    "label_history": {"en": "Label history", "ja": "名前の履歴"},
    "label_history_caption": {
        "en": "What refits did with labels a person gave, about this topic (oldest first).",
        "ja": "人が付けた名前を再学習がどう扱ったか（このトピックに関するもの、古い順）。",
    },
    "col_id": {"en": "Id", "ja": "ID"},
    "col_sentences": {"en": "Sentences", "ja": "文の数"},
    "col_first_seen": {"en": "First seen", "ja": "初出"},
    # -- fixes -------------------------------------------------------------------------
    "fixes_title": {"en": "Fixes: did they work?", "ja": "対応の効果"},
    "fixes_caption": {
        "en": "Every pain point marked fix-shipped: its share of feedback and its negative "
        "share in the {before} weeks before the fix's week and the {after} weeks after, "
        "with a rate ratio (Poisson) and a two-proportion test, 95% intervals.",
        "ja": "「修正済み」のペインポイントごとに、修正週の前 {before} 週と後 {after} 週で、"
        "声に占める割合と否定率を比べます（率比（ポアソン）と 2 群の比率の検定、95% 信頼区間）。",
    },
    "fix_date": {"en": "Fix shipped", "ja": "修正日"},
    "verdict": {"en": "Verdict", "ja": "判定"},
    "share_before": {"en": "Share before", "ja": "修正前の割合"},
    "share_after": {"en": "Share after", "ja": "修正後の割合"},
    "rate_ratio": {"en": "Rate ratio", "ja": "率比"},
    "negative_before": {"en": "Negative before", "ja": "修正前の否定率"},
    "negative_after": {"en": "Negative after", "ja": "修正後の否定率"},
    "reason": {"en": "Why", "ja": "根拠"},
    "no_fixes": {
        "en": "No pain point is marked fix-shipped yet.",
        "ja": "「修正済み」のペインポイントはまだありません。",
    },
    # -- health ------------------------------------------------------------------------
    "health_title": {"en": "Data health", "ja": "データの状態"},
    "runs_title": {"en": "Runs", "ja": "実行履歴"},
    "counts_title": {"en": "Records", "ja": "記録数"},
    "by_source": {"en": "by source", "ja": "ソース別"},
    "by_channel": {"en": "by channel", "ja": "チャネル別"},
    "by_language": {"en": "by language", "ja": "言語別"},
    "quarantine_title": {"en": "Quarantine by reason", "ja": "隔離された行（理由別）"},
    "quarantine_pick": {"en": "Reason", "ja": "理由"},
    "quarantine_rows": {
        "en": "Rows as read (redacted at ingest)",
        "ja": "読み込んだままの行（取り込み時に個人情報を伏せ字化）",
    },
    "no_quarantine": {"en": "Nothing quarantined.", "ja": "隔離された行はありません。"},
    # -- the default week's notes (voc.weeks.default_week; English: its own notes) --------
    "note_stale": {
        "en": "no feedback is dated after {week}: the last complete week, {calendar}, has none "
        "(check that the sources still run: `voc runs`)",
        "ja": "{week} より後の日付のフィードバックがありません。直近の完了した週 {calendar} は "
        "0 件です（ソースが動いているか `voc runs` で確認してください）",
    },
    "note_thin": {
        "en": "{week} holds {records} records, {share} of the usual {usual} a week (median of "
        "the {weeks} weeks with data before): read its ranking with care",
        "ja": "{week} は {records} 件で、通常の週 {usual} 件（それ以前のデータのある {weeks} 週の"
        "中央値）の {share} です。ランキングは慎重に読んでください",
    },
    "note_last_usual": {
        "en": "; the last week at the usual volume is {week} (--week {week})",
        "ja": "。通常の件数があった直近の週は {week} です（--week {week}）",
    },
    # -- a pain point's records and actions (column names) ------------------------------
    "rec_feedback_id": {"en": "Id", "ja": "ID"},
    "rec_created_at": {"en": "Created", "ja": "日時"},
    "rec_source": {"en": "Source", "ja": "ソース"},
    "rec_channel": {"en": "Channel", "ja": "チャネル"},
    "rec_language": {"en": "Language", "ja": "言語"},
    "rec_rating": {"en": "Rating", "ja": "評価"},
    "rec_rating_scale": {"en": "Scale", "ja": "評価の尺度"},
    "rec_sentiment": {"en": "Sentiment", "ja": "感情"},
    "rec_touchpoints": {"en": "Touchpoints", "ja": "タッチポイント"},
    "rec_topic_sentences": {"en": "Sentences on the topic", "ja": "この話題の文の数"},
    "rec_text": {"en": "Text", "ja": "本文"},
    "rec_action_date": {"en": "Date", "ja": "日付"},
    "rec_status": {"en": "Status", "ja": "対応状況"},
    "rec_note": {"en": "Note", "ja": "メモ"},
    "rec_actor": {"en": "Who", "ja": "記録者"},
    "rec_recorded_at": {"en": "Recorded", "ja": "記録日時"},
    "ci_low": {"en": "95% CI low", "ja": "95%信頼区間（下限）"},
    "ci_high": {"en": "95% CI high", "ja": "95%信頼区間（上限）"},
}


def t(key: str, lang: str = "en", **values: object) -> str:
    """The text ``key`` in ``lang`` (English when Japanese lacks it), ``values`` filled in."""
    entry = TEXT[key]
    template = entry.get(lang) or entry["en"]
    return template.format(**values) if values else template


def column_names(columns: list[str], lang: str) -> dict[str, str]:
    """Readable names of a table's columns (``rec_<column>`` keys), the others as they are."""
    return {c: t(f"rec_{c}", lang) if f"rec_{c}" in TEXT else c for c in columns}


def default_week_notes(default: DefaultWeek | None, lang: str) -> list[str]:
    """What to know about the default week (:func:`voc.weeks.default_week`), in ``lang``:
    English is the week's own notes (the CLI's), Japanese is written from its fields."""
    from voc.weeks import USUAL_WEEKS

    if default is None:
        return []
    if lang == "en":
        return list(default.notes)
    notes = []
    if default.stale:
        notes.append(t("note_stale", lang, week=default.week, calendar=default.calendar_week))
    if default.thin and default.usual is not None:
        note = t(
            "note_thin",
            lang,
            week=default.week,
            records=default.records,
            share=f"{default.records / default.usual:.0%}",
            usual=f"{default.usual:,.0f}",
            weeks=USUAL_WEEKS,
        )
        last = default.last_usual_week
        if last is not None and last != default.week:
            note += t("note_last_usual", lang, week=last)
        notes.append(note)
    return notes


def fix_verdict(fix: dict[str, Any], lang: str) -> str:
    """A fix's verdict (:func:`voc.insights.fixes.evaluate_fixes`) in ``lang``: the
    digest's words."""
    from voc.digest.text import text

    return str(fix["verdict"]) if lang == "en" else text(lang, f"verdict_{fix['verdict']}")


def fix_reason(fix: dict[str, Any], lang: str) -> str:
    """Why a fix got its verdict, in ``lang`` (``fix``: a row of ``evaluate_fixes`` with
    ``needed_weeks`` and ``min_records``, as the digest's): English is ``evaluate_fixes``' own
    ``reason``; Japanese is the digest's sentence written from the row's figures
    (:func:`voc.digest.text.fix_sentence`), as the Japanese digest shows it."""
    if lang == "en":
        return str(fix["reason"])
    from voc.digest.text import fix_sentence

    return fix_sentence(fix, lang)
