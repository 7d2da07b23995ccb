"""One seal setting for everything, the ARCHIVED stamp kept off what the customer receives,
the seal placed in a free margin, the pair a pack takes, and a logo in a user template."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pdfplumber
import pytest
from click.testing import CliRunner
from PIL import Image
from pypdf import PdfReader

from pipeline.cli import cli
from pipeline.config import load_settings
from pipeline.desk import Desk
from pipeline.errors import ConfigError
from pipeline.recipes import hand_over
from pipeline.template_check import check_templates
from pipeline.workspace import Workspace
from tests.conftest import EXAMPLES, GENERAL_MANAGER, copy_example, pdf_text, text_pdf

OUR_SEAL = (123, 77)  # a size no bundled image has
UPDATES = sorted((EXAMPLES / "updates").glob("PO-2026-0042.*.yaml"))


def _image_sizes(pdf: Path) -> set[tuple[int, int]]:
    sizes = set()
    for page in PdfReader(pdf).pages:
        for image in page.images:
            with Image.open(io.BytesIO(image.data)) as picture:
                sizes.add(picture.size)
    return sizes


@pytest.fixture
def own_seal(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    Workspace(root).ensure_folders()
    (root / "templates" / "assets").mkdir(parents=True)
    Image.new("RGB", OUR_SEAL, (20, 60, 200)).save(root / "templates" / "assets" / "ours.png")
    (root / "gendan.toml").write_text(
        '[company]\nname_en = "Ningbo Example Trading Co., Ltd."\nseal = "assets/ours.png"\n'
        '[documents]\non_order = ["quotation", "commercial_invoice", "packing_list",'
        ' "sales_contract", "loading_notice"]\nword_to_pdf = false\n', encoding="utf-8")
    return root


def _ready(root: Path) -> Desk:
    desk = Desk(Workspace(root), load_settings(root / "gendan.toml"))
    copy_example(desk.workspace, "PO-2026-0042.yaml")
    desk.run_once()
    for update in UPDATES:
        shutil.copyfile(update, root / "inbox" / update.name)
    desk.run_once()
    return desk


def test_the_one_seal_setting_reaches_documents_stamps_and_the_pack(own_seal: Path) -> None:
    desk = _ready(own_seal)
    generated = own_seal / "archive" / "ACME" / "PO-2026-0042" / "generated"
    assert OUR_SEAL in _image_sizes(generated / "PO-2026-0042_quotation_v1.pdf")
    # the factory's own invoice: sealed with our seal in the pack (never the demo company's)
    text_pdf(own_seal / "inbox" / "PO-2026-0042_commercial-invoice.pdf",
             "<h1>COMMERCIAL INVOICE</h1><p>Invoice No.: F-1</p>")
    desk.run_once()
    desk.settings = load_settings(own_seal / "gendan.toml").model_copy(
        update={"handover": load_settings(own_seal / "gendan.toml").handover.model_copy(
            update={"prefer": "factory"})})
    desk = Desk(desk.workspace, desk.settings)
    _, path, _ = hand_over(desk, "PO-2026-0042", force=True,
                                  forced_by=GENERAL_MANAGER, reason="test")
    pack = own_seal / "archive" / path
    assert OUR_SEAL in _image_sizes(pack)
    bundled = Image.open(Path(__file__).resolve().parents[1] / "templates" / "assets" /
                         "seal.png").size
    assert bundled not in _image_sizes(pack)


def test_a_seal_that_does_not_exist_is_an_error_not_an_unsealed_document(own_seal: Path
                                                                          ) -> None:
    (own_seal / "templates" / "assets" / "ours.png").unlink()
    with pytest.raises(ConfigError, match=r"company\.seal: assets/ours\.png is not in the "
                       r"templates folders"):
        Desk(Workspace(own_seal), load_settings(own_seal / "gendan.toml"))
    for command in (["run"], ["templates", "check"]):
        result = CliRunner().invoke(cli, ["-w", str(own_seal), *command])
        assert result.exit_code == 3 and "company.seal" in result.output, result.output


def _crowded_invoice(path: Path) -> None:
    """A factory invoice whose bottom right corner is full of figures."""
    from weasyprint import HTML

    figures = "".join(f"<tr><td>{n}</td><td>USD {n * 137:,}.00</td></tr>" for n in range(14))
    HTML(string="<style>@page { size: A4; margin: 4mm } body { font: 9pt 'WenQuanYi Micro Hei' }"
                "table { position: absolute; bottom: 0; right: 0; width: 90mm }"
                "td { text-align: right }</style>"
                "<h1>COMMERCIAL INVOICE 商业发票</h1><p>Invoice No.: F-2027-9</p>"
                f"<table>{figures}</table>").write_pdf(path)


def test_the_pack_has_no_archive_stamp_and_the_seal_sits_in_a_free_margin(own_seal: Path
                                                                           ) -> None:
    desk = _ready(own_seal)
    _crowded_invoice(own_seal / "inbox" / "PO-2026-0042_commercial-invoice.pdf")
    desk.run_once()
    stamped = own_seal / "archive" / "ACME" / "PO-2026-0042" / "stamped" / \
        "PO-2026-0042_commercial_invoice_v1.pdf"
    assert "ARCHIVED" in "".join(pdf_text(stamped))  # the archive copy has it
    settings = load_settings(own_seal / "gendan.toml")
    desk = Desk(desk.workspace, settings.model_copy(update={"handover": settings.handover.
                                                             model_copy(update={"prefer":
                                                                                "factory"})}))
    _, path, manifest = hand_over(desk, "PO-2026-0042", force=True,
                                  forced_by=GENERAL_MANAGER, reason="test")
    pack = own_seal / "archive" / path
    row = next(m for m in manifest if m["path"].endswith("commercial_invoice_v1.pdf"))
    with pdfplumber.open(str(pack)) as document:
        for number in range(row["first"], row["last"] + 1):
            assert "ARCHIVED" not in (document.pages[number - 1].extract_text() or "")
        page = document.pages[row["last"] - 1]
        [seal] = [i for i in page.images if i["srcsize"] == OUR_SEAL]
        words = [c for c in page.chars if c["text"].strip()]
        covered = [c for c in words if c["x1"] > seal["x0"] and c["x0"] < seal["x1"]
                   and c["bottom"] > seal["top"] and c["top"] < seal["bottom"]]
        assert covered == [], "the seal covers the factory's figures"
        assert seal["x0"] < page.width / 2 or seal["top"] < page.height / 2  # moved away


def test_of_a_pair_the_company_s_own_goes_in_and_the_factory_s_is_listed(own_seal: Path
                                                                         ) -> None:
    desk = _ready(own_seal)
    _crowded_invoice(own_seal / "inbox" / "PO-2026-0042_commercial-invoice.pdf")
    desk.run_once()
    _, path, manifest = hand_over(desk, "PO-2026-0042", force=True,
                                  forced_by=GENERAL_MANAGER, reason="test")
    invoice = next(m for m in manifest if m["title"].endswith("Commercial Invoice"))
    assert invoice["path"].startswith("ACME/PO-2026-0042/generated/")
    record = next((own_seal / "archive").rglob("*_handover_record_v1.pdf"))
    cover = "\n".join(pdf_text(record))  # the office's record lists it; the pack does not
    assert "Supporting documents" not in pdf_text(own_seal / "archive" / path)[0]
    assert "Supporting documents" in cover and "stamped/PO-2026-0042_commercial_invoice_v1.pdf" \
        in "".join(cover.split())


def test_a_logo_by_relative_path_in_a_user_template(own_seal: Path) -> None:
    Image.new("RGB", (200, 60), (200, 30, 30)).save(own_seal / "templates" / "assets" /
                                                      "logo.png")
    toml = own_seal / "gendan.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        'seal = "assets/ours.png"', 'seal = "assets/ours.png"\nlogo = "assets/logo.png"'),
        encoding="utf-8")
    (own_seal / "templates" / "quotation.html").write_text(
        '{% extends "base.html" %}{% block body %}<p>{{ order.order_no }}</p>'
        '<img src="assets/logo.png" style="width: 20mm">{% endblock %}', encoding="utf-8")
    desk = Desk(Workspace(own_seal), load_settings(toml))
    copy_example(desk.workspace, "PO-2026-0042.yaml")
    desk.run_once()
    quotation = own_seal / "archive" / "ACME" / "PO-2026-0042" / "generated" / \
        "PO-2026-0042_quotation_v1.pdf"
    assert (200, 60) in _image_sizes(quotation)
    (own_seal / "templates" / "quotation.html").write_text(
        '{% extends "base.html" %}{% block body %}<img src="assets/nope.png">{% endblock %}',
        encoding="utf-8")
    _, problems = check_templates(desk.maker, "quotation", items=2)
    assert any("nope.png could not be loaded" in str(p) for p in problems), problems
