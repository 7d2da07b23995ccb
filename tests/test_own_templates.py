"""The office's own Word and Excel templates: found in templates/ by name, their own
variable names mapped to gendan's, docxtpl's whole syntax rendered and checked (problems at
the paragraph, table, row and cell), workbooks with real numbers and formulas, and a
document that fails makes the run fail. The templates are real docxtpl templates in
tests/fixtures/templates (made by make_templates.py there)."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path
from typing import Any

import docx
import pytest
import yaml
from click.testing import CliRunner
from openpyxl import load_workbook

from pipeline.cli import cli
from pipeline.config import DocTypeSettings, Documents, Settings, TemplateSettings
from pipeline.desk import Desk
from pipeline.flow import Workflow
from pipeline.models import Order
from pipeline.template_check import check_templates, draft_for, list_templates
from pipeline.workspace import Workspace
from tests.conftest import copy_example, drop

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "templates"
OWN_NAMES = {"customer_name": "order.customer.name_en", "our_ref": "order.order_no",
             "issued": "document.date|date_en", "currency": "order.currency",
             "total_price": "totals.amount", "total_words": "totals.words_en",
             "lines": "items", "lines[].code": "model", "lines[].desc": "name_en",
             "lines[].qty": "quantity", "lines[].total": "amount"}
CONSTRUCTS = ("order_tpl", "rich", "header_footer", "columns", "escaping")


def _own(workspace: Workspace, *names: str) -> None:
    folder = workspace.own_templates
    folder.mkdir(exist_ok=True)
    for name in names:
        shutil.copyfile(FIXTURES / name, folder / name)


def _settings(word_to_pdf: bool = False, **extra: Any) -> Settings:
    types = {key: DocTypeSettings(title_en=key.title(), title_zh="自有模板", word=f"{key}.docx",
                                  on_order=False) for key in CONSTRUCTS}
    return Settings(documents=Documents(on_order=["quotation"], word_to_pdf=word_to_pdf),
                    doctypes=types,
                    templates={"order_tpl.docx": TemplateSettings(variables=OWN_NAMES)},
                    **extra)


def _order(data: dict[str, Any]) -> Order:
    return Order.model_validate(data)


def _word_text(path: Path) -> str:
    """Everything a person reads in the Word file: body, tables, headers, footers."""
    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    parts += [c.text for t in document.tables for r in t.rows for c in r.cells]
    for section in document.sections:
        parts += [p.text for p in section.header.paragraphs + section.footer.paragraphs]
    return "\n".join(parts)


@pytest.fixture
def own_desk(workspace: Workspace) -> Desk:
    _own(workspace, *(f"{k}.docx" for k in CONSTRUCTS), "terms.docx")
    return Desk(workspace, _settings())


def test_each_construct_renders_with_the_right_values(own_desk: Desk, order_data: dict[str, Any],
                                                     tmp_path: Path) -> None:
    order_data["customer"]["name_en"] = "Smith & Sons <Intl>"
    order_data["remarks"] = "Pack with 5-ply cartons & corner guards"
    order_data["customer_po"] = "ACME-PO-7781"
    order = _order(order_data)
    texts = {}
    for key in CONSTRUCTS:
        [made] = own_desk.maker.render(key, order, tmp_path / key, Workflow())
        assert made.suffix == ".docx"
        texts[key] = _word_text(made.path)
    # the office's own names, mapped
    assert "Customer: Smith & Sons <Intl>" in texts["order_tpl"]
    assert f"Our ref.: {order.order_no}" in texts["order_tpl"]
    first = order.items[0]
    assert first.model in texts["order_tpl"] and first.name_en in texts["order_tpl"]
    assert f"Total: USD {order.total_amount:,.2f}" in texts["order_tpl"]
    assert "SAY US DOLLARS" in texts["order_tpl"]
    # {{r }} and {{p }} from plain text, {%p if %}
    assert f"Contract {order.contract_number} for" in texts["rich"]
    assert "Pack with 5-ply cartons & corner guards" in texts["rich"]
    assert "Buyer's order ACME-PO-7781" in texts["rich"]
    # headers and footers
    assert "Hangzhou Gendan Trading Co., Ltd." in texts["header_footer"]
    assert f"Order {order.order_no} · ACME" in texts["header_footer"]
    # {%tc %} columns, one per item; {%tr %} rows over a dict; {%cellbg %}
    table = docx.Document(str(tmp_path / "columns" / "columns.docx")).tables[0]
    assert [c.text for c in table.rows[0].cells] == ["Item", *(i.model for i in order.items)]
    assert "place_is" in texts["columns"] and order.price_term in texts["columns"]
    # escaping, pictures and a sub-document
    assert "Buyer: Smith & Sons <Intl>" in texts["escaping"]
    assert "GENERAL TERMS 一般条款" in texts["escaping"]
    assert "{{ not a tag }}" in texts["escaping"]


@pytest.mark.slow
def test_each_construct_to_pdf(workspace: Workspace, order_data: dict[str, Any],
                               tmp_path: Path) -> None:
    """Word and PDF carry the same values: each construct converted by LibreOffice and read
    back as a person's PDF reader would."""
    _own(workspace, *(f"{k}.docx" for k in CONSTRUCTS), "terms.docx")
    desk = Desk(workspace, _settings(word_to_pdf=True))
    order_data["remarks"] = "Pack with 5-ply cartons & corner guards"
    order = _order(order_data)
    expected = {"order_tpl": ["ORDER CONFIRMATION 订单确认", "Customer: ACME", "HT-2020",
                              f"{order.total_amount:,.2f}"],
                "rich": [order.contract_number, "5-ply cartons & corner guards"],
                "header_footer": ["Hangzhou Gendan Trading", f"Order {order.order_no}"],
                "columns": [order.items[-1].model, order.price_term],
                "escaping": ["GENERAL TERMS 一般条款", "{{ not a tag }}"]}
    for key, wanted in expected.items():
        made = desk.maker.render(key, order, tmp_path / key, Workflow())
        pdf = next(m.path for m in made if m.suffix == ".pdf")
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                              text=True, check=True).stdout
        for value in wanted:
            assert value in text, (key, value, text[:400])


