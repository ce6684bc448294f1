"""The ``voc`` command: the typer app, its ``-v`` option, and the command groups.

Each group of commands is a module of :mod:`voc.commands` with ``register(app)``, wired at
the bottom of this file; what every command shares (options, one-line errors, printing)
is :mod:`voc.commands._common`, re-exported here so ``from voc.cli import print_frame``
keeps working. Every command reads the config named by ``--config`` (default
``$VOC_CONFIG``, else ``configs/voc.yaml``, else built-in defaults) and works on the store
it names.
"""

from __future__ import annotations

if __name__ == "__main__":
    # `python -m voc.cli` runs this file as __main__, a second copy of the module: run the
    # importable voc.cli's app instead, so the command modules (which import voc.cli or
    # voc.commands._common) register on, and share flags with, the one app that runs.
    import importlib as _importlib
    import sys as _sys

    _sys.exit(_importlib.import_module("voc.cli").app())

import sys
from typing import Annotated, Any

import typer

from voc.commands._common import (
    _WEEK_HELP,
    ConfigOption,
    ForceOption,
    FormatOption,
    LabelLanguageOption,
    OnlyOption,
    OutputFormat,
    _console,
    _fail,
    _failed_run_summaries,
    _flow_api,
    _label_language,
    _progress_bar,
    _read_store,
    _setup_logging,
    _topic_arg,
    _week_notes,
    print_frame,
)

__all__ = [
    "_WEEK_HELP",
    "ConfigOption",
    "ForceOption",
    "FormatOption",
    "LabelLanguageOption",
    "OnlyOption",
    "OutputFormat",
    "_console",
    "_fail",
    "_failed_run_summaries",
    "_flow_api",
    "_label_language",
    "_progress_bar",
    "_read_store",
    "_topic_arg",
    "_week_notes",
    "app",
    "print_frame",
    "print_run_summary",
]


class _VocApp(typer.Typer):
    """The ``voc`` command: an error no command caught is still one line (exit 1), its
    traceback shown only with ``-v``."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().__call__(*args, **kwargs)
        except (typer.Exit, typer.Abort, SystemExit, KeyboardInterrupt):
            raise
        except Exception as e:  # the last resort: say it in one line
            try:
                _fail(e)
            except typer.Exit as stop:
                sys.exit(stop.exit_code)


app = _VocApp(
    name="voc",
    help="voc: customer feedback from every channel into ranked, explained pain points.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log what voc does.")] = False,
) -> None:
    """voc: customer feedback from every channel into ranked, explained pain points."""
    _setup_logging(verbose)


def version() -> None:
    """Print voc's version."""
    from voc import __version__

    typer.echo(__version__)


# The command groups; the loop below sets the order `voc --help` lists them in.
from voc.commands import insights as _insights  # noqa: E402
from voc.commands import pipeline as _pipeline  # noqa: E402
from voc.commands import schedule as _schedule  # noqa: E402
from voc.commands import store as _store  # noqa: E402
from voc.commands import topics as _topics  # noqa: E402
from voc.commands import touchpoints as _touchpoints  # noqa: E402
from voc.commands import train as _train  # noqa: E402
from voc.commands.pipeline import print_run_summary  # noqa: E402

for _group in (_pipeline, _store, _insights, _schedule, _train, _topics, _touchpoints):
    _group.register(app)
app.command()(version)

# A new group: a module voc/commands/<area>.py with register(app), wired by two lines here.

from voc.commands import loop as _loop  # noqa: E402

_loop.register(app)

from voc.commands import stats as _stats  # noqa: E402

_stats.register(app)

from voc.commands import ui as _ui  # noqa: E402

_ui.register(app)
