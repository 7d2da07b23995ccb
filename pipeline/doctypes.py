"""The registry of document types: what each is called, which template makes it.

A plain dict with a written contract: key = doc_type used in sidecars and the index;
`template` = file name looked up in the workspace's templates/ then the bundled ones;
`engine` = "html" (Jinja + WeasyPrint -> PDF) or "docx" (docxtpl -> .docx);
`number_prefix` = prefix of the document's reference number.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FACTORY_TYPES", "GENERATED", "ON_ORDER", "DocType"]


@dataclass(frozen=True)
class DocType:
    key: str
    title_en: str
    title_zh: str
    template: str = ""
    engine: str = ""
    number_prefix: str = ""


GENERATED: dict[str, DocType] = {
    d.key: d
    for d in (
        DocType("quotation", "Quotation", "报价单", "quotation.html", "html", "QT"),
        DocType("sales_contract", "Sales Contract", "销售合同", "sales_contract.docx", "docx",
                "SC"),
    )
}

# Documents generated when an order (or a revision of it) arrives.
ON_ORDER: tuple[str, ...] = ("quotation", "sales_contract")

FACTORY_TYPES: dict[str, DocType] = {
    d.key: d
    for d in (
        DocType("order_data", "Order data", "订单数据"),
        DocType("packing_list", "Packing List", "装箱单"),
        DocType("commercial_invoice", "Commercial Invoice", "商业发票"),
        DocType("warranty_card", "Warranty Card", "保修卡"),
        DocType("user_manual", "User Manual", "使用说明书"),
        DocType("inspection_report", "Inspection Report", "验货报告"),
        DocType("inspection_certificate", "Commodity Inspection Certificate", "商检证书"),
        DocType("transport_contract", "Transport Contract", "运输合同"),
        DocType("other", "Other", "其他"),
    )
}