@pytest.mark.slow
def test_templates_check_passes_the_valid_ones(own_desk: Desk) -> None:
    for key in CONSTRUCTS:
        checked, problems = check_templates(own_desk.maker, f"{key}.docx", items=5)
        assert checked == [key] and problems == [], (key, [str(p) for p in problems])


def test_a_stray_tag_is_named_by_its_paragraph_and_cell(workspace: Workspace) -> None:
    _own(workspace, "stray_tag.docx")
    desk = Desk(workspace, Settings(doctypes={"stray": DocTypeSettings(
        title_en="Stray", title_zh="错", word="stray_tag.docx")}))
    _, problems = check_templates(desk.maker, "stray", render=False)
    text = [str(p) for p in problems]
    assert any(t.startswith("stray_tag.docx, table 1, row 2, cell 2") and "tag not closed" in t
               for t in text), text
    assert any(t.startswith("stray_tag.docx, paragraph 2 (“Vessel {{ vessel_name }}”): "
                            "unknown variable 'vessel_name'") for t in text), text
    assert any(t.startswith("stray_tag.docx, footer, paragraph 1") and "'page_no'" in t
               for t in text), text


def test_docxtpl_syntax_is_not_called_an_error(workspace: Workspace) -> None:
    """{{r x}}, {{p x}}, for k, v in ..., variables inside {%tc %}, {%tr %}, {%p %}, the
    header and footer: the check reads them as docxtpl does."""
    _own(workspace, "rich.docx", "columns.docx", "header_footer.docx")
    bad = docx.Document(str(FIXTURES / "columns.docx"))
    bad.tables[0].cell(1, 2).text = "{%cellbg colour_of(item) %}{{ item.quantity }}"
    bad.sections[0].header.paragraphs[0].text = "{{ vessel }}"
    bad.save(str(workspace.own_templates / "columns.docx"))
    desk = Desk(workspace, _settings())
    _, ok = check_templates(desk.maker, "rich", render=False)
    assert ok == []
    _, problems = check_templates(desk.maker, "columns", render=False)
    text = [str(p) for p in problems]
    assert any("table 1, row 2, cell 3" in t and "'colour_of'" in t for t in text), text
    assert any(t.startswith("columns.docx, header, paragraph 1") and "'vessel'" in t
               for t in text), text


