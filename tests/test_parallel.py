"""Several things at once: children that run side by side under the limits, documents
drawn in children of their own, factory PDFs read ahead of their turn."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

from pipeline.config import Documents, Limits, Settings
from pipeline.desk import Desk
from pipeline.errors import InputError, LimitError
from pipeline.recipes.factory import read_ahead
from pipeline.sandbox import Child, ChildFailure, Steps, reap, run_all, workers
from pipeline.workspace import Workspace
from tests.conftest import TRUSTING, copy_example, documents, pdf_text, text_pdf


def _job(n: int) -> tuple[int, int]:
    if n == 3:
        raise InputError("three is refused", hint="any other number")
    if n == 4:
        time.sleep(30)
    if n == 5:
        raise KeyError("ours")
    return n * n, os.getpid()


def test_run_all_keeps_the_order_and_each_jobs_own_outcome() -> None:
    jobs = [(n,) for n in (0, 1, 2, 3, 4, 5, 6)]
    start = time.monotonic()
    results = run_all(_job, jobs, at_once=3, seconds=2, memory_mb=512,
                      what=lambda n: f"job {n}")
    assert time.monotonic() - start < 25  # the sleeper was stopped at its limit
    squares = [r[0] if isinstance(r, tuple) else type(r).__name__ for r in results]
    assert squares == [0, 1, 4, "InputError", "LimitError", "ChildFailure", 36]
    assert "job 4" in str(results[4]) and "still not done" in str(results[4])
    assert isinstance(results[5], ChildFailure) and "KeyError" in results[5].detail
    pids = {r[1] for r in results if isinstance(r, tuple)}
    assert os.getpid() not in pids  # each in a child


def test_one_at_a_time_runs_here() -> None:
    results = run_all(_job, [(2,), (3,)], at_once=1, seconds=1, memory_mb=1,
                      what=str)
    assert results[0] == (4, os.getpid())
    assert isinstance(results[1], InputError)


def test_a_child_whose_result_is_not_wanted_is_stopped() -> None:
    child = Child(time.sleep, (60,), seconds=120, memory_mb=256, what="sleeper")
    start = time.monotonic()
    child.cancel()
    assert time.monotonic() - start < 5
    reap(wait=True)
    with pytest.raises(ProcessLookupError):
        os.kill(child.pid, 0)  # reaped, not a zombie


def test_a_child_that_finished_long_ago_is_not_killed_for_its_time() -> None:
    child = Child(_job, (7,), seconds=0.5, memory_mb=256, what="quick")
    time.sleep(1.5)  # the parent was busy past the child's deadline
    assert child.result()[0] == 49


def test_a_child_over_its_time_is_stopped() -> None:
    with pytest.raises(LimitError, match="still not done"):
        Child(_job, (4,), seconds=0.5, memory_mb=256, what="sleeper").result()


def test_workers_follow_the_setting_or_the_processors() -> None:
    assert workers(3) == 3
    assert workers(0) == len(os.sched_getaffinity(0))


def _desk(root: Path, at_once: int) -> Desk:
    workspace = Workspace(root)
    workspace.ensure_folders()
    settings = Settings(
        approval=TRUSTING, documents=Documents(on_order=["quotation", "sales_contract",
                                                      "production_order", "packing_list"],
                                            word_to_pdf=False),
                        limits=Limits(workers=at_once))
    return Desk(workspace, settings)


def test_documents_drawn_side_by_side_are_the_documents_drawn_one_by_one(
        tmp_path: Path) -> None:
    made = {}
    for at_once in (1, 2):
        desk = _desk(tmp_path / f"ws{at_once}", at_once)
        copy_example(desk.workspace, "PO-2026-0042.yaml")  # three factories
        assert [o.status for o in desk.run_once()] == ["archived"]
        files = [d for d in documents(desk, "PO-2026-0042") if d["kind"] == "generated"]
        made[at_once] = {d["file"]: pdf_text(desk.store.root / d["path"])
                         if d["file"].endswith(".pdf") else None for d in files}
    assert made[1] == made[2]
    orders = [f for f in made[2] if "production_order" in f and f.endswith(".pdf")]
    assert len(orders) == 3  # one per factory
    assert all("PO-2026-0042" in "".join(made[2][f] or []) for f in orders)


def test_a_file_read_ahead_and_then_replaced_is_read_again(tmp_path: Path) -> None:
    desk = _desk(tmp_path / "ws", 2)
    copy_example(desk.workspace, "PO-2026-0042.yaml")
    desk.run_once()
    inbox = desk.workspace.inbox
    first = text_pdf(inbox / "PO-2026-0042_packing-list.pdf", "装箱单 PACKING LIST old copy")
    second = text_pdf(inbox / "PO-2026-0042_invoice.pdf", "发票 COMMERCIAL INVOICE")
    read_ahead(desk, first)
    read_ahead(desk, second)
    assert set(desk.ahead) == {first, second}
    replacement = text_pdf(tmp_path / "new.pdf", "装箱单 PACKING LIST corrected copy")
    os.replace(replacement, first)  # the factory sent a corrected copy meanwhile
    outcomes = [desk.process(first), desk.process(second)]
    assert [o.status for o in outcomes] == ["archived", "archived"]
    assert desk.ahead == {}
    with desk.store.open("PO-2026-0042") as record:
        texts = ["".join(record.text(d["sha256"]) or []) for d in record.documents
                 if d["kind"] == "original"]
    assert any("corrected copy" in t for t in texts)
    assert not any("old copy" in t for t in texts)
    assert any("COMMERCIAL INVOICE" in t for t in texts)


def test_a_run_reads_ahead_and_leaves_no_child_behind(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    scratch = tmp_path / "tmp"  # the temp folder, where a child read ahead works
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    desk = _desk(tmp_path / "ws", 2)
    copy_example(desk.workspace, "PO-2026-0042.yaml")
    desk.run_once()
    before = _children()
    for n in range(4):
        text_pdf(desk.workspace.inbox / f"PO-2026-0042_packing-list-{n}.pdf",
                 f"装箱单 PACKING LIST number {n}")
    (desk.workspace.inbox / "PO-2026-0042_broken.pdf").write_bytes(b"%PDF-1.7\nbroken")
    text_pdf(desk.workspace.inbox / "a-letter.pdf", "Dear Sir, no order here")  # read, not filed
    shutil.copyfile(desk.workspace.inbox / "PO-2026-0042_packing-list-0.pdf",
                    desk.workspace.inbox / "PO-2026-0042_packing-list-again.pdf")
    outcomes = {o.file: o.status for o in desk.run_once()}
    assert outcomes == {**{f"PO-2026-0042_packing-list-{n}.pdf": "archived" for n in range(4)},
                        "PO-2026-0042_broken.pdf": "rejected", "a-letter.pdf": "unmatched",
                        "PO-2026-0042_packing-list-again.pdf": "duplicate"}
    assert desk.ahead == {}
    assert _children() <= before  # every child was reaped
    assert list(scratch.iterdir()) == []  # and no folder of theirs left in the temp folder


def test_a_factory_file_on_its_own_is_read_and_stamped_by_one_child(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Not read ahead (the watcher's file, `gendan assign`): one child opens it, reads it
    and, told what to stamp, stamps it; not a second child forked to open it again."""
    import gc

    desk = _desk(tmp_path / "ws", 2)
    copy_example(desk.workspace, "PO-2026-0042.yaml")
    desk.run_once()
    assert gc.get_freeze_count() > 0  # what the desk held once it filed a file: put aside
    forks: list[int] = []
    real = os.fork

    def counted() -> int:
        forks.append(1)
        return real()

    monkeypatch.setattr(os, "fork", counted)
    path = text_pdf(desk.workspace.inbox / "PO-2026-0042_packing-list.pdf",
                    "装箱单 PACKING LIST read once")
    outcome = desk.process(path)
    assert outcome.status == "archived" and len(forks) == 1
    with desk.store.open("PO-2026-0042") as record:
        [stamped] = [d for d in record.documents if d["kind"] == "stamped"]
        text = "".join(pdf_text(desk.store.root / stamped["path"]))
        assert "read once" in text and "PO-2026-0042" in text  # the page and our stamp
        [original] = [d for d in record.documents if d["kind"] == "original"
                      and d["doc_type"] == "packing_list"]
        assert "read once" in "".join(record.text(original["sha256"]) or [])


