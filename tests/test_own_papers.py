"""gendan's own documents read back without a finding, for any valid order: orders drawn at
random (seeded) with every optional field present or absent, names in one language or two,
long names, two-line addresses and long numbers, every price term, every unit, part
cartons, one to three factories, with and without a letter of credit), the whole document
set made, and `gendan check` run over it. What it may say is only what is missing (the
factory's papers, approvals, the loading); nothing it reads in gendan's own documents."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

import pytest

from bench.layouts import draw_order, order_data
from pipeline.config import Documents, Settings
from pipeline.desk import Desk
from pipeline.workspace import Workspace
from tests.conftest import TRUSTING, drop

TERMS = ["EXW", "FCA", "FOB", "CFR", "CIF", "CPT", "CIP", "DAP", "DPU", "DDP"]
# what a check may say of an order whose factory papers have not come: what is missing
MISSING = {"approvals.complete", "complete.final", "complete.required", "credit.documents",
           "loading.complete", "terms.freight", "terms.insurance", "complete.flags"}


def random_order(n: int) -> dict[str, Any]:
    rng = random.Random(f"own:{n}")
    data = order_data(draw_order(n, rng))
    data["price_term"] = term = rng.choice(TERMS)
    data.pop("freight_amount", None)
    if term[0] in "CD":
        data["freight_amount"] = str(rng.randint(800, 4000))
    if term in {"CIF", "CIP"}:
        data["insurance_amount"] = "300.00"
    customer = data["customer"]
    if rng.random() < 0.3:
        customer["name_en"] = (customer["name_en"].rstrip(".") +
                               " International Trading and Logistics Holding Co., Ltd.")
    if rng.random() < 0.4:
        customer["address_en"] = ("Unit 1208, 12th Floor, Harbour Centre Tower B,\n"
                                  f"88 Waterfront Avenue, {customer['country']}")
    if rng.random() < 0.3:
        data["order_no"] = f"HZGD-EXP-2026-{n:06d}"
        data["contract_no"] = f"SC-HZGD-EXP-2026-{n:06d}"
    if rng.random() < 0.3:
        data.pop("shipping_marks")
    if rng.random() < 0.3:
        data.pop("customer_po")
    if rng.random() < 0.3:
        data["payment_terms"] = "100% by irrevocable L/C at sight, documents in 3 originals"
    for item in data["items"]:
        if rng.random() < 0.3:
            item.pop("hs_code")
        if rng.random() < 0.5:
            item["origin"] = "China"
        if rng.random() < 0.2:
            item.pop("name_zh", None)
    if rng.random() < 0.3:
        total = sum(float(i["unit_price"]) * i["quantity"] for i in data["items"])
        data["letter_of_credit"] = {
            "number": f"LC-{n:05d}", "issue_date": data["order_date"], "issuing_bank":
            "Emirates NBD Bank PJSC, Dubai", "amount": f"{total * 1.05:.2f}",
            "tolerance_percent": 5, "expiry_date": data["latest_shipment_date"] +
            dt.timedelta(days=30), "latest_shipment_date": data["latest_shipment_date"],
            "presentation_days": 21, "goods": "GOODS AS PER CONTRACT",
            "documents": [{"document": "commercial_invoice", "originals": 3, "copies": 2},
                          {"document": "packing_list", "originals": 3}]}
    return json.loads(json.dumps(data, default=str))  # plain data, as an order file holds


@pytest.mark.slow
@pytest.mark.parametrize("n", range(8))
def test_own_documents_of_a_random_order_draw_no_finding(tmp_path: Path, n: int) -> None:
    from pipeline.recipes import check_order

    workspace = Workspace(tmp_path / "ws")
    workspace.ensure_folders()
    desk = Desk(workspace, Settings(approval=TRUSTING, documents=Documents(word_to_pdf=False)))
    data = random_order(n)
    drop(workspace, f"{data['order_no']}.yaml", data)
    outcomes = desk.run_once()
    assert [o.status for o in outcomes] == ["archived"], outcomes
    result = check_order(desk, data["order_no"], on=dt.date.fromisoformat(data["delivery_date"]),
                         archive_report=False)
    desk.store.index.close()
    said = [f"{f.severity} {f.rule}: {f.message}" for f in result.findings
            if f.rule not in MISSING]
    assert said == [], (data, said)
