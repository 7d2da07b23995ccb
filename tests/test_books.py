"""The office's books: master data kept once (an order by customer code and models, the filed
order unchanged by a later change to the masters), the costing arithmetic against
hand-worked examples, payments against the schedule, the statement of account and its
ageing at the buckets' edges, read back from the PDF and the workbook."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from pipeline.books.costing import Inquiry, Rates, containers_for, cost_inquiry
from pipeline.books.masters import Masters, ProductRecord, packing_for
from pipeline.books.statement import bucket_of, statements
from pipeline.clock import FixedClock
from pipeline.desk import Desk
from pipeline.flow import Workflow
from pipeline.models import Order
from pipeline.updates import PaymentUpdate
from tests.conftest import EXAMPLES, QUICK, drop, history, pdf_text

BOOKS = EXAMPLES / "books"


# -- the costing, worked by hand ---------------------------------------------------------------
def _masters(**product: Any) -> Masters:
    masters = Masters()
    base = {"model": "A", "name_en": "Fan", "factory_price": D(113), "vat_percent": D(13),
            "rebate_percent": D(13), "qty_per_carton": 10, "carton_net_kg": D(5),
            "carton_gross_kg": D(6), "carton_size_cm": "50x40x50"}
    masters.products["A"] = ProductRecord.model_validate({**base, **product})
    return masters


def _inquiry(terms: list[str], quantity: int = 100) -> Inquiry:
    return Inquiry.model_validate({
        "quotation_no": "Q1", "date": "2027-01-05", "customer": "X", "currency": "USD",
        "terms": terms, "port_of_loading": "Ningbo", "destination": "Hamburg",
        "lines": [{"model": "A", "quantity": quantity}]})


def test_fob_cfr_cif_as_worked_by_hand() -> None:
    # 113 CNY with 13 % VAT: 100 before VAT, 13 rebated -> cost 100.00 CNY a unit.
    # 100 units in 10 cartons of 0.1 CBM: 1 CBM; inland freight 200 CNY/CBM -> 2.00 CNY a unit.
    # (100 + 2) / 6.8 = 15.00 USD. Freight 150 USD/CBM x 1 CBM / 100 = 1.50 USD a unit.
    # FOB = 15.00 / (1 - 0.10) = 16.67; CFR = 16.50 / 0.90 = 18.33;
    # CIF = 16.50 / (1 - 1.10 x 0.01 - 0.10) = 16.50 / 0.889 = 18.56.
    rates = Rates(exchange_rate=D("6.8"), margin_percent=D(10), inland_freight_per_cbm=D(200),
                  freight={"per_cbm": D(150)}, insurance_rate_percent=D(1))
    costing = cost_inquiry(_inquiry(["FOB", "CFR", "CIF"]), _masters(), rates)
    [line] = costing.lines
    assert (line.rebate, line.cost, line.domestic, line.freight) == (D(13), D(100), D(2),
                                                                     D("1.5"))
    assert line.prices == {"FOB": D("16.67"), "CFR": D("18.33"), "CIF": D("18.56")}
    assert costing.total("CIF") == D("1856.00")
    # the margin at the rounded price: 18.56 x (1 - 0.011) - 16.50 = 1.8558 a unit
    assert costing.profit("CIF") == D("185.58")
    assert costing.margin_share("FOB") == D("10.0")


def test_commission_and_a_part_rebate_by_hand() -> None:
    # 226 CNY with 13 % VAT, rebate 9 %: 226 / 1.13 x 0.09 = 18.00; cost 208.00 CNY.
    # No domestic costs; 208 / 8 = 26.00 EUR; commission 5 %, margin 15 %:
    # FOB = 26 / 0.80 = 32.50. EXW leaves out the domestic costs, here none: 32.50 too.
    rates = Rates(exchange_rate=D(8), margin_percent=D(15), commission_percent=D(5))
    costing = cost_inquiry(_inquiry(["EXW", "FOB"]),
                           _masters(factory_price=D(226), rebate_percent=D(9)), rates)
    [line] = costing.lines
    assert line.rebate == D(18) and line.cost == D(208)
    assert line.prices == {"EXW": D("32.50"), "FOB": D("32.50")}
    # the margin is what is left after the commission: 32.50 x 0.95 - 26.00 = 4.875
    assert costing.profit("FOB") == D("487.50")


def test_the_cheapest_containers_hold_the_volume() -> None:
    rates = {"20GP": D(1800), "40GP": D(3000), "40HQ": D(3200)}
    assert containers_for(D(20), rates) == {"20GP": 1}
    assert containers_for(D(60), rates) == {"40HQ": 1}
    assert containers_for(D(100), rates) == {"40GP": 2}  # 6,000 < 40HQ+40GP 6,200
    # 20GP + 40GP hold 86 CBM, too little for 90: 20GP + 40HQ (96 CBM, 5,000)
    assert containers_for(D(90), rates) == {"20GP": 1, "40HQ": 1}


def test_rates_that_leave_no_price_are_refused() -> None:
    with pytest.raises(ValueError, match="under 100 %"):
        Rates(exchange_rate=D(7), margin_percent=D(60), commission_percent=D(40))


def test_a_part_carton_is_packed_from_the_master() -> None:
    product = _masters().products["A"]
    packing = packing_for(product, D(95))  # 9 full cartons and one of 5
    assert packing is not None
    assert (packing["cartons"], packing["last_carton_qty"]) == (10, 5)
    assert packing["net_weight_kg"] == D("47.50")  # 9 x 5 + 5/10 x 5
    assert packing["gross_weight_kg"] == D("57.50")  # 9 x 6 + 2.5 + 1 kg of carton
    assert packing["volume_cbm"] == D("1.000")


# -- the ageing at its edges -----------------------------------------------------------------
@pytest.mark.parametrize(("days", "bucket"), [(0, "0-30"), (30, "0-30"), (31, "31-60"),
                                              (60, "31-60"), (61, "61-90"), (90, "61-90"),
                                              (91, "90+"), (400, "90+")])
def test_ageing_buckets_at_their_edges(days: int, bucket: str) -> None:
    assert bucket_of(days) == bucket


def _order(order_data: dict[str, Any], number: str, invoice: dt.date) -> Order:
    data = {**order_data, "order_no": number, "invoice_no": f"CI-{number}",
            "invoice_date": invoice.isoformat(), "expected_costs": []}
    return Order.model_validate(data)


def _shipped(order: Order, *payments: tuple[str, str]) -> Workflow:
    from pipeline.updates import ShipmentUpdate

    assert order.invoice_date is not None
    return Workflow(shipment=ShipmentUpdate(update="shipment", order_no=order.order_no,
                                            bl_no="B1", on_board_date=order.invoice_date),
                    payments=tuple(PaymentUpdate(update="payment", order_no=order.order_no,
                                                 date=day, amount=D(amount),
                                                 currency=order.currency)
                                   for day, amount in payments))


def test_statement_balances_and_ages_each_invoice(order_data: dict[str, Any]) -> None:
    end = dt.date(2027, 3, 31)
    old = _order(order_data, "A-1", end - dt.timedelta(days=91))  # 90+
    edge = _order(order_data, "A-2", end - dt.timedelta(days=30))  # 0-30, on the edge
    later = _order(order_data, "A-3", end + dt.timedelta(days=1))  # after the period
    amount = old.total_amount
    orders = [(old, _shipped(old, ("2026-12-01", "1000.00"))),
              (edge, _shipped(edge, (str(end - dt.timedelta(days=2)), str(amount)))),
              (later, _shipped(later, ("2027-03-15", "500.00")))]  # a deposit before it
    [sheet] = statements("ACME", orders, dt.date(2027, 1, 1), end)
    assert sheet.brought_forward == amount - D(1000)  # A-1 invoiced and paid in part in 2026
    assert sheet.ageing == {"0-30": D(0), "31-60": D(0), "61-90": D(0),
                            "90+": amount - D(1000)}
    assert sheet.advances == D(500)  # received on A-3, not invoiced by the end
    assert sum(sheet.ageing.values()) - sheet.advances == sheet.carried
    assert [e.kind for e in sheet.entries] == ["invoice", "receipt", "receipt"]
    assert sheet.carried == sheet.brought_forward + amount - amount - D(500)


# -- the whole flow through the inbox --------------------------------------------------------
def _office(desk: Desk) -> Path:
    root = desk.workspace.root
    shutil.copytree(BOOKS / "masters", root / "masters")
    return root


def _cli(root: Path, *args: str, today: str = "2026-11-20") -> Any:
    from pipeline.cli import cli

    result = CliRunner().invoke(cli, ["-w", str(root), *args], env={"GENDAN_TODAY": today})
    return result


def _product_sheet(path: Path, rows: list[list[Any]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "产品 Products"
    sheet.append(["model 型号", "name_en", "name_zh", "hs_code", "factory", "factory_price",
                  "rebate_percent", "qty_per_carton", "carton_net_kg", "carton_gross_kg",
                  "carton_size_cm"])
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_masters_import_checks_every_row_before_writing(desk: Desk, tmp_path: Path) -> None:
    root = _office(desk)
    bad = _product_sheet(tmp_path / "bad.xlsx", [
        ["X-1", "Fan", "风扇", "8414510000", "NBLY", 50, 13, 4, 8, 9, "50x40x30"],
        ["X-2", "Heater", None, None, "NBLY", "fifty", 13, 4, 8, 9, "50 by 40"]])
    result = _cli(root, "masters", "import", str(bad))
    assert result.exit_code == 4, result.output  # input rejected
    assert "产品 Products!F3 factory_price" in result.output
    assert not (root / "masters" / "products").exists()  # nothing written
    good = _product_sheet(tmp_path / "good.xlsx", [
        ["X-1", "Fan", "风扇", "8414510000", "NBLY", 50, 13, 4, 8, 9, "50x40x30"]])
    assert "1 added" in _cli(root, "masters", "import", str(good)).output
    assert "0 added, 0 changed, 1 unchanged" in _cli(root, "masters", "import",
                                                     str(good)).output
    listed = _cli(root, "products").output
    assert "X-1" in listed and "8414510000" in listed


def test_an_order_by_codes_is_filled_and_stays_as_filed(desk: Desk, tmp_path: Path) -> None:
    root = _office(desk)
    _cli(root, "masters", "import", str(BOOKS / "products.xlsx"))
    order = {"order_no": "NR-1", "order_date": "2026-11-20", "customer": "NORD",
             "delivery_date": "2027-01-20",
             "items": [{"model": "HT-2020", "quantity": 802, "unit_price": "27.38"},
                       {"model": "HR-45", "quantity": 450, "unit_price": "17.01"}]}
    drop(desk.workspace, "NR-1.yaml", order)
    desk.run_once()
    with desk.store.open("NR-1") as record:
        filed = record.order
    assert filed.customer.name_zh == "诺德港园艺贸易有限公司" and filed.currency == "EUR"
    assert filed.salesperson.name == "赵敏" and filed.price_term == "CIF"
    hedge = filed.items[0]
    assert (hedge.hs_code, hedge.manufacturer) == ("8467290000", "宁波绿源电器有限公司")
    assert hedge.packing is not None
    assert (hedge.packing.cartons, hedge.packing.last_carton_qty) == (201, 2)
    contract = next(p for p in (root / "archive").rglob("*sales_contract*.pdf"))
    text = "".join(pdf_text(contract))
    assert "诺德港园艺贸易有限公司" in text
    # the masters change: the filed order does not
    customer = root / "masters" / "customers" / "NORD.yaml"
    customer.write_text(customer.read_text("utf-8").replace("Am Sandtorkai 41",
                                                            "Neuer Wall 10"), "utf-8")
    products = root / "masters" / "products" / "HT-2020.yaml"
    products.write_text(products.read_text("utf-8").replace("8467290000", "8467299000"),
                        "utf-8")
    drop(desk.workspace, "NR-1.status.yaml", {"update": "status", "order_no": "NR-1",
                                              "status": "confirmed", "at": "2026-11-21T09:00"})
    desk.run_once()
    with desk.store.open("NR-1") as record:
        again = record.order
    assert again == filed
    assert "Am Sandtorkai 41" in (again.customer.address_en or "")
    # a new order takes the master's new values
    drop(desk.workspace, "NR-2.yaml", {**order, "order_no": "NR-2"})
    desk.run_once()
    with desk.store.open("NR-2") as record:
        assert record.order.items[0].hs_code == "8467299000"


def test_an_unknown_code_is_refused_by_field(desk: Desk) -> None:
    root = _office(desk)
    drop(desk.workspace, "NR-3.yaml", {"order_no": "NR-3", "order_date": "2026-11-20",
                                       "customer": "NROD", "delivery_date": "2027-01-20",
                                       "items": [{"model": "HT-2020", "quantity": 4,
                                                  "unit_price": 1}]})
    [outcome] = desk.run_once()
    assert outcome.status == "rejected"
    report = (root / "inbox" / "_rejected" / "NR-3.yaml.error.txt").read_text("utf-8")
    assert "customer: found 'NROD'" in report and "masters/customers/" in report
    assert (root / "inbox" / "_rejected" / "NR-3.yaml").is_file()


def test_quote_accept_pay_and_state_the_account(workspace: Any, tmp_path: Path) -> None:
    desk = Desk(workspace, QUICK, clock=FixedClock(dt.datetime(2026, 11, 20, 9)))
    root = _office(desk)
    assert _cli(root, "masters", "import", str(BOOKS / "products.xlsx")).exit_code == 0
    quoted = _cli(root, "quote", str(BOOKS / "inquiry-NORD.yaml"))
    assert quoted.exit_code == 0, quoted.output
    folder = root / "books" / "quotations" / "QT-2026-0107" / "v1"
    offer = "".join(pdf_text(folder / "QT-2026-0107.pdf"))
    assert "报价单" in offer and "27.38" in offer and "宁波绿源" not in offer  # no factories
    costing = "".join(pdf_text(folder / "QT-2026-0107-costing.pdf"))
    assert "成本核算单" in costing and "NBLY" in costing
    sheet = load_workbook(folder / "QT-2026-0107-costing.xlsx").active
    assert sheet is not None
    values = [c for row in sheet.iter_rows(values_only=True) for c in row]
    assert D("27.38") in values or 27.38 in values
    assert (folder / "inquiry.yaml").read_bytes() == (BOOKS / "inquiry-NORD.yaml").read_bytes()
    # a second costing is version 2; the first stays
    assert _cli(root, "quote", str(BOOKS / "inquiry-NORD.yaml")).exit_code == 0
    assert (folder.parent / "v2").is_dir() and folder.is_dir()
    accepted = _cli(root, "accept", "QT-2026-0107", "--order-no", "NR-2026-0107", "--term",
                    "CIF", "--delivery-date", "2027-01-20")
    assert accepted.exit_code == 0, accepted.output
    desk.run_once()
    with desk.store.open("NR-2026-0107") as record:
        order = record.order
    assert order.quotation_no == "QT-2026-0107" and order.expected_costs
    margin = order.total_amount - order.total_expected_cost
    assert abs(margin - D("5970.90")) < D("0.10")  # the costing's CIF margin
    for update in sorted((BOOKS / "updates").glob("*.yaml")):
        shutil.copyfile(update, root / "inbox" / update.name)
    outcomes = desk.run_once()
    assert {o.status for o in outcomes} == {"archived"}, [o.message for o in outcomes]
    flow = history(desk, "NR-2026-0107")
    assert [p.kind for p in flow.payments] == ["deposit", "balance"]
    [row] = [r for r in desk.store.index.orders() if r["order_no"] == "NR-2026-0107"]
    assert D(row["received"]) == D("39344.05") and D(row["outstanding"]) == D("8226.05")
    assert any(d["kind"] == "payment" and "8,226.05" in d["what"] for d in row["due"])
    out = tmp_path / "soa.pdf"
    result = _cli(root, "statement", "NORD", "--from", "2026-11-01", "--to", "2027-04-30",
                  "-o", str(out), today="2027-04-30")
    assert result.exit_code == 0, result.output
    text = "".join(pdf_text(out))
    assert "对账表" in text and "8,226.05" in text and "CN-2027-003" in text
    book = load_workbook(out.with_suffix(".xlsx")).active
    assert book is not None
    rows = list(book.iter_rows(values_only=True))
    ageing = next(n for n, r in enumerate(rows) if r[0] == "账龄 Ageing (days)")
    assert [D(str(v)) for v in rows[ageing + 1][1:5]] == [D(0), D(0), D(0), D("8226.05")]
    # the ledger: received, outstanding and the expected margin per order
    assert _cli(root, "ledger", "-o", str(tmp_path / "ledger.xlsx")).exit_code == 0
    ledger = load_workbook(tmp_path / "ledger.xlsx").active
    assert ledger is not None
    head, *lines = list(ledger.iter_rows(values_only=True))
    line = dict(zip(head, lines[0], strict=True))
    assert D(str(line["已收 Received"])) == D("39344.05")
    assert D(str(line["未收 Outstanding"])) == D("8226.05")
    assert abs(D(str(line["预计毛利 Expected margin"])) - D("5970.90")) < D("0.10")


def test_a_payment_in_another_currency_is_refused(desk: Desk, order_data: dict[str, Any]
                                                  ) -> None:
    drop(desk.workspace, "PO-2026-0042.yaml", order_data)
    desk.run_once()
    drop(desk.workspace, "pay.yaml", {"update": "payment", "order_no": "PO-2026-0042",
                                      "date": "2026-11-05", "amount": 1000,
                                      "currency": "EUR"})
    [outcome] = desk.run_once()
    assert outcome.status == "rejected" and "currency" in outcome.message


def test_production_before_the_deposit_is_flagged(desk: Desk, order_data: dict[str, Any]
                                                  ) -> None:
    drop(desk.workspace, "PO-2026-0042.yaml", order_data)
    desk.run_once()
    drop(desk.workspace, "s.yaml", {"update": "status", "order_no": "PO-2026-0042",
                                    "status": "in_production", "at": "2026-11-06T08:00"})
    [outcome] = desk.run_once()
    assert any("before the deposit" in p for p in outcome.problems), outcome
    drop(desk.workspace, "pay.yaml", {"update": "payment", "order_no": "PO-2026-0042",
                                      "kind": "deposit", "date": "2026-11-07",
                                      "amount": "10000", "currency": "USD"})
    desk.run_once()
    [row] = desk.store.index.orders()
    [deposit, _] = row["schedule"]
    assert D(deposit["received"]) == D("10000") and D(deposit["outstanding"]) > 0


def test_an_order_that_differs_from_its_quotation_is_flagged(workspace: Any) -> None:
    desk = Desk(workspace, QUICK, clock=FixedClock(dt.datetime(2026, 11, 20, 9)))
    root = _office(desk)
    _cli(root, "masters", "import", str(BOOKS / "products.xlsx"))
    _cli(root, "quote", str(BOOKS / "inquiry-NORD.yaml"))
    order = {"order_no": "NR-9", "order_date": "2027-01-02", "quotation_no": "QT-2026-0107",
             "customer": "NORD", "price_term": "CIF", "delivery_date": "2027-02-20",
             "items": [{"model": "HT-2020", "quantity": 800, "unit_price": "26.90"},
                       {"model": "HR-45", "quantity": 200, "unit_price": "17.01"}]}
    drop(workspace, "NR-9.yaml", yaml.safe_dump(order))
    [outcome] = desk.run_once()
    flags = "\n".join(outcome.problems)
    assert "HT-2020: ordered at 26.90 EUR, quoted 27.38 CIF" in flags
    assert "HR-45: 200 ordered, the price was quoted for 450" in flags
    assert "expired on 2026-12-16" in flags


def test_a_sample_is_due_until_followed_up(workspace: Any) -> None:
    desk = Desk(workspace, QUICK, clock=FixedClock(dt.datetime(2026, 11, 20, 9)))
    root = _office(desk)
    shutil.copyfile(BOOKS / "SMP-2026-031.yaml", root / "inbox" / "SMP-2026-031.yaml")
    [outcome] = desk.run_once()
    assert outcome.status == "archived", outcome
    kept = root / "books" / "samples" / "NORD" / "SMP-2026-031" / "v1" / "SMP-2026-031.yaml"
    assert kept.read_bytes() == (BOOKS / "SMP-2026-031.yaml").read_bytes()
    result = _cli(root, "due", "--json")
    items = [i for i in json.loads(result.output)["items"] if i["kind"] == "sample_follow_up"]
    assert [(i["date"], i["overdue"]) for i in items] == [("2026-11-17", True)]
    assert "DHL 4471 9920 31" in items[0]["what"]
    follow = yaml.safe_load((BOOKS / "SMP-2026-031.yaml").read_text("utf-8"))
    drop(workspace, "SMP-2026-031.done.yaml", {**follow, "followed_up_on": "2026-11-19",
                                               "result": "likes HT-2020; inquiry coming"})
    assert [o.status for o in desk.run_once()] == ["archived"]
    result = _cli(root, "due", "--json")
    assert not [i for i in json.loads(result.output)["items"]
                if i["kind"] == "sample_follow_up"]
    drop(workspace, "SMP-9.yaml", {**follow, "id": "SMP-9", "customer": "NOBODY"})
    [refused] = desk.run_once()
    assert refused.status == "rejected" and "NOBODY" in refused.message


def test_the_books_travel_with_the_customer(workspace: Any, tmp_path: Path) -> None:
    desk = Desk(workspace, QUICK, clock=FixedClock(dt.datetime(2026, 11, 20, 9)))
    root = _office(desk)
    _cli(root, "masters", "import", str(BOOKS / "products.xlsx"))
    _cli(root, "quote", str(BOOKS / "inquiry-NORD.yaml"))
    shutil.copyfile(BOOKS / "SMP-2026-031.yaml", root / "inbox" / "SMP-2026-031.yaml")
    _cli(root, "accept", "QT-2026-0107", "--order-no", "NR-2026-0107", "--term", "CIF",
         "--delivery-date", "2027-01-20")
    desk.run_once()
    out = tmp_path / "nord.zip"
    exported = _cli(root, "export", "NORD", "-o", str(out))
    assert exported.exit_code == 0, exported.output
    other = tmp_path / "other"
    assert _cli(tmp_path, "init", str(other)).exit_code == 0
    imported = _cli(other, "import", str(out))
    assert imported.exit_code == 0, imported.output
    for relative in ("masters/customers/NORD.yaml",
                     "books/quotations/QT-2026-0107/v1/QT-2026-0107-costing.xlsx",
                     "books/samples/NORD/SMP-2026-031/v1/SMP-2026-031.yaml"):
        assert (other / relative).read_bytes() == (root / relative).read_bytes(), relative
    again = _cli(other, "import", str(out))
    assert again.exit_code == 0 and "0 file(s) filed" in again.output
    # a different master record here is kept, and named
    (other / "masters/customers/NORD.yaml").write_text("code: NORD\nname_en: Other\n", "utf-8")
    clash = _cli(other, "import", str(out))
    assert clash.exit_code == 4 and "masters/customers/NORD.yaml differs" in clash.output
    assert "Other" in (other / "masters/customers/NORD.yaml").read_text("utf-8")


# -- invariants over drawn cases -------------------------------------------------------------
money_st = st.decimals(min_value=D("0.5"), max_value=D(5000), places=2)


@settings(max_examples=150, deadline=None)
@given(price=money_st, vat=st.sampled_from([D(0), D(9), D(13)]),
       rebate=st.sampled_from([D(0), D(5), D(9), D(13)]), quantity=st.integers(1, 20000),
       per_carton=st.integers(1, 60), fx=st.decimals(min_value=D("0.05"), max_value=D(200),
                                                    places=4),
       margin=st.decimals(min_value=D(0), max_value=D(40), places=1),
       commission=st.decimals(min_value=D(0), max_value=D(10), places=1),
       inland=st.decimals(min_value=D(0), max_value=D(300), places=0),
       port=st.decimals(min_value=D(0), max_value=D(5000), places=0),
       freight=st.decimals(min_value=D(0), max_value=D(200), places=1),
       insurance=st.decimals(min_value=D(0), max_value=D(2), places=2))
def test_the_costing_keeps_its_promises(price: D, vat: D, rebate: D, quantity: int,
                                        per_carton: int, fx: D, margin: D, commission: D,
                                        inland: D, port: D, freight: D, insurance: D) -> None:
    """Over drawn prices, rates and quantities: each term costs at least the one before it,
    the margin left at the rounded price is the margin asked (within the cent's rounding),
    and the totals are the rounded prices times the quantities."""
    rates = Rates(exchange_rate=fx, margin_percent=margin, commission_percent=commission,
                  inland_freight_per_cbm=inland, port_charges=port,
                  freight={"per_cbm": freight}, insurance_rate_percent=insurance)
    masters = _masters(factory_price=price, vat_percent=vat, rebate_percent=rebate,
                       qty_per_carton=per_carton)
    costing = cost_inquiry(_inquiry(["EXW", "FOB", "CFR", "CIF"], quantity), masters, rates)
    [line] = costing.lines
    p = line.prices
    assert p["EXW"] <= p["FOB"] <= p["CFR"] <= p["CIF"]
    for term in p:
        assert costing.total(term) == (p[term] * quantity).quantize(D("0.01"))
        if p[term] >= 1:  # a cent's rounding is a small share of the price
            kept = line.profit[term] / p[term] * 100
            assert abs(kept - margin) <= D("0.5") / p[term] * 100 + D("0.01"), term


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 400), st.integers(1, 9000),
                          st.lists(st.tuples(st.integers(-60, 400), st.integers(1, 9000)),
                                   max_size=3)), min_size=1, max_size=6),
       st.integers(0, 300))
def test_the_statement_always_adds_up(orders: list[Any], period: int) -> None:
    """Over drawn invoices and receipts: what is brought forward and happens in the period
    makes the balance carried, and the ageing less the advances makes it too."""
    from pipeline.updates import ShipmentUpdate

    base = yaml.safe_load((EXAMPLES / "PO-2026-0042.yaml").read_text("utf-8"))
    start = dt.date(2027, 1, 1)
    end = start + dt.timedelta(days=period)
    pairs = []
    for n, (age, amount, receipts) in enumerate(orders):
        invoiced = end - dt.timedelta(days=age)
        order = Order.model_validate({**base, "order_no": f"O-{n}", "invoice_date": invoiced,
                                      "order_date": invoiced - dt.timedelta(days=90),
                                      "delivery_date": invoiced, "latest_shipment_date": None,
                                      "expected_costs": [],
                                      "items": [{**base["items"][0], "quantity": 1,
                                                 "unit_price": amount, "packing": None}]})
        flow = Workflow(shipment=ShipmentUpdate(update="shipment", order_no=f"O-{n}",
                                                bl_no="B", on_board_date=invoiced),
                        payments=tuple(PaymentUpdate(
                            update="payment", order_no=f"O-{n}",
                            date=invoiced + dt.timedelta(days=after), amount=D(paid),
                            currency="USD") for after, paid in receipts))
        pairs.append((order, flow))
    for sheet in statements("ACME", pairs, start, end):
        moved = sum((e.debit - e.credit for e in sheet.entries), D(0))
        assert sheet.brought_forward + moved == sheet.carried
        assert sum(sheet.ageing.values()) - sheet.advances == sheet.carried
        assert all(v >= 0 for v in sheet.ageing.values()) and sheet.advances >= 0


def test_the_rebate_rate_by_hs_code() -> None:
    """A product without its own rate takes the rate of the longest HS prefix that fits."""
    from pipeline.books.costing import rebate_rate

    rates = Rates(exchange_rate=D(7), rebate_by_hs={"8467": D(13), "8467.29": D(9)})
    product = _masters(rebate_percent=None, hs_code="8467.2900.00").products["A"]
    assert rebate_rate(product, rates) == D(9)
    other = _masters(rebate_percent=None, hs_code="8467110000").products["A"]
    assert rebate_rate(other, rates) == D(13)
    assert rebate_rate(_masters(rebate_percent=None, hs_code="3926909090").products["A"],
                       rates) == D(0)
    assert rebate_rate(_masters(rebate_percent=D(5), hs_code="8467290000").products["A"],
                       rates) == D(5)
