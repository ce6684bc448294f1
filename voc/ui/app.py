"""The web app's entry point: ``voc ui`` runs ``streamlit run voc/ui/app.py``.

Sets the page up, the language toggle (default ``digest.language``), and the pages
(:mod:`voc.ui.pages`), which read the store through :mod:`voc.ui.common`.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from voc.ui.common import (
    lang,
    language_toggle,
    settings,
    show_error,
    snapshot_notice,
    tr,
    warm_up,
)

PAGES = Path(__file__).parent / "pages"

st.set_page_config(page_title="voc", layout="wide")

try:
    settings()
except Exception as error:  # a bad config: one line, no page
    show_error(error)
    st.stop()

warm_up()  # heavy imports in the background, once per server
lang()  # the default language, before the toggle reads it
pages = [
    st.Page(PAGES / "pain_points.py", title=tr("page_pain_points"), default=True),
    st.Page(PAGES / "trends.py", title=tr("page_trends")),
    st.Page(PAGES / "surveys.py", title=tr("page_surveys")),
    st.Page(PAGES / "topics.py", title=tr("page_topics")),
    st.Page(PAGES / "fixes.py", title=tr("page_fixes")),
    st.Page(PAGES / "health.py", title=tr("page_health")),
]
navigation = st.navigation(pages)
with st.sidebar:
    language_toggle()
snapshot_notice()
navigation.run()
