"""The flows of the desk, each a short function over the order store:

    order file    read -> open the order (claim it) -> make the document set -> commit
    order update  read -> open the order -> apply the workflow rules -> remake -> commit
    factory file  open -> identify order and type -> open the order -> stamp -> commit
    check         open the order -> read its documents -> rules -> report -> commit
    hand-over     open the order -> check -> cover, pack -> commit

Every commit goes through `OrderRecord.commit`, under the order's lock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_exports

if TYPE_CHECKING:
    from .check import CheckResult, HandoverRefused, check_order
    from .factory import factory_file_arrived
    from .handover import hand_over
    from .orders import order_arrived, update_arrived

_WHERE = {
    "CheckResult": "check",
    "HandoverRefused": "check",
    "check_order": "check",
    "factory_file_arrived": "factory",
    "hand_over": "handover",
    "order_arrived": "orders",
    "update_arrived": "orders",
}

__all__ = [
    "CheckResult",
    "HandoverRefused",
    "check_order",
    "factory_file_arrived",
    "hand_over",
    "order_arrived",
    "update_arrived",
]

__getattr__ = lazy_exports(__name__, _WHERE)
