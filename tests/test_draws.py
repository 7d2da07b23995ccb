"""The reading benchmark (bench/draws.py) on a fixed-seed sample of 60 draws from the layout
generator (the first 30 read in `make test`, all 60 in `make soak`): every factory document
rendered in a layout drawn at random, read back as `gendan check` reads it, clean and with
one seeded discrepancy. No clean draw may draw a false error; a false warning is allowed on
at most one draw of each ten; a seeded discrepancy is caught by the rule that names it. The
figures of the last full runs (three seeds) are those docs/rules.md quotes."""

from __future__ import annotations

import json

import pytest

from bench.draws import FIGURES, SEEDS, plan, run_one
from tests.conftest import REPO, SOAK

SAMPLE_SEED = 7
SAMPLE = range(60)
CHECKED = SAMPLE if SOAK else range(30)  # drawn and read (`make soak`: the whole sample)


@pytest.mark.slow
def test_a_sample_of_drawn_layouts_holds_the_floors() -> None:
    """The sample holds the floors the full runs reached (docs/rules.md gives the figures
    and the targets): few clean draws with a false error or warning, most seeded
    discrepancies caught by the rule that names them."""
    outcomes = [run_one(SAMPLE_SEED, n) for n in CHECKED]
    errors = [o.n for o in outcomes if any(f["severity"] == "error" for f in o.clean)]
    warned = [o.n for o in outcomes if any(f["severity"] == "warning" for f in o.clean)]
    missed = [(o.n, o.seed) for o in outcomes if not o.caught]
    detail = [(o.n, [f for f in o.clean if f["severity"] != "review"]) for o in outcomes
              if o.n in errors + warned]
    assert not errors, detail
    assert len(warned) <= 1, detail
    assert len(missed) <= 2, missed


def test_the_sample_draws_many_layouts_and_discrepancies() -> None:
    draws = [plan(SAMPLE_SEED, n) for n in SAMPLE]
    styles = [d.styles[0] for d in draws]
    assert {s.lang for s in styles} == {"en", "zh", "bi"}
    assert {s.numbers for s in styles} >= {"point", "comma", "space", "fullwidth"}
    assert {s.ruling for s in styles} == {"grid", "rows", "none"}
    assert len({s.font for s in styles}) == 4 and min(s.pad_mm for s in styles) < 0.5
    assert any(s.factory is not None for d in draws for s in d.sheets)  # per-factory papers
    assert {u for d in draws for u in (x.unit for x in d.order.lines)} == {
        "PCS", "SETS", "PAIRS", "CARTONS"}
    assert len({d.seed.name for d in draws}) >= 30


def test_every_seed_names_rules_that_exist() -> None:
    from pipeline.compliance import RULES

    assert len(SEEDS) >= 40
    for seed in SEEDS:
        assert seed.rules and set(seed.rules) <= set(RULES), seed.name
    assert {"ports.loading", "ports.discharge"} <= {r for s in SEEDS for r in s.rules}


def test_the_recorded_full_runs_are_the_documented_ones() -> None:
    figures = json.loads(FIGURES.read_text(encoding="utf-8"))
    runs = figures["runs"]
    assert len({r["seed"] for r in runs}) >= 3 and all(r["draws"] >= 1000 for r in runs)
    for run in runs:  # the targets (docs/rules.md), held by every recorded run
        assert run["false_errors"] == 0, run
        assert run["draws_with_false_warning"] <= 0.01, run
        assert run["recall"] >= 0.97, run
        assert run["met"], run
    rules_md = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    for run in runs:
        assert f"{run['caught']}/{run['draws']}" in rules_md
