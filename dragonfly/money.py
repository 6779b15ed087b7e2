"""Amounts people type: exact Decimal dollars and cents, never floats."""

from __future__ import annotations

import re
from decimal import Decimal

from dragonfly.errors import InvalidAmount

# 1234, 1234.5, 1,234.56 (thousands separators only in groups of three); refuses 12,34.5, 1e9, -5.
_AMOUNT = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{1,2})?$")


def parse_amount(text: str | None, *, allow_zero: bool = False) -> Decimal:
    """A positive amount in dollars and cents: '1,234.56', '$1234', '250.5' -> Decimal('...')."""
    raw = (text or "").strip()
    body = raw[1:] if raw.startswith("$") else raw
    if not _AMOUNT.match(body):
        raise InvalidAmount(
            f'"{raw}" is not an amount',
            "Write dollars and cents like 1,234.56 or $1234 (no minus sign, at most 2 decimals).",
        )
    value = Decimal(body.replace(",", ""))
    if value < 0 or (value == 0 and not allow_zero):
        raise InvalidAmount(f"{raw} is not a positive amount", "Write the amount, like 250.00.")
    return value.quantize(Decimal("0.01"))
