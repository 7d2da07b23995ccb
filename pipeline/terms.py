"""Incoterms 2020: which place a term names, who pays freight and insurance.

The named place after the term is the port of loading or place of delivery for the
E- and F-terms (EXW, FCA, FAS, FOB), and the port or place of destination for the C- and
D-terms (CFR, CIF, CPT, CIP, DAP, DPU, DDP). Under CIF and CIP the seller insures the
goods, at 110 % of the invoice value unless the contract says otherwise (Incoterms 2020
A5); under the C- and D-terms the seller pays the main carriage (freight prepaid).
"""

from __future__ import annotations

__all__ = ["INCOTERMS", "INSURED", "ORIGIN", "PREPAID", "place_kind"]

INCOTERMS = ("EXW", "FCA", "FAS", "FOB", "CFR", "CIF", "CPT", "CIP", "DAP", "DPU", "DDP")
ORIGIN = frozenset({"EXW", "FCA", "FAS", "FOB"})  # named place: where the goods are handed over
PREPAID = frozenset({"CFR", "CIF", "CPT", "CIP", "DAP", "DPU", "DDP"})  # the seller pays freight
INSURED = frozenset({"CIF", "CIP"})  # the seller insures the goods


def place_kind(term: str) -> str:
    """`loading` or `destination`: which of the order's places the term names."""
    return "loading" if term in ORIGIN else "destination"
