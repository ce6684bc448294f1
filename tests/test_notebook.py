"""notebooks/topic_trends.ipynb: a product manager's session, executed on the demo store.

The notebook runs in a real kernel (the venv's python, through nbclient) from notebooks/,
with ``VOC_STORE`` pointing at the session's demo store, exactly as a PM would run it.
A cell that raises fails the run with nbclient's ``CellExecutionError`` and its traceback.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbformat import NotebookNode

from tests.conftest import REPO

NOTEBOOK = REPO / "notebooks" / "topic_trends.ipynb"
# The committed notebook carries its outputs (a PM browsing the repository sees the
# plots), so keep the images modest.
MAX_NOTEBOOK_BYTES = 1_500_000


def execute(notebook: NotebookNode, store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run every cell of ``notebook`` in place; the kernel inherits VOC_STORE from here."""
    monkeypatch.setenv("VOC_STORE", str(store))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    # Importing streamlit (the web app's tests) sets MPLBACKEND=Agg in this process; a kernel
    # inheriting it draws no inline plots. A product manager's kernel does not have it.
    monkeypatch.delenv("MPLBACKEND", raising=False)
    NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    ).execute()


def tagged(notebook: NotebookNode, tag: str) -> list[NotebookNode]:
    cells = [c for c in notebook.cells if tag in c.get("metadata", {}).get("tags", [])]
    assert cells, f"no cell tagged {tag!r} in {NOTEBOOK.name}"
    return cells


def outputs_of(cells: list[NotebookNode], mime: str) -> list[str]:
    return [
        str(output["data"][mime])
        for cell in cells
        for output in cell.get("outputs", [])
        if mime in output.get("data", {})
    ]


def images(notebook: NotebookNode) -> list[str]:
    return outputs_of([c for c in notebook.cells if c.cell_type == "code"], "image/png")


def table_rows(html: str) -> list[str]:
    """The body rows of a DataFrame's HTML table."""
    body = re.search(r"<tbody>(.*?)</tbody>", html, flags=re.DOTALL)
    return re.findall(r"<tr>(.*?)</tr>", body.group(1), flags=re.DOTALL) if body else []


@pytest.fixture(scope="module")
def executed(demo: dict[str, Path]) -> Iterator[NotebookNode]:
    """The notebook executed once on the demo store (about 15 s beyond the demo fixture)."""
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    with pytest.MonkeyPatch.context() as monkeypatch:
        execute(notebook, demo["store"], monkeypatch)
    yield notebook


def test_notebook_draws_at_least_three_plots(executed: NotebookNode) -> None:
    assert len(images(executed)) >= 3


def test_notebook_ranks_at_least_five_pain_points(executed: NotebookNode) -> None:
    tables = outputs_of(tagged(executed, "pain-points"), "text/html")
    assert tables, "the pain-point cell shows no table"
    rows = table_rows(tables[-1])
    assert len(rows) >= 5, f"only {len(rows)} pain points shown"


def test_notebook_search_in_english_finds_japanese_feedback(executed: NotebookNode) -> None:
    tables = outputs_of(tagged(executed, "search"), "text/html")
    assert tables, "the search cells show no table"
    assert any("<td>ja</td>" in table for table in tables), "no Japanese hit in the search"


def test_notebook_prints_no_warnings(executed: NotebookNode) -> None:
    """A warning in the output (e.g. missing Japanese glyphs in a chart) is shown to the
    PM; the notebook must not cause any, rather than hide them."""
    for index, cell in enumerate(executed.cells):
        for output in cell.get("outputs", []):
            if output["output_type"] == "stream" and output["name"] == "stderr":
                pytest.fail(f"cell {index} wrote to stderr:\n{output['text']}")


def test_notebook_without_a_store_says_to_run_make_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    opening = tagged(notebook, "open-store")[0]
    notebook.cells = notebook.cells[: notebook.cells.index(opening) + 1]
    with pytest.raises(CellExecutionError, match="make demo"):
        execute(notebook, tmp_path / "missing.duckdb", monkeypatch)


def test_committed_notebook_shows_its_plots_and_stays_small() -> None:
    """A PM browsing the repository sees the plots without running anything."""
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    assert len(images(notebook)) >= 3, "commit the notebook executed, with its outputs"
    assert NOTEBOOK.stat().st_size < MAX_NOTEBOOK_BYTES
