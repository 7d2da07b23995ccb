"""Rules on figures: arithmetic, terms, totals across documents, packing, models."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from .case import Case, Finding
from .extract import Extracted
from .rules import COMMERCIAL, SHIPPING, Rule, _differs, _values, rule
from .scope import lines_of, partial, read_whole, sums
from .values import Value


# -- 1. arithmetic ---------------------------------------------------------------------------
@rule("arithmetic.line_amount", "error", "quantity x unit price = line amount",
      "examiner check 1; ISBP 745 C5")
def line_amounts(case: Case, this: Rule) -> Iterator[Finding]:
    for doc in case.of_type(*COMMERCIAL):
        for item in doc.items:
            if {"quantity", "unit_price", "amount"} <= set(item):
                q, p, a = (item[k].value for k in ("quantity", "unit_price", "amount"))
                if abs(q * p - a) > case.tolerances.amount:
                    yield this.finding(
                        f"{_name(item)}: {q} x {p} = {q * p:.2f}, but the line says "
                        f"{a} ({item['amount'].where()})", doc.document,
                        evidence=[item[k] for k in ("quantity", "unit_price", "amount")])


@rule("arithmetic.lines_total", "error", "line amounts add up to the total",
      "examiner check 1; ISBP 745 C5")
def lines_total(case: Case, this: Rule) -> Iterator[Finding]:
    for doc in case.of_type(*COMMERCIAL):
        amounts = [i["amount"].value for i in doc.items if "amount" in i]
        total = doc.get("total_amount")
        if amounts and total is not None and len(amounts) == len(lines_of(doc, case.order)) and \
                abs(sum(amounts) - total) > case.tolerances.amount:
            yield this.finding(
                f"the lines add up to {sum(amounts):,.2f} but the total reads {total:,.2f} "
                f"({doc.fields['total_amount'].where()})", doc.document,
                evidence=[doc.fields["total_amount"], *(i["amount"] for i in doc.items
                                                        if "amount" in i)])


@rule("arithmetic.amount_in_words", "error", "amount in words equals the figures (大小写一致)",
      "examiner check 1")
def amount_in_words(case: Case, this: Rule) -> Iterator[Finding]:
    for doc in case.of_type(*COMMERCIAL):
        read = doc.fields.get("total_amount")
        total = read.value if read else sums(lines_of(doc, case.order))["amount"]
        assert total is not None
        unsure = read is None and partial(doc, case.order)  # whose total it is, unknown
        for name in ("words_value", "words_zh_value"):
            said = doc.fields.get(name)
            if said is not None and abs(said.value - total) > case.tolerances.amount:
                yield this.finding(
                    f"the amount in words '{said.raw[:80]}' says {said.value:,.2f}, the "
                    f"{'figures' if read else 'lines it covers total'} {total:,.2f} "
                    f"({said.where()})", doc.document, evidence=[said, read],
                    severity="review" if unsure else None)


# -- 2. currency and terms -------------------------------------------------------------------
@rule("terms.currency", "error", "currency agrees with the order", "examiner check 2; UCP 600 "
      "art. 18(a)(iii)")
def currency(case: Case, this: Rule) -> Iterator[Finding]:
    expected = "CNY" if case.order.currency == "RMB" else case.order.currency
    for doc in case.of_type(*COMMERCIAL, "insurance_policy"):
        for field in ("currency", "total_currency"):  # one finding per document
            value = doc.fields.get(field)
            if value is None:
                continue
            found = "CNY" if value.value.upper() == "RMB" else value.value.upper()
            if found != expected:
                yield this.finding(
                    f"currency {found} on {doc.document} ({value.where()}), the order is in "
                    f"{expected}", doc.document, evidence=[value])
                break


@rule("terms.price_term", "error", "price term (FOB/CIF ...) agrees with the order",
      "examiner check 2; ISBP 745 C11")
def price_term(case: Case, this: Rule) -> Iterator[Finding]:
    for doc, value in _values(case, "price_term", COMMERCIAL):
        found = "CFR" if value.value.upper() == "CNF" else value.value.upper()
        if found != case.order.price_term:
            yield this.finding(
                f"price term {found} ({value.where()}), the order says {case.order.price_term}",
                doc.document, evidence=[value])


# -- 3. totals across documents --------------------------------------------------------------
@rule("totals.amount", "error", "invoice total equals the order total", "examiner check 3; "
      "UCP 600 art. 18(b)")
def total_amount(case: Case, this: Rule) -> Iterator[Finding]:
    for doc, value in _values(case, "total_amount", ("commercial_invoice", "proforma_invoice")):
        expected = sums(lines_of(doc, case.order))["amount"]
        assert expected is not None
        if abs(value.value - expected) > case.tolerances.amount:
            yield this.finding(
                f"total {value.value:,.2f} ({value.where()}), the order totals "
                f"{expected:,.2f}{_over(doc)}{PARTIAL if partial(doc, case.order) else ''}",
                doc.document, evidence=[value],
                severity="review" if partial(doc, case.order) else None)
    yield from _together(case, this, "commercial_invoice", "total_amount", "amount",
                         case.order.total_amount, "invoiced", Decimal(0))


PARTIAL = (" (the document lists only some of the order's lines, and whose they are could "
           "not be told: to review)")


def _over(doc: Extracted) -> str:
    return f" over the lines it covers ({', '.join(doc.scope)})" if doc.scope else ""


def _together(case: Case, this: Rule, doc_type: str, field: str, key: str,
              expected: Decimal | int | None, what: str, percent: Decimal
              ) -> Iterator[Finding]:
    """Documents that each cover some factories' lines, together against the whole order
    (when together they cover every line, each once)."""
    parts = [d for d in case.of_type(doc_type) if d.scope]
    covered = [m for d in parts for m in d.scope]
    if expected is None or len(parts) < 2 or len(covered) != len(set(covered)) or \
            set(covered) != {i.model for i in case.order.items}:
        return
    read = [d.fields[field] for d in parts if field in d.fields]
    if len(read) != len(parts):
        return
    found = sum((Decimal(v.value) for v in read), Decimal(0))
    if _differs(found, Decimal(expected), percent, Decimal("0.001")):
        yield this.finding(f"{what} {found} over the {len(parts)} factories' documents "
                           f"together, the order says {expected}",
                           *(d.document for d in parts), evidence=read)


def _totals(case: Case, this: Rule, field: str, key: str, what: str,
            percent: Decimal) -> Iterator[Finding]:
    for doc, value in _values(case, field, SHIPPING):
        expected = sums(lines_of(doc, case.order))[key]
        if expected is not None and _differs(Decimal(value.value), Decimal(expected), percent,
                                             Decimal("0.001")):
            yield this.finding(
                f"{what} {value.value} ({value.where()}), the order says {expected}"
                f"{_over(doc)}{PARTIAL if partial(doc, case.order) else ''}", doc.document,
                evidence=[value], severity="review" if partial(doc, case.order) else None)
    for doc_type in SHIPPING:
        whole = sums(list(case.order.items))[key]
        yield from _together(case, this, doc_type, field, key, whole, what, percent)


@rule("totals.packages", "error", "number of packages (件数) agrees", "examiner check 3; "
      "ISBP 745 L3")
def packages(case: Case, this: Rule) -> Iterator[Finding]:
    yield from _totals(case, this, "packages", "cartons", "packages", Decimal(0))


@rule("totals.gross_weight", "error", "gross weight (毛重) agrees", "examiner check 3; ISBP 745 L3")
def gross_weight(case: Case, this: Rule) -> Iterator[Finding]:
    yield from _totals(case, this, "gross_weight_kg", "gross_weight_kg", "gross weight kg",
                       case.tolerances.weight_percent)


@rule("totals.net_weight", "error", "net weight (净重) agrees", "examiner check 3; ISBP 745 L3")
def net_weight(case: Case, this: Rule) -> Iterator[Finding]:
    yield from _totals(case, this, "net_weight_kg", "net_weight_kg", "net weight kg",
                       case.tolerances.weight_percent)


@rule("totals.volume", "warning", "volume (CBM) agrees", "examiner check 3")
def volume(case: Case, this: Rule) -> Iterator[Finding]:
    yield from _totals(case, this, "volume_cbm", "volume_cbm", "volume CBM",
                       case.tolerances.volume_percent)


@rule("totals.net_not_above_gross", "error", "net weight is never above gross weight",
      "examiner check 3")
def net_not_above_gross(case: Case, this: Rule) -> Iterator[Finding]:
    for doc in case.of_type(*SHIPPING):
        net, gross = doc.get("net_weight_kg"), doc.get("gross_weight_kg")
        if net is not None and gross is not None and net > gross:
            yield this.finding(
                f"net weight {net} kg is above gross weight {gross} kg", doc.document,
                evidence=[doc.fields["net_weight_kg"], doc.fields["gross_weight_kg"]])


@rule("totals.quantity", "error", "item quantities agree with the order", "examiner check 3; "
      "UCP 600 art. 30")
def quantities(case: Case, this: Rule) -> Iterator[Finding]:
    ordered = {i.model: i.quantity for i in case.order.items}
    for doc in case.of_type(*SHIPPING):
        for item in doc.items:
            model = item["model"].value if "model" in item else None
            if "quantity" in item and model in ordered and item["quantity"].value != ordered[model]:
                yield this.finding(
                    f"{model}: quantity {item['quantity'].value} ({item['quantity'].where()}), "
                    f"the order has {ordered[model]}", doc.document,
                    evidence=[item["quantity"], item["model"]])


def _name(item: dict[str, Value]) -> str:
    """The line's model, or where the line is when its model was not read."""
    if "model" in item:
        return str(item["model"].value)
    first = next(iter(item.values()))
    return f"a line on p.{first.page}"


