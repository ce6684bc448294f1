"""Data health, for data engineers: runs with their status and counts, records per
source, channel and language, and the quarantine by reason with the rows as read."""

from __future__ import annotations

import streamlit as st

from voc.ui import loaders
from voc.ui.common import show_error, signature, store_path, tr

path = store_path()
try:
    sig = signature(path)
    health = loaders.health(path, sig)
except Exception as error:
    show_error(error)
    st.stop()

st.header(tr("health_title"))
st.subheader(tr("runs_title"))
runs = health["runs"].drop(columns=["process"])
st.dataframe(runs, hide_index=True, width="stretch", height=260)

st.subheader(tr("counts_title"))
for column, key in zip(st.columns(3), ("source", "channel", "language"), strict=True):
    column.markdown(f"**{tr('by_' + key)}**")
    column.dataframe(health["counts"][key], hide_index=True, width="stretch")

st.subheader(tr("quarantine_title"))
quarantine = health["quarantine"]
if quarantine.empty:
    st.info(tr("no_quarantine"))
else:
    by_reason = quarantine.groupby("reason", as_index=False)["rows"].sum()
    st.bar_chart(by_reason, x="reason", y="rows", horizontal=True)
    st.dataframe(quarantine, hide_index=True, width="stretch")
    reasons = by_reason.sort_values("rows", ascending=False)["reason"].tolist()
    reason = st.selectbox(tr("quarantine_pick"), reasons, key="dh_reason")
    st.markdown(f"**{tr('quarantine_rows')}**")
    st.dataframe(
        loaders.quarantined(path, sig, reason),
        hide_index=True,
        width="stretch",
        column_config={"raw_payload": st.column_config.TextColumn(width="large")},
    )
