"""voc.forked: a call in a forked copy of this process gives what it gives here, whatever
happens to the copy."""

from __future__ import annotations

import os
import signal
import time

import pytest

from voc.forked import Forked, default_processes


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
