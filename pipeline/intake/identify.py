"""Which order and which kind of document a factory file is, with the reason for each.

The order comes from, in turn: the file name (convention `ORDER_type.pdf`, or an order
number anywhere in the name), an inbox subfolder named after an order or a customer,
then an order, contract or customer PO number found in the text of the first pages.
The type comes from keywords in the file name, else in the text (Chinese and English).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["TYPE_KEYWORDS", "Identification", "KnownOrder", "identify", "identify_type"]


@dataclass(frozen=True)
class KnownOrder:
    order_no: str
    customer: str
    references: tuple[str, ...] = ()  # contract number, customer's PO number


@dataclass(frozen=True)
class Identification:
    order_no: str | None
    doc_type: str
    reasons: tuple[str, ...]


# Most specific first: the first type whose keyword is in a file name wins.
# In text, a phrase (two words or more, or Chinese) counts five times a single word.
TYPE_KEYWORDS: dict[str, tuple[str, ...]] = {
    "proforma_invoice": ("proforma invoice", "pro forma", "proforma", "形式发票"),
    "packing_list": ("packing list", "packinglist", "装箱单", "装箱清单", "pl"),
    "commercial_invoice": ("commercial invoice", "商业发票", "invoice", "发票", "inv", "factuur",
                           "rechnung", "facture"),
    "warranty_card": ("warranty card", "warranty", "guarantee", "保修卡", "保修单", "保修"),
    "user_manual": ("user manual", "instruction manual", "operating instructions", "user guide",
                    "使用说明书", "使用说明", "说明书", "manual", "instructions"),
    "inspection_report": ("inspection report", "qc report", "验货报告", "检验报告",
                          "final random inspection"),
    "bill_of_lading": ("bill of lading", "ocean bill", "sea waybill", "海运提单", "提单", "b l",
                       "bl", "bol"),
    "certificate_of_origin": ("certificate of origin", "原产地证书", "原产地证", "产地证",
                              "form a", "form e", "co"),
    "insurance_policy": ("insurance policy", "insurance certificate", "marine insurance",
                         "保险单", "保单", "insurance"),
    "customs_declaration": ("customs declaration", "export declaration", "出口货物报关单",
                            "报关单", "customs"),
    "fumigation_certificate": ("fumigation certificate", "熏蒸证书", "fumigation"),
    "phytosanitary_certificate": ("phytosanitary certificate", "植物检疫证书", "phytosanitary"),
    "inspection_certificate": ("inspection certificate", "certificate of inspection", "商检证书",
                               "检验检疫", "商检", "certificate", "证书", "ciq"),
    "transport_contract": ("transport contract", "freight contract", "运输合同", "货运合同",
                           "trucking", "waybill", "运单"),
}


def _words(text: str) -> str:
    return " " + re.sub(r"[\s_\-.()\[\]]+", " ", text.lower()) + " "


def _has(haystack: str, keyword: str) -> bool:
    if re.search(r"[\u4e00-\u9fff]", keyword):
        return keyword in haystack
    return f" {keyword} " in haystack


def identify_type(name: str, texts: Sequence[str]) -> tuple[str, str]:
    """(doc_type, reason) from the file name, else the text, else ("other", why)."""
    name_words = _words(name)
    for doc_type, keywords in TYPE_KEYWORDS.items():
        for keyword in keywords:
            if _has(name_words, keyword):
                return doc_type, f"type {doc_type}: '{keyword}' in the file name"
    text = _words(" ".join(texts[:2]))
    head = _words(" ".join(texts[:1])[:400])
    squeezed = text.replace(" ", "")
    lines = [line for line in (texts[0] if texts else "").splitlines() if line.strip()]
    top = _words(" ".join(lines[:6]))  # the title: above the letterhead's lines at most
    top_squeezed = top.replace(" ", "")
    scores: dict[str, tuple[int, str]] = {}
    for doc_type, keywords in TYPE_KEYWORDS.items():
        for keyword in keywords:
            if len(keyword) <= 3 and keyword.isascii():
                continue  # abbreviations count in file names only
            hits = text.count(keyword if not keyword.isascii() else f" {keyword} ")
            if not hits and " " in keyword:  # a scan's OCR: "PACKI NG LIST", "PACKINGLIST"
                hits = squeezed.count(keyword.replace(" ", ""))
            if not hits:
                continue
            weight = 5 if (" " in keyword or not keyword.isascii()) else 1
            weight *= 2 if _has(head, keyword) else 1
            titled = _has(top, keyword) or (" " in keyword and keyword.replace(" ", "")
                                            in top_squeezed)
            best = scores.get(doc_type, (0, keyword))  # the title outweighs the body's words
            scores[doc_type] = (best[0] + hits * weight + (100 if titled else 0),
                                best[1] if best[0] else keyword)
    if not scores:
        reason = "no text to read" if not any(t.strip() for t in texts) else "no keyword found"
        return "other", f"type other: {reason}"
    doc_type = max(scores, key=lambda k: scores[k][0])
    return doc_type, f"type {doc_type}: '{scores[doc_type][1]}' in the text"


# characters a scan's OCR takes for one another: an order number is found in its text
# with any of them (PO-2026-0042 read as P0-2026-OO42)
ALIKE = {"0": "[0O]", "O": "[0O]", "1": "[1Il|]", "I": "[1Il|]", "L": "[1Il|L]"}


def _pattern(number: str) -> re.Pattern[str]:
    body = "".join(ALIKE.get(c.upper(), re.escape(c)) for c in number)
    return re.compile(r"(?<![A-Za-z0-9])" + body + r"(?![A-Za-z0-9])", re.I)


Found = tuple[KnownOrder | None, str] | None


def _from_name(name: str, orders: Sequence[KnownOrder]) -> Found:
    head = name.split("_", 1)[0]
    for order in orders:
        if head.lower() == order.order_no.lower():
            return order, f"order {order.order_no} from the file name ({order.order_no}_type)"
    for order in sorted(orders, key=lambda o: -len(o.order_no)):
        if len(order.order_no) >= 4 and _pattern(order.order_no).search(name):
            return order, f"order {order.order_no} named in the file name"
    return None


def _from_folders(
    folders: Sequence[str], orders: Sequence[KnownOrder], texts: Sequence[str]
) -> tuple[KnownOrder | None, str] | None:
    for folder in reversed(folders):
        for order in orders:
            if folder.lower() == order.order_no.lower():
                return order, f"order {order.order_no} from the inbox folder {folder}/"
        own = [o for o in orders if o.customer.lower() == folder.lower()]
        if len(own) == 1:
            return own[0], f"order {own[0].order_no}: the only order of customer {folder}"
        if own:
            found = _from_text(texts, own)
            if found is not None and found[0] is not None:
                return found[0], f"{found[1]}, among customer {folder}'s orders"
            numbers = ", ".join(o.order_no for o in own)
            return None, f"customer folder {folder}/ has several orders ({numbers}); none named"
    return None


def _from_text(
    texts: Sequence[str], orders: Sequence[KnownOrder]
) -> tuple[KnownOrder | None, str] | None:
    found: dict[str, tuple[KnownOrder, str]] = {}
    for order in orders:
        for number in (order.order_no, *order.references):
            if len(number) < 4:
                continue
            for page, text in enumerate(texts, start=1):
                if _pattern(number).search(text):
                    what = "" if number == order.order_no else f" (as {number})"
                    found.setdefault(order.order_no, (order, f"order {order.order_no} found on "
                                                             f"page {page}{what}"))
                    break
    if len(found) == 1:
        return next(iter(found.values()))
    if len(found) > 1:
        return None, f"the text names several orders: {', '.join(sorted(found))}"
    return None


def identify(
    name: str,
    folders: Sequence[str],
    texts: Sequence[str],
    orders: Sequence[KnownOrder],
    *,
    order_no: str | None = None,
    doc_type: str | None = None,
) -> Identification:
    """Decide order and type; `order_no`/`doc_type` given by a person win, and say so."""
    reasons: list[str] = []
    chosen: str | None = None
    if order_no is not None:
        chosen = order_no
        reasons.append(f"order {order_no} assigned by hand")
    else:
        for source in ("name", "folders", "text"):
            if source == "name":
                result = _from_name(name, orders)
            elif source == "folders":
                result = _from_folders(folders, orders, texts)
            else:
                result = _from_text(texts, orders)
            if result is None:
                continue
            order, reason = result
            reasons.append(reason)
            if order is not None:
                chosen = order.order_no
                break
        if chosen is None and not reasons:
            has_text = any(t.strip() for t in texts)
            reasons.append(
                "no order number in the file name, folder or text"
                if has_text
                else "no order number in the file name or folder, and no text to read (a scan?)"
            )
    if doc_type is not None:
        reasons.append(f"type {doc_type} assigned by hand")
        return Identification(chosen, doc_type, tuple(reasons))
    kind, reason = identify_type(name, texts)
    return Identification(chosen, kind, (*reasons, reason))
