"""A call run in a forked copy of this process, beside work done here: two cores for two
pieces of Python that would share one under the GIL.

The fork shares everything already loaded (models, taxonomy, the inputs: nothing is
loaded or copied again) and sends its result back pickled through a pipe. When the fork
cannot start, or its result does not come back whole (the copy was killed, the pipe cut
off), the call runs here instead: the result is the same either way, only slower.

Used by :meth:`voc.analysis.Analyzer.analyze` (touchpoints beside sentiment) and
:class:`voc.topics.tokens.KeywordTokenizer` (half a topic fit's keyword tagging).

Inside :func:`serving` (``voc enrich`` runs in it) those calls go to one :class:`Worker`
instead, a copy forked once and fed call after call through a pipe: every fork makes the
process's pages copy-on-write, and each process's first write to each page then faults,
so a fork per batch pays that again and again (a 5,000-row file: six forks).
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import logging
import os
import pickle
import select
import struct
import time
import weakref
from collections.abc import Callable, Iterator
from typing import Any, ParamSpec, TypeVar

__all__ = [
    "Forked",
    "Worker",
    "current_worker",
    "default_processes",
    "one_blas_thread",
    "serving",
    "share",
    "shared",
]

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


_P = ParamSpec("_P")
_R = TypeVar("_R")


def on_one_blas_thread(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """``function`` called in :func:`one_blas_thread` (a decorator)."""

    @functools.wraps(function)
    def call(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with one_blas_thread():
            return function(*args, **kwargs)

    return call


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
            _stop(self._child)
            self._child = -1


# -- one copy forked once, fed call after call ------------------------------------------

#: Objects that calls sent to a :class:`Worker` name by key (:func:`share`); the copy has
#: those shared before it was forked.
_SHARED: weakref.WeakValueDictionary[int, Any] = weakref.WeakValueDictionary()
_KEYS = itertools.count(1)
_HEADER = struct.Struct("<Q")
_current: Worker | None = None


class NotShared(LookupError):
    """A call named an object shared after its worker was forked (the copy has not got it)."""


def share(obj: Any) -> int:
    """A key by which a call sent to a :class:`Worker` finds ``obj`` (:func:`shared`), in
    this process and in a worker forked after this. Held weakly; the same key each time."""
    key: int | None = obj.__dict__.get("_forked_key")
    if key is None or _SHARED.get(key) is not obj:
        key = next(_KEYS)
        obj.__dict__["_forked_key"] = key
        _SHARED[key] = obj
    return key


def shared(key: int) -> Any:
    """The object :func:`share` gave ``key`` (raises :class:`NotShared` in a copy forked
    before it was shared)."""
    obj = _SHARED.get(key)
    if obj is None:
        raise NotShared(key)
    return obj


@contextlib.contextmanager
def serving() -> Iterator[Worker | None]:
    """A block in which :func:`current_worker` is one :class:`Worker` (forked on its first
    call, so after the models are loaded), stopped at the end; a block inside another
    shares its worker. None where this system cannot fork."""
    global _current
    if _current is not None and _current.owner == os.getpid():
        yield _current
        return
    if not hasattr(os, "fork"):
        yield None
        return
    worker = _current = Worker()
    try:
        yield worker
    finally:
        _current = None
        worker.close()


def current_worker() -> Worker | None:
    """The worker of the :func:`serving` block this process is in (never in the copy
    itself, nor in any other fork of its owner), else None."""
    worker = _current
    return worker if worker is not None and worker.owner == os.getpid() else None


class Worker:
    """A copy of this process, forked on the first :meth:`call` and kept: it runs the calls
    sent to it one at a time, each ``function(*args)`` with a module-level ``function``
    (sent by name) and picklable ``args`` (objects that existed at the fork travel as a
    :func:`share` key). A call whose copy cannot start, dies, or lacks a shared object
    runs here instead (and the next call forks a new copy): the same result either way.
    """

    def __init__(self) -> None:
        self.owner = os.getpid()
        #: Copies forked so far (one, unless one died or lacked a shared object).
        self.forks = 0
        self._child = -1
        self._requests = -1
        self._replies = -1
        self._busy = False

    def call(self, function: Callable[..., Any], *args: Any) -> WorkerCall | Forked:
        """``function(*args)`` started in the copy (forked now if none is running);
        ``result()`` waits for it. While another call is out, a :class:`Forked` of its own."""
        if self._busy:
            return Forked(lambda: function(*args))
        return WorkerCall(self, function, args)

    def _send(self, function: Callable[..., Any], args: tuple[Any, ...]) -> bool:
        """Sends a call to the copy (forking it first when needed); False when it cannot."""
        if self._child < 0 and not self._start():
            return False
        data = pickle.dumps((function, args), protocol=pickle.HIGHEST_PROTOCOL)
        try:
            _write_all(self._requests, _HEADER.pack(len(data)) + data)
        except OSError as e:  # the copy is gone
            logger.debug("the worker process took no call (%s)", e)
            self.close()
            return False
        self._busy = True
        return True

    def _start(self) -> bool:
        requests_read, requests_write = os.pipe()
        replies_read, replies_write = os.pipe()
        try:
            child = os.fork()
        except OSError as e:
            for end in (requests_read, requests_write, replies_read, replies_write):
                os.close(end)
            logger.debug("running calls in this process: cannot fork (%s)", e)
            return False
        if child == 0:  # pragma: no cover - the copy (tested through its results)
            code = 1
            try:
                os.close(requests_write)
                os.close(replies_read)
                _serve(requests_read, replies_write)
                code = 0
            finally:
                os._exit(code)
        os.close(requests_read)
        os.close(replies_write)
        self._child, self._requests, self._replies = child, requests_write, replies_read
        self.forks += 1
        return True

    def _receive(self) -> tuple[tuple[bool, Any], float] | None:
        """The reply to the call out (waiting in short waits, so that a timeout aimed at
        the waiting thread lands), or None when the copy died without one."""
        waiting = select.poll()
        waiting.register(self._replies, select.POLLIN | select.POLLHUP)
        data = bytearray()
        size: int | None = None
        try:
            while size is None or len(data) < _HEADER.size + size:
                if not waiting.poll(_WAIT * 1000):
                    continue
                chunk = os.read(self._replies, 1 << 20)
                if not chunk:
                    self.close()
                    return None
                data += chunk
                if size is None and len(data) >= _HEADER.size:
                    (size,) = _HEADER.unpack_from(data)
        except BaseException:
            # A timeout (or Ctrl-C) while waiting: the copy is busy with a call no longer
            # wanted; the next call forks a fresh one.
            self.close()
            raise
        self._busy = False
        try:
            reply: tuple[tuple[bool, Any], float] = pickle.loads(bytes(data[_HEADER.size :]))
        except Exception as e:  # pragma: no cover - a reply it could not have written
            logger.debug("the worker process's reply was unreadable (%s)", e)
            self.close()
            return None
        return reply

    def close(self) -> None:
        """Stops the copy (if any); a later call forks a new one."""
        for end in (self._requests, self._replies):
            if end >= 0:
                os.close(end)
        self._requests = self._replies = -1
        if self._child > 0:
            _stop(self._child)
        self._child = -1
        self._busy = False


class WorkerCall:
    """One call sent to a :class:`Worker`: :meth:`result` and :meth:`cancel` as
    :class:`Forked`'s; ``seconds`` is its wall time (in the copy, or here)."""

    def __init__(self, worker: Worker, function: Callable[..., Any], args: tuple[Any, ...]):
        self.worker = worker
        self.function = function
        self.args = args
        self.seconds = 0.0
        self._out = worker._send(function, args)

    def result(self) -> Any:
        """The function's value (computed here when the copy could not do it)."""
        if not self._out:
            return self._here()
        self._out = False
        reply = self.worker._receive()
        if reply is None:
            return self._here()
        (ok, value), self.seconds = reply
        if ok:
            return value
        if isinstance(value, NotShared):
            logger.debug("the worker process was forked before object %s was shared", value)
            self.worker.close()  # the next call forks a copy that has it
            return self._here()
        raise value

    def _here(self) -> Any:
        started = time.perf_counter()
        value = self.function(*self.args)
        self.seconds = time.perf_counter() - started
        return value

    def cancel(self) -> None:
        """Stops the copy while it runs this call (nothing once :meth:`result` returned)."""
        if self._out:
            self._out = False
            self.worker.close()


def _stop(child: int) -> None:
    """Kill a forked copy and reap it (no zombie left behind)."""
    try:
        os.kill(child, 9)
        os.waitpid(child, 0)
    except OSError:  # already gone
        pass


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _serve(requests_fd: int, replies_fd: int) -> None:  # pragma: no cover - in the copy
    """The copy's loop: read a call, run it, send back ``((ok, value), seconds)``; until
    the owner closes its end."""
    global _current
    _current = None  # calls made here run here (or fork copies of their own)
    with os.fdopen(requests_fd, "rb") as requests, os.fdopen(replies_fd, "wb") as replies:
        while True:
            header = requests.read(_HEADER.size)
            if len(header) < _HEADER.size:
                return
            (size,) = _HEADER.unpack(header)
            function, args = pickle.loads(requests.read(size))
            started = time.perf_counter()
            try:
                outcome: tuple[bool, Any] = (True, function(*args))
            except Exception as e:  # raised again by WorkerCall.result, in the owner
                outcome = (False, e)
            data = pickle.dumps(
                (outcome, time.perf_counter() - started), protocol=pickle.HIGHEST_PROTOCOL
            )
            replies.write(_HEADER.pack(len(data)) + data)
            replies.flush()
