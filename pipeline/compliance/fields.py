"""The labelled fields a document examiner reads, in Chinese and English, as patterns with
one group (the value), and which of them each kind of document must show.

A label is followed by its value on the same line, with or without `No.`, `#`, `:` or
`：` between (`INVOICE NO.: FI-1`, `S/C No. SC-1`, `Invoice #: 88`, `发票号：F-1`).
"""

from __future__ import annotations

from .values import AMOUNT, CURRENCIES, CURRENCY_NAMES, DATE, NUMBER, TERMS

__all__ = ["CASE_SENSITIVE", "GENERIC", "REQUIRED", "TITLES"]

SEP = r"[\s.:：#]*"  # what stands between a label and its value
NO = r"(?:\s*(?:no\.?|number|nr\.?|#|n°)(?![a-z]))"  # "No." after a label
REF = r"([A-Z0-9][A-Z0-9\-/_.]*\d[A-Z0-9\-/_]*)"  # a reference has a digit
PLACE = (r"([A-Za-z\u4e00-\u9fff][A-Za-z\u4e00-\u9fff.,'\- ]{1,40}?)"
         r"(?=\s{2,}|\s*$|\s*[·|;/]|\s+[A-Z][a-z]+\s*[:：]|\s+(?:port|to)\b)")
PLACE_TO = r"[A-Za-z\u4e00-\u9fff][A-Za-z\u4e00-\u9fff.,'\- ]{1,40}?"  # "From Ningbo to ..."
# the other language's label between a label and its value: 卖方 Seller: ..., Buyer 买方: ...
ENGLISH_LABELS = ("port of loading|loading port|port of discharge|port of destination|"
                  "destination|seller|shipper|exporter|buyer|sold to|to messrs\\.?|messrs\\.?|"
                  "consignee|importer|currency|shipping marks|marks & nos\\.?|marks|"
                  "total packages|packages|no\\. of cartons|total cartons|gross weight|"
                  "total gross weight|net weight|total net weight|measurement|volume|meas\\.|"
                  "country of origin|origin|overall result|result")
TAIL = (r"(?:\s*[A-Za-z][A-Za-z.'/& ]{1,28}?\s*[:：]|\s*[\u4e00-\u9fff]{1,8}\s*[:：]|"
        rf"\s+(?i:{ENGLISH_LABELS})(?=\s))?")  # 装运港 Loading port Ningbo: no colon at all
CURRENCY_ZH = "|".join(sorted((n for n in CURRENCY_NAMES if not n.isascii()), key=len,
                              reverse=True))
INTEGER = r"\d{1,3}(?:[,.'\u00a0 ]\d{3})+(?!\d)|\d+"  # 1,530 / 1.530 / 1530: a count
NOT_OTHER_DATES = (r"(?<!delivery )(?<!shipment )(?<!board )(?<!loading )(?<!expiry )"
                   r"(?<!order )(?<!booking )(?<!inspection )(?<!delivery)(?<!装船)(?<!交货)")

