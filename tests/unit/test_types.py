"""Address, hash and amount validation at the edge (`interop.types`)."""

from __future__ import annotations

import pytest

from interop.errors import InputError, InvalidAddressError, InvalidAmountError
from interop.types import MAX_UINT256, hex_to_bytes, to_address, to_hash32, to_wei_int

# The test cases of EIP-55 itself (ethereum/EIPs, EIPS/eip-55.md, "Test Cases": all caps, all
# lower, normal). All-caps and all-lower are valid EIP-55 encodings because the checksum
# happens to be all-upper / all-lower for those addresses.
EIP55_VECTORS = [
    "0x52908400098527886E0F7030069857D2E4169EE7",
    "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
    "0xde709f2102306220921060314715629080e2fb77",
    "0x27b1fdb04752bbc536007a920d24acb045561c26",
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
    "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
]


@pytest.mark.parametrize("vector", EIP55_VECTORS)
def test_eip55_vectors_accepted_unchanged(vector: str) -> None:
    assert to_address(vector) == vector


@pytest.mark.parametrize("vector", EIP55_VECTORS)
def test_lower_and_upper_case_get_the_checksum(vector: str) -> None:
    assert to_address(vector.lower()) == vector
    assert to_address("0x" + vector[2:].upper()) == vector
    assert to_address(bytes.fromhex(vector[2:])) == vector


def _flip_one_letter(addr: str) -> str:
    body = list(addr[2:])
    for i, c in enumerate(body):
        if c.isalpha():
            body[i] = c.swapcase()
            break
    return "0x" + "".join(body)


@pytest.mark.parametrize("vector", EIP55_VECTORS[4:])
def test_mixed_case_with_bad_checksum_refused(vector: str) -> None:
    bad = _flip_one_letter(vector)
    assert bad.lower() == vector.lower() and bad != vector
    with pytest.raises(InvalidAddressError) as info:
        to_address(bad)
    assert info.value.hint is not None and vector in info.value.hint
    assert to_address(bad, strict=False) == vector


def test_mixed_case_caps_vector_with_one_lower_letter_refused() -> None:
    with pytest.raises(InvalidAddressError, match="checksum"):
        to_address("0x52908400098527886E0F7030069857D2E4169Ee7")


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "0x",
        "0x" + "a" * 39,
        "0x" + "a" * 41,
        "0x" + "a" * 64,
        "5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",  # no 0x
        "0x" + "g" * 40,
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeZ",
        "0x 5aAeb6053F3E94C9b9A09f33669435E7Ef1BeA",
        "0x٥aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",  # non-ASCII digit
    ],
)
def test_malformed_addresses_refused(bad: str) -> None:
    with pytest.raises(InvalidAddressError):
        to_address(bad)


@pytest.mark.parametrize("bad", [b"\x00" * 19, b"\x00" * 21, 1234, None])
def test_wrong_address_types_refused(bad: object) -> None:
    with pytest.raises(InvalidAddressError):
        to_address(bad)  # type: ignore[arg-type]


def test_address_error_is_an_input_error() -> None:
    with pytest.raises(InputError):
        to_address("nope")
    with pytest.raises(ValueError):
        to_address("nope")


def test_surrounding_whitespace_tolerated() -> None:
    assert to_address("  " + EIP55_VECTORS[4].lower() + "\n") == EIP55_VECTORS[4]


def test_to_hash32() -> None:
    h = "0x" + "AB" * 32
    assert to_hash32(h) == "0x" + "ab" * 32
    assert to_hash32(bytes(range(32))) == "0x" + bytes(range(32)).hex()
    for bad in ("0x" + "ab" * 31, "ab" * 32, "0x" + "zz" * 32):
        with pytest.raises(ValueError):
            to_hash32(bad)
    with pytest.raises(ValueError):
        to_hash32(b"\x00" * 31)


def test_hex_to_bytes_tolerates_odd_length() -> None:
    assert hex_to_bytes("0x1") == b"\x01"
    assert hex_to_bytes("0x") == b""
    assert hex_to_bytes("0xABcd") == b"\xab\xcd"


def test_to_wei_int_accepts_ints_in_range() -> None:
    assert to_wei_int(0) == 0
    assert to_wei_int(10**18) == 10**18
    assert to_wei_int(MAX_UINT256) == 2**256 - 1


@pytest.mark.parametrize("bad", [0.1, 1.0, -1, True, False, "1", b"1", None, 2**256])
def test_to_wei_int_refuses(bad: object) -> None:
    with pytest.raises(InvalidAmountError):
        to_wei_int(bad)
