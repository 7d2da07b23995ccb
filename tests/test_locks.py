"""The archive's locks: one holder at a time among threads and processes, and a forked
child never stuck behind a gate its parent's thread held."""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.errors import BusyError
from pipeline.locks import hold, try_hold


def test_threads_hold_the_lock_one_at_a_time(tmp_path: Path) -> None:
    path = tmp_path / ".locks" / "po-1.lock"
    inside, most, order = [0], [0], []
    guard = threading.Lock()

    def work(n: int) -> None:
        for _ in range(20):
            with hold(path, "order PO-1", 30):
                with guard:
                    inside[0] += 1
                    most[0] = max(most[0], inside[0])
                order.append(n)
                with guard:
                    inside[0] -= 1

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most[0] == 1
    assert sorted(order) == sorted(n for n in range(8) for _ in range(20))


def test_a_held_lock_is_refused_to_others_until_let_go(tmp_path: Path) -> None:
    path = tmp_path / ".locks" / "po-1.lock"
    held: list[str] = []
    with hold(path, "order PO-1", 5):
        assert try_hold(path) is None  # still held: another holder is refused
        with pytest.raises(BusyError, match="order PO-1 is locked"):
            _in_thread(lambda: _hold_briefly(path, 0.2, held))
        assert held == []
    _in_thread(lambda: _hold_briefly(path, 5, held))  # let go: the other thread takes it
    assert held == ["order PO-1"]
    taken = try_hold(path)
    assert taken is not None
    taken.release()


def _hold_briefly(path: Path, timeout: float, held: list[str]) -> None:
    with hold(path, "order PO-1", timeout):
        held.append("order PO-1")


def _in_thread(fn: Callable[[], None]) -> None:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            fn()
        except BaseException as exc:
            errors.append(exc)

    t = threading.Thread(target=run)
    t.start()
    t.join()
    if errors:
        raise errors[0]


def _child(path: str, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    queue.put("trying")
    try:
        with hold(Path(path), "order PO-1", 20):
            queue.put("held")
    except BusyError as exc:
        queue.put(str(exc))


def test_a_forked_child_is_not_stuck_behind_its_parents_gate(tmp_path: Path) -> None:
    """Another thread of the parent holds PO-1 when the child is forked; the child waits
    for it and takes it once the parent lets go (its copy of the parent's gate, shut at the
    fork, would keep it out until its time ran out)."""
    path = tmp_path / ".locks" / "po-1.lock"
    taken, release = threading.Event(), threading.Event()

    def holder() -> None:
        with hold(path, "order PO-1", 5):
            taken.set()
            release.wait(30)

    t = threading.Thread(target=holder)
    t.start()
    taken.wait(30)
    fork = multiprocessing.get_context("fork")
    queue: multiprocessing.Queue = fork.Queue()  # type: ignore[type-arg]
    child = fork.Process(target=_child, args=(str(path), queue))
    child.start()
    assert queue.get(timeout=60) == "trying"
    release.set()
    t.join()
    assert queue.get(timeout=60) == "held"
    child.join(60)


def test_each_hold_learns_the_token_of_the_one_before(tmp_path: Path) -> None:
    path = tmp_path / "order.lock"
    with hold(path, "the order", 5) as first:
        assert first is not None and first[0] == ""  # no one held it before
    with hold(path, "the order", 5) as second:
        assert second is not None and second[0] == first[1] != second[1]
    other = try_hold(path)  # recovery's way of holding it is a turn too
    assert other is not None
    other.release()
    with hold(path, "the order", 5) as third:
        assert third is not None and third[0] not in (first[1], second[1])


def test_a_turn_is_written_in_place_over_a_longer_one_and_read_whole(tmp_path: Path) -> None:
    """The token is written over the one before without truncating the file (ext4 flushes
    a truncated and rewritten file on close); a shorter token must not keep the tail of a
    longer one."""
    path = tmp_path / "order.lock"
    beside = tmp_path / "order.lock.turn"
    beside.write_text("9999999.123456789012.abcdef01", encoding="ascii")  # an earlier holder
    inode = beside.stat().st_ino
    with hold(path, "the order", 5) as first:
        assert first is not None and first[0] == "9999999.123456789012.abcdef01"
    with hold(path, "the order", 5) as second:
        assert second is not None and second[0] == first[1]
    assert beside.read_text(encoding="ascii").strip() == second[1]
    assert beside.stat().st_ino == inode
