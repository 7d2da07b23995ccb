"""The bilingual Excel order form (`gendan order-form`): every field with its Chinese and
English label and a hint, drop-down lists for the term, currency and inspection, date
checks, one sheet for the items with their packing columns, and a help sheet. What it
writes, `workbook.py` reads back (labels in any language; the hidden key column and row
keep it exact)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..models import CURRENCIES
from ..terms import INCOTERMS
from .labels import ITEM_FIELDS, ORDER_FIELDS, UPDATE_FIELDS

__all__ = ["write_order_form"]

DATES = {"order_date", "delivery_date", "latest_shipment_date"}
CHOICES = {
    "price_term": ",".join(INCOTERMS),
    "inspection": "in_house,customer,third_party",
    "legal_inspection": "是,否",
}
HELP = [
    ("填写说明", "How to fill in"),
    ("带 * 的字段必填。", "Fields marked * are required."),
    ("日期写作 2027-01-20（也可 2027/01/20、2027.01.20 或 Excel 日期）。",
     "Dates: 2027-01-20 (or 2027/01/20, 2027.01.20, an Excel date)."),
    ("数字可写 1200、1,200、１，２００；金额可带币种符号（须与订单币种一致）。",
     "Numbers: 1200, 1,200, full-width digits; amounts may carry the order's currency sign."),
    ("明细表每行一个产品；有包装数据时，每箱数量 x 箱数 须等于数量。",
     "Items: one row per product; with packing, pcs/ctn x cartons must equal the quantity."),
    ("填好后保存，放入 inbox/ 文件夹。", "Save it and drop it into the inbox/ folder."),
]


def _style(sheet: Any) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    fill = PatternFill("solid", fgColor="DDE6F0")
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")


def _key_value_sheet(book: Any, title: str, fields: dict[str, tuple[str, str, bool, str]],
                     currencies: bool) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    sheet = book.create_sheet(title)
    sheet.append(["字段 Field", "填写 Value", "说明 Hint", "key"])
    lists = dict(CHOICES)
    if currencies:
        lists["currency"] = ",".join(sorted(CURRENCIES)[:40])
    for row, (key, (zh, en, required, hint)) in enumerate(fields.items(), start=2):
        sheet.append([f"{zh} {en}{' *' if required else ''}", None, hint, key])
        target = f"B{row}"
        if key in lists:
            check = DataValidation(type="list", formula1=f'"{lists[key]}"', allow_blank=True)
            check.error, check.prompt = f"choose one of: {lists[key]}", hint or lists[key]
            sheet.add_data_validation(check)
            check.add(target)
        if key in DATES:
            check = DataValidation(type="date", operator="greaterThan",
                                   formula1="DATE(2000,1,1)", allow_blank=True)
            check.error, check.prompt = "a date, e.g. 2027-01-20", "2027-01-20"
            sheet.add_data_validation(check)
            check.add(target)
            sheet[target].number_format = "yyyy-mm-dd"
    sheet.column_dimensions["A"].width = 34
    sheet.column_dimensions["B"].width = 40
    sheet.column_dimensions["C"].width = 36
    sheet.column_dimensions["D"].hidden = True
    sheet.freeze_panes = "B2"
    _style(sheet)


def write_order_form(target: Path, *, update: bool = False) -> Path:
    """Write the form (an order, or with `update` an order update) to `target`."""
    from openpyxl import Workbook
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    book.remove(book.active)
    if update:
        _key_value_sheet(book, "更新 Update", UPDATE_FIELDS, currencies=False)
    else:
        _key_value_sheet(book, "订单 Order", ORDER_FIELDS, currencies=True)
        items = book.create_sheet("明细 Items")
        items.append([f"{zh}\n{en}{' *' if required else ''}"
                      for zh, en, required, _ in ITEM_FIELDS.values()])
        items.append(list(ITEM_FIELDS))
        items.row_dimensions[2].hidden = True
        items.row_dimensions[1].height = 32
        for column, (key, (zh, en, _, _)) in enumerate(ITEM_FIELDS.items(), start=1):
            letter = items.cell(row=1, column=column).column_letter
            items.column_dimensions[letter].width = max(10, len(zh) * 2 + 4, len(en) + 2)
            if key in {"quantity", "unit_price"} or (key.startswith("packing.") and \
                    key != "packing.carton_size_cm"):
                check = DataValidation(type="decimal", operator="greaterThanOrEqual",
                                       formula1="0", allow_blank=True)
                check.error = "a number, e.g. 1200 or 38.50"
                items.add_data_validation(check)
                check.add(f"{letter}3:{letter}2000")
        items.freeze_panes = "A3"
        _style(items)
    help_sheet = book.create_sheet("说明 Help")
    for zh, en in HELP:
        help_sheet.append([zh, en])
    help_sheet.column_dimensions["A"].width = 60
    help_sheet.column_dimensions["B"].width = 80
    _style(help_sheet)
    target.parent.mkdir(parents=True, exist_ok=True)
    book.save(target)
    return target
