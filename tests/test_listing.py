"""`gendan orders` and `gendan due` at an office's size: the table shows a screenful (the
newest orders, the most urgent steps) and says how many there are in all, with totals and
counts over every one; --all and --json give every one."""

from __future__ import annotations

import datetime as dt
import json
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from pipeline.cli import cli

TODAY = dt.date(2026, 11, 20)
KINDS = [("approval", "contract review: waiting for the manager"),
         ("inspection", "inspection not booked"), ("loading", "loading not booked"),
         ("payment", "balance due")]


def _gendan(root: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["-w", str(root), *args],
                              env={"GENDAN_TODAY": TODAY.isoformat()})


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    """A workspace whose index holds 250 open orders, drawn at random (dates, currencies,
    amounts, two to four steps due each), as filing writes them."""
    from pipeline.index.catalogue import Catalogue, rows_of
    from pipeline.store import order_key

    root = tmp_path_factory.mktemp("listing") / "ws"
    assert _gendan(root, "init", str(root)).exit_code == 0
    rng = random.Random(20261120)
    catalogue = Catalogue(root / "archive" / ".index" / "catalogue.sqlite")
    db = catalogue.begin()
    rows = []
    for n in range(250):
        order_no = f"PO-{n:04d}"
        due = sorted(({"kind": kind, "what": what, "action": f"gendan show {order_no}",
                       "date": (TODAY + dt.timedelta(days=rng.randint(-40, 40))).isoformat()}
                      for kind, what in rng.sample(KINDS, rng.randint(2, 4))),
                     key=lambda d: d["date"])
        row = {"order_no": order_no, "customer": f"C{n % 17:02d}",
               "customer_name": f"客户{n % 17}号", "status": "confirmed",
               "currency": rng.choice(["USD", "EUR"]),
               "total_amount": f"{rng.randint(100, 99999)}.{rng.randint(0, 99):02d}",
               "order_date": (TODAY - dt.timedelta(days=rng.randint(0, 3000))).isoformat(),
               "delivery_date": (TODAY + dt.timedelta(days=30)).isoformat(), "items": 1,
               "salesperson": "Li Na", "due": due, "next_due": due[0]["date"],
               "next_what": due[0]["what"]}
        catalogue.put_rows(db, rows_of(order_key(order_no), row, []), None)
        rows.append(row)
    catalogue.commit(db)
    catalogue.close()
    return root, rows


def _due(output: str) -> list[tuple[str, str]]:
    """(date, order) of each step in the table."""
    return [(r[0], next(t for t in r if t.startswith("PO-"))) for r in _table_rows(output)]


def _table_rows(output: str) -> list[list[str]]:
    lines = output.splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith("---")) + 1
    end = next((n for n in range(start, len(lines)) if not lines[n].strip()), len(lines))
    return [line.split() for line in lines[start:end]]


def test_orders_shows_the_newest_and_totals_every_one(
        office: tuple[Path, list[dict[str, Any]]]) -> None:
    root, rows = office
    result = _gendan(root, "orders")
    assert result.exit_code == 0, result.output
    shown = [r[2] for r in _table_rows(result.output)]
    newest = sorted(rows, key=lambda r: (r["order_date"], r["order_no"]), reverse=True)
    assert shown == [r["order_no"] for r in newest[:100]]
    assert "the 100 newest of 250 orders" in result.output
    for currency in ("USD", "EUR"):
        mine = [Decimal(r["total_amount"]) for r in rows if r["currency"] == currency]
        assert f"{currency} {sum(mine):,.2f} in {len(mine)} order(s)" in result.output
    every = _gendan(root, "orders", "--all")
    assert [r[2] for r in _table_rows(every.output)] == \
        [r["order_no"] for r in sorted(rows, key=lambda r: (r["customer"], r["order_no"]))]
    assert "newest of" not in every.output
    assert len(json.loads(_gendan(root, "orders", "--json").output)) == 250
    assert len(json.loads(_gendan(root, "orders", "--json", "--limit", "7").output)) == 7
    few = _gendan(root, "orders", "C03", "--limit", "5")  # one customer: 15 orders
    assert len(_table_rows(few.output)) == 5 and "the 5 newest of 15 orders" in few.output


def test_due_shows_the_most_urgent_and_counts_every_step(
        office: tuple[Path, list[dict[str, Any]]]) -> None:
    root, rows = office
    steps = sorted((d["date"], r["order_no"], d["kind"]) for r in rows for d in r["due"])
    result = _gendan(root, "due", "--limit", "30")
    assert result.exit_code == 1  # something is overdue
    assert _due(result.output) == [s[:2] for s in steps[:30]]
    overdue = sum(1 for s in steps if s[0] < TODAY.isoformat())
    assert f"the 30 most urgent of {len(steps)} steps" in result.output
    assert f"{len(steps)} step(s) due, {overdue} overdue" in result.output
    for kind, _ in KINDS:
        mine = [s for s in steps if s[2] == kind]
        late = sum(1 for s in mine if s[0] < TODAY.isoformat())
        assert f"{kind} {len(mine)} ({late} overdue)" in result.output
    whole = json.loads(_gendan(root, "due", "--json").output)
    assert len(whole["items"]) == len(steps) and whole["overdue"] == overdue
    assert _due(_gendan(root, "due", "--all").output) == \
        [s[:2] for s in steps]
    soon = _gendan(root, "due", "--days", "0", "--customer", "c05")
    mine = [s for s in steps if s[0] <= TODAY.isoformat()
            and s[1] in {r["order_no"] for r in rows if r["customer"] == "C05"}]
    assert _due(soon.output) == [s[:2] for s in mine]
    assert f"{len(mine)} step(s) due" in soon.output
