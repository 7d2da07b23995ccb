"""Rules on the item lines: prices and quantities against the order and across documents,
HS codes and origin, per-carton weights, volume against carton size, totals rows."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal

from .case import Case, Finding
from .extract import Extracted, Value
from .rules import COMMERCIAL, Rule, _differs, _values, rule
from .scope import lines_of


@rule("prices.unit_price", "error", "unit price per model agrees with the order and contract",
      "examiner check 1, 5; UCP 600 art. 18(b)")
def unit_price(case: Case, this: Rule) -> Iterator[Finding]:
    ordered = {i.model: i.unit_price for i in case.order.items}
    for doc in case.of_type(*COMMERCIAL):
        for item in doc.items:
            model, price = item.get("model"), item.get("unit_price")
            if model is None or price is None or model.value not in ordered:
                continue
            if abs(price.value - ordered[model.value]) > Decimal("0.005"):
                yield this.finding(f"{model.value}: unit price {price.value} ({price.where()}), "
                                   f"the order has {ordered[model.value]}", doc.document,
                                   evidence=[price, model])


def _by_model(items: list[dict[str, Value]], name: str) -> dict[str, Decimal]:
    found: dict[str, Decimal] = {}
    for item in items:
        model, value = item.get("model"), item.get(name)
        if model is not None and value is not None:
            found[model.value] = found.get(model.value, Decimal(0)) + value.value
    return found


def _read(items: list[dict[str, Value]], model: str, name: str) -> list[Value]:
    return [i[name] for i in items if name in i and "model" in i and i["model"].value == model]


@rule("lines.packing_vs_invoice", "error", "packing list and invoice agree, model by model",
      "examiner check 3, 5; ISBP 745 L3")
def packing_vs_invoice(case: Case, this: Rule) -> Iterator[Finding]:
    invoices = case.of_type("commercial_invoice")
    for packing in case.of_type("packing_list"):
        packed = _by_model(packing.items, "quantity")
        for invoice in invoices:
            billed = _by_model(invoice.items, "quantity")
            for model in sorted(packed.keys() & billed.keys()):
                if packed[model] != billed[model]:
                    yield this.finding(
                        f"{model}: {packed[model]} packed ({packing.document}), {billed[model]} "
                        f"invoiced ({invoice.document})", packing.document, invoice.document,
                        evidence=[*_read(packing.items, model, "quantity"),
                                  *_read(invoice.items, model, "quantity")])


def _unread(doc: Extracted, case: Case, read: int) -> str:
    """A sum of lines is only a sum when every line was read."""
    lines = len(lines_of(doc, case.order))
    return f" (only {read} of the {lines} lines could be read: to review)" if read < lines \
        else ""


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


@rule("lines.hs_code", "error", "HS code per line agrees with the order",
      "examiner check 5; customs")
def hs_code(case: Case, this: Rule) -> Iterator[Finding]:
    ordered = {i.model: _digits(i.hs_code) for i in case.order.items if i.hs_code}
    for doc in case.documents:
        for item in doc.items:
            model, code = item.get("model"), item.get("hs_code")
            if model is None or code is None or model.value not in ordered:
                continue
            found = _digits(str(code.value))
            expected = ordered[model.value]
            if found and not (found.startswith(expected) or expected.startswith(found)):
                yield this.finding(f"{model.value}: HS code {code.value} ({code.where()}), the "
                                   f"order has {expected}", doc.document, evidence=[code])


def _country(text: str) -> str:
    aliases = {"中国": "china", "prc": "china", "p.r.china": "china", "cn": "china",
               "madeinchina": "china", "中华人民共和国": "china"}
    key = re.sub(r"[\s.,]", "", text.casefold())
    return aliases.get(key, key)


@rule("lines.origin", "error", "country of origin agrees with the order",
      "examiner check 5; certificate of origin")
def origin(case: Case, this: Rule) -> Iterator[Finding]:
    ordered = {i.model: _country(i.origin) for i in case.order.items if i.origin}
    origins = set(ordered.values())
    for doc in case.documents:
        for item in doc.items:
            model, said = item.get("model"), item.get("origin")
            if model is not None and said is not None and model.value in ordered and \
                    _country(str(said.value)) != ordered[model.value]:
                yield this.finding(f"{model.value}: origin {said.value} ({said.where()}), the "
                                   f"order says {ordered[model.value]}", doc.document,
                                   evidence=[said])
        said_doc = doc.fields.get("origin")
        if said_doc is not None and origins and _country(said_doc.value) not in origins:
            yield this.finding(f"origin {said_doc.value} ({said_doc.where()}), the order's "
                               f"goods are of {', '.join(sorted(origins))}", doc.document,
                               evidence=[said_doc])


@rule("packing.per_carton_weight", "error", "weights per line agree with the order's packing",
      "examiner check 3, 4")
def per_carton_weight(case: Case, this: Rule) -> Iterator[Finding]:
    packing = {i.model: i.packing for i in case.order.items if i.packing is not None}
    percent = case.tolerances.weight_percent
    for doc in case.of_type("packing_list"):
        for item in doc.items:
            model = item.get("model")
            if model is None or model.value not in packing:
                continue
            expected = packing[model.value]
            assert expected is not None
            for name, want in (("net_weight_kg", expected.net_weight_kg),
                               ("gross_weight_kg", expected.gross_weight_kg)):
                value = item.get(name)
                if value is not None and _differs(value.value, want, percent, Decimal("0.01")):
                    yield this.finding(
                        f"{model.value}: {name.split('_')[0]} weight {value.value} kg "
                        f"({value.where()}), the order packs {want} kg "
                        f"({want / expected.cartons:.2f} kg a carton)", doc.document,
                        evidence=[value])


@rule("packing.line_gross_vs_net", "error", "on each line the gross weight is above the net",
      "examiner check 3")
def line_gross_vs_net(case: Case, this: Rule) -> Iterator[Finding]:
    for doc in case.of_type("packing_list"):
        for item in doc.items:
            net, gross = item.get("net_weight_kg"), item.get("gross_weight_kg")
            if net is not None and gross is not None and net.value > gross.value:
                name = item["model"].value if "model" in item else "a line"
                yield this.finding(f"{name}: net {net.value} kg above gross {gross.value} kg "
                                   f"({net.where()})", doc.document, evidence=[net, gross])


def _carton_cbm(size: str) -> Decimal | None:
    parts = re.findall(r"\d+(?:\.\d+)?", size)
    if len(parts) != 3:
        return None
    length, width, height = (Decimal(p) for p in parts)
    return length * width * height / Decimal(1_000_000)


@rule("packing.volume_vs_size", "warning", "volume agrees with carton size x cartons",
      "examiner check 4")
def volume_vs_size(case: Case, this: Rule) -> Iterator[Finding]:
    for line in case.order.items:
        packing = line.packing
        if packing is None or not packing.carton_size_cm:
            continue
        each = _carton_cbm(packing.carton_size_cm)
        if each is None:
            continue
        expected = each * packing.cartons
        for doc in [None, *case.of_type("packing_list")]:
            stated = packing.volume_cbm if doc is None else next(
                (i["volume_cbm"].value for i in doc.items if "volume_cbm" in i and "model" in i
                 and i["model"].value == line.model), None)
            if stated is not None and _differs(Decimal(stated), expected, Decimal(10),
                                               Decimal("0.01")):
                where = "the order" if doc is None else doc.document
                yield this.finding(f"{line.model}: {stated} CBM in {where}, but "
                                   f"{packing.cartons} cartons of {packing.carton_size_cm} cm "
                                   f"make {expected:.2f} CBM",
                                   *((doc.document,) if doc else ()))


@rule("packing.weight_totals", "error", "the packing list's total row adds up its lines",
      "examiner check 4")
def weight_totals(case: Case, this: Rule) -> Iterator[Finding]:
    for doc in case.of_type("packing_list"):
        for name in ("net_weight_kg", "gross_weight_kg", "volume_cbm", "quantity"):
            total = doc.totals.get(name) or doc.fields.get(  # no total row: the labelled one
                "total_quantity" if name == "quantity" else name)
            read = [i[name] for i in doc.items if name in i]
            lines = [v.value for v in read]
            if total is None or not lines:
                continue
            rounding = Decimal("0.01") + Decimal("0.005") * len(lines)  # each line rounded
            if _differs(sum(lines), total.value, Decimal(0), rounding):
                yield this.finding(f"the lines add up to {sum(lines)} {name.split('_')[0]}, "
                                   f"the total {'row ' if name in doc.totals else ''}says "
                                   f"{total.value} ({total.where()})"
                                   + _unread(doc, case, len(read)), doc.document,
                                   evidence=[total, *read],
                                   severity="review" if _unread(doc, case, len(read)) else None)


@rule("totals.invoice_vs_contract", "error", "the contract's total agrees with the invoice's",
      "examiner check 3; UCP 600 art. 14(d)")
def invoice_vs_contract(case: Case, this: Rule) -> Iterator[Finding]:
    """The contract as written against an invoice that agrees with the order (an invoice
    that does not is already reported by totals.amount)."""
    invoices = [(d, v) for d, v in _values(case, "total_amount", ("commercial_invoice",))
                if abs(v.value - case.order.total_amount) <= case.tolerances.amount]
    for contract, agreed in _values(case, "total_amount", ("sales_contract",)):
        for invoice, total in invoices[:1]:
            if abs(total.value - agreed.value) > case.tolerances.amount:
                yield this.finding(f"contract total {agreed.value:,.2f} ({agreed.where()}), the "
                                   f"invoice's {total.value:,.2f} ({total.where()})",
                                   contract.document, invoice.document, evidence=[agreed, total])


@rule("shipping.bl_vs_packing", "error", "bill of lading and packing list agree: packages and "
      "gross weight", "examiner check 3; ISBP 745 E")
def bl_vs_packing(case: Case, this: Rule) -> Iterator[Finding]:
    packings = [p for p in case.of_type("packing_list") if not p.scope]
    parts = [p for p in case.of_type("packing_list") if p.scope]
    if {m for p in parts for m in p.scope} == {i.model for i in case.order.items}:
        packings.append(_together(parts))  # the factories' own lists, together
    for bill in case.of_type("bill_of_lading"):
        for packing in packings:
            for name, what in (("packages", "packages"), ("gross_weight_kg", "gross weight")):
                a, b = bill.fields.get(name), packing.fields.get(name)
                if a is not None and b is not None and _differs(
                        a.value, b.value, case.tolerances.weight_percent if name != "packages"
                        else Decimal(0), Decimal("0.001")):
                    yield this.finding(f"{what} {a.value} on the bill of lading ({a.where()}), "
                                       f"{b.value} on the packing list ({b.where()})",
                                       bill.document, packing.document, evidence=[a, b])


def _together(packings: list[Extracted]) -> Extracted:
    """The factories' packing lists as one: their packages and weights added up."""
    joined = Extracted(", ".join(p.document for p in packings), "packing_list", 0, True)
    for name in ("packages", "gross_weight_kg"):
        read = [p.fields[name] for p in packings if name in p.fields]
        if len(read) == len(packings):
            joined.fields[name] = replace(read[0], value=sum(v.value for v in read),
                                          raw=" + ".join(v.raw for v in read),
                                          confirmed="" if any(not v.confirmed for v in read)
                                          else "each read and confirmed")
    return joined


@rule("arithmetic.quantity_total", "error", "the invoice's total quantity adds up its lines",
      "examiner check 1")
def quantity_total(case: Case, this: Rule) -> Iterator[Finding]:
    for doc in case.of_type(*COMMERCIAL):
        total = doc.totals.get("quantity")
        read = [i["quantity"] for i in doc.items if "quantity" in i]
        lines = [v.value for v in read]
        units = {i.unit for i in lines_of(doc, case.order)}
        by_unit = {u: sum((i.quantity for i in lines_of(doc, case.order) if i.unit == u),
                          Decimal(0)) for u in units}
        if total is not None and len(units) > 1 and total.value in by_unit.values():
            continue  # the total row gives one unit's quantity of lines in several units
        if total is not None and lines and sum(lines) != total.value:
            unread = _unread(doc, case, len(read))
            mixed = f" (lines in {', '.join(sorted(units))})" if len(units) > 1 else ""
            yield this.finding(f"the lines add up to {sum(lines)} pieces, the total row says "
                               f"{total.value} ({total.where()}){unread or mixed}", doc.document,
                               evidence=[total, *read], severity="review" if unread else
                               "warning" if mixed else None)
