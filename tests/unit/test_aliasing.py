"""Aliasing vectors published by Arbitrum's SDK tests and OP's specs (same formula on both)."""

from interop.aliasing import apply_l1_to_l2_alias, undo_l1_to_l2_alias


def test_alias_known_vector() -> None:
    # the formula wraps mod 2**160: 0xffff...ffff + 0x1111...1111 = 0x1111...1110
    top = "0x1111000000000000000000000000000000001110"
    assert apply_l1_to_l2_alias("0xffffffffffffffffffffffffffffffffffffffff").lower() == top
    assert undo_l1_to_l2_alias(top).lower() == "0x" + "f" * 40


def test_alias_roundtrip_zero() -> None:
    aliased = apply_l1_to_l2_alias("0x0000000000000000000000000000000000000000")
    assert aliased == "0x1111000000000000000000000000000000001111"
    assert undo_l1_to_l2_alias(aliased) == "0x0000000000000000000000000000000000000000"
