"""Exact unit conversion: ether/gwei strings or Decimals to int wei, and back. Never floats."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from interop.errors import InvalidAmountError, shown
from interop.types import MAX_UINT256

__all__ = ["UNITS", "ether", "format_ether", "format_units", "gwei", "parse_amount", "parse_units"]

UNITS: dict[str, int] = {
    "wei": 0,
    "kwei": 3,
    "mwei": 6,
    "gwei": 9,
    "szabo": 12,
    "finney": 15,
    "ether": 18,
    "eth": 18,
}

_AMOUNT = re.compile(r"^\s*([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*([a-zA-Z]*)\s*$")


def parse_units(value: str | int | Decimal, decimals: int) -> int:
    """Convert a decimal amount to integer base units, exactly; refuse what does not fit."""
    if isinstance(value, (float, bool)):
        raise InvalidAmountError(
            f"refusing float amount {shown(value)}: floats are not exact",
            hint="pass a string such as '0.1' or a decimal.Decimal",
        )
    try:
        d = Decimal(value) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError, TypeError) as exc:
        raise InvalidAmountError(f"not a number: {shown(value)}") from exc
    if not d.is_finite():
        raise InvalidAmountError(f"amount must be finite, got {shown(value)}")
    if d < 0:
        raise InvalidAmountError(f"amount must not be negative, got {shown(value)}")
    # Integer arithmetic: Decimal.scaleb rounds to the context precision (28 digits), which
    # silently changed amounts with more significant digits.
    _, digits, exponent = d.as_tuple()
    assert isinstance(exponent, int)
    coefficient = int("".join(map(str, digits)) or "0")
    shift = exponent + decimals
    if coefficient == 0:
        return 0
    # Bounds first: "1e999999999" must fail fast, not compute a billion-digit power of ten.
    if len(digits) + shift > 78:
        raise InvalidAmountError(f"amount {shown(value)} does not fit in uint256")
    if -shift > len(digits):
        raise InvalidAmountError(_too_precise(value, decimals))
    if shift >= 0:
        result = coefficient * int(10**shift)
    else:
        result, r = divmod(coefficient, int(10 ** (-shift)))
        if r:
            raise InvalidAmountError(_too_precise(value, decimals))
    if result > MAX_UINT256:
        raise InvalidAmountError(f"amount {shown(value)} does not fit in uint256")
    return result


def _too_precise(value: object, decimals: int, unit: str | None = None) -> str:
    """The refusal of an amount finer than its unit allows, naming the unit when known ("'1.5'
    has more than 0 decimal places" left a user of `1.5wei` guessing)."""
    if unit is None:
        if decimals == 0:
            return f"{shown(value)} must be a whole number (no decimal places)"
        return f"{shown(value)} has more than {decimals} decimal places"
    if decimals == 0:
        return f"{shown(value)}: {unit} takes no decimal places (it is the smallest unit)"
    return f"{shown(value)}: {unit} takes at most {decimals} decimal places"


def ether(value: str | int | Decimal) -> int:
    """`ether("0.1")` -> 100000000000000000 wei."""
    return parse_units(value, 18)


def gwei(value: str | int | Decimal) -> int:
    """`gwei(2)` -> 2000000000 wei."""
    return parse_units(value, 9)


def parse_amount(text: str, default_unit: str = "ether") -> int:
    """Parse CLI-style amounts: '0.1ether', '0.1 eth', '5gwei', '123wei', '0.5' (default unit)."""
    m = _AMOUNT.match(text) if isinstance(text, str) else None
    if not m:
        raise InvalidAmountError(
            f"cannot parse amount {shown(text)}", hint="write e.g. 0.1ether, 5gwei or 1000wei"
        )
    number, unit = m.group(1), (m.group(2).lower() or default_unit)
    if unit not in UNITS:
        raise InvalidAmountError(
            f"unknown unit {shown(unit)} in {shown(text)}", hint=f"use one of {', '.join(UNITS)}"
        )
    decimals = UNITS[unit]
    if len(number.partition(".")[2].rstrip("0")) > decimals:
        smaller = [u for u, d in UNITS.items() if d < decimals]
        raise InvalidAmountError(
            _too_precise(text.strip(), decimals, unit),
            hint=f"write it in a smaller unit ({', '.join(smaller)})"
            if smaller
            else "write a whole number of wei",
        )
    return parse_units(number, decimals)


def format_units(value: int, decimals: int) -> str:
    """Exact decimal string of an integer amount, trailing zeros stripped."""
    sign = "-" if value < 0 else ""
    q, r = divmod(abs(value), 10**decimals)
    if r == 0:
        return f"{sign}{q}"
    frac = str(r).rjust(decimals, "0").rstrip("0")
    return f"{sign}{q}.{frac}"


def format_ether(value: int) -> str:
    return format_units(value, 18)
