"""Company names as an examiner compares them: without their legal-form words and
symbols ("Need not be identical, but must not conflict", UCP 600 art. 14(d))."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["normalise_name"]

FORMS = re.compile(r"\b(co|company|ltd|limited|inc|llc|l\.l\.c|gmbh|corp|corporation|bv|b\.v|"
                   r"sa|s\.a|plc|pte)\b\.?|有限责任公司|有限公司|公司|[.,()（）&]", re.I)


def normalise_name(name: str) -> str:
    """Company names compared without their legal-form words (Co., Ltd., GmbH ...) and
    without symbols (a seal's star printed over the line)."""
    name = "".join(" " if unicodedata.category(c).startswith("S") and c != "&" else c
                   for c in name)
    return re.sub(r"\s+", " ", FORMS.sub(" ", name.lower())).strip()
