"""`calldata_bytes`: user calldata is parsed strictly (regression: an odd digit count was padded,
so `0x12345` silently became the call 0x012345)."""

from __future__ import annotations

import pytest

from interop.errors import InputError
from interop.facade import calldata_bytes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0x", b""),
        ("0x1234", b"\x12\x34"),
        ("0XABcd", b"\xab\xcd"),
        ("a9059cbb", b"\xa9\x05\x9c\xbb"),
    ],
)
def test_whole_bytes_of_hex(text: str, expected: bytes) -> None:
    assert calldata_bytes(text) == expected


def test_bytes_pass_through() -> None:
    assert calldata_bytes(bytearray(b"\x01\x02")) == b"\x01\x02"


@pytest.mark.parametrize("text", ["0x12345", "0x1", "0xzz", "0x12 34", "1234g0", "0x0x12"])
def test_odd_or_non_hex_is_refused(text: str) -> None:
    with pytest.raises(InputError, match="not 0x-hex of whole bytes"):
        calldata_bytes(text)


@pytest.mark.parametrize("value", [None, 1234, 12.5, ["0x12"]])
def test_other_types_are_refused(value: object) -> None:
    with pytest.raises(InputError, match="bytes or 0x-hex"):
        calldata_bytes(value)  # type: ignore[arg-type]
