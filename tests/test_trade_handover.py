"""The whole flow of the Dubai order under a letter of credit (six items, five factories,
three units, a part carton, two containers): approvals, inspection, each factory's
confirmation, the loading, the shipment on board and the factory's papers, then `gendan
check` passes it with 0 findings, and a bill of lading that breaks the credit is caught."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline.config import Settings
from pipeline.desk import Desk
from pipeline.recipes import check_order
from pipeline.workspace import Workspace
from tests.conftest import TRUSTING, text_pdf
from tests.test_trade_documents import FACTORIES, LOADING, ORDER

BL = """<h2>BILL OF LADING</h2><p>B/L No.: MEDUNB123456</p>
<p>Shipper: Hangzhou Gendan Trading Co., Ltd.</p><p>Consignee: TO ORDER</p>
<p>Notify party: Al Noor Trading LLC</p>
<p>Port of loading: {loading}</p><p>Port of discharge: Jebel Ali, UAE</p>
<p>Shipping marks: ANT / DUBAI / SC-HDX-2026-101 / C/NO. 1-UP / MADE IN CHINA</p>
<p>{packages} CARTONS</p><p>Gross weight: 10,346 KGS</p><p>Measurement: 61.82 CBM</p>
<p>FREIGHT PREPAID</p><p>SHIPPED ON BOARD {on_board}</p><p>L/C No. LC-DXB-2026-0117</p>
<p>Signed by MSC Mediterranean Shipping Company S.A. as carrier</p>"""
PAPERS = {
    "certificate_of_origin": "<h2>CERTIFICATE OF ORIGIN</h2><p>Exporter: Hangzhou Gendan "
    "Trading Co., Ltd.</p><p>Consignee: Al Noor Trading LLC</p><p>Country of origin: China</p>",
    "insurance_policy": "<h2>INSURANCE POLICY</h2><p>Insured: Hangzhou Gendan Trading Co., "
    "Ltd.</p><p>Insured amount: USD 58,256.00</p><p>Date: 2027-01-21</p>"
    "<p>Institute Cargo Clauses (A)</p>",
    "customs_declaration": "<h2>出口货物报关单 EXPORT CUSTOMS DECLARATION</h2><p>境内发货人 "
    "Hangzhou Gendan Trading Co., Ltd.</p><p>合同协议号 SC-HDX-2026-101</p><p>件数 927</p>"
    "<p>毛重 10,346 KGS</p><p>申报日期 2027-01-19</p>",
    "warranty_card": "<h2>WARRANTY CARD</h2><p>Models: EK-17, TS-2, CW-5, GT-9, WL-30, "
    "ER-25</p>",
    "user_manual": "<h2>USER MANUAL</h2><p>Models: EK-17, TS-2, CW-5, GT-9, WL-30, ER-25</p>",
    "transport_contract": "<h2>运输合同 TRANSPORT CONTRACT</h2><p>Truck 浙B12345</p>",
}


def _run(desk: Desk) -> None:
    outcomes = desk.run_once()
    assert all(o.status == "archived" for o in outcomes), outcomes


def _drop(desk: Desk, name: str, text: str) -> None:
    (desk.workspace.inbox / name).write_text(text, encoding="utf-8")
    _run(desk)


def _paper(desk: Desk, doc_type: str, body: str) -> None:
    name = f"PO-2026-0107_{doc_type.replace('_', '-')}.pdf"
    text_pdf(desk.workspace.inbox / name, f"<p>Order No.: PO-2026-0107</p>{body}")


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    ws = Workspace(tmp_path_factory.mktemp("shipped") / "ws")
    ws.ensure_folders()
    desk = Desk(ws, Settings(approval=TRUSTING))
    shutil.copyfile(ORDER, ws.inbox / ORDER.name)
    _run(desk)
    for n, (role, by) in enumerate([("salesperson", "王丽"), ("manager", "李强"),
                                    ("general_manager", "张伟")], start=1):
        _drop(desk, f"approval-{n}.yaml", f"update: approval\norder_no: PO-2026-0107\n"
              f"role: {role}\nby: {by}\nat: 2026-11-0{n + 2}T10:00\n")
    _drop(desk, "inspection.yaml", "update: inspection\norder_no: PO-2026-0107\nkind: in_house\n"
          "inspector: 王质检\ndate: 2027-01-12\nbooked_on: 2027-01-05\n")
    for n, factory in enumerate(FACTORIES):
        _drop(desk, f"confirms-{n}.yaml", "update: factory_confirmation\norder_no: PO-2026-0107\n"
              f"factory: {factory}\nconfirmed_delivery_date: 2027-01-15\nby: 厂长\n"
              "confirmed_on: 2026-11-10\n")
    _drop(desk, "loading.yaml", LOADING)
    _drop(desk, "bl.yaml", "update: shipment\norder_no: PO-2026-0107\nbl_no: MEDUNB123456\n"
          "on_board_date: 2027-01-22\nvessel: MSC AURORA 047E\n")
    _paper(desk, "bill_of_lading", BL.format(loading="Ningbo", packages=927,
                                             on_board="2027-01-22"))
    for doc_type, body in PAPERS.items():
        _paper(desk, doc_type, body)
    _run(desk)
    desk.store.index.close()
    yield ws.root


def _check(root: Path, on: str) -> list[str]:
    desk = Desk(Workspace(root), Settings(approval=TRUSTING))
    try:
        result = check_order(desk, "PO-2026-0107", on=dt.date.fromisoformat(on),
                             archive_report=False)
    finally:
        desk.store.index.close()
    return [f"{f.severity} {f.rule}: {f.message}" for f in result.findings]


def test_the_order_under_its_credit_checks_clean(shipped: Path) -> None:
    assert _check(shipped, "2027-01-29") == []


def test_presented_after_the_credit_expired(shipped: Path) -> None:
    expired, late = _check(shipped, "2027-03-01")
    assert expired.startswith("error credit.presentation") and "expired on 2027-02-28" in expired
    assert late.startswith("error dates.presentation_period") and "38 days" in late


def test_a_bill_of_lading_that_breaks_the_credit_is_caught(shipped: Path,
                                                           tmp_path: Path) -> None:
    root = tmp_path / "ws"
    shutil.copytree(shipped, root)
    desk = Desk(Workspace(root), Settings(approval=TRUSTING))
    _paper(desk, "bill_of_lading", BL.format(loading="Shanghai", packages=920,
                                             on_board="2027-02-03"))
    _run(desk)
    desk.store.index.close()
    rules = {f.split(":")[0] for f in _check(root, "2027-02-10")}
    assert {"error credit.shipment", "error dates.shipment_by_latest",
            "error ports.loading"} <= rules, rules
    assert any(r.endswith("packages") or "shipping" in r for r in rules), rules


def _factory_papers(maker: str, n: int, data: dict[str, Any], wrong: int = 0) -> dict[str, str]:
    """One factory's own invoice and packing list: its lines only, in its own layout."""
    lines = [i for i in data["items"] if i["manufacturer"] == maker]
    head = (f"<p>{maker}</p><p>Seller: Hangzhou Gendan Trading Co., Ltd.</p>"
            "<p>Buyer: Al Noor Trading LLC</p><p>Order No.: PO-2026-0107</p>"
            f"<p>Invoice No.: HX-F{n}-2701</p><p>Date: 2027-01-17</p>")
    rows, packed, first = [], [], 1
    for item in lines:
        quantity = item["quantity"] + wrong
        amount = (Decimal(str(item["unit_price"])) * quantity).quantize(Decimal("0.01"))
        rows.append(f"<tr><td>{item['model']}</td><td>{item['name_en']}</td><td>{quantity:,}"
                    f"</td><td>{item['unit_price']:.2f}</td><td>{amount:,.2f}</td></tr>")
        p = item["packing"]
        last = first + p["cartons"] - 1
        packed.append(f"<tr><td>{item['model']}</td><td>{quantity:,}</td>"
                      f"<td>{p['qty_per_carton']}</td><td>{p['cartons']}</td>"
                      f"<td>{first}-{last}</td><td>{p['net_weight_kg']:,.2f}</td>"
                      f"<td>{p['gross_weight_kg']:,.2f}</td><td>{p['volume_cbm']:.3f}</td></tr>")
        first = last + 1
    total = sum((Decimal(str(i["unit_price"])) * (i["quantity"] + wrong) for i in lines),
                Decimal(0)).quantize(Decimal("0.01"))
    cartons = sum(i["packing"]["cartons"] for i in lines)
    gross = sum(Decimal(str(i["packing"]["gross_weight_kg"])) for i in lines)
    net = sum(Decimal(str(i["packing"]["net_weight_kg"])) for i in lines)
    invoice = (f"<h2>COMMERCIAL INVOICE</h2>{head}<p>Currency: USD</p><p>CIF Jebel Ali</p>"
               "<table><tr><th>Model</th><th>Description</th><th>Quantity</th>"
               f"<th>Unit Price</th><th>Amount</th></tr>{''.join(rows)}<tr><td>TOTAL</td>"
               f"<td></td><td></td><td></td><td>{total:,.2f}</td></tr></table>"
               "<p>L/C No. LC-DXB-2026-0117</p><p>HOUSEHOLD ELECTRIC APPLIANCES AND GARDEN "
               "TOOLS AS PER CONTRACT NO. SC-HDX-2026-101</p>")
    packing = (f"<h2>PACKING LIST</h2>{head}<table><tr><th>Model</th><th>Quantity</th>"
               "<th>Pcs/Ctn</th><th>Ctns</th><th>C/No.</th><th>N.W.(kg)</th><th>G.W.(kg)</th>"
               f"<th>CBM</th></tr>{''.join(packed)}<tr><td>TOTAL</td><td></td><td></td>"
               f"<td>{cartons}</td><td></td><td>{net:,.2f}</td><td>{gross:,.2f}</td><td></td>"
               f"</tr></table><p>Total packages: {cartons} CTNS</p>"
               f"<p>Gross weight: {gross:,.2f} KGS</p><p>Net weight: {net:,.2f} KGS</p>"
               "<p>L/C No. LC-DXB-2026-0117</p>")
    return {"commercial_invoice": invoice, "packing_list": packing}