def _children() -> set[int]:
    """This process's children (alive or not yet reaped)."""
    found: set[int] = set()
    for task in Path("/proc/self/task").iterdir():
        found |= {int(pid) for pid in (task / "children").read_text().split()}
    return found


def _two_steps(n: int) -> Any:
    told = yield n * 10
    if told == "boom":
        raise InputError("told to fail", hint="do not")
    yield (told, os.getpid())


def test_a_task_in_steps_keeps_its_child_between_them() -> None:
    child = Steps(_two_steps, (4,), seconds=5, memory_mb=256, what="steps")
    assert child.result() == 40
    told, pid = child.reply("stamp")
    assert told == "stamp" and pid == child.pid != os.getpid()
    reap(wait=True)
    with pytest.raises(ProcessLookupError):
        os.kill(child.pid, 0)  # it ended after its last step, and was reaped
    failing = Steps(_two_steps, (1,), seconds=5, memory_mb=256, what="steps")
    assert failing.result() == 10
    with pytest.raises(InputError, match="told to fail"):
        failing.reply("boom")
    waiting = Steps(_two_steps, (2,), seconds=5, memory_mb=256, what="steps")
    assert waiting.result() == 20
    waiting.cancel()  # not told anything: stopped
    reap(wait=True)
    with pytest.raises(ProcessLookupError):
        os.kill(waiting.pid, 0)


