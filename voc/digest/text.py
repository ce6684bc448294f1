"""The digest's words in English and Japanese: headings, labels and sentences.

Quotes and topic labels are never translated (they are the customers' words); everything
around them is. Channel names come from here, touchpoint names from the taxonomy's
``labels`` (see ``configs/taxonomy.yaml``), falling back to the name with spaces.
"""

from __future__ import annotations

import math
from typing import Any, Literal

Language = Literal["en", "ja"]

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "Weekly pain-point digest",
        "period": "{week} ({start} – {end})",
        "summary": (
            "{records} pieces of feedback ({change} on the week before); "
            "{negative} of sentences negative."
        ),
        "summary_no_sentiment": "{records} pieces of feedback ({change} on the week before).",
        "channels": "By channel: {channels}.",
        "thin": (
            "Only {records} pieces of feedback this week, against a usual {usual} a week "
            "(the median of the weeks before): read the changes below with care."
        ),
        "silent": (
            "No feedback is dated after this week, although {calendar} has ended: check "
            "that the sources still run (`voc runs`)."
        ),
        "love_title": "What customers love",
        "love_item": "{volume} records, {share} of sentences positive",
        "love_none": "No topic drew mostly praise this week.",
        "pending": "{pending} of them are not analysed yet (run `voc analyze`).",
        "empty_title": "No feedback this week.",
        "empty": (
            "No feedback was recorded in {week} ({start} – {end}), so there is nothing to "
            "report. If you expected some, check that the sources ran: `voc runs` lists the "
            "latest runs and `voc status` what the store holds."
        ),
        "top": "Top pain points",
        "no_pain_points": "No topic drew complaints this week.",
        "records": "records",
        "negative": "negative",
        "negative_axis": "negative sentences (%)",
        "volume_axis": "records",
        "trend": "trend",
        "where": "where",
        "quotes": "In customers' words",
        "no_quotes": "(no quotable sentence this week)",
        "new": "new",
        "emerging": "emerging",
        "recurrence": "heard {n} of the last 8 weeks",
        "drags": "lowers {metric} by {points} points",
        "up": "up {pct} ({previous} → {volume})",
        "down": "down {pct} ({previous} → {volume})",
        "flat": "flat ({previous} → {volume})",
        "new_trend": "new ({volume})",
        "emerging_title": "New or emerging",
        "emerging_new": "new this week: {volume} records",
        "emerging_spike": "{volume} records, {ratio} its 8-week average of {baseline}",
        "emerging_none": "Nothing new or spiking this week.",
        "falling_title": "Falling away",
        "falling_item": (
            "{volume} records this week: {share} of feedback, against {baseline_share} "
            "before (about {baseline} a week)"
        ),
        "falling_none": "No topic fell away this week.",
        "falling_thin": "Too little feedback this week to tell which topics fell away.",
        "surveys_title": "Survey scores",
        "surveys_none": "No survey responses with a score this week.",
        "why_title": "Why the scores moved",
        "fixes_title": "Fixes: did they work?",
        "verdict_end": ".",
        "fix_pending": (
            "Fix shipped {date} ({week}); before it, {before} of feedback mentioned it, "
            "{negative_before} of that negative."
        ),
        "fix_item": (
            "Fix shipped {date} ({week}). Share of feedback {before} → {after} "
            "(rate ratio {ratio}, 95% CI {low}–{high}), negative share {negative_before} → "
            "{negative_after}, {weeks_before} weeks before against {weeks_after} after."
        ),
        "fix_early": "{weeks} of the {needed} weeks after the fix have ended so far.",
        "fix_few": "{mentions} mentions in the weeks before the fix; {needed} are needed to tell.",
        "fix_wide": "The interval still allows a halving or a doubling: too few mentions to tell.",
        "verdict_fixed": "fixed",
        "verdict_no change": "no change",
        "verdict_worse": "worse",
        "verdict_too early to tell": "too early to tell",
        "metric": "metric",
        "score": "this week",
        "change": "change",
        "respondents": "respondents",
        "drag_list": "dragged down most by",
        "metric_nps": "NPS",
        "metric_csat": "CSAT (% satisfied)",
        "metric_ces": "CES (1-7, higher is easier)",
        "points": "{value} points",
        "charts_title": "Charts",
        "chart_trends": "Top pain points: weekly records and negative share",
        "chart_weekly": "All feedback: weekly records and negative share",
        "chart_heatmap": "Where feedback is negative: channel × touchpoint (negative / records)",
        "no_touchpoint": "no touchpoint",
        "footer": (
            "Made by voc {version} on {generated} UTC. Quotes are customers' own words, "
            "in their own language, with personal data redacted."
        ),
        "subject": "voc digest {week}: {headline}",
        "subject_empty": "voc digest {week}: no feedback",
    },
    "ja": {
        "title": "週次ペインポイント・ダイジェスト",
        "period": "{week}（{start}〜{end}）",
        "summary": "フィードバック {records} 件（前週比 {change}）、否定的な文の割合 {negative}。",
        "summary_no_sentiment": "フィードバック {records} 件（前週比 {change}）。",
        "channels": "チャネル別: {channels}。",
        "thin": (
            "今週のフィードバックは {records} 件で、通常の週（それ以前の週の中央値 {usual} 件）"
            "より大幅に少なくなっています。以下の増減は慎重に読んでください。"
        ),
        "silent": (
            "{calendar} は終わっていますが、今週より後のフィードバックがありません。"
            "取り込みが動いているか確認してください（`voc runs`）。"
        ),
        "love_title": "お客様に好評な点",
        "love_item": "{volume} 件、肯定的な文の割合 {share}",
        "love_none": "今週、主に好評の声が集まった話題はありませんでした。",
        "pending": "うち {pending} 件は未分析です（`voc analyze` を実行してください）。",
        "empty_title": "今週のフィードバックはありません。",
        "empty": (
            "{week}（{start}〜{end}）に記録されたフィードバックはありませんでした。"
            "報告する内容はありません。データがあるはずの場合は、取り込みが動いたか確認して"
            "ください（`voc runs` で最近の実行、`voc status` でストアの内容が分かります）。"
        ),
        "top": "主なペインポイント",
        "no_pain_points": "今週、不満の声が集まった話題はありませんでした。",
        "records": "件",
        "negative": "否定的",
        "negative_axis": "否定的な文 (%)",
        "volume_axis": "件数",
        "trend": "推移",
        "where": "発生箇所",
        "quotes": "お客様の声",
        "no_quotes": "（今週は引用できる文がありません）",
        "new": "新規",
        "emerging": "急増",
        "recurrence": "直近8週のうち {n} 週で発生",
        "drags": "{metric} を {points} ポイント押し下げ",
        "up": "増加 {pct}（{previous} → {volume}）",
        "down": "減少 {pct}（{previous} → {volume}）",
        "flat": "横ばい（{previous} → {volume}）",
        "new_trend": "新規（{volume}）",
        "emerging_title": "新しい話題・急増している話題",
        "emerging_new": "今週新たに出現: {volume} 件",
        "emerging_spike": "{volume} 件、直近8週の平均 {baseline} 件の {ratio}",
        "emerging_none": "今週、新たに出てきた話題や急増した話題はありません。",
        "falling_title": "減っている話題",
        "falling_item": (
            "今週 {volume} 件: フィードバック全体の {share}（以前は {baseline_share}、"
            "週平均 約 {baseline} 件）"
        ),
        "falling_none": "今週、減った話題はありません。",
        "falling_thin": "今週はフィードバックが少なすぎるため、減った話題は判断できません。",
        "surveys_title": "アンケート指標",
        "surveys_none": "今週はスコア付きのアンケート回答がありません。",
        "why_title": "スコアが動いた理由",
        "fixes_title": "修正は効いたか",
        "verdict_end": "。",
        "fix_pending": (
            "{date}（{week}）に修正をリリース。修正前はフィードバックの {before} が"
            "この話題に触れ、うち否定的な割合は {negative_before}。"
        ),
        "fix_item": (
            "{date}（{week}）に修正をリリース。フィードバックに占める割合 {before}→{after}"
            "（率比 {ratio}、95%信頼区間 {low}〜{high}）、否定的な割合 {negative_before}→"
            "{negative_after}（修正前 {weeks_before} 週と修正後 {weeks_after} 週の比較）。"
        ),
        "fix_early": "修正後の {needed} 週のうち、経過したのはまだ {weeks} 週です。",
        "fix_few": "修正前の言及は {mentions} 件で、判断には {needed} 件必要です。",
        "fix_wide": "信頼区間が半減も倍増も否定できず、言及が少なすぎて判断できません。",
        "verdict_fixed": "改善",
        "verdict_no change": "変化なし",
        "verdict_worse": "悪化",
        "verdict_too early to tell": "判断するには早い",
        "metric": "指標",
        "score": "今週",
        "change": "前週比",
        "respondents": "回答数",
        "drag_list": "スコアを最も押し下げた話題",
        "metric_nps": "NPS",
        "metric_csat": "CSAT（満足の割合 %）",
        "metric_ces": "CES（1〜7、高いほど容易）",
        "points": "{value} ポイント",
        "charts_title": "グラフ",
        "chart_trends": "主なペインポイント: 週ごとの件数と否定的な割合",
        "chart_weekly": "フィードバック全体: 週ごとの件数と否定的な割合",
        "chart_heatmap": "否定的な声の発生箇所: チャネル × タッチポイント（否定的 / 件数）",
        "no_touchpoint": "タッチポイントなし",
        "footer": (
            "voc {version} が {generated} UTC に作成。引用はお客様ご自身の言葉（原文のまま）で、"
            "個人情報は伏せ字にしています。"
        ),
        "subject": "voc 週次ダイジェスト {week}: {headline}",
        "subject_empty": "voc 週次ダイジェスト {week}: フィードバックなし",
    },
}

