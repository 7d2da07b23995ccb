"""Make the example factory documents in examples/factory/ (what a factory would send for
PO-2026-0042). Run: .venv/bin/python scripts/make_factory_examples.py"""

from __future__ import annotations

from pathlib import Path

from weasyprint import HTML

OUT = Path(__file__).resolve().parent.parent / "examples" / "factory"
STYLE = ("<style>@page { size: A4; margin: 20mm } body { font: 10pt 'WenQuanYi Micro Hei' }"
         "h1 { font-size: 16pt } table { border-collapse: collapse; width: 100% }"
         "td, th { border: 0.5pt solid #555; padding: 2mm }</style>")

DOCUMENTS = {
    "PO-2026-0042_warranty-card.pdf": """<h1>宁波绿源电器有限公司 保修卡 WARRANTY CARD</h1>
      <p>Order No.: PO-2026-0042</p><p>Models: HT-2020, LM-1600</p>
      <p>保修期两年 Warranty: 2 years from the date of purchase.</p>""",
    "PO-2026-0042_user-manual.pdf": "".join(
        f"""<section style="page-break-after: always"><h1>使用说明书 USER MANUAL · {model}</h1>
        <h2>{n}. {title}</h2><p>{'Read all safety warnings and instructions. ' * 30}</p>
        </section>""" for model in ("HT-2020", "LM-1600")
        for n, title in enumerate(["Safety", "Operation", "Care"], start=1)),
    "PO-2026-0042_inspection-report.pdf": """<h1>SGS 验货报告 INSPECTION REPORT</h1>
      <p>Order No.: PO-2026-0042</p><p>Date: 2027-01-08</p>
      <table><tr><th>Model</th><th>Sampled</th><th>Result</th></tr>
      <tr><td>HT-2020</td><td>80</td><td>PASS</td></tr><tr><td>LM-1600</td><td>50</td>
      <td>PASS</td></tr></table><p>Overall result: PASS</p>""",
    "PO-2026-0042_transport-contract.pdf": """<h1>宁波顺达物流 运输合同 TRANSPORT CONTRACT</h1>
      <p>Order No.: PO-2026-0042</p><p>Date: 2027-01-10</p>
      <p>Truck 浙B3K721, Ningbo factory → Ningbo port, 2027-01-13.</p>""",
    "PO-2026-0042_bill-of-lading.pdf": """<h1>BILL OF LADING 海运提单</h1>
      <p>B/L No.: NGBLGB2701158 · Vessel: MSC AURORA V.027E</p>
      <p>Shipper: Hangzhou Gendan Trading Co., Ltd.</p>
      <p>Consignee: TO ORDER · Notify: ACME Home &amp; Garden Supply Co., Ltd.</p>
      <p>Port of loading: Ningbo · Port of discharge: Long Beach</p>
      <p>Shipping marks: ACME / PO-2026-0042 / Long Beach, USA / C/No. 1-700</p>
      <p>Order No.: PO-2026-0042 · 700 CTNS · G.W. 8,915 KGS · FREIGHT COLLECT</p>
      <p>Shipped on board: 2027-01-14 · Date: 2027-01-14</p>""",
    "PO-2026-0042_customs-declaration.pdf": """<h1>中华人民共和国海关出口货物报关单
      EXPORT CUSTOMS DECLARATION</h1>
      <p>境内发货人 Exporter: 杭州跟单贸易有限公司 Hangzhou Gendan Trading Co., Ltd.</p>
      <p>合同协议号 Contract No.: SC-2026-0042 · 出境关别 Port: 宁波海关 Ningbo</p>
      <p>成交方式 Terms: FOB · 件数 Packages: 700 · 申报日期 Date: 2027-01-13</p>""",
}

if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for name, body in DOCUMENTS.items():
        HTML(string=f"<html><head>{STYLE}</head><body>{body}</body></html>").write_pdf(OUT / name)
        print("wrote", OUT / name)