def test_the_documents_with_the_most_lines_start_first_one_without_lines_here(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A long order keeps no processor waiting at the end: this process draws a document
    that lists no items (WeasyPrint and the fonts are then loaded for every child), and
    the children start with the documents that list every item, then each factory's
    production order by its share of the lines. What is made is the same."""
    calls: list[list[str]] = []

    def recorded(task: Any, jobs: list[tuple[Any, ...]], **kwargs: Any) -> Any:
        calls.append([job[0].key + (f"@{job[5]}" if job[5] else "") for job in jobs])
        return run_all(task, jobs, **kwargs)

    monkeypatch.setattr("pipeline.documents.run_all", recorded)
    workspace = Workspace(tmp_path / "ws")
    workspace.ensure_folders()
    desk = Desk(workspace, Settings(approval=TRUSTING, documents=Documents(
        on_order=["production_order", "registration_sheet", "quotation", "packing_list"],
        word_to_pdf=False), limits=Limits(workers=2)))
    copy_example(workspace, "PO-2026-0042.yaml")  # 4 items: 2, 1 and 1 from three factories
    [outcome] = desk.run_once()
    assert outcome.status == "archived", outcome.problems
    assert calls == [["registration_sheet"],
                     ["quotation", "packing_list", "production_order@宁波绿源电器有限公司",
                      "production_order@余姚金鹰塑料制品厂",
                      "production_order@阳江利刃五金有限公司"]]
    made = [d for d in documents(desk, "PO-2026-0042") if d["kind"] == "generated"]
    assert len(made) == 6
    assert all("PO-2026-0042" in "".join(pdf_text(desk.store.root / d["path"])) for d in made)


def test_what_a_template_draws_is_read_from_it_and_what_it_includes(tmp_path: Path) -> None:
    """Whether a template lists the order's items, through what it extends and includes; a
    template that cannot be read, or that names what it includes only when it runs, is
    taken to list them (the guess only orders the work; its error is told when drawn)."""
    from pipeline.render.html import drawn_lines

    own = tmp_path / "templates"
    (own / "partials").mkdir(parents=True)
    files = {
        "partials/rows.html": "{% for item in items %}<tr><td>{{ item.model }}</td></tr>"
                              "{% endfor %}",
        "page.html": "<html><body>{% block body %}{% endblock %}</body></html>",
        "listed.html": '{% extends "page.html" %}{% block body %}'
                       '{% include "partials/rows.html" %}{% endblock %}',
        "plain.html": '{% extends "page.html" %}{% block body %}{{ order.order_no }}'
                      "{% endblock %}",
        "chosen.html": "{% include which %}",
        "broken.html": "{{ 'unclosed }}",
        "missing.html": '{% include "nowhere.html" %}',
        "loop.html": '{% include "loop.html" %}{{ order.order_no }}',
    }
    for name, text in files.items():
        (own / name).write_text(text, encoding="utf-8")
    lines = {name: drawn_lines(name, [own], 7) for name in files if "/" not in name}
    assert lines == {"page.html": 0, "listed.html": 7, "plain.html": 0, "chosen.html": 7,
                     "broken.html": 7, "missing.html": 7, "loop.html": 0}
    (own / "plain.html").write_text('{% extends "page.html" %}{% block body %}'
                                    '{% include "partials/rows.html" %}{% endblock %}',
                                    encoding="utf-8")  # changed while the process runs
    assert drawn_lines("plain.html", [own], 7) == 7
    bundled = Workspace(tmp_path / "ws").template_dirs
    assert drawn_lines("registration_sheet.html", bundled, 7) == 0
    assert drawn_lines("packing_list.html", bundled, 7) == 7


def test_a_document_over_its_time_fails_alone_and_says_which_setting(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / "ws")
    workspace.ensure_folders()
    settings = Settings(
        approval=TRUSTING, documents=Documents(on_order=["quotation", "sales_contract"],
                                            word_to_pdf=False, seconds_per_document=0.01),
                        limits=Limits(workers=2))
    desk = Desk(workspace, settings)
    copy_example(workspace, "PO-2026-0042.yaml")
    [outcome] = desk.run_once()
    assert outcome.status == "archived"
    assert "PO-2026-0042_quotation_v1.pdf" in outcome.documents  # drawn here, no limit
    slow = [p for p in outcome.problems if p.startswith("sales_contract")]
    assert slow and "still not done" in slow[0] and "seconds_per_document" in slow[0], \
        outcome.problems
