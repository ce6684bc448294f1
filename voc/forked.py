"""A call run in a forked copy of this process, beside work done here: two cores for two
pieces of Python that would share one under the GIL.

The fork shares everything already loaded (models, taxonomy, the inputs: nothing is
loaded or copied again) and sends its result back pickled through a pipe. When the fork
cannot start, or its result does not come back whole (the copy was killed, the pipe cut
off), the call runs here instead: the result is the same either way, only slower.

Used by :meth:`voc.analysis.Analyzer.analyze` (touchpoints beside sentiment) and
:class:`voc.topics.tokens.KeywordTokenizer` (half a topic fit's keyword tagging).
"""

from __future__ import annotations

import logging
import os
import pickle
import select
import time
from collections.abc import Callable
from typing import Any

__all__ = ["Forked", "default_processes", "one_blas_thread"]

logger = logging.getLogger(__name__)

#: Seconds between checks while waiting for the fork's result: a timeout aimed at the
#: waiting thread (:func:`voc.budgets.run_with_budget`) lands within this.
_WAIT = 0.05


def default_processes(variable: str) -> int:
    """2 when this process may use two cores or more and can fork, else 1; the
    environment ``variable`` (e.g. ``VOC_KEYWORD_PROCESSES=1``) overrides."""
    wanted = os.environ.get(variable)
    if wanted:
        return max(1, int(wanted))
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return 2 if cores >= 2 and hasattr(os, "fork") else 1


def one_blas_thread() -> Any:
    """A context in which numpy's matrix products use one thread (a fork started in it
    too): while this process and a fork each keep a core busy, a product that wakes a
    second BLAS thread only waits for a core (a 40 x 512 by 512 x 52 product took
    35 ms so on a loaded 2-core machine, 0.05 ms on one thread). The products split their
    rows between threads, so each value is the same either way."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


class Forked:
    """``function()`` started in a forked copy of this process; :meth:`result` waits for
    it (in short waits, so that a timeout aimed at the waiting thread lands) and returns
    its value, or raises what it raised.

    Start it, do the other work here, then call :meth:`result` once (or :meth:`cancel`
    when that work failed). ``seconds`` is the call's wall time (in the fork, or here when
    it ran here).
    """

    def __init__(self, function: Callable[[], Any]) -> None:
        self.function = function
        self.seconds = 0.0
        self._child = -1
        self._read = -1
        read_end, write_end = os.pipe()
        try:
            child = os.fork()
        except OSError as e:
            os.close(read_end)
            os.close(write_end)
            logger.debug("running in this process: cannot fork (%s)", e)
            return
        if child == 0:  # pragma: no cover - the forked copy (tested through its result)
            code = 1
            try:
                os.close(read_end)
                started = time.perf_counter()
                try:
                    outcome: tuple[bool, Any] = (True, function())
                except Exception as e:  # raised again by result(), in the caller
                    outcome = (False, e)
                data = pickle.dumps(
                    (outcome, time.perf_counter() - started), protocol=pickle.HIGHEST_PROTOCOL
                )
                with os.fdopen(write_end, "wb") as out:
                    out.write(data)
                code = 0
            finally:
                os._exit(code)
        os.close(write_end)
        self._child, self._read = child, read_end

    def result(self) -> Any:
        """The function's value (computed here when the fork failed)."""
        if self._child < 0:
            return self._here()
        chunks: list[bytes] = []
        # poll, not select: a long-running process may hold descriptors past select's 1024.
        waiting = select.poll()
        waiting.register(self._read, select.POLLIN | select.POLLHUP)
        try:
            while True:
                if not waiting.poll(_WAIT * 1000):
                    continue
                chunk = os.read(self._read, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
            os.close(self._read)
            self._read = -1
            _, status = os.waitpid(self._child, 0)
        except BaseException:
            # A timeout (or Ctrl-C) while waiting: the copy's work is no longer wanted.
            self._abandon()
            raise
        self._child = -1
        outcome = None
        if status == 0:
            try:
                outcome, self.seconds = pickle.loads(b"".join(chunks))
            except Exception as e:  # a cut-off pipe: do it here
                logger.debug("the forked process's result was unreadable (%s)", e)
        if outcome is None:
            return self._here()
        ok, value = outcome
        if not ok:
            raise value
        return value

    def _here(self) -> Any:
        started = time.perf_counter()
        value = self.function()
        self.seconds = time.perf_counter() - started
        return value

    def cancel(self) -> None:
        """Stop the fork and forget its result (nothing once :meth:`result` returned):
        for a caller whose own work failed before it asked for the result."""
        self._abandon()

    def _abandon(self) -> None:
        if self._read >= 0:
            os.close(self._read)
            self._read = -1
        if self._child > 0:
            try:
                os.kill(self._child, 9)
                os.waitpid(self._child, 0)
            except OSError:  # already gone
                pass
            self._child = -1