GENERIC: dict[str, tuple[str, str]] = {
    # field: (pattern with one group, kind: text, amount, count, date, last_amount)
    "invoice_no": (rf"(?:commercial\s+)?(?:invoice|inv\.){NO}{SEP}{REF}|"
                   rf"(?:发票号码?|发票编号){SEP}{REF}|"
                   rf"(?:factuurnummer|facture\s*n°|rechnungs?-?nr\.?){SEP}{REF}", "text"),
    "order_no": (rf"(?<!customer's )(?<!buyer's )(?<!customer )(?<!your )"
                 rf"(?:order{NO}|p\s*/?\s*o{NO}|"
                 rf"purchase\s+order{NO}?){SEP}{REF}|"
                 rf"(?<!客户)(?:订单号|订单编号){SEP}{REF}", "text"),
    "contract_no": (rf"(?:sales\s+)?contract{NO}{SEP}{REF}|s\s*/\s*c{NO}?{SEP}{REF}|"
                    rf"(?:合同号|合同编号|合同协议号){SEP}{REF}", "text"),
    "customer_po": (rf"(?:customer'?s?|buyer'?s?|your)\s*(?:p\.?\s*o\.?|order){NO}?{SEP}{REF}|"
                    rf"客户订单号{SEP}{REF}", "text"),
    "document_no": (rf"(?:document|ref(?:erence)?){NO}{SEP}{REF}|编号{SEP}{REF}", "text"),
    "bl_no": (rf"(?:b\s*/\s*l|bill\s+of\s+lading){NO}{SEP}{REF}|提单号{SEP}{REF}", "text"),
    "date": (rf"{NOT_OTHER_DATES}(?:invoice\s+date|date\s+of\s+issue|issue\s+date|\bdate|"
             rf"日期|开票日期|出具日期|签发日期|申报日期|factuurdatum|\bdu)\s*[:：]?\s*({DATE})",
             "date"),
    "on_board_date": (rf"(?:shipped\s+on\s+board|on\s+board(?:\s+date)?|laden\s+on\s+board|"
                      rf"date\s+of\s+shipment|shipment\s+date|装船日期|装运日期){SEP}({DATE})",
                      "date"),
    "currency": (rf"(?:currency|币种|币别|货币){TAIL}\s*[:：]?\s*({CURRENCIES}|{CURRENCY_ZH})|"
                 rf"(?:unit\s*price|amount|金额|单价|total)\s*\(\s*({CURRENCIES})\s*\)", "text"),
    "price_term": (rf"\b({TERMS})\b(?=\s+[A-Z\u4e00-\u9fff]|\s*\(|\s*,)", "text"),
    "term_place": (rf"\b(?:{TERMS})[ \t]+([A-Z][A-Za-z.'\-]+(?:[ \t][A-Z][A-Za-z.'\-]+)*|"
                   rf"[\u4e00-\u9fff]{{2,8}})", "text"),
    "total_amount": (rf"(?:grand\s*total|total\s*amount|total\s*value|total\s*ttc|total"
                     rf"(?:\s*\([^)]*\))?|totaal|合\s*计|总\s*计|总金额|factuur\s*totaal)\s*[:：]?\s*"
                     rf"(?:{CURRENCIES}|€|\$|US\$|¥)?\s*({AMOUNT})(?!\d)(?![.,]\d)",
                     "last_amount"),
    "total_currency": (rf"(?:total|totaal|合计|总计)[^\n\d]{{0,20}}?\b({CURRENCIES})\b", "text"),
    "words": (r"\b(SAY\s+[A-Z][A-Z ,/\-\d\n]+?ONLY)\b", "text"),
    "words_zh": (r"((?:人民币|美元|欧元|英镑|日元|港币|港元|澳元|加元)?"
                 r"[零壹贰叁肆伍陆柒捌玖拾佰仟万亿][零壹贰叁肆伍陆柒捌玖拾佰仟万亿元圆角分]*"
                 r"[元圆][零壹贰叁肆伍陆柒捌玖角分]*[整正分角]?)", "text"),
    "packages": (rf"(?:total\s+packages?|packages?|件\s*数|total\s*cartons?|no\.\s*of\s*"
                 rf"(?:packages|cartons)|ctns?\.?){TAIL}\s*[:：]?\s*({INTEGER})\s*(?:ctns?|cartons?|"
                 rf"pkgs?|packages|件|箱)?\b|(?<![\w.,])({INTEGER})\s*(?:ctns|cartons|packages|"
                 r"pkgs)\b", "count"),
    "gross_weight_kg": (rf"(?:g\.\s?w\.?|gross\s*weight|毛\s*重)[^\d\n]{{0,16}}({NUMBER})\s*"
                        rf"(?:kgs?|公斤|千克)", "amount"),
    "net_weight_kg": (rf"(?:n\.\s?w\.?|net\s*weight|净\s*重)[^\d\n]{{0,16}}({NUMBER})\s*"
                      rf"(?:kgs?|公斤|千克)", "amount"),
    "volume_cbm": (rf"(?:measurement|volume|体\s*积|meas\.?)[^\d\n]{{0,16}}({NUMBER})\s*"
                   rf"(?:cbm|m3|m³|立方米)", "amount"),
    "seller": (rf"(?:seller|shipper|exporter|卖\s*方|发货人|出口商|境内发货人)\s*(?:the\s*seller)?"
               rf"{TAIL}\s*[:：]?\s*([^\n]{{3,80}})", "text"),
    "buyer": (rf"(?:buyer(?!'s)(?!s')|consignee|sold\s*to|bill\s*to|(?:to\s+)?messrs\.?|"
              rf"买\s*方|收货人|进口商)"
              rf"\s*(?:the\s*buyer)?{TAIL}\s*[:：]?\s*([^\n]{{3,80}})", "text"),
    "port_of_loading": (rf"(?:port\s+of\s+loading|loading\s+port|装运港|起运港|出境关别){TAIL}"
                        rf"\s*[:：]?\s*{PLACE}|\bfrom\s*[:：]?\s*({PLACE_TO})\s+to\b", "text"),
    "port_of_discharge": (rf"(?:port\s+of\s+discharge|port\s+of\s+destination|place\s+of\s+"
                          rf"delivery|目的港|卸货港|指运港){TAIL}\s*[:：]?\s*{PLACE}|"
                          rf"\bfrom\s*[:：]?\s*{PLACE_TO}\s+to\s*[:：]?\s*{PLACE}", "text"),
    "shipping_marks": (r"(?:唛\s*头\s*(?:shipping\s+marks?|marks(?=\s*[:：]))?|shipping\s+marks?|"
                       r"marks?\s*(?:&|and)\s*nos?\.?|^\s*marks(?=\s*[:：]))\s*[:：]?\s*"
                       r"([^\n]{2,120})", "text"),
    "inspection_result": (rf"(?:overall\s+result|result|conclusion|结\s*论|检验结果|验货结果)"
                          rf"{TAIL}\s*[:：]?\s*(pass(?:ed)?|fail(?:ed)?|accepted|rejected|"
                          r"不合格|合格|不通过|通过|pending|待定)", "text"),
    "origin": (rf"(?:country\s+of\s+origin|\borigin\b|原产地|原产国|产地){TAIL}\s*[:：]?\s*"
               r"([A-Za-z\u4e00-\u9fff][A-Za-z\u4e00-\u9fff ]{1,30}?)(?=\s{2,}|\s*$|[,;])",
               "text"),
    "packages_words": (r"\b(SAY\s+(?:TOTAL\s+)?(?:[A-Z]+[\s\-]+)+?(?:CARTONS?|CTNS|PACKAGES|PKGS|"
                       r"PALLETS|CASES)\s+ONLY)\b", "text"),
    "carrier_signature": (r"((?:signed|signature)[^\n]{0,60}?\b(?:as\s+(?:the\s+)?carrier|"
                          r"for\s+(?:and\s+on\s+behalf\s+of\s+)?the\s+carrier|as\s+(?:the\s+)?"
                          r"master|as\s+agents?\s+for)|as\s+(?:the\s+)?carrier\b|"
                          r"承运人签[章字]|船长签[章字])", "text"),
    "freight_clause": (r"(FREIGHT\s+(?:PREPAID|COLLECT|PAYABLE\s+AT\s+DESTINATION)|"
                       r"运费(?:预付|到付|已付))", "text"),
    "insured_amount": (rf"(?:insured\s*amount|amount\s*insured|sum\s*insured|保险金额)"
                       rf"[^\d\n]{{0,16}}({NUMBER})", "amount"),
    "on_board": (r"(shipped\s+on\s+board|laden\s+on\s+board|on\s+board|已装船)", "text"),
    # a clause on the state of the goods or their packing ("3 CTNS TORN AND WET", "PACKAGES
    # DAMAGED", "INSUFFICIENT PACKING"), not a product that is wet and dry
    "clauses": (r"((?:\d+\s*)?\b(?:cartons?|ctns?|packages?|pkgs?|cases?|bags?|drums?|"
                r"pallets?|goods|packing|packaging)\b[^\n]{0,24}?\b(?:damaged|torn|wet|stained|"
                r"broken|dented|crushed|leaking|insufficient|not\s+sufficient|unprotected)\b|"
                r"\b(?:damaged|torn|wet|stained|broken|dented|crushed|old|used|second-?hand)\s+"
                r"(?:cartons?|ctns|packages|cases|bags|drums|pallets)\b|insufficient\s+packing|"
                r"unclean|破损|湿损|包装不良)", "text"),
}
CASE_SENSITIVE = {"words", "price_term", "term_place", "freight_clause", "packages_words"}
TITLES = [("proforma", r"PRO\s*-?\s*FORMA|形式发票"),
          ("commercial_invoice", r"COMMERCIAL\s+INVOICE|商业发票"),
          ("packing_list", r"PACKING\s+LIST|装箱单"),
          ("invoice", r"\bINVOICE\b|\bFACTUUR\b|\bRECHNUNG\b|发票")]

# what each kind of document must show; a field in a tuple: any one of them will do
REQUIRED: dict[str, tuple[str | tuple[str, ...], ...]] = {
    "commercial_invoice": ("invoice_no", "date", "seller", "buyer",
                           ("currency", "total_currency"), "total_amount", "price_term",
                           "items"),
    "proforma_invoice": ("total_amount", "items"),
    "sales_contract": ("contract_no", "total_amount", "items"),
    "packing_list": (("invoice_no", "order_no", "contract_no"), "packages", "gross_weight_kg",
                     "net_weight_kg", "items"),
    "bill_of_lading": ("port_of_loading", "port_of_discharge", ("on_board_date", "date"),
                       ("packages", "gross_weight_kg"), "seller"),
    "insurance_policy": ("insured_amount", "date"),
    "certificate_of_origin": ("origin",),
    "inspection_report": ("inspection_result", "date"),
    "warranty_card": ("items",),
    "user_manual": ("items",),
}
