"""The import graph's layers hold: what a module imports says where it sits (issue 12)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_the_config_does_not_import_the_sources_that_import_it() -> None:
    assert any(m.startswith("voc.config") for m in _imports(ROOT / "voc/sources/mapping.py"))
    assert not [m for m in _imports(ROOT / "voc/config.py") if m.startswith("voc.sources")]


def test_the_cli_imports_flows_from_pipelines_but_no_helpers() -> None:
    flows = {
        "pipelines.ingest": {"ingest_flow"},
        "pipelines.analyze": {"analyze_flow", "run_flow"},
        "pipelines.backfill": {"backfill_flow"},
        "pipelines.digest": {"digest_flow"},
        "pipelines.train_sentiment": {"train_user_sentiment_flow"},
        # Serving Prefect deployments and the Prefect API a command's flows run against.
        "pipelines.deployments": {"build_deployments", "describe_schedule", "serve_deployments"},
        "pipelines.server": {"prefect_api"},
    }
    for path in [ROOT / "voc/cli.py", *sorted((ROOT / "voc/commands").glob("*.py"))]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pipelines"):
                names = {alias.name for alias in node.names}
                assert names <= flows.get(node.module, set()), (
                    f"{path.name} imports {sorted(names)} from {node.module}: move helpers "
                    "into voc/"
                )


def test_sentiment_models_load_through_the_one_loader() -> None:
    """Outside voc/models/, a sentiment model loads by ``load_sentiment``: no caller reads a
    model folder with ``SentimentModel.load`` itself (the names would resolve differently)."""
    loads = []
    for path in sorted([*(ROOT / "voc").rglob("*.py"), *(ROOT / "pipelines").rglob("*.py")]):
        if (ROOT / "voc/models") in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr == "load"
                and isinstance(node.value, ast.Name)
                and node.value.id.endswith("SentimentModel")
            ):
                loads.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert loads == []
