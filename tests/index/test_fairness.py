"""The fair gate: at most ``slots`` threads inside, the rest admitted in arrival order (a plain
semaphore lets a releasing thread barge back in ahead of older waiters)."""

from __future__ import annotations

import threading
import time

import pytest

from index.fairness import FairGate, default_slots


def _wait_until(condition: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_waiters_enter_in_arrival_order_and_a_leaver_cannot_barge() -> None:
    gate = FairGate(1)
    order: list[int] = []
    release, entered = threading.Event(), threading.Event()

    def holder() -> None:
        with gate:
            entered.set()
            release.wait(10)
        with gate:  # straight back in line: behind everyone already waiting
            order.append(0)

    def waiter(n: int) -> None:
        with gate:
            order.append(n)

    first = threading.Thread(target=holder)
    first.start()
    assert entered.wait(10)
    threads = []
    for n in range(1, 6):
        thread = threading.Thread(target=waiter, args=(n,))
        thread.start()
        _wait_until(lambda n=n: gate.waiting == n)  # queued before the next one arrives
        threads.append(thread)
    release.set()
    for thread in [first, *threads]:
        thread.join(10)
    assert order == [1, 2, 3, 4, 5, 0]


def test_no_more_than_the_slots_are_inside_at_once() -> None:
    gate = FairGate(2)
    inside, most = 0, 0
    lock = threading.Lock()

    def work() -> None:
        nonlocal inside, most
        for _ in range(20):
            with gate:
                with lock:
                    inside += 1
                    most = max(most, inside)
                time.sleep(0.001)
                with lock:
                    inside -= 1

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert most == 2 and inside == 0 and gate.waiting == 0


def test_an_error_inside_frees_the_slot() -> None:
    gate = FairGate(1)
    with pytest.raises(RuntimeError), gate:
        raise RuntimeError("search failed")
    with gate:  # would block forever if the slot were lost
        pass
    assert default_slots() >= 1
    with pytest.raises(ValueError):
        FairGate(0)