# -- 4. packing list internals ---------------------------------------------------------------
@rule("packing.cartons_times_quantity", "error", "qty = qty per carton x cartons (the last "
      "carton may be a part carton)",
      "examiner check 4")
def cartons_times_quantity(case: Case, this: Rule) -> Iterator[Finding]:
    for doc in case.of_type("packing_list"):
        for item in doc.items:
            if {"quantity", "qty_per_carton", "cartons"} <= set(item):
                q, per, ctns = (item[k].value for k in ("quantity", "qty_per_carton", "cartons"))
                if not per * (ctns - 1) < q <= per * ctns:  # the last may be a part carton
                    yield this.finding(
                        f"{_name(item)}: {per} x {ctns} cartons = {per * ctns}, not {q}"
                        + (" (nor a part carton at the end)" if q < per * ctns else ""),
                        doc.document, evidence=[item["quantity"], item["qty_per_carton"],
                                                item["cartons"]])


@rule("packing.carton_numbers", "error", "carton number ranges are continuous, no overlap",
      "examiner check 4")
def carton_numbers(case: Case, this: Rule) -> Iterator[Finding]:
    for doc in case.of_type("packing_list"):
        expected: int | None = 1
        before: Value | None = None
        for item in doc.items:  # a row whose range was not read: what follows is not known
            if not {"carton_from", "carton_to"} <= set(item):
                expected, before = None, None
                continue
            first, last = int(item["carton_from"].value), int(item["carton_to"].value)
            if expected is not None and first != expected:
                kind = "overlap" if first < expected else "gap"
                yield this.finding(
                    f"cartons {first}-{last} ({_name(item)}): {kind}, expected to start at "
                    f"{expected}", doc.document, evidence=[item["carton_from"], before])
            expected, before = last + 1, item["carton_to"]
        for item in doc.items:  # a range must hold the line's cartons
            if {"carton_from", "carton_to", "cartons"} <= set(item):
                held = int(item["carton_to"].value) - int(item["carton_from"].value) + 1
                if held != item["cartons"].value:
                    yield this.finding(
                        f"cartons {item['carton_from'].value}-{item['carton_to'].value} "
                        f"({_name(item)}) are {held} cartons, the line packs "
                        f"{item['cartons'].value} ({item['cartons'].where()})", doc.document,
                        evidence=[item["carton_from"], item["carton_to"], item["cartons"]])


