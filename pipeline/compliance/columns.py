"""The columns of an item table: each with the header labels that name it (Chinese or
English, case and width folded, a unit note such as "(kg)" or "USD" aside), which of them
hold figures, and the wording of a total row.
"""

from __future__ import annotations

import functools
import re

__all__ = ["COLUMNS", "NUMERIC", "TOTAL_ROW", "column_of", "is_figure"]

# column: labels it is headed by (matched on the cell's text, case and width folded)
COLUMNS: dict[str, tuple[str, ...]] = {
    "line_no": (r"no\.?", r"序号", r"#", r"item"),
    "description": (r"description( of goods)?", r"品名", r"货物名称", r"name", r"goods",
                    r"commodity", r"品名及规格", r"product"),
    "model": (r"model( no\.?)?", r"型号", r"规格型号", r"item no\.?", r"art(icle)?\.? ?no\.?",
              r"货号", r"style"),
    "hs_code": (r"hs( code)?", r"hs编码", r"海关编码", r"商品编码"),
    "origin": (r"origin", r"原产地", r"产地"),
    "quantity": (r"q'?ty", r"quantity", r"数量", r"pcs", r"total qty"),
    "unit": (r"unit", r"单位"),
    "unit_price": (r"unit price", r"单价", r"price", r"u\.? ?price"),
    "amount": (r"amount", r"金额", r"total amount", r"value", r"总价", r"total"),
    "cartons_range": (r"c/?no\.?", r"carton no\.?", r"箱号", r"ctn no\.?", r"marks? & nos?\.?"),
    "qty_per_carton": (r"pcs ?/ ?ctn", r"qty ?/ ?ctn", r"每箱数量", r"装箱数", r"每箱",
                       r"pcs per ctn"),
    "cartons": (r"ctns?", r"cartons?", r"箱数", r"件数", r"packages?", r"pkgs"),
    "net_weight_kg": (r"n\.? ?w\.?( ?\(?kgs?\)?)?", r"net weight( ?\(?kgs?\)?)?", r"净重"
                      r"( ?\(?kgs?\)?)?", r"净重kg"),
    "gross_weight_kg": (r"g\.? ?w\.?( ?\(?kgs?\)?)?", r"gross weight( ?\(?kgs?\)?)?",
                        r"毛重( ?\(?kgs?\)?)?", r"毛重kg"),
    "volume_cbm": (r"cbm", r"meas\.?( ?\(?cbm\)?)?", r"measurement", r"volume( ?\(?cbm\)?)?",
                   r"体积( ?\(?cbm\)?)?", r"体积cbm", r"m3"),
    "carton_size_cm": (r"carton size( ?\(?cm\)?)?", r"箱规", r"dimensions?"),
}
NUMERIC = {"quantity", "unit_price", "amount", "qty_per_carton", "cartons", "net_weight_kg",
           "gross_weight_kg", "volume_cbm", "line_no"}
TOTAL_ROW = re.compile(r"^\s*(total|grand(?: total)?|合\s*计|总\s*计|小\s*计|sum|totals?)\b",
                       re.IGNORECASE)
_COMPILED = {name: [re.compile(rf"^{p}$", re.IGNORECASE) for p in patterns]
             for name, patterns in COLUMNS.items()}

UNIT_NOTE = re.compile(r"\s*(?:[(（\[][^)）\]]{1,14}[)）\]]|/\s*(?:kgs?|cbm|m3|pcs)|"
                       r"\b(?:usd|eur|cny|rmb|us\$)\b)\s*$|^\s*(?:usd|eur|cny|rmb)\s+",
                       re.IGNORECASE)


@functools.lru_cache(maxsize=8192)  # a document's lines are asked about many times over
def column_of(text: str, parts: bool = True) -> str | None:
    """The column a header cell names; `parts`: or one of its parts does (数量 Qty)."""
    cleaned = re.sub(r"\s+", " ", text.strip().strip(":：*").strip())
    cleaned = re.sub(r"(?<=[\u4e00-\u9fff]) (?=[\u4e00-\u9fff])", "", cleaned)  # 每箱数 / 量
    bare = UNIT_NOTE.sub("", cleaned).strip()  # "Unit Price (USD)", "Amount USD", "N.W.(kg)"
    for name, patterns in _COMPILED.items():
        if any(p.match(cleaned) or (bare and p.match(bare)) for p in patterns):
            return name
    if not parts:
        return None
    # a bilingual header cell: 数量 Qty -> try its parts
    for part in re.split(r"\s+(?=[A-Za-z])|(?<=[A-Za-z.)])\s+(?=[^\x00-\x7f])", cleaned):
        for name, patterns in _COMPILED.items():
            if part != cleaned and any(p.match(part.strip()) for p in patterns):
                return name
    return None


AFFIX = r"(?:[A-Z]{3}\s?|US\$\s?|[$€¥£]\s?)?"  # USD 1,234.50 / $1,234.50 / € 12,50


@functools.lru_cache(maxsize=8192)
def is_figure(text: str) -> bool:
    return bool(re.fullmatch(rf"{AFFIX}[-+]?[\d.,' ]*\d(\s*(kgs?|cbm|m3|pcs|sets|pairs?|ctns?|"
                             r"cartons?|units?|%|usd|eur))?", text.strip(), re.IGNORECASE))
