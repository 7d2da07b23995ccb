"""Order data: YAML, JSON and Excel read and validated; every bad field named."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml

from pipeline.errors import OrderDataError
from pipeline.intake import read_order
from tests.conftest import EXAMPLES


@pytest.mark.parametrize("name", ["PO-2026-0042.yaml", "HD-240317.yaml", "AN-2026-118.json"])
def test_bundled_examples_are_valid_orders(name: str) -> None:
    order = read_order(EXAMPLES / name)
    assert order.items and order.total_amount > 0


def test_the_large_example_has_over_sixty_items() -> None:
    assert len(read_order(EXAMPLES / "AN-2026-118.json").items) >= 60


def test_amounts_are_exact_decimals() -> None:
    order = read_order(EXAMPLES / "PO-2026-0042.yaml")
    assert order.items[0].amount == Decimal("23100.00")
    assert order.total_amount == Decimal("58260.00")
    assert order.total_cartons == 700


def _problems(tmp_path: Path, data: dict[str, Any] | str, name: str = "bad.yaml") -> list[str]:
    path = tmp_path / name
    text = data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(OrderDataError) as info:
        read_order(path)
    assert info.value.source == name
    return [str(p) for p in info.value.problems]


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    problems = _problems(tmp_path, "order_no: PO-1\ncustomer: [unclosed\nitems: x\n")
    assert len(problems) == 1 and "line 3" in problems[0] and "valid YAML" in problems[0]


def test_every_bad_field_is_reported_by_path(tmp_path: Path, order_data: dict[str, Any]) -> None:
    del order_data["customer"]["name_en"]
    order_data["items"][1]["quantity"] = -5
    order_data["items"][2]["unit_price"] = "cheap"
    order_data["currency"] = "DOLLARS"
    order_data["delivery_date"] = "2026-02-30"
    problems = "\n".join(_problems(tmp_path, order_data))
    assert "customer.name_en: found nothing (the field is missing)" in problems
    assert "items[1].quantity (line item 2): found -5; expected greater than 0" in problems
    assert "items[2].unit_price (line item 3): found 'cheap'" in problems
    assert "currency: found 'DOLLARS'; expected unknown currency 'DOLLARS'" in problems
    assert "delivery_date: found '2026-02-30'" in problems and "day is out of range" in problems


def test_misspelt_field_is_not_ignored(tmp_path: Path, order_data: dict[str, Any]) -> None:
    order_data["delivry_date"] = order_data.pop("delivery_date")
    problems = "\n".join(_problems(tmp_path, order_data))
    assert "delivry_date: found" in problems and "no such field" in problems
    assert "delivery_date: found nothing" in problems


def test_packing_that_does_not_add_up_is_rejected(
    tmp_path: Path, order_data: dict[str, Any]
) -> None:
    order_data["items"][0]["packing"]["cartons"] = 149
    order_data["items"][1]["packing"]["net_weight_kg"] = 9999
    problems = "\n".join(_problems(tmp_path, order_data))
    assert "items[0] (line item 1)" in problems and "4 x 149 cartons = 596" in problems
    assert "net weight 9999 kg is above gross weight" in problems


def test_json_error_names_line_and_column(tmp_path: Path) -> None:
    problems = _problems(tmp_path, '{"order_no": "X",\n "items": [1,]}', name="bad.json")
    assert "line 2" in problems[0] and "valid JSON" in problems[0]


def test_not_a_mapping(tmp_path: Path) -> None:
    assert "a mapping of order fields" in _problems(tmp_path, "- just\n- a list\n")[0]


def test_json_order_reads_like_yaml(tmp_path: Path, order_data: dict[str, Any]) -> None:
    path = tmp_path / "o.json"
    path.write_text(json.dumps(order_data, ensure_ascii=False, default=str), encoding="utf-8")
    assert read_order(path) == read_order(EXAMPLES / "PO-2026-0042.yaml")


def _workbook(path: Path, order_data: dict[str, Any], bad_qty: object = None) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Order"
    flat = {
        "order_no": order_data["order_no"], "order_date": "2026-11-02",
        "customer.code": "ACME", "customer.name_en": order_data["customer"]["name_en"],
        "customer.name_zh": order_data["customer"]["name_zh"],
        "salesperson.name": "王丽", "currency": "USD", "price_term": "FOB",
        "port_of_loading": "Ningbo", "destination": "Long Beach", "payment_terms": "T/T",
        "delivery_date": "2027-01-15",
    }
    sheet.append(["# field", "value"])
    for key, value in flat.items():
        sheet.append([key, value])
    items = book.create_sheet("Items")
    items.append(["name_en", "name_zh", "model", "quantity", "unit_price"])
    items.append(["Hedge Trimmer", "绿篱机", "HT-2020", 600, 38.5])
    items.append(["Lawn Mower", "割草机", "LM-1600", bad_qty if bad_qty is not None else 300, 72])
    book.save(path)


def test_excel_order(tmp_path: Path, order_data: dict[str, Any]) -> None:
    path = tmp_path / "order.xlsx"
    _workbook(path, order_data)
    order = read_order(path)
    assert order.customer.name_zh == "阿克米家居园艺用品有限公司"
    assert order.total_amount == Decimal("44700.00")


def test_excel_error_names_the_cell(tmp_path: Path, order_data: dict[str, Any]) -> None:
    path = tmp_path / "order.xlsx"
    _workbook(path, order_data, bad_qty=-1)
    with pytest.raises(OrderDataError) as info:
        read_order(path)
    assert "items[1].quantity (line item 2) [sheet Items, cell D3]" in str(info.value.problems[0])