@rule("packing.lines_total", "error", "packing list lines add up to its totals",
      "examiner check 4")
def packing_lines_total(case: Case, this: Rule) -> Iterator[Finding]:
    for doc in case.of_type("packing_list"):
        cartons = [i["cartons"] for i in doc.items if "cartons" in i]
        stated = doc.fields.get("packages")
        if cartons and stated is not None and sum(c.value for c in cartons) != stated.value:
            short = len(cartons) < len(lines_of(doc, case.order))
            yield this.finding(
                f"lines add up to {sum(c.value for c in cartons)} cartons, the total reads "
                f"{stated.value}" + (" (not every line could be read: to review)" if short
                                     else ""), doc.document, evidence=[stated, *cartons],
                severity="review" if short else None)


# -- 5. models and names ---------------------------------------------------------------------
@rule("models.not_on_order", "error", "no item that the order does not have",
      "examiner check 5; ISBP 745 C3")
def models_not_on_order(case: Case, this: Rule) -> Iterator[Finding]:
    ordered = {i.model for i in case.order.items}
    for doc in case.of_type(*SHIPPING, "warranty_card", "user_manual"):
        for item in doc.items:
            if "model" in item and item["model"].value not in ordered:
                yield this.finding(
                    f"model {item['model'].value} ({item['model'].where()}) is not on the order",
                    doc.document, evidence=[item["model"]])


@rule("models.missing", "warning", "every ordered model appears on invoice and packing list",
      "examiner check 5")
def models_missing(case: Case, this: Rule) -> Iterator[Finding]:
    for doc in case.of_type(*SHIPPING):
        if not doc.has_text or not doc.items:
            continue
        seen = {i["model"].value for i in doc.items if "model" in i}
        ordered = {i.model for i in case.order.items}
        whole = read_whole(doc) and not any(  # a row whose model could not be read as one
            "model" in i and i["model"].value not in ordered and not i["model"].confirmed
            for i in doc.items) and all(  # nor a row of figures without its model
            "model" in i for i in doc.items if "quantity" in i or "cartons" in i)
        for item in lines_of(doc, case.order):
            if item.model not in seen:
                yield this.finding(
                    f"model {item.model} of the order is not on {doc.document}"
                    + ("" if whole else " (its table could not be read whole: to review)"),
                    doc.document, severity=None if whole else "review")
    for doc_type in SHIPPING:  # factories' documents: each model on one of them
        parts = [d for d in case.of_type(doc_type) if d.scope]
        if parts and len(parts) == len(case.of_type(doc_type)):
            covered = {m for d in parts for m in d.scope}
            for item in case.order.items:
                if item.model not in covered:
                    yield this.finding(f"model {item.model} of the order is on none of the "
                                       f"factories' {doc_type.replace('_', ' ')}s",
                                       *(d.document for d in parts))
