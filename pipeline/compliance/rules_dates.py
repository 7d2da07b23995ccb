"""Rules on dates around the shipment: presentation within the period, documents not
dated after shipment, shipment by the latest date, the invoice after the contract."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from .case import Case, Finding
from .rules import Rule, _values, rule


def shipment_date(case: Case) -> dt.date | None:
    """The date of shipment: the bill of lading's on-board date, else the loading date."""
    for doc in case.of_type("bill_of_lading"):
        for name in ("on_board_date", "date"):
            if name in doc.fields:
                value: dt.date = doc.fields[name].value
                return value
    if case.workflow.shipment is not None:
        return case.workflow.shipment.on_board_date
    loading = case.workflow.loading
    return loading.loading_time.date() if loading is not None else None


@rule("dates.presentation_period", "error", "documents presented within the period after "
      "shipment", "UCP 600 art. 14(c)")
def presentation_period(case: Case, this: Rule) -> Iterator[Finding]:
    shipped = shipment_date(case)
    days = case.order.presentation_days
    if shipped is not None and (case.handover_date - shipped).days > days:
        yield this.finding(f"shipped on {shipped}, handed over on {case.handover_date}: "
                           f"{(case.handover_date - shipped).days} days, the period is {days}")


@rule("dates.documents_vs_shipment", "error", "invoice and packing list not dated after the "
      "bill of lading", "examiner check 8; ISBP 745 A11")
def documents_vs_shipment(case: Case, this: Rule) -> Iterator[Finding]:
    on_board = next((d.fields[n].value for d in case.of_type("bill_of_lading")
                     for n in ("on_board_date", "date") if n in d.fields), None)
    if on_board is None:
        return
    for doc, value in _values(case, "date", ("commercial_invoice", "packing_list")):
        if value.value > on_board:
            yield this.finding(f"dated {value.value} ({value.where()}), after the goods were "
                               f"shipped on board on {on_board}", doc.document, evidence=[value])


@rule("dates.shipment_by_latest", "error", "shipped on board by the latest shipment date",
      "UCP 600 art. 31; examiner check 8")
def shipment_by_latest(case: Case, this: Rule) -> Iterator[Finding]:
    latest = case.order.latest_shipment_date or case.order.delivery_date
    for doc in case.of_type("bill_of_lading"):
        for name in ("on_board_date", "date"):
            if name in doc.fields:
                value = doc.fields[name]
                if value.value > latest:
                    yield this.finding(f"shipped on board on {value.value} ({value.where()}), "
                                       f"after the latest shipment date {latest}", doc.document,
                                       evidence=[value])
                break


@rule("dates.invoice_after_contract", "warning", "the invoice is not dated before the contract",
      "examiner check 8")
def invoice_after_contract(case: Case, this: Rule) -> Iterator[Finding]:
    signed = case.order.contract_date or case.order.order_date
    for doc, value in _values(case, "date", ("commercial_invoice",)):
        if value.value < signed:
            yield this.finding(f"invoice dated {value.value} ({value.where()}), before the "
                               f"contract of {signed}", doc.document, evidence=[value])