def test_a_template_named_after_a_type_is_used_and_others_are_listed(desk: Desk) -> None:
    _own(desk.workspace, "header_footer.docx", "order_tpl.docx", "packing_list.xlsx")
    shutil.copyfile(FIXTURES / "header_footer.docx",
                    desk.workspace.own_templates / "packing_list.docx")
    maker = Desk(desk.workspace, desk.settings).maker
    packing = maker.types["packing_list"]
    assert (packing.word, packing.html, packing.excel) == ("packing_list.docx", "",
                                                          "packing_list.xlsx")
    rows = {r["template"]: r for r in list_templates(maker)}
    assert rows["packing_list.docx"]["type"] == "packing_list"
    assert rows["order_tpl.docx"]["title"] == "not used"
    assert 'word = "order_tpl.docx"' in rows["order_tpl.docx"]["use"]
    assert "[doctypes.order_tpl]" in rows["order_tpl.docx"]["use"]
    # checked by its file name, though no type uses it yet: its own names are unknown
    checked, problems = check_templates(maker, "order_tpl.docx", render=False)
    assert checked == ["order_tpl.docx"]
    assert any("'customer_name'" in str(p) and "[templates." in str(p) for p in problems)
    result = CliRunner().invoke(cli, ["-w", str(desk.workspace.root), "templates", "list"])
    assert "order_tpl.docx is not used" in result.output


def test_a_workspace_word_contract_is_reported_against_itself(desk: Desk) -> None:
    own = desk.workspace.own_templates
    own.mkdir()
    document = docx.Document()
    document.add_paragraph("{{ vessel_name }}")
    document.save(str(own / "sales_contract.docx"))
    _, problems = check_templates(desk.maker, "sales_contract", items=2)
    assert problems and all(p.template == "sales_contract.docx" for p in problems), problems


def test_templates_map_drafts_the_mapping(workspace: Workspace) -> None:
    _own(workspace, "order_tpl.docx")
    desk = Desk(workspace, Settings())
    draft = draft_for(desk.maker, "order_tpl.docx")
    lines = {line.split(" = ")[0]: line.split(" = ")[1].split("  #")[0]
             for line in draft.splitlines() if " = " in line}
    assert lines["customer_name"] == '"order.customer.name_en"'
    assert lines["lines"] == '"items"'
    assert lines['"lines[].qty"'] == '"quantity"'
    assert lines['"lines[].desc"'] == '"name_en"'
    assert lines["total_price"] == '"totals.amount"'
    # the draft is valid settings
    import tomllib

    Settings.model_validate(tomllib.loads(draft.replace('""', '"x"')))
    # what the settings map already is kept, quotes and all
    mapped = Desk(workspace, Settings(templates={"order_tpl.docx": TemplateSettings(
        variables={"our_ref": 'order.order_no ~ " / " ~ order.customer.code'})})).maker
    again = tomllib.loads(draft_for(mapped, "order_tpl.docx").replace('""', '"x"'))
    variables = again["templates"]["order_tpl.docx"]["variables"]
    assert variables["our_ref"] == 'order.order_no ~ " / " ~ order.customer.code'


