"""The rule catalogue: a clean order passes; one seeded discrepancy per rule is found."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from pipeline.compliance import RULES, Case, Extracted, Value, run_rules
from pipeline.compliance.rules import _named, display_name
from pipeline.config import Settings
from pipeline.credit import LetterOfCredit
from pipeline.flow import Workflow, update_adapter
from pipeline.intake.order_file import parse_order
from pipeline.words import words_en

D = Decimal
COMPANY = Settings().company


def _v(value: Any, document: str = "CI.pdf", page: int = 1) -> Value:
    return Value(value, str(value), document, page)


def _doc(name: str, doc_type: str, fields: dict[str, Any],
         items: list[dict[str, Any]] | None = None) -> Extracted:
    return Extracted(name, doc_type, 1, True, fields={k: _v(v, name) for k, v in fields.items()},
                     items=[{k: _v(v, name) for k, v in i.items()} for i in items or []])


def clean_case(order_data: dict[str, Any]) -> Case:
    order = parse_order({**order_data, "legal_inspection": True}, "test")
    at = dt.datetime(2026, 11, 3, 9)
    updates = [
        {"update": "approval", "role": "salesperson", "by": "王丽", "at": at},
        {"update": "approval", "role": "manager", "by": "李强", "at": at.replace(hour=10)},
        {"update": "approval", "role": "general_manager", "by": "张伟", "at": at.replace(hour=11)},
        {"update": "inspection", "kind": "third_party", "inspector": "SGS", "date": "2027-01-08",
         "booked_on": "2026-12-20"},
        {"update": "loading", "loading_time": "2027-01-13T08:30", "equipment_model": "HT-2020",
         "truck_plate": "浙B12345", "driver_phone": "13957428810"},
    ]
    parsed = [update_adapter.validate_python({"order_no": order.order_no, **u}) for u in updates]
    workflow = Workflow(approvals=tuple(parsed[:3]), inspection=parsed[3],  # type: ignore[arg-type]
                        loading=parsed[4])  # type: ignore[arg-type]
    common = {"order_no": order.order_no, "contract_no": order.contract_number,
              "date": dt.date(2027, 1, 12)}
    ci_items = [{"model": i.model, "quantity": i.quantity, "unit_price": i.unit_price,
                 "amount": i.amount} for i in order.items]
    pl_items, first = [], 1
    for i in order.items:
        assert i.packing is not None
        pl_items.append({"model": i.model, "quantity": i.quantity,
                         "qty_per_carton": i.packing.qty_per_carton, "cartons": i.packing.cartons,
                         "carton_from": first, "carton_to": first + i.packing.cartons - 1,
                         "net_weight_kg": i.packing.net_weight_kg,
                         "gross_weight_kg": i.packing.gross_weight_kg})
        first += i.packing.cartons
    shipping = {"packages": order.total_cartons, "gross_weight_kg": order.total_gross_weight_kg,
                "net_weight_kg": order.total_net_weight_kg, "volume_cbm": order.total_volume_cbm,
                "seller": COMPANY.name_en, "buyer": order.customer.name_en}
    documents = [
        _doc("CI.pdf", "commercial_invoice", {
            **common, **shipping, "title": "commercial_invoice", "invoice_no": "CI-88",
            "currency": "USD", "price_term": "FOB", "term_place": "Ningbo",
            "freight_clause": "FREIGHT COLLECT", "total_amount": order.total_amount,
            "words": words_en(order.total_amount, "USD"),
            "words_value": order.total_amount}, ci_items),
        _doc("PL.pdf", "packing_list", {**common, **shipping, "title": "packing_list",
                                        "invoice_no": "CI-88",
                                        "shipping_marks": "ACME / PO-2026-0042"}, pl_items),
        _doc("CERT.pdf", "inspection_certificate", {"date": dt.date(2027, 1, 9)}),
        _doc("WC.pdf", "warranty_card", {}, [{"model": "HT-2020"}, {"model": "LM-1600"}]),
        _doc("BL.pdf", "bill_of_lading", {
            "port_of_loading": "Ningbo", "port_of_discharge": "Long Beach",
            "on_board": "SHIPPED ON BOARD",
            "on_board_date": dt.date(2027, 1, 14), "packages": order.total_cartons,
            "gross_weight_kg": order.total_gross_weight_kg, "seller": COMPANY.name_en,
            "buyer": order.customer.name_en, "shipping_marks": "ACME / PO-2026-0042",
            "carrier_signature": "signed as carrier"}),
        _doc("IR.pdf", "inspection_report", {"inspection_result": "PASS",
                                             "date": dt.date(2027, 1, 8)}),
        _doc("UM.pdf", "user_manual", {}, [{"model": "HT-2020"}, {"model": "LM-1600"}]),
        _doc("SC.pdf", "sales_contract", {"contract_no": order.contract_number,
                                          "total_amount": order.total_amount}),
    ]
    required = ["commercial_invoice", "packing_list", "inspection_certificate", "warranty_card",
                "loading_notice"]
    return Case(order=order, workflow=workflow, documents=documents, required=required,
                present={t: [f"{t}.pdf"] for t in required}, drafts=[],
                company_names=(COMPANY.name_zh, COMPANY.name_en),
                thresholds=Settings().approval.general_manager_threshold,
                lead_days={"in_house": 7, "customer": 7, "third_party": 14},
                handover_date=dt.date(2027, 1, 20))


def _doc_named(name: str, doc_type: str, fields: dict[str, Any],
               items: list[dict[str, Any]] | None = None) -> Callable[[Case], None]:
    def seed(case: Case) -> None:
        case.documents.append(_doc(name, doc_type, fields, items))
    return seed


def _total(doc: int, name: str, value: Any) -> Callable[[Case], None]:
    def seed(case: Case) -> None:
        case.documents[doc].totals[name] = _v(value, case.documents[doc].document)
    return seed


def _carton_size(size: str) -> Callable[[Case], None]:
    def seed(case: Case) -> None:
        first = case.order.items[0]
        assert first.packing is not None
        changed = first.model_copy(update={"packing": first.packing.model_copy(
            update={"carton_size_cm": size})})
        case.order = case.order.model_copy(update={"items": [changed, *case.order.items[1:]]})
    return seed


def _field(doc: int, name: str, value: Any) -> Callable[[Case], None]:
    def seed(case: Case) -> None:
        case.documents[doc].fields[name] = _v(value, case.documents[doc].document)
    return seed


def _item(doc: int, line: int, name: str, value: Any) -> Callable[[Case], None]:
    def seed(case: Case) -> None:
        case.documents[doc].items[line][name] = _v(value, case.documents[doc].document)
    return seed


def _workflow(**changes: Any) -> Callable[[Case], None]:
    def seed(case: Case) -> None:
        updates = {}
        for key, value in changes.items():
            current = getattr(case.workflow, key)
            updates[key] = value(current) if callable(value) else value
        case.workflow = case.workflow.model_copy(update=updates)
    return seed


def _order(**changes: Any) -> Callable[[Case], None]:
    def seed(case: Case) -> None:
        case.order = case.order.model_copy(update=changes)
    return seed


def _loading(**fields: Any) -> Callable[[Case], None]:
    return _workflow(loading=lambda loading: loading.model_copy(update=fields))


SEEDED: dict[str, tuple[Callable[[Case], None], str]] = {
    "arithmetic.line_amount": (_item(0, 0, "amount", D("23000.00")),
                               "HT-2020: 600 x 38.5 = 23100.00, but the line says 23000.00"),
    "arithmetic.lines_total": (_field(0, "total_amount", D("58200.00")),
                               "the lines add up to 58,260.00 but the total reads 58,200.00"),
    "arithmetic.amount_in_words": (_field(0, "words_value", D("50000")),
                                   "says 50,000.00, the figures 58,260.00"),
    "terms.currency": (_field(0, "currency", "EUR"), "currency EUR on CI.pdf"),
    "terms.price_term": (_field(0, "price_term", "CIF"), "price term CIF"),
    "terms.named_place": (_field(0, "term_place", "Shanghai"),
                          "FOB Shanghai (CI.pdf p.1): FOB names the place of loading or "
                          "delivery, Ningbo"),
    "terms.insurance": (_order(price_term="CIF", insurance_amount=D("60000")),
                        "the order insures USD 60,000.00, less than 110 %"),
    "terms.freight": (_order(price_term="CFR"), "CFR: the seller pays the freight, but the "
                      "order states none"),
    "terms.freight_clause": (_field(0, "freight_clause", "FREIGHT PREPAID"),
                             "but under FOB the freight is collect"),
    "totals.amount": (_field(0, "total_amount", D("58360.00")), "the order totals 58,260.00"),
    "totals.packages": (_field(1, "packages", D(699)), "packages 699"),
    "totals.gross_weight": (_field(1, "gross_weight_kg", D("8700")), "gross weight kg 8700"),
    "totals.net_weight": (_field(1, "net_weight_kg", D("7700")), "net weight kg 7700"),
    "totals.volume": (_field(1, "volume_cbm", D("60")), "volume CBM 60"),
    "totals.net_not_above_gross": (_field(1, "net_weight_kg", D("9000")),
                                   "net weight 9000 kg is above gross weight"),
    "totals.quantity": (_item(1, 1, "quantity", D(290)), "LM-1600: quantity 290"),
    "packing.cartons_times_quantity": (_item(1, 0, "cartons", 149), "4 x 149 cartons = 596"),
    "packing.carton_numbers": (_item(1, 1, "carton_from", 140),
                               "cartons 140-450 (LM-1600): overlap"),
    "packing.lines_total": (_field(1, "packages", 710), "lines add up to 700 cartons"),
    "models.not_on_order": (_item(3, 0, "model", "HT-3030"), "model HT-3030"),
    "models.missing": (lambda c: c.documents[1].items.pop(2), "model HR-45 of the order"),
    "references.order_no": (_field(1, "order_no", "PO-2026-0024"), "order no. PO-2026-0024"),
    "references.contract_no": (_field(0, "contract_no", "SC-2026-9999"), "SC-2026-9999"),
    "references.invoice_no": (_field(1, "invoice_no", "CI-89"), "invoice no. CI-89"),
    "parties.buyer": (_field(0, "buyer", "ACME Tools Inc."), "buyer 'ACME Tools Inc.'"),
    "parties.seller": (_field(0, "seller", "Ningbo Other Trading Co., Ltd."),
                       "seller 'Ningbo Other Trading Co., Ltd.'"),
    "dates.not_after_handover": (_field(2, "date", dt.date(2027, 1, 21)),
                                 "dated 2027-01-21"),
    "dates.invoice_not_after_shipment": (_field(0, "date", dt.date(2027, 1, 14)),
                                         "invoice dated 2027-01-14 (商业发票 Commercial Invoice "
                                         "No. CI-88 (received) p.1), after loading on 2027-01-13"),
    "dates.inspection_before_loading": (
        _workflow(inspection=lambda i: i.model_copy(update={"date": dt.date(2027, 1, 14)})),
        "loading on 2027-01-13, inspection on 2027-01-14"),
    "dates.loading_by_latest_shipment": (
        _loading(loading_time=dt.datetime(2027, 1, 26, 8)), "latest shipment date 2027-01-25"),
    "dates.inspection_lead_time": (
        _workflow(inspection=lambda i: i.model_copy(update={"booked_on": dt.date(2027, 1, 3)})),
        "booked on 2027-01-03, deadline 2027-01-01"),
    "legal.certificate": (_field(2, "date", dt.date(2027, 1, 15)),
                          "certificate dated 2027-01-15, after loading"),
    "loading.complete": (_loading(truck_plate="AB1234"), "truck plate AB1234"),
    "approvals.complete": (_workflow(approvals=lambda a: a[:2]),
                           "lacks general_manager (general manager needed:"),
    "approvals.before_documents": (_workflow(approvals=lambda a: (a[0], a[2], a[1])),
                                   "not dated in the order"),
    "title.not_proforma": (_field(0, "title", "proforma"), "CI.pdf is titled proforma"),
    "complete.required": (lambda c: c.present.pop("warranty_card"), "no warranty card archived"),
    "complete.final": (lambda c: c.drafts.append("SC_v1.pdf"), "SC_v1.pdf is still a DRAFT"),
    "complete.readable": (lambda c: c.documents.append(Extracted("SCAN.pdf", "transport_contract",
                                                                 2, False)),
                          "SCAN.pdf: no text: needs review"),
    "complete.flags": (_loading(equipment_model="XX"), "equipment model XX is not on the order"),
    "prices.unit_price": (_item(0, 0, "unit_price", D("38.00")),
                          "HT-2020: unit price 38.00 (CI.pdf p.1), the order has 38.5"),
    "lines.packing_vs_invoice": (_item(1, 2, "quantity", D(390)), "HR-45: 390 packed"),
    "lines.hs_code": (lambda c: (_order(items=[c.order.items[0].model_copy(update={
        "hs_code": "8467.29"}), *c.order.items[1:]])(c), _item(0, 0, "hs_code", "8508.11")(c)),
        "HT-2020: HS code 8508.11 (CI.pdf p.1), the order has 846729"),
    "lines.origin": (lambda c: (_order(items=[i.model_copy(update={"origin": "China"})
                                              for i in c.order.items])(c),
                                _doc_named("CO.pdf", "certificate_of_origin",
                                           {"origin": "Vietnam"})(c)),
                     "origin Vietnam (CO.pdf p.1), the order's goods are of china"),
    "packing.per_carton_weight": (_item(1, 0, "net_weight_kg", D("1500")),
                                  "HT-2020: net weight 1500 kg"),
    "packing.line_gross_vs_net": (_item(1, 3, "net_weight_kg", D("700")),
                                  "PS-08: net 700 kg above gross 650 kg"),
    "packing.volume_vs_size": (_carton_size("10x10x10"), "HT-2020: 9.45 CBM in the order"),
    "packing.weight_totals": (_total(1, "gross_weight_kg", D("9000")),
                              "the total row says 9000"),
    "totals.invoice_vs_contract": (_field(7, "total_amount", D("58000.00")),
                                   "contract total 58,000.00 (SC.pdf p.1), the invoice's "
                                   "58,260.00"),
    "shipping.bl_vs_packing": (_field(4, "packages", D(690)), "packages 690 on the bill"),
    "arithmetic.quantity_total": (_total(0, "quantity", D(3600)),
                                  "the lines add up to 3700 pieces, the total row says 3600"),
    "marks.shipping": (_field(1, "shipping_marks", "MUELLER / HD-240317"),
                       "the documents show different marks"),
    "ports.loading": (_field(4, "port_of_loading", "Shanghai"),
                      "port of loading Shanghai (BL.pdf p.1), the order ships from Ningbo"),
    "ports.discharge": (_field(4, "port_of_discharge", "Oakland"),
                        "port of discharge Oakland (BL.pdf p.1)"),
    "inspection.result": (_field(5, "inspection_result", "不合格"),
                          "the inspection result is 不合格"),
    "inspection.report_before_loading": (_field(5, "date", dt.date(2027, 1, 15)),
                                         "inspection report dated 2027-01-15"),
    "warranty.models": (lambda c: c.documents[3].items.clear(),
                        "WC.pdf names none of the order's models"),
    "manual.models": (lambda c: c.documents[6].items.clear(),
                      "UM.pdf names none of the order's models"),
    "parties.on_every_document": (lambda c: c.documents[4].fields.pop("buyer"),
                                  "BL.pdf shows no buyer"),
    "bl.clean": (_field(4, "clauses", "damaged"), "the bill of lading says 'damaged'"),
    "bl.signed": (lambda c: c.documents[4].fields.pop("carrier_signature"),
                  "Bill of Lading (received) shows no signature of the carrier"),
    "totals.packages_in_words": (_field(1, "packages_words_value", 1000),
                                 "says 1000 packages, the figures"),
    "bl.on_board": (lambda c: (c.documents[4].fields.pop("on_board"),
                               c.documents[4].fields.pop("on_board_date")),
                    "Bill of Lading (received) has no on-board notation"),
    "insurance.date": (_doc_named("INS.pdf", "insurance_policy",
                                  {"date": dt.date(2027, 1, 16)}),
                       "insurance dated 2027-01-16 (INS.pdf p.1), after shipment on 2027-01-14"),
    "extract.required_fields": (lambda c: (c.documents[0].required.extend(
        ["invoice_no", "buyer"]), c.documents[0].missing.append("buyer")),
        "CI.pdf: could not read buyer (read 1 of 2)"),
    "title.commercial_invoice": (lambda c: c.documents[0].fields.pop("title"),
                                 "CI.pdf has no title"),
    "references.customer_po": (_field(1, "customer_po", "ACME-7718"),
                               "buyer's order no. ACME-7718"),
    "dates.presentation_period": (lambda c: setattr(c, "handover_date",
                                                    dt.date(2027, 2, 20)),
                                  "37 days, the period is 21"),
    "dates.documents_vs_shipment": (_field(4, "on_board_date", dt.date(2027, 1, 11)),
                                    "after the goods were shipped on board on 2027-01-11"),
    "dates.shipment_by_latest": (_field(4, "on_board_date", dt.date(2027, 1, 26)),
                                 "after the latest shipment date 2027-01-25"),
    "dates.invoice_after_contract": (_field(0, "date", dt.date(2026, 10, 30)),
                                     "before the contract of 2026-11-02"),
}


def _credit(**fields: Any) -> Callable[[Case], None]:
    """The order under a letter of credit that differs in `fields` from one that fits it."""
    base: dict[str, Any] = {"number": "LC-1", "issue_date": "2026-11-10",
                            "issuing_bank": "Bank of America, Long Beach", "amount": "60000",
                            "expiry_date": "2027-02-28"}

    def seed(case: Case) -> None:
        credit = LetterOfCredit.model_validate({**base, **fields})
        case.order = case.order.model_copy(update={"letter_of_credit": credit})
        case.documents[0].text = "COMMERCIAL INVOICE GARDEN TOOLS AND LAWN MOWERS"
    return seed


SEEDED.update({
    "credit.amount": (_credit(amount="30000"), "more than its 30,000.00"),
    "credit.shipment": (_credit(latest_shipment_date="2027-01-10"),
                        "after the latest shipment date 2027-01-10 of L/C LC-1"),
    "credit.presentation": (_credit(expiry_date="2027-01-15"), "expired on 2027-01-15"),
    "credit.documents": (_credit(documents=[{"document": "原产地证书", "originals": 2}]),
                         "asks for the certificate of origin (2 originals)"),
    "credit.goods": (_credit(goods="ELECTRIC BICYCLES"), "description of the goods"),
})


def _unsealed_scan(case: Case) -> None:
    """The packing list came as a scan that shows no red seal, where the office asks for one."""
    case.documents[1].sealed = False
    case.seal_types = ("packing_list",)


SEEDED["documents.factory_seal"] = (_unsealed_scan, "no red seal found on the scan of")


def test_a_credit_that_fits_draws_no_finding(order_data: dict[str, Any]) -> None:
    case = clean_case(order_data)
    _credit(goods="garden tools and lawn mowers",
            documents=[{"document": "commercial_invoice", "originals": 3}])(case)
    assert run_rules(case) == []


def test_the_catalogue_has_at_least_60_rules_each_seeded_here() -> None:
    assert len(RULES) >= 60
    assert set(SEEDED) == set(RULES)
    for rule in RULES.values():
        assert rule.reference and rule.title and rule.severity in {"error", "warning", "review"}


def test_a_clean_order_passes(order_data: dict[str, Any]) -> None:
    assert run_rules(clean_case(order_data)) == []


@pytest.mark.parametrize("rule_id", sorted(SEEDED))
def test_each_seeded_discrepancy_is_found(order_data: dict[str, Any], rule_id: str) -> None:
    case = clean_case(order_data)
    seed, message = SEEDED[rule_id]
    seed(case)
    findings = run_rules(case)
    mine = [f for f in findings if f.rule == rule_id]
    assert mine, f"{rule_id} found nothing; all findings: {findings}"
    # documents are named as people name them (type and number), not by their file
    message = _named(message, {d.document: display_name(d) for d in case.documents})
    assert any(message in f.message for f in mine), [f.message for f in mine]
    # a total row over lines in several units is a warning: it may count one unit only
    assert all(f.severity in {RULES[rule_id].severity, "review"} or (
        f.severity == "warning" and "(lines in " in f.message) for f in mine)


def test_names_differing_only_in_company_form_do_not_conflict(order_data: dict[str, Any]) -> None:
    case = clean_case(order_data)
    _field(0, "buyer", "ACME HOME & GARDEN SUPPLY CO LTD")(case)
    _field(0, "seller", "Hangzhou Gendan Trading Company Limited")(case)
    assert run_rules(case, only=["parties.buyer", "parties.seller"]) == []


def test_weights_within_the_tolerance_pass(order_data: dict[str, Any]) -> None:
    case = clean_case(order_data)
    _field(1, "gross_weight_kg", D("8950"))(case)  # +0.39 %: within 0.5 %
    assert run_rules(case, only=["totals.gross_weight"]) == []


def test_the_unchanged_clean_case_is_not_shared(order_data: dict[str, Any]) -> None:
    first = clean_case(copy.deepcopy(order_data))
    SEEDED["totals.packages"][0](first)
    assert run_rules(clean_case(order_data), only=["totals.packages"]) == []


def test_a_factory_card_that_names_some_of_its_models_must_name_all(
        order_data: dict[str, Any]) -> None:
    case = clean_case(order_data)
    case.documents[3].items[:] = [_doc("WC.pdf", "warranty_card", {}, [{"model": "HT-2020"}])
                                  .items[0]]
    found = run_rules(case, only=["warranty.models"])
    assert [f.message for f in found] == ["no warranty card for LM-1600 (they name HT-2020)"]
    # a second card for the other model is as good as one for both
    case.documents.append(_doc("WC2.pdf", "warranty_card", {}, [{"model": "LM-1600"}]))
    assert run_rules(case, only=["warranty.models"]) == []


def test_a_carton_range_must_hold_the_lines_cartons(order_data: dict[str, Any]) -> None:
    case = clean_case(order_data)
    first = case.documents[1].items[0]
    first["carton_to"] = _v(first["carton_to"].value - 3, "PL.pdf")
    messages = [f.message for f in run_rules(case, only=["packing.carton_numbers"])]
    assert ("cartons 1-147 (HT-2020) are 147 cartons, the line packs 150 (装箱单 Packing List "
            "No. CI-88 (received) p.1)") in messages


@pytest.mark.parametrize(("field", "value"), [
    ("port_of_loading", "宁波"), ("port_of_loading", "NINGBO, CHINA"),
    ("port_of_loading", "Port of Ningbo"), ("port_of_discharge", "长滩"),
    ("port_of_discharge", "LONG BEACH, CA"), ("term_place", "宁波")])
def test_places_named_in_chinese_or_with_their_country_agree(
        order_data: dict[str, Any], field: str, value: str) -> None:
    case = clean_case(order_data)
    _field(4 if field != "term_place" else 0, field, value)(case)
    assert run_rules(case, only=["ports.loading", "ports.discharge",
                                 "terms.named_place"]) == []
    _field(4 if field != "term_place" else 0, field, "上海" if "loading" in field or
           field == "term_place" else "鹿特丹")(case)
    assert run_rules(case, only=["ports.loading", "ports.discharge", "terms.named_place"])


def test_a_row_read_without_its_model_keeps_the_document_on_the_whole_order(
        order_data: dict[str, Any]) -> None:
    """A packing list whose models read are one factory's covers that factory's lines, but
    not when a row of it was read without its model: that row may be another factory's,
    so its totals are held against the whole order (a review where they differ), never an
    error over one factory's lines."""
    from pipeline.compliance.scope import scope_all

    order = parse_order(order_data, "test")
    own = [i for i in order.items if i.manufacturer == "宁波绿源电器有限公司"]
    rows = [{"model": i.model, "quantity": i.quantity} for i in own]
    whole = _doc("PL.pdf", "packing_list", {"total_quantity": sum(i.quantity for i in own)},
                 rows)
    scope_all([whole], order)
    assert whole.scope == tuple(sorted(i.model for i in own))
    other = next(i for i in order.items if i.manufacturer != "宁波绿源电器有限公司")
    lost = _doc("PL.pdf", "packing_list",
                {"total_quantity": sum(i.quantity for i in own) + other.quantity},
                [*rows, {"quantity": other.quantity}])
    scope_all([lost], order)
    assert lost.scope == ()
