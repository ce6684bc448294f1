"""The "why did it move" panel of the Survey metrics page: a week's change of NPS, CSAT or
CES split into each topic's contribution with 95 % bootstrap intervals
(:func:`voc.insights.drivers.explain_change`)."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from voc.ui import loaders
from voc.ui.common import label_language, lang, tr, widget_key

NAMES = {"nps": "NPS", "csat": "CSAT", "ces": "CES"}
#: Topics shown in the chart and table, largest contribution first (the rest stay summed
#: in the change, and in the remainder row when they have no topic).
SHOWN = 8


def drivers_panel(path: str, sig: Any, frame: pd.DataFrame, metrics: list[str]) -> None:
    """Pick a metric and a week; show the one-glance sentence, the contributions chart
    (with intervals) and the table."""
    st.caption(tr("why_caption"))
    left, right = st.columns(2)
    metric = left.selectbox(
        tr("metric"), metrics, key="sv_metric", format_func=lambda m: NAMES.get(m, m)
    )
    series = frame[frame["metric"] == metric].sort_values("week", ascending=False)
    weeks = series["week"].astype(str).tolist()
    if len(weeks) < 2:
        st.info(tr("why_needs_two"))
        return
    # Open on the newest week that, like the week before it, has a usual number of
    # respondents: a thin last week (3 answers) would explain noise.
    respondents = series["respondents"].astype(int).tolist()
    usual = sorted(respondents)[len(respondents) // 2] / 2
    default = next(
        (
            i
            for i in range(len(weeks) - 1)
            if respondents[i] >= usual and respondents[i + 1] >= usual
        ),
        0,
    )
    week = right.selectbox(
        tr("why_week"), weeks[:-1], index=default, key=widget_key(f"sv_week_{metric}")
    )
    with st.spinner(tr("why_computing")):
        result = loaders.drivers(path, sig, metric, week, label_language())
    if "error" in result:
        st.info(result["error"])
        return
    st.markdown(f"### {result['sentence'][lang()]}")
    contributions: pd.DataFrame = result["contributions"]
    top = contributions[contributions["kind"] != "no topic"].head(SHOWN)
    rest = contributions[contributions["kind"] == "no topic"]
    shown = pd.concat([top, rest]).reset_index(drop=True)
    if shown.empty:
        return
    chart = alt.Chart(shown).encode(
        y=alt.Y("label:N", sort=None, title=None),
    )
    bars = chart.mark_bar().encode(
        x=alt.X("contribution:Q", title=tr("contribution", metric=NAMES[metric])),
        color=alt.condition(alt.datum.contribution < 0, alt.value("#c0392b"), alt.value("#2e86c1")),
        tooltip=[
            "label",
            alt.Tooltip("contribution:Q", format="+.2f"),
            alt.Tooltip("ci_low:Q", format="+.2f"),
            alt.Tooltip("ci_high:Q", format="+.2f"),
            alt.Tooltip("mix:Q", format="+.2f"),
            alt.Tooltip("rate:Q", format="+.2f"),
        ],
    )
    whiskers = chart.mark_rule(color="#333").encode(x="ci_low:Q", x2="ci_high:Q")
    st.altair_chart(bars + whiskers, width="stretch")
    st.dataframe(
        shown[
            [
                "label",
                "respondents_before",
                "respondents_after",
                "share_before",
                "share_after",
                "score_before",
                "score_after",
                "mix",
                "rate",
                "contribution",
                "ci_low",
                "ci_high",
            ]
        ],
        hide_index=True,
        width="stretch",
        key="sv_drivers",
        column_config={
            "label": st.column_config.TextColumn(tr("col_topic")),
            "share_before": st.column_config.NumberColumn(format="percent"),
            "share_after": st.column_config.NumberColumn(format="percent"),
            "score_before": st.column_config.NumberColumn(format="%.1f"),
            "score_after": st.column_config.NumberColumn(format="%.1f"),
            "mix": st.column_config.NumberColumn(tr("mix"), format="%+.2f"),
            "rate": st.column_config.NumberColumn(tr("rate"), format="%+.2f"),
            "contribution": st.column_config.NumberColumn(tr("col_contribution"), format="%+.2f"),
            "ci_low": st.column_config.NumberColumn("95% CI", format="%+.2f"),
            "ci_high": st.column_config.NumberColumn("", format="%+.2f"),
        },
    )