CHANNELS: dict[str, dict[str, str]] = {
    "en": {
        "review": "reviews",
        "app_store": "app stores",
        "survey": "surveys",
        "social": "social",
        "support": "support",
    },
    "ja": {
        "review": "レビュー",
        "app_store": "アプリストア",
        "survey": "アンケート",
        "social": "SNS",
        "support": "サポート",
    },
}


def text(language: str, key: str, **values: object) -> str:
    """The sentence ``key`` in ``language``, with ``values`` filled in."""
    return TEXT[language][key].format(**values)


def channel_name(language: str, channel: str) -> str:
    """How a channel is called in ``language`` (the raw name when it is not a known one)."""
    return CHANNELS[language].get(channel, channel.replace("_", " "))


# Owners, actions and events (issue 14, docs/loop.md).
TEXT["en"].update(
    {
        "owner": "owner",
        "no_owner": "no owner",
        "status_line": "status: {status} ({date})",
        "no_action": "no action recorded",
        "status_acknowledged": "acknowledged",
        "status_investigating": "investigating",
        "status_fix-shipped": "fix shipped",
        "status_won't-fix": "won't fix",
        "events": "Events in these weeks",
    }
)
TEXT["ja"].update(
    {
        "owner": "担当",
        "no_owner": "担当なし",
        "status_line": "対応: {status}（{date}）",
        "no_action": "対応の記録なし",
        "status_acknowledged": "確認済み",
        "status_investigating": "調査中",
        "status_fix-shipped": "修正リリース済み",
        "status_won't-fix": "対応しない",
        "events": "この期間の出来事",
    }
)


