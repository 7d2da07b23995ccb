"""The discrepancy benchmark (bench/discrepancies.py): a sample of its orders, one per
layout, each through a real desk clean and with its seeded discrepancy; and the figures of
the last full run, as docs/rules.md states them, held to the targets."""

from __future__ import annotations

import json
import random

import pytest

from bench.discrepancies import (
    FIGURES,
    SEEDS,
    TARGET_FALSE_WARNINGS,
    TARGET_RECALL,
    bench_one,
    plan,
)
from bench.papers import LAYOUTS, make_order, papers
from tests.conftest import REPO

# one order per layout, with seeds from different families (terms, references, packing,
# inspection, dates)
SAMPLE = [5, 11, 17, 23, 29]


def test_the_sample_covers_every_layout_and_different_seeds() -> None:
    assert {plan(n)[1] for n in SAMPLE} == set(LAYOUTS)
    assert len({plan(n)[2].name for n in SAMPLE}) == len(SAMPLE)


@pytest.mark.slow
@pytest.mark.parametrize("n", SAMPLE)
def test_a_seeded_discrepancy_is_caught_and_the_clean_order_passes(n: int) -> None:
    outcome = bench_one(n)
    assert outcome.caught, (outcome.seed, outcome.expected, outcome.seeded)
    errors = [f for f in outcome.clean if f["severity"] == "error"]
    warnings = [f for f in outcome.clean if f["severity"] == "warning"]
    reviews = [f for f in outcome.clean if f["severity"] == "review"]
    assert errors == [] and reviews == [], outcome.clean
    assert len(warnings) <= TARGET_FALSE_WARNINGS, warnings
    # every required field of every factory document was read
    assert all(read.split("/")[0] == read.split("/")[1] for read in outcome.read.values()), \
        outcome.read


def test_the_orders_add_up_as_a_factory_would_pack_them() -> None:
    for n in range(12):
        order = make_order(n, random.Random(1000 + n))
        p = papers(order)
        assert p.total() == order.total
        assert p.packing[-1].carton_to == p.fields["packing_list"]["packages"]
        for item in order.items:
            assert item.quantity == item.per_carton * item.cartons
            assert item.gross_kg > item.net_kg


def test_every_seed_names_rules_that_exist() -> None:
    from pipeline.compliance import RULES

    for seed in SEEDS:
        assert seed.rules and set(seed.rules) <= set(RULES), seed.name


def test_the_recorded_full_run_meets_the_targets() -> None:
    figures = json.loads(FIGURES.read_text(encoding="utf-8"))
    assert figures["orders"] >= 60 and figures["seeds"] >= 30
    assert figures["recall"] >= TARGET_RECALL
    assert figures["false_errors"] == 0
    assert figures["max_false_warnings_per_order"] <= TARGET_FALSE_WARNINGS
    assert set(figures["by_layout"]) == set(LAYOUTS)
    rules_md = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    assert f"{figures['caught']} of {figures['orders']}" in rules_md
