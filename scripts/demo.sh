#!/usr/bin/env bash
# The demo: a fresh workspace, the bundled example orders in its inbox, one pass, the result.
set -euo pipefail
cd "$(dirname "$0")/.."
GENDAN=.venv/bin/gendan
DEMO=build/demo
rm -rf "$DEMO"
"$GENDAN" init "$DEMO" >/dev/null
# the office's own templates: a Word order confirmation with its own variable names
# (mapped in gendan.toml) and the packing list as an Excel workbook
cp examples/templates/order_confirmation.docx examples/templates/packing_list.xlsx "$DEMO/templates/"
cat examples/templates/own-templates.toml >> "$DEMO/gendan.toml"
# the company's certificate: sealed documents and hand-over packs are signed with it
"$GENDAN" -w "$DEMO" config cert
cp examples/*.yaml examples/*.json "$DEMO/inbox/"
echo "== gendan run: processing $(ls "$DEMO/inbox" | wc -l) files from $DEMO/inbox"
"$GENDAN" -w "$DEMO" run
echo
echo "== the office's people: each signs with a key of their own (gendan users key)"
mkdir -p "$DEMO/keys" "$DEMO/updates"
for person in "wang.li 王丽 salesperson" "li.qiang 李强 manager" "zhang.wei 张伟 general_manager"; do
  set -- $person
  echo "demo password 1" | "$GENDAN" -w "$DEMO" users add "$1" --name "$2" --role "$3" --password-stdin
  "$GENDAN" -w "$DEMO" users key "$1" -o "$DEMO/keys/$1.key"
done
cp examples/updates/*.yaml "$DEMO/updates/"
"$GENDAN" -w "$DEMO" sign "$DEMO/updates/PO-2026-0042.1-sales-signs.yaml" --user wang.li --key "$DEMO/keys/wang.li.key"
"$GENDAN" -w "$DEMO" sign "$DEMO/updates/PO-2026-0042.2-manager-approves.yaml" --user li.qiang --key "$DEMO/keys/li.qiang.key"
cp "$DEMO/updates/PO-2026-0042.3-gm-approves.yaml" "$DEMO/forged-gm-approves.yaml"
"$GENDAN" -w "$DEMO" sign "$DEMO/updates/PO-2026-0042.3-gm-approves.yaml" --user zhang.wei --key "$DEMO/keys/zhang.wei.key"
echo
echo "== a forged approval: the general manager's, signed with the manager's key, is refused"
"$GENDAN" -w "$DEMO" sign "$DEMO/forged-gm-approves.yaml" --user li.qiang --key "$DEMO/keys/li.qiang.key"
cp "$DEMO/forged-gm-approves.yaml" "$DEMO/inbox/"
"$GENDAN" -w "$DEMO" run || true
echo
echo "== the order's updates arrive: signed approvals, factory confirmation, inspection, loading"
cp "$DEMO"/updates/*.yaml "$DEMO/inbox/"
"$GENDAN" -w "$DEMO" run
echo
echo "== the factory's documents arrive: warranty card, manual, transport contract, and the"
echo "   inspection report photographed on its side with the factory's seal (IMG_20270108_0931.jpg)"
cp examples/factory/*.pdf "$DEMO/inbox/"
rm "$DEMO/inbox/PO-2026-0042_inspection-report.pdf"
.venv/bin/python scripts/make_scan.py examples/factory/PO-2026-0042_inspection-report.pdf \
  "$DEMO/inbox/IMG_20270108_0931.jpg"
"$GENDAN" -w "$DEMO" run
echo
echo "== the scan, read by OCR: identified by what it says, found by gendan find (验货 = inspection)"
"$GENDAN" -w "$DEMO" find 验货
.venv/bin/python - "$DEMO" <<'PY'
import json
import sys
from pathlib import Path

demo = Path(sys.argv[1])
sidecar = next((demo / "archive").rglob("IMG_20270108_0931.jpg.gendan.json"), None)
if sidecar is not None:
    meta = json.loads(sidecar.read_text(encoding="utf-8"))
    ocr = meta.get("ocr", {})
    print(f"IMG_20270108_0931.jpg: {meta['doc_type']}; {'; '.join(meta['identified'])}")
    print(f"  OCR: {ocr.get('engine')}, confidence {ocr.get('confidence')}, turned "
          f"{ocr.get('turned')}, levelled {ocr.get('levelled')}, seal on pages "
          f"{ocr.get('seal_pages')}, {ocr.get('seconds')} s")
PY
echo
echo "== an order typed into the Excel form (gendan order-form), as a merchandiser fills it in"
"$GENDAN" order-form -o "$DEMO/order-form.xlsx" >/dev/null
.venv/bin/python scripts/fill_order_form.py "$DEMO/order-form.xlsx" "$DEMO/inbox/PO-2026-0057.xlsx"
"$GENDAN" -w "$DEMO" run
echo
echo "== the office's own Word template, with its own names (templates/order_confirmation.docx)"
"$GENDAN" -w "$DEMO" templates check order_confirmation.docx --items 5
.venv/bin/python - "$DEMO" <<'PY'
import sys
from pathlib import Path

import docx
from openpyxl import load_workbook

demo = Path(sys.argv[1])
made = next((demo / "archive").rglob("PO-2026-0042_order_confirmation_v1.docx"))
print(f"{made.name}:")
document = docx.Document(str(made))
for paragraph in document.paragraphs[:4]:
    print("   ", paragraph.text)
for row in document.tables[0].rows[:3]:
    print("   ", " | ".join(cell.text for cell in row.cells))
book = next((demo / "archive").rglob("PO-2026-0042_packing_list_v1.xlsx"))
sheet = load_workbook(book).active
total = next(r for r in sheet.iter_rows() if r[0].value == "TOTAL")
print(f"{book.name}: {sheet.max_row} rows; total row {[c.value for c in total][:4]}")
PY
echo
echo "== gendan check PO-2026-0042 (before hand-over on 2027-01-20)"
"$GENDAN" -w "$DEMO" check PO-2026-0042 --date 2027-01-20 || true
echo
echo "== gendan handover PO-2026-0042 --preview (the customer's pack, marked PREVIEW; nothing archived)"
"$GENDAN" -w "$DEMO" handover PO-2026-0042 --date 2027-01-20 --preview -o "$DEMO/PO-2026-0042-preview.pdf"
echo
echo "== gendan handover PO-2026-0042"
"$GENDAN" -w "$DEMO" handover PO-2026-0042 --date 2027-01-20
echo
echo "== gendan verify (the archive against its sidecars, and the company's signatures)"
"$GENDAN" -w "$DEMO" verify
echo
echo "== gendan orders"
"$GENDAN" -w "$DEMO" orders
echo
echo "== gendan show PO-2026-0042 --current"
"$GENDAN" -w "$DEMO" show PO-2026-0042 --current
echo
echo "== gendan find 毛重 --type packing_list (Chinese words, on every archived page)"
"$GENDAN" -w "$DEMO" find 毛重 --type packing_list
echo
echo "== gendan find --model ht2020 --type commercial_invoice (any separators; warranty)"
"$GENDAN" -w "$DEMO" find --model ht2020 --type commercial_invoice
echo
echo "== gendan history PO-2026-0042 (the last events)"
"$GENDAN" -w "$DEMO" history PO-2026-0042 | tail -n 12
echo
echo "== gendan export ACME -o $DEMO/ACME-export.zip (with a sha256 manifest)"
"$GENDAN" -w "$DEMO" export ACME -o "$DEMO/ACME-export.zip"
echo
echo "== gendan due (what is due on the open orders, on 2027-01-10)"
GENDAN_TODAY=2027-01-10 "$GENDAN" -w "$DEMO" due --days 30 || true
echo
echo "== gendan ledger -o $DEMO/ledger.xlsx (业务登记)"
"$GENDAN" -w "$DEMO" ledger -o "$DEMO/ledger.xlsx"
echo
echo "== the office's books: master data kept once (masters/), a product list from Excel"
cp -r examples/books/masters "$DEMO/"
"$GENDAN" -w "$DEMO" masters import examples/books/products.xlsx
"$GENDAN" -w "$DEMO" products
echo
echo "== a sample sent to Nordhaven, due for its follow-up"
cp examples/books/SMP-2026-031.yaml "$DEMO/inbox/"
GENDAN_TODAY=2026-11-16 "$GENDAN" -w "$DEMO" run
echo
echo "== gendan quote: the inquiry costed (计算报价单), FOB, CFR and CIF with the margin"
GENDAN_TODAY=2026-11-16 "$GENDAN" -w "$DEMO" quote examples/books/inquiry-NORD.yaml
echo
echo "== gendan accept: the customer takes CIF; the order made from the quotation is filed"
echo "   (customer and lines filled from the master data, expected margin on the contract review)"
GENDAN_TODAY=2026-11-20 "$GENDAN" -w "$DEMO" accept QT-2026-0107 --order-no NR-2026-0107 \
  --term CIF --delivery-date 2027-01-20 --order-date 2026-11-20
GENDAN_TODAY=2026-11-20 "$GENDAN" -w "$DEMO" run
echo
echo "== the deposit, the loading, the shipment, a claim settled by a credit note, part of the balance"
cp examples/books/updates/*.yaml "$DEMO/inbox/"
GENDAN_TODAY=2027-02-20 "$GENDAN" -w "$DEMO" run
GENDAN_TODAY=2027-04-30 "$GENDAN" -w "$DEMO" due --customer NORD || true
echo
echo "== gendan statement NORD: the statement of account (对账表) with its ageing, PDF and XLSX"
GENDAN_TODAY=2027-04-30 "$GENDAN" -w "$DEMO" statement NORD --from 2026-11-01 --to 2027-04-30 \
  -o "$DEMO/SOA-NORD-20270430.pdf"
echo
echo "Look at the documents in $DEMO/archive/<customer>/<order>/generated/"
echo "e.g. $DEMO/archive/ACME/PO-2026-0042/generated/PO-2026-0042_quotation_v1.pdf"