# The pain points' trend and "where" cells in the CLI's form (voc.query.pain_points),
# in words of either language (the web app's Japanese mode).
TEXT["en"].update({"trend_up": "up", "trend_down": "down", "trend_flat": "flat",
                   "where_more": "+{count} more"})  # fmt: skip
TEXT["ja"].update({"trend_up": "増加", "trend_down": "減少", "trend_flat": "横ばい",
                   "where_more": "ほか {count} 箇所"})  # fmt: skip


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fix_sentence(fix: dict[str, Any], language: str) -> str:
    """A fix's figures (a row of :func:`voc.insights.fixes.evaluate_fixes`), and why it is
    too early to tell when it is, in ``language``: the digest's "Fixes" line, also the web
    app's reason in Japanese."""
    from voc.weeks import weeks_between

    def t(key: str, **values: object) -> str:
        return text(language, key, **values)

    def join(*sentences: str) -> str:  # Japanese puts no space after 。
        return ("" if language == "ja" else " ").join(sentences)

    def percent(value: Any) -> str:
        return "–" if _missing(value) else f"{100 * float(value):.0f}%"

    def share(value: Any) -> str:
        return "–" if _missing(value) else f"{100 * value:.1f}%"

    def ratio(value: Any) -> str:
        return "–" if _missing(value) else "∞" if value == float("inf") else f"{value:.2f}"

    if fix["weeks_after"] == 0:
        return join(
            t(
                "fix_pending",
                date=fix["fix_date"],
                week=fix["fix_week"],
                before=share(fix["share_before"]),
                negative_before=percent(fix["negative_share_before"]),
            ),
            t("fix_early", weeks=0, needed=fix["needed_weeks"]),
        )
    line = t(
        "fix_item",
        date=fix["fix_date"],
        week=fix["fix_week"],
        before=share(fix["share_before"]),
        after=share(fix["share_after"]),
        ratio=ratio(fix["rate_ratio"]),
        low=ratio(fix["rate_ratio_low"]),
        high=ratio(fix["rate_ratio_high"]),
        negative_before=percent(fix["negative_share_before"]),
        negative_after=percent(fix["negative_share_after"]),
        weeks_before=len(weeks_between(fix["before_from"], fix["before_to"])),
        weeks_after=fix["weeks_after"],
    )
    if fix["verdict"] != "too early to tell":
        return line
    if fix["early_because"] == "weeks":
        return join(line, t("fix_early", weeks=fix["weeks_after"], needed=fix["needed_weeks"]))
    if fix["early_because"] == "interval":
        return join(line, t("fix_wide"))
    return join(line, t("fix_few", mentions=fix["mentions_before"], needed=fix["min_records"]))
