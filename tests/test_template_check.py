"""`gendan templates check`: broken templates are named with their line or table cell."""

from __future__ import annotations

import docx
import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.desk import Desk
from pipeline.template_check import check_templates, list_templates


@pytest.mark.slow
def test_every_bundled_template_passes(desk: Desk) -> None:
    checked, problems = check_templates(desk.maker, items=30)
    assert len(checked) == len(desk.maker.types) >= 11
    assert problems == []


@pytest.mark.slow
def test_a_500_item_hostile_render(desk: Desk) -> None:
    checked, problems = check_templates(desk.maker, "quotation", items=500)
    assert checked == ["quotation"] and problems == []


def test_syntax_error_and_unknown_variable_name_the_line(desk: Desk) -> None:
    own = desk.workspace.root / "templates"
    own.mkdir()
    (own / "packing_list.html").write_text(
        '{% extends "base.html" %}\n{% block body %}\n<p>{{ order.order_no }}</p>\n'
        "<p>{{ vessel.name }}</p>\n{% endblock %}\n", encoding="utf-8")
    (own / "commercial_invoice.html").write_text("<p>\n{% for x in items %}\n</p>\n",
                                                 encoding="utf-8")
    _, problems = check_templates(desk.maker, render=False)
    text = [str(p) for p in problems]
    assert "packing_list.html, line 4: unknown variable 'vessel' (see docs/variables.md)" in text
    assert any(t.startswith("commercial_invoice.html, line 3:") for t in text), text
    assert "from" in list_templates(desk.maker)[0]
    rows = {(r["type"], r["engine"]): r["from"] for r in list_templates(desk.maker)}
    assert rows[("packing_list", "html")].endswith("templates/packing_list.html")
    assert rows[("quotation", "html")] == "bundled"


def test_broken_word_template_names_the_table_cell(desk: Desk) -> None:
    own = desk.workspace.root / "templates"
    own.mkdir()
    document = docx.Document()
    document.add_paragraph("{{ order.order_no }}")
    table = document.add_table(rows=2, cols=2)
    table.cell(1, 1).text = "{{ order.customer.name_en | upper }"
    table.cell(0, 1).text = "{{ vessel_name }}"
    document.save(str(own / "sales_contract.docx"))
    _, problems = check_templates(desk.maker, "sales_contract", items=5)
    text = [str(p) for p in problems]
    assert any(t.startswith("sales_contract.docx, table 1, row 1, cell 2 (“{{ vessel_name }}”): "
                            "unknown variable 'vessel_name'") for t in text), text
    assert any(t.startswith("sales_contract.docx, table 1, row 2, cell 2") and
               "a tag not closed" in t for t in text), text


def test_the_command_exits_5_on_problems(desk: Desk) -> None:
    own = desk.workspace.root / "templates"
    own.mkdir()
    (own / "quotation.html").write_text("{{ nope }}", encoding="utf-8")
    result = CliRunner().invoke(cli, ["-w", str(desk.workspace.root), "templates", "check",
                                      "quotation", "--items", "3"])
    assert result.exit_code == 5
    assert "quotation.html, line 1: unknown variable 'nope'" in result.output


@pytest.mark.parametrize("name", ["nothing", "nothing.html"])
def test_unknown_name(desk: Desk, name: str) -> None:
    result = CliRunner().invoke(cli, ["-w", str(desk.workspace.root), "templates", "check",
                                      name])
    assert result.exit_code == 1 and "no document type or template named" in result.output
