"""Compliance before hand-over: extraction from documents, the rule catalogue, findings."""

from . import (  # noqa: F401 - the rules register themselves
    rules_credit,
    rules_dates,
    rules_documents,
    rules_figures,
    rules_flow,
    rules_lines,
    rules_terms,
)
from .case import Case, Finding, Tolerances
from .extract import Extracted, Profile, Value, extract, load_profiles
from .names import normalise_name
from .rules import RULES, Rule, run_rules

__all__ = [
    "RULES",
    "Case",
    "Extracted",
    "Finding",
    "Profile",
    "Rule",
    "Tolerances",
    "Value",
    "extract",
    "load_profiles",
    "normalise_name",
    "run_rules",
]
