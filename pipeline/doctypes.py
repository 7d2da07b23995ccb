"""The registry of document types: what each is called and which templates make it.

A plain dict with a written contract. Key = doc_type used in sidecars and the index.
`html` = HTML template (Jinja + WeasyPrint -> PDF); `word` = Word template (docxtpl ->
.docx, which people edit and sign; turned into PDF by LibreOffice when there is no HTML
template). `needs_approval`: DRAFT, without the seal, until the contract review is
approved. `sealed`: the company seal in the signature area (documents for the customer).
`needs`: generated only once the workflow has this (e.g. loading details).
A workspace can add types or override templates in gendan.toml ([doctypes.NAME]).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FACTORY_TYPES", "GENERATED", "ON_ORDER", "DocType"]


@dataclass(frozen=True)
class DocType:
    key: str
    title_en: str
    title_zh: str
    html: str = ""
    word: str = ""
    number_prefix: str = ""
    needs_approval: bool = False
    sealed: bool = False
    needs: str = ""
    excel: str = ""  # an .xlsx template: the document also as a workbook


GENERATED: dict[str, DocType] = {
    d.key: d
    for d in (
        DocType("quotation", "Quotation", "报价单", "quotation.html", "", "QT", sealed=True),
        DocType("proforma_invoice", "Proforma Invoice", "形式发票", "proforma_invoice.html", "",
                "PI", sealed=True),
        DocType("sales_contract", "Sales Contract", "销售合同", "sales_contract.html",
                "sales_contract.docx", "SC", needs_approval=True, sealed=True),
        DocType("contract_review", "Contract Review Form", "产品销售合同审核表", "",
                "contract_review.docx", "CR"),
        DocType("production_order", "Production Order", "生产通知单", "production_order.html", "",
                "PO", needs_approval=True),
        DocType("inspection_notice", "Inspection Notice", "验货通知", "inspection_notice.html", "",
                "IN"),
        DocType("loading_notice", "Loading Notice", "装车通知", "loading_notice.html", "", "LN",
                sealed=True, needs="loading"),
        DocType("booking_note", "Booking Note", "订舱委托书", "booking_note.html", "", "BN",
                sealed=True, needs="factory_confirmation"),
        DocType("commercial_invoice", "Commercial Invoice", "商业发票", "commercial_invoice.html",
                "", "CI", sealed=True),
        DocType("packing_list", "Packing List", "装箱单", "packing_list.html", "", "PL",
                sealed=True),
        DocType("handover_checklist", "Hand-over Checklist", "交单清单", "handover_checklist.html",
                "", "HC"),
        DocType("registration_sheet", "Business Registration Sheet", "业务登记表",
                "registration_sheet.html", "", "RG"),
    )
}

# Documents generated when an order (or a revision of it) arrives, in this order.
ON_ORDER: tuple[str, ...] = tuple(k for k, d in GENERATED.items() if not d.needs)

FACTORY_TYPES: dict[str, DocType] = {
    d.key: d
    for d in (
        DocType("order_data", "Order data", "订单数据"),
        DocType("order_update", "Order update", "订单更新"),
        DocType("packing_list", "Packing List", "装箱单"),
        DocType("commercial_invoice", "Commercial Invoice", "商业发票"),
        DocType("proforma_invoice", "Proforma Invoice", "形式发票"),
        DocType("warranty_card", "Warranty Card", "保修卡"),
        DocType("user_manual", "User Manual", "使用说明书"),
        DocType("inspection_report", "Inspection Report", "验货报告"),
        DocType("inspection_certificate", "Commodity Inspection Certificate", "商检证书"),
        DocType("transport_contract", "Transport Contract", "运输合同"),
        DocType("bill_of_lading", "Bill of Lading", "提单"),
        DocType("certificate_of_origin", "Certificate of Origin", "原产地证书"),
        DocType("insurance_policy", "Insurance Policy", "保险单"),
        DocType("customs_declaration", "Export Customs Declaration", "出口报关单"),
        DocType("fumigation_certificate", "Fumigation Certificate", "熏蒸证书"),
        DocType("phytosanitary_certificate", "Phytosanitary Certificate", "植物检疫证书"),
        DocType("other", "Other", "其他"),
    )
}

# what the examiner never reads (the rest must agree with each other)
NOT_CHECKED = {"order_data", "order_update", "compliance_report", "handover_pack", "booking_note",
               "sent_mail", "mail_message",
               "handover_checklist", "registration_sheet", "quotation", "production_order",
               "contract_review", "inspection_notice"}
