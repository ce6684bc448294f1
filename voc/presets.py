"""Ready-made mappings for the exports CX tools write.

A source names one with ``preset:`` and overrides any key it needs (a survey whose
question columns are worded differently overrides ``text_col`` and ``rating_col``).
Each preset documents the export it was made for.
"""

from __future__ import annotations

from typing import Any

PRESETS: dict[str, dict[str, Any]] = {
    # Google Play Console "reviews" CSV export (App Store Connect exports map the same way
    # with their own column names).
    "app_store": {
        "format": "csv",
        "channel": "app_store",
        "touchpoint": "mobile_app",
        "text_col": ["Review Title", "Review Text"],
        "id_col": "Review Link",
        "time_col": "Review Submit Date and Time",
        "rating_col": "Star Rating",
        "rating_scale": "stars5",
        "metadata_cols": ["Package Name", "App Version Name", "Device", "Reviewer Language"],
    },
    # A survey tool's response export: one row per response, a score question and an
    # open "why" question (Typeform, SurveyMonkey, Qualtrics, Google Forms all write this).
    "survey": {
        "format": "csv",
        "channel": "survey",
        "text_col": "What is the main reason for your score?",
        "id_col": "Response ID",
        "time_col": "Submitted At",
        "rating_col": "How likely are you to recommend us to a friend or colleague?",
        "rating_scale": "nps",
    },
    # Social posts as JSON Lines in the shape of the X (Twitter) API v2: the author's
    # handle is not kept, it is personal data.
    "social": {
        "format": "jsonl",
        "channel": "social",
        "text_col": "text",
        "id_col": "id",
        "time_col": "created_at",
        "metadata_cols": ["lang", "public_metrics.like_count", "public_metrics.retweet_count"],
    },
    # Help-desk tickets as a JSON array (Zendesk-style export): the text is the customer's
    # messages of the conversation; agents' replies are left out.
    "support_tickets": {
        "format": "json",
        "channel": "support",
        "conversation": {"messages": "comments", "text": "body", "role": "author_role"},
        "id_col": "id",
        "time_col": "created_at",
        "metadata_cols": ["subject", "status", "priority", "tags", "via.channel"],
    },
}
