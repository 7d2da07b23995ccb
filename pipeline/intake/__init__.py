"""Readers for what arrives in the inbox: order data and updates, factory documents."""

from .data import DataLimits
from .identify import Identification, KnownOrder, identify
from .incoming import read_incoming
from .order_file import ORDER_SUFFIXES, is_order_file, read_order

__all__ = [
    "ORDER_SUFFIXES",
    "DataLimits",
    "Identification",
    "KnownOrder",
    "identify",
    "is_order_file",
    "read_incoming",
    "read_order",
]
