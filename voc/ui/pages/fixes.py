"""Fixes: did they work? Every pain point marked fix-shipped, before vs after its fix
(:func:`voc.insights.fixes.evaluate_fixes`, the digest's section)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from voc.ui import loaders
from voc.ui.common import (
    label_language,
    lang,
    settings,
    show_error,
    signature,
    store_path,
    tr,
)
from voc.ui.i18n import fix_reason, fix_verdict

VERDICT_ICONS = {"fixed": "✅", "no change": "➖", "worse": "⚠️", "too early to tell": "⏳"}

path = store_path()
config = settings()
try:
    sig = signature(path)
    frame = loaders.fixes(
        path,
        sig,
        config.fixes.before_weeks,
        config.fixes.after_weeks,
        config.fixes.min_records,
        config.schedules.timezone,
        label_language(),
    )
except Exception as error:
    show_error(error)
    st.stop()

st.header(tr("fixes_title"))
st.caption(
    tr(
        "fixes_caption",
        before=config.fixes.before_weeks,
        after=config.fixes.after_weeks,
    )
)
if frame.empty:
    st.info(tr("no_fixes"))
    st.stop()

# The digest's rows carry the windows too (voc.digest.data): the sentence says what is missing.
rows: list[dict[str, Any]] = [
    {
        **{str(key): value for key, value in row.items()},
        "needed_weeks": config.fixes.after_weeks,
        "min_records": config.fixes.min_records,
    }
    for row in frame.to_dict("records")
]
# The verdict and its reason in the UI language (English: evaluate_fixes' own words).
table = frame.assign(
    verdict=[f"{VERDICT_ICONS.get(r['verdict'], '')} {fix_verdict(r, lang())}" for r in rows],
    reason=[fix_reason(r, lang()) for r in rows],
)
st.dataframe(
    table[
        [
            "label",
            "fix_date",
            "verdict",
            "share_before",
            "share_after",
            "rate_ratio",
            "rate_ratio_low",
            "rate_ratio_high",
            "negative_share_before",
            "negative_share_after",
            "reason",
        ]
    ],
    hide_index=True,
    width="stretch",
    key="fx_table",
    column_config={
        "label": st.column_config.TextColumn(tr("col_topic")),
        "fix_date": st.column_config.DateColumn(tr("fix_date")),
        "verdict": st.column_config.TextColumn(tr("verdict")),
        "share_before": st.column_config.NumberColumn(tr("share_before"), format="percent"),
        "share_after": st.column_config.NumberColumn(tr("share_after"), format="percent"),
        "rate_ratio": st.column_config.NumberColumn(tr("rate_ratio"), format="%.2f"),
        "rate_ratio_low": st.column_config.NumberColumn(tr("ci_low"), format="%.2f"),
        "rate_ratio_high": st.column_config.NumberColumn(tr("ci_high"), format="%.2f"),
        "negative_share_before": st.column_config.NumberColumn(
            tr("negative_before"), format="percent"
        ),
        "negative_share_after": st.column_config.NumberColumn(
            tr("negative_after"), format="percent"
        ),
        "reason": st.column_config.TextColumn(tr("reason"), width="large"),
    },
)
for row in rows:
    st.markdown(
        f"**{row['label']}** ({row['fix_date']}): {VERDICT_ICONS.get(row['verdict'], '')} "
        f"{fix_verdict(row, lang())}. {fix_reason(row, lang())}"
    )