def test_the_packing_list_as_a_workbook(desk: Desk, order_data: dict[str, Any]) -> None:
    _own(desk.workspace, "packing_list.xlsx")
    order_data["remarks"] = "=HYPERLINK(\"http://evil.example\",\"click\")"
    drop(desk.workspace, "PO-2026-0042.yaml", order_data)
    desk = Desk(desk.workspace, Settings(documents=Documents(
        on_order=["packing_list"], word_to_pdf=False)))
    [outcome] = desk.run_once()
    book = next(d for d in outcome.documents if d.endswith(".xlsx"))
    path = next(desk.workspace.archive.rglob(book))
    sheet = load_workbook(path).active
    order = _order(order_data)
    n = len(order.items)
    models = [sheet.cell(row=6 + k, column=1).value for k in range(n)]
    assert models == [i.model for i in order.items]
    quantities = [sheet.cell(row=6 + k, column=3).value for k in range(n)]
    assert all(isinstance(q, int | float) for q in quantities)
    assert sum(quantities) == sum(i.quantity for i in order.items)
    assert sheet.cell(row=6 + n, column=1).value == "TOTAL"
    assert sheet.cell(row=6 + n, column=3).value == f"=SUM(C6:C{5 + n})"
    assert sheet.cell(row=8 + n, column=2).value == f"=F{6 + n}/D{6 + n}"
    assert isinstance(sheet["B3"].value, dt.datetime)
    remark = sheet.cell(row=9 + n, column=1)
    assert remark.value.startswith("=HYPERLINK") and remark.data_type == "s"
    # the total's formula adds up exactly the item rows, which hold numbers
    cells = [sheet.cell(row=r, column=3).value for r in range(6, 6 + n)]
    assert sum(cells) == sum(i.quantity for i in order.items)


def test_a_failed_document_fails_the_run_and_shows_on_the_order(workspace: Workspace) -> None:
    own = workspace.own_templates
    own.mkdir()
    (own / "quotation.html").write_text("{{ order.nothing_here.at_all }}", encoding="utf-8")
    (workspace.root / "gendan.toml").write_text(
        '[documents]\non_order = ["quotation", "proforma_invoice"]\nword_to_pdf = false\n'
        '[approval]\ntrust_inbox = true\n',
        encoding="utf-8")
    copy_example(workspace, "PO-2026-0042.yaml")
    runner = CliRunner()
    result = runner.invoke(cli, ["-w", str(workspace.root), "run"])
    assert result.exit_code == 5, result.output
    assert "1 document(s) could not be made" in result.output
    assert list(workspace.archive.rglob("*_proforma_invoice_v1.pdf"))  # the rest was made
    shown = runner.invoke(cli, ["-w", str(workspace.root), "show", "PO-2026-0042"]).output
    assert "the quotation could not be made" in shown and "nothing_here" in shown
    # fixed, the next update makes it, and the warning is gone
    (own / "quotation.html").unlink()
    update = {"update": "approval", "order_no": "PO-2026-0042", "role": "salesperson",
              "by": "王丽", "at": "2026-11-02T09:00:00"}
    (workspace.inbox / "approve.yaml").write_text(yaml.safe_dump(update, allow_unicode=True),
                                                  encoding="utf-8")
    result = runner.invoke(cli, ["-w", str(workspace.root), "run"])
    assert result.exit_code == 0, result.output
    assert list(workspace.archive.rglob("*_quotation_v1.pdf"))
    shown = runner.invoke(cli, ["-w", str(workspace.root), "show", "PO-2026-0042"]).output
    assert "could not be made" not in shown


def test_products_pictures_in_a_word_template(workspace: Workspace, order_data: dict[str, Any],
                                              tmp_path: Path) -> None:
    workspace.own_templates.mkdir()
    template = docx.Document()
    template.add_paragraph("{% for item in items %}{{ item.model }} {{ item.picture }} "
                           "{% endfor %}")
    template.save(str(workspace.own_templates / "pictures.docx"))
    desk = Desk(workspace, Settings(documents=Documents(word_to_pdf=False), doctypes={
        "pictures": DocTypeSettings(title_en="Pictures", title_zh="图片", word="pictures.docx")}))
    order_data["items"][0]["picture"] = "assets/seal.png"  # a picture in the templates folder
    order_data["items"][1]["picture"] = "../../../etc/passwd"  # never outside it
    [made] = desk.maker.render("pictures", _order(order_data), tmp_path, Workflow())
    document = docx.Document(str(made.path))
    assert len(document.inline_shapes) == 1
    assert order_data["items"][1]["model"] in document.paragraphs[0].text
