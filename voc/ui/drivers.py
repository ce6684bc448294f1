"""The "why did it move" panel of the Survey metrics page."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from voc.ui.common import tr


def drivers_panel(path: str, sig: Any, frame: pd.DataFrame, metrics: list[str]) -> None:
    """A week-over-week change of a metric split into each topic's contribution, when
    the drivers analysis is available (:mod:`voc.insights.drivers`)."""
    try:
        from voc.insights import drivers  # noqa: F401
    except ImportError:
        st.info(tr("why_unavailable"))
        return
