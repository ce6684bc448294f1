"""voc.forked: a call in a forked copy of this process gives what it gives here, whatever
happens to the copy."""

from __future__ import annotations

import os
import signal
import time

import pytest

from voc import forked
from voc.forked import Forked, Worker, current_worker, default_processes, serving, share, shared


def _pid_and_squares(n: int) -> tuple[int, list[int]]:
    return os.getpid(), [i * i for i in range(n)]


def test_the_call_runs_in_another_process_and_its_value_comes_back() -> None:
    call = Forked(lambda: _pid_and_squares(50_000))
    pid, squares = call.result()
    assert pid != os.getpid()  # really forked
    assert squares == _pid_and_squares(50_000)[1]  # more than a pipe's buffer, whole
    assert call.seconds > 0


def test_an_error_in_the_fork_is_raised_in_the_caller() -> None:
    def fail() -> None:
        raise ValueError("bad input 7")

    call = Forked(fail)
    with pytest.raises(ValueError, match="bad input 7"):
        call.result()


def test_without_a_fork_the_call_runs_here(monkeypatch) -> None:
    def no_fork() -> int:
        raise OSError("Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    pid, squares = Forked(lambda: _pid_and_squares(10)).result()
    assert pid == os.getpid()
    assert squares == [i * i for i in range(10)]


def test_a_killed_fork_is_done_again_here() -> None:
    def slow() -> tuple[int, list[int]]:
        time.sleep(30)
        return _pid_and_squares(10)

    call = Forked(slow)
    os.kill(call._child, signal.SIGKILL)
    started = time.perf_counter()
    # Here, the call sleeps too: check the result without waiting 30 s.
    call.function = lambda: _pid_and_squares(10)
    pid, squares = call.result()
    assert pid == os.getpid() and squares == [i * i for i in range(10)]
    assert time.perf_counter() - started < 10


def test_cancel_stops_the_fork() -> None:
    call = Forked(lambda: time.sleep(30))
    child = call._child
    call.cancel()
    with pytest.raises(ChildProcessError):
        os.waitpid(child, os.WNOHANG)  # reaped: no zombie left behind
    call.cancel()  # twice is harmless


def test_the_environment_chooses_one_process(monkeypatch) -> None:
    monkeypatch.setenv("VOC_TEST_PROCESSES", "1")
    assert default_processes("VOC_TEST_PROCESSES") == 1
    monkeypatch.delenv("VOC_TEST_PROCESSES")
    assert default_processes("VOC_TEST_PROCESSES") in (1, 2)


def test_a_timeout_while_waiting_stops_the_fork() -> None:
    from voc.budgets import AnalysisTimeout, run_with_budget

    call = Forked(lambda: time.sleep(30))
    child = call._child
    started = time.perf_counter()
    with pytest.raises(AnalysisTimeout):
        run_with_budget(call.result, 0.3)
    assert time.perf_counter() - started < 5
    with pytest.raises(ChildProcessError):
        os.waitpid(child, os.WNOHANG)  # killed and reaped


# -- a worker forked once -----------------------------------------------------------------


class _Box:
    def __init__(self, value: int) -> None:
        self.value = value


def _pid_and_value(key: int, n: int) -> tuple[int, list[int]]:
    return os.getpid(), [shared(key).value * i for i in range(n)]


def _fail(message: str) -> None:
    raise ValueError(message)


def _sleep_then_pid(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def _reaped(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def test_a_worker_is_forked_once_and_serves_every_call() -> None:
    box = _Box(3)
    key = share(box)
    assert share(box) == key
    worker = Worker()
    try:
        pids = set()
        for _ in range(3):
            call = worker.call(_pid_and_value, key, 50_000)
            pid, values = call.result()
            pids.add(pid)
            assert values == [3 * i for i in range(50_000)]  # more than a pipe's buffer, whole
            assert call.seconds > 0
        assert len(pids) == 1 and os.getpid() not in pids  # one copy, really forked
        assert worker.forks == 1
        with pytest.raises(ValueError, match="bad input 8"):
            worker.call(_fail, "bad input 8").result()
        assert worker.call(_pid_and_value, key, 2).result()[0] in pids  # still serving
    finally:
        worker.close()
    assert _reaped(next(iter(pids)))


def test_an_object_shared_after_the_fork_is_done_here_then_in_a_new_copy() -> None:
    kept = _Box(1)  # shared objects are held weakly
    first = share(kept)
    worker = Worker()
    try:
        worker.call(_pid_and_value, first, 1).result()
        late = _Box(5)
        key = share(late)
        pid, values = worker.call(_pid_and_value, key, 3).result()
        assert pid == os.getpid() and values == [0, 5, 10]  # the copy had not got it
        pid, values = worker.call(_pid_and_value, key, 3).result()
        assert pid != os.getpid() and values == [0, 5, 10]
        assert worker.forks == 2
    finally:
        worker.close()


def test_a_killed_worker_is_done_again_here_and_the_next_call_forks_again() -> None:
    worker = Worker()
    try:
        call = worker.call(_sleep_then_pid, 30)
        os.kill(worker._child, signal.SIGKILL)
        started = time.perf_counter()
        call.args = (0,)  # here, the call would sleep too: check it without waiting 30 s
        assert call.result() == os.getpid()
        assert time.perf_counter() - started < 10
        assert worker.call(_sleep_then_pid, 0).result() != os.getpid()
        assert worker.forks == 2
    finally:
        worker.close()


def test_a_worker_that_cannot_fork_runs_the_call_here(monkeypatch) -> None:
    def no_fork() -> int:
        raise OSError("Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    worker = Worker()
    box = _Box(2)
    assert worker.call(_pid_and_value, share(box), 3).result() == (os.getpid(), [0, 2, 4])
    worker.close()


def test_cancel_and_a_timeout_stop_the_worker() -> None:
    from voc.budgets import AnalysisTimeout, run_with_budget

    worker = Worker()
    try:
        call = worker.call(_sleep_then_pid, 30)
        child = worker._child
        call.cancel()
        assert _reaped(child)
        call.cancel()  # twice is harmless
        call = worker.call(_sleep_then_pid, 30)
        child = worker._child
        started = time.perf_counter()
        with pytest.raises(AnalysisTimeout):
            run_with_budget(call.result, 0.3)
        assert time.perf_counter() - started < 5
        assert _reaped(child)
        assert worker.call(_sleep_then_pid, 0).result() not in (os.getpid(), child)
    finally:
        worker.close()


def test_a_second_call_while_one_is_out_gets_a_fork_of_its_own() -> None:
    worker = Worker()
    try:
        first = worker.call(_sleep_then_pid, 0.2)
        second = worker.call(_sleep_then_pid, 0)
        assert isinstance(second, Forked)
        assert {first.result(), second.result()}.isdisjoint({os.getpid()})
    finally:
        worker.close()


def test_serving_gives_one_worker_to_the_block_and_stops_it_after() -> None:
    assert current_worker() is None
    with serving() as worker:
        assert worker is not None and current_worker() is worker
        with serving() as inner:
            assert inner is worker  # a block inside shares it
        assert current_worker() is worker
        child_pid = worker.call(_sleep_then_pid, 0).result()
        # Neither the copy nor any other fork of the owner sees it as theirs.
        assert Forked(lambda: current_worker() is None).result() is True
        assert worker.call(_no_current_worker).result() is True
    assert current_worker() is None and forked._current is None
    assert _reaped(child_pid)


def _no_current_worker() -> bool:
    return current_worker() is None