def _with_factories(shipped: Path, root: Path, wrong: str = "") -> Desk:
    shutil.copytree(shipped, root)
    desk = Desk(Workspace(root), Settings(approval=TRUSTING))
    data = yaml.safe_load(ORDER.read_text(encoding="utf-8"))
    for n, maker in enumerate(FACTORIES):
        papers = _factory_papers(maker, n, data, wrong=5 if maker == wrong else 0)
        for doc_type, body in papers.items():
            name = f"PO-2026-0107_{doc_type.replace('_', '-')}_{n}.pdf"
            text_pdf(desk.workspace.inbox / name, f"<p>Order No.: PO-2026-0107</p>{body}")
    _run(desk)
    desk.store.index.close()
    return desk


def test_each_factory_s_own_papers_are_checked_against_its_lines(shipped: Path,
                                                                  tmp_path: Path) -> None:
    desk = _with_factories(shipped, tmp_path / "ws")
    with desk.store.open("PO-2026-0107") as record:
        current = [m for m in record.current() if m["kind"] == "stamped"
                   and m["doc_type"] in {"packing_list", "commercial_invoice"}]
    assert len(current) == 10 and {m["factory"] for m in current} == set(FACTORIES)
    assert _check(tmp_path / "ws", "2027-01-29") == []


def test_a_wrong_quantity_on_one_factory_s_papers_is_the_one_error(shipped: Path,
                                                                   tmp_path: Path) -> None:
    _with_factories(shipped, tmp_path / "ws", wrong="宁波明光照明有限公司")
    errors = [f for f in _check(tmp_path / "ws", "2027-01-29") if f.startswith("error")]
    # every error points at the one mistake: WL-30's quantity (which its cartons do not
    # hold either), and the invoices' total
    assert errors and all("WL-30" in f or "together" in f for f in errors), errors
    assert any("1205" in f for f in errors), errors
    assert {f.split(":")[0] for f in errors} <= {
        "error totals.quantity", "error lines.packing_vs_invoice", "error totals.amount",
        "error credit.amount", "error packing.cartons_times_quantity"}, errors
