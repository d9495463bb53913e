"""Exact unit parsing: strings and Decimals to int wei, never floats."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from interop.errors import InvalidAmountError
from interop.units import ether, format_ether, format_units, gwei, parse_amount, parse_units


def test_ether_and_gwei_exact() -> None:
    assert ether("0.1") == 100_000_000_000_000_000
    assert ether("1") == ether(1) == ether(Decimal("1.000")) == 10**18
    assert ether("0.000000000000000001") == 1
    assert ether(".5") == 5 * 10**17
    assert gwei(2) == 2_000_000_000
    assert gwei("0.000000001") == 1
    assert gwei("1.5") == 1_500_000_000


def test_float_would_be_wrong_which_is_why_it_is_refused() -> None:
    assert int(1.1 * 10**18) == 1_100_000_000_000_000_128  # what a float gives
    assert ether("1.1") == 1_100_000_000_000_000_000
    assert int(Decimal(0.1) * 10**18) == 100_000_000_000_000_005  # noqa: RUF032 (the float 0.1)
    for f in (0.1, 1.0, 1.1):
        with pytest.raises(InvalidAmountError, match="float"):
            ether(f)  # type: ignore[arg-type]
    with pytest.raises(InvalidAmountError):
        gwei(True)  # type: ignore[arg-type]


def test_many_significant_digits_are_kept_exactly() -> None:
    # Decimal's default context has 28 digits of precision; amounts with more must not round.
    assert ether("123456789012345.123456789012345678") == 123456789012345123456789012345678
    assert ether("99999999999999999999999999999.999999999999999999") == 10**47 - 1


@pytest.mark.parametrize(
    ("text", "wei"),
    [
        ("0.1ether", 10**17),
        ("0.1 ether", 10**17),
        ("0.1eth", 10**17),
        ("0.1 ETH", 10**17),
        ("5 gwei", 5 * 10**9),
        ("5gwei", 5 * 10**9),
        ("2.5 Gwei", 2_500_000_000),
        ("123wei", 123),
        ("1 finney", 10**15),
        ("1szabo", 10**12),
        ("3 kwei", 3000),
        ("3 mwei", 3_000_000),
        ("0.5", 5 * 10**17),
        ("  7  ", 7 * 10**18),
        ("1.", 10**18),
    ],
)
def test_parse_amount(text: str, wei: int) -> None:
    assert parse_amount(text) == wei


def test_parse_amount_default_unit() -> None:
    assert parse_amount("5", default_unit="gwei") == 5 * 10**9
    assert parse_amount("5 wei", default_unit="gwei") == 5


@pytest.mark.parametrize(
    "text",
    ["-1ether", "-0.1", "- 1 gwei", "", "ether", "0x10", "1,5 ether", "1/2 ether", "1e18wei"],
)
def test_parse_amount_refuses_malformed(text: str) -> None:
    with pytest.raises(InvalidAmountError):
        parse_amount(text)


@pytest.mark.parametrize("text", ["5 gwie", "1 btc", "2 ethers"])
def test_parse_amount_refuses_unknown_units_with_a_hint(text: str) -> None:
    with pytest.raises(InvalidAmountError, match="unknown unit") as info:
        parse_amount(text)
    assert info.value.hint is not None and "gwei" in info.value.hint


@pytest.mark.parametrize("text", ["1.5wei", "0.0000000000000000001ether", "0.0000000001 gwei"])
def test_parse_amount_refuses_too_many_decimals(text: str) -> None:
    with pytest.raises(InvalidAmountError, match="decimal places"):
        parse_amount(text)


@pytest.mark.parametrize("bad", [None, 5, 0.1, b"1 ether"])
def test_parse_amount_refuses_non_strings(bad: object) -> None:
    with pytest.raises(InvalidAmountError):
        parse_amount(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["-1", -1, Decimal("-0.5"), "NaN", "Infinity", "abc", "", "1 2"])
def test_parse_units_refuses(bad: object) -> None:
    with pytest.raises(InvalidAmountError):
        parse_units(bad, 18)  # type: ignore[arg-type]


def test_uint256_bound_and_huge_exponents_fail_fast() -> None:
    top = "115792089237316195423570985008687907853269984665640564039457.584007913129639935"
    assert ether(top) == 2**256 - 1
    t0 = time.perf_counter()
    for bad in (top[:-1] + "6", "1e999999999", "1e-999999999"):
        with pytest.raises(InvalidAmountError):
            ether(bad)
    assert time.perf_counter() - t0 < 1
    assert ether("0e-999999999") == 0


def test_format_units_round_trip() -> None:
    for wei in (0, 1, 10**17, 10**18, 123456789012345678901234567890, 2**256 - 1):
        assert ether(format_ether(wei)) == wei
    assert format_ether(10**17) == "0.1"
    assert format_units(1_500_000_000, 9) == "1.5"
    assert format_units(-5 * 10**17, 18) == "-0.5"
