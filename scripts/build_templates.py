"""Build the bundled binary templates: the seal image and the Word sales contract.

Run with the project's virtualenv: `.venv/bin/python scripts/build_templates.py`.
The outputs are committed; this script documents how they were made.
"""

from __future__ import annotations

import math
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt
from PIL import Image, ImageDraw, ImageFont

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
CJK_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"


def build_seal(target: Path, size: int = 600) -> None:
    """A red round company seal (公章) with a star, on a transparent background."""
    red = (200, 16, 30, 235)
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    c = size / 2
    draw.ellipse((12, 12, size - 12, size - 12), outline=red, width=22)
    star = []
    for k in range(10):
        radius = 80 if k % 2 == 0 else 32
        angle = -math.pi / 2 + k * math.pi / 5
        star.append((c + radius * math.cos(angle), c + radius * math.sin(angle)))
    draw.polygon(star, fill=red)
    font = ImageFont.truetype(CJK_FONT, 64, index=2)  # SC face of the collection
    text = "杭州跟单贸易有限公司"
    span = math.radians(240)
    for i, char in enumerate(text):
        angle = -math.pi / 2 - span / 2 + span * (i + 0.5) / len(text)
        glyph = Image.new("RGBA", (90, 90), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((45, 45), char, font=font, fill=red, anchor="mm")
        glyph = glyph.rotate(-math.degrees(angle) - 90, resample=Image.Resampling.BICUBIC)
        x = c + (c - 95) * math.cos(angle) - 45
        y = c + (c - 95) * math.sin(angle) - 45
        image.alpha_composite(glyph, (int(x), int(y)))
    small = ImageFont.truetype(CJK_FONT, 44, index=2)
    draw.text((c, c + 150), "合同专用章", font=small, fill=red, anchor="mm")
    # Down to ~180 dpi at 36 mm, one solid red and a few alpha levels: ~10 KB, so a seal
    # adds little to every stamped or generated PDF.
    small = image.resize((260, 260), Image.Resampling.LANCZOS)
    alpha = small.getchannel("A").point(lambda v: 255 if v >= 224 else (v // 32) * 36)
    solid = Image.new("RGBA", small.size, (*red[:3], 255))
    solid.putalpha(alpha)
    solid.save(target, optimize=True)


def _cell(table, row: int, col: int, text: str, bold: bool = False) -> None:  # type: ignore[no-untyped-def]
    cell = table.cell(row, col)
    cell.text = ""
    run = cell.paragraphs[0].add_run(text)
    run.bold = bold
    run.font.size = Pt(8)


def build_sales_contract(target: Path) -> None:
    """The sales contract (销售合同) as a docxtpl template; tags are typed in single runs."""
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Noto Sans CJK SC"
    style.font.size = Pt(9)
    draft = doc.add_paragraph()
    draft.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = draft.add_run("{% if document.draft %}草稿 DRAFT: 合同审核未完成 the contract review is not yet"
                        " approved{% endif %}")
    run.bold = True
    run.font.size = Pt(12)
    for text, size, bold in (
        ("{{ company.name_zh }}", 15, True),
        ("{{ company.name_en }}", 11, True),
        ("{{ company.address_zh }} {{ company.address_en }}  Tel {{ company.phone }}", 8, False),
        ("销售合同  SALES CONTRACT", 14, True),
    ):
        para = doc.add_paragraph()
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = para.add_run(text)
        run.font.size = Pt(size)
        run.bold = bold
    meta = doc.add_table(rows=4, cols=4)
    meta.style = "Table Grid"
    cells = [
        ("合同号 Contract No.", "{{ order.contract_number }}", "日期 Date",
         "{{ document.date|date_zh }} / {{ document.date|date_en }}"),
        ("卖方 Seller", "{{ company.name_zh }} {{ company.name_en }}", "订单号 Order No.",
         "{{ order.order_no }}"),
        ("买方 Buyer", "{{ order.customer.name_zh or '' }} {{ order.customer.name_en }}",
         "客户订单 Buyer's PO", "{{ order.customer_po or '' }}"),
        ("买方地址 Address", "{{ order.customer.address_en or '' }}", "业务员 Sales",
         "{{ order.salesperson.name }}"),
    ]
    for r, row in enumerate(cells):
        for c, text in enumerate(row):
            _cell(meta, r, c, text, bold=c % 2 == 0)
    doc.add_paragraph("买卖双方同意按下列条款成交 The buyer and the seller agree as follows:")
    items = doc.add_table(rows=3, cols=7)
    items.style = "Table Grid"
    items.alignment = WD_TABLE_ALIGNMENT.CENTER
    heads = ["No.", "品名 Description", "型号 Model", "数量 Qty", "单位 Unit",
             "单价 Unit Price ({{ order.currency }})", "金额 Amount ({{ order.currency }})"]
    for c, text in enumerate(heads):
        _cell(items, 0, c, text, bold=True)
    _cell(items, 1, 0, "{%tr for item in items %}")
    body = ["{{ item.line_no }}", "{{ item.name_zh or '' }} {{ item.name_en }}", "{{ item.model }}",
            "{{ item.quantity|qty }}", "{{ item.unit }}", "{{ item.unit_price|money }}",
            "{{ item.amount|money }}"]
    rows = items.add_row()
    for c, text in enumerate(body):
        _cell(items, 2, c, text)
    _cell(items, 3, 0, "{%tr endfor %}")
    del rows
    total = items.add_row()
    _cell(items, 4, 0, "合计 TOTAL ({{ terms.text }})", bold=True)
    _cell(items, 4, 3, "{% if totals.quantities|length > 1 %}{{ totals.quantity_text }}"
          "{% else %}{{ totals.quantity|qty }}{% endif %}", bold=True)
    _cell(items, 4, 6, "{{ order.currency }} {{ totals.amount|money }}", bold=True)
    del total
    # the description takes the room; numbers keep to one line
    widths = [Cm(1), Cm(5.6), Cm(2.4), Cm(2.0), Cm(1.4), Cm(2.4), Cm(2.8)]
    for row in items.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width
    for text in (
        "大写金额 Say: {{ totals.words_zh }}",
        "{{ totals.words_en }}",
        "1. 价格条款 Price term: {{ terms.text }}",
        "2. 运费 Freight: {% if terms.freight_prepaid %}运费已付 Freight prepaid{% else %}运费到付"
        " Freight collect{% endif %}{% if terms.freight is not none %} · {{ order.currency }}"
        " {{ terms.freight|money }}{% endif %}",
        "{% if terms.insured %}保险 Insurance: 由卖方按发票金额的{{ terms.insurance_percent|qty }}%"
        "投保 Insured by the seller for {{ terms.insurance_percent|qty }}% of the invoice value"
        " = {{ order.currency }} {{ terms.insurance_amount|money }} · {{ terms.insurance_cover }}"
        "{% endif %}",
        "3. 付款方式 Payment: {{ order.payment_terms }}{% if order.prepayment_percent %}"
        " · 预付款 Prepayment {{ order.prepayment_percent|qty }}% = {{ order.currency }}"
        " {{ totals.prepayment|money }}{% endif %}",
        "{% if credit %}信用证 L/C: {{ credit.number }} · {{ credit.issuing_bank }} · 开证 issued"
        " {{ credit.issue_date|date_en }} · 到期 expires {{ credit.expiry_date|date_en }}"
        "{% if credit.expiry_place %} in {{ credit.expiry_place }}{% endif %}"
        "{% if credit.tolerance_percent %} · +/-{{ credit.tolerance_percent|qty }}%{% endif %}"
        " · 交单期 presentation {{ credit.presentation_days }} days{% endif %}",
        "4. 交货期 Delivery: {{ order.delivery_date|date_zh }} / {{ order.delivery_date|date_en }}"
        "{% if order.latest_shipment_date %} · 最迟装运 Latest shipment"
        " {{ order.latest_shipment_date|date_en }}{% endif %}",
        "5. 装运港/目的地 Loading / Destination: {{ order.port_of_loading or '' }} →"
        " {{ order.destination }}",
        "6. 包装 Packing: {{ order.packing_spec or '出口标准包装 Export standard packing' }}",
        "7. 唛头 Shipping marks: {{ marks }}",
        "8. 验货 Inspection: {{ inspection.title_zh }} {{ inspection.title_en }}"
        "{% if order.legal_inspection %} · 法定商检 legal commodity inspection required{% endif %}",
        "{% if order.commission_percent %}佣金 Commission: {{ order.commission_percent|qty }}% ="
        " {{ order.currency }} {{ totals.commission|money }}{% endif %}",
        "9. 银行 Bank: {{ company.bank.beneficiary }}, {{ company.bank.bank_name }},"
        " {{ company.bank.bank_address }}, A/C {{ company.bank.account }},"
        " SWIFT {{ company.bank.swift }}",
    ):
        doc.add_paragraph(text)
    doc.add_paragraph("{%p for requirement in order.requirements %}")
    doc.add_paragraph("客户要求 Requirement {{ loop.index }}: {{ requirement }}")
    doc.add_paragraph("{%p endfor %}")
    doc.add_paragraph("{% if order.remarks %}备注 Remarks: {{ order.remarks }}{% endif %}")
    sign = doc.add_table(rows=2, cols=2)
    _cell(sign, 0, 0, "卖方 The Seller: {{ company.name_zh }}", bold=True)
    _cell(sign, 0, 1, "买方 The Buyer: {{ order.customer.name_en }}", bold=True)
    sign.cell(1, 0).paragraphs[0].add_run("{{ seal }}")
    _cell(sign, 1, 1, "签字 Signature:")
    doc.save(target)


def build_contract_review(target: Path) -> None:
    """The contract review form (产品销售合同审核表), printed, signed and filed."""
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Noto Sans CJK SC"
    style.font.size = Pt(9)
    for text, size in (("{{ company.name_zh }} {{ company.name_en }}", 11),
                       ("产品销售合同审核表  CONTRACT REVIEW FORM", 14)):
        para = doc.add_paragraph()
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = para.add_run(text)
        run.bold = True
        run.font.size = Pt(size)
    meta = doc.add_table(rows=5, cols=4)
    meta.style = "Table Grid"
    cells = [
        ("编号 No.", "{{ document.number }}", "日期 Date", "{{ document.date|date_zh }}"),
        ("订单号 Order No.", "{{ order.order_no }}", "合同号 Contract No.", "{{ order.contract_number }}"),
        ("客户 Customer", "{{ order.customer.name_zh or '' }} {{ order.customer.name_en }}",
         "业务员 Created by", "{{ order.salesperson.name }}"),
        ("金额 Amount", "{{ order.currency }} {{ totals.amount|money }}", "条款 Terms",
         "{{ terms.text }} · {{ order.payment_terms }}"),
        ("预付款 Prepayment", "{{ order.prepayment_percent|qty }}% = {{ totals.prepayment|money }}",
         "佣金 Commission", "{{ order.commission_percent|qty }}% = {{ totals.commission|money }}"),
    ]
    for r, row in enumerate(cells):
        for c, text in enumerate(row):
            _cell(meta, r, c, text, bold=c % 2 == 0)
    doc.add_paragraph("预计费用 Expected costs").runs[0].bold = True
    costs = doc.add_table(rows=4, cols=3)
    costs.style = "Table Grid"
    for c, text in enumerate(["项目 Item", "金额 Amount", "备注 Remark"]):
        _cell(costs, 0, c, text, bold=True)
    _cell(costs, 1, 0, "{%tr for cost in order.expected_costs %}")
    _cell(costs, 2, 0, "{{ cost.item }}")
    _cell(costs, 2, 1, "{{ order.currency }} {{ cost.amount|money }}")
    _cell(costs, 2, 2, "{{ cost.remark or '' }}")
    _cell(costs, 3, 0, "{%tr endfor %}")
    costs.add_row()
    _cell(costs, 4, 0, "预计毛利 Expected margin", bold=True)
    _cell(costs, 4, 1, "{{ order.currency }} {{ (totals.amount - order.total_expected_cost)|money }}",
          bold=True)
    doc.add_paragraph("客户要求 Customer requirements").runs[0].bold = True
    doc.add_paragraph("{% for r in order.requirements %}{{ loop.index }}. {{ r }}  {% endfor %}")
    doc.add_paragraph("附件 Attached: 客户订单 customer's order {{ order.customer_po or order.order_no }};"
                      " 销售合同 sales contract {{ order.contract_number }}")
    doc.add_paragraph("审批 Approvals{% if approval.reasons %} (总经理审批 general manager required: "
                      "{{ approval.reasons|join('; ') }}){% endif %}").runs[0].bold = True
    chain = doc.add_table(rows=4, cols=5)
    chain.style = "Table Grid"
    for c, text in enumerate(["角色 Role", "签字 Signed by", "结论 Decision", "时间 Date",
                              "意见 Remark"]):
        _cell(chain, 0, c, text, bold=True)
    _cell(chain, 1, 0, "{%tr for s in approval.chain %}")
    for c, text in enumerate(["{{ s.title_zh }} {{ s.title_en }}", "{{ s.by }}{% if s.verified "
                              "== 'unverified' %} (未验证 unverified){% endif %}",
                              "{{ s.decision }}", "{{ s.at }}", "{{ s.remark }}"]):
        _cell(chain, 2, c, text)
    _cell(chain, 3, 0, "{%tr endfor %}")
    doc.add_paragraph("{% if approval.rejected %}已驳回 REJECTED{% elif approval.complete %}"
                      "审批完成 APPROVED: 转为销售订单交跟单 handed to the merchandising desk"
                      "{% else %}审批中 IN REVIEW{% endif %}").runs[0].bold = True
    doc.save(target)


if __name__ == "__main__":
    build_seal(TEMPLATES / "assets" / "seal.png")
    build_sales_contract(TEMPLATES / "sales_contract.docx")
    build_contract_review(TEMPLATES / "contract_review.docx")
    print("built", TEMPLATES / "assets" / "seal.png", TEMPLATES / "sales_contract.docx")
