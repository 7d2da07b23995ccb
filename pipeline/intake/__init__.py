"""Readers for what arrives in the inbox: order data now, factory documents later."""

from .order_file import ORDER_SUFFIXES, is_order_file, read_order

__all__ = ["ORDER_SUFFIXES", "is_order_file", "read_order"]
