"""Interoperable addresses: ERC-7930 binary, ERC-7828 names, ERC-3770, CAIP-10.

Expected values are the published vectors of the specs (cited at each), never our own output.
"""

from __future__ import annotations

import pytest

from interop.addresses import (
    CHAIN_TYPE_EIP155,
    CHAIN_TYPES,
    InteroperableAddress,
    decode_interoperable_address,
    encode_interoperable_address,
    format_caip10,
    format_erc3770,
    format_readable,
    interoperable_checksum,
    parse_address_with_chain,
    parse_caip10,
    parse_erc3770,
    parse_readable,
    to_interoperable_address,
)
from interop.chains.model import Chain
from interop.chains.registry import ChainRegistry, default_registry
from interop.errors import ConfigError, InvalidAddressError, UnknownChainError

# ERC-7930 "Test Cases" / "Examples", Example 1 (Ethereum mainnet address).
VITALIK = "0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045"
EX1_BLOB = "0x00010000010114D8DA6BF26964AF9D7EED9E03E53415D37AA96045"
EX1_CHECKSUM_INPUT = "0000010114D8DA6BF26964AF9D7EED9E03E53415D37AA96045"
EX1_NAME = "0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045@eip155:1#4CA88C9C"
# ERC-7930 Example 2 (Solana mainnet address).
EX2_BLOB = (
    "0x000100022045296998a6f8e2a784db5d9f95e18fc23f70441a1039446801089879b08c7ef020"
    "05333498d5aea4ae009585c43f7b8c30df8e70187d4a713d134f977fc8dfe0b5"
)
EX2_CHECKSUM = "88835C11"
# ERC-7930 Example 3 (EVM address without chainid).
EX3_BLOB = "0x000100000014D8DA6BF26964AF9D7EED9E03E53415D37AA96045"
EX3_NAME = "0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045@eip155#B26DB7CB"
# ERC-7930 Example 4 (Solana mainnet network, no address).
EX4_BLOB = "0x000100022045296998a6f8e2a784db5d9f95e18fc23f70441a1039446801089879b08c7ef000"
EX4_CHECKSUM = "2EB18670"
SOLANA_GENESIS = bytes.fromhex("45296998a6f8e2a784db5d9f95e18fc23f70441a1039446801089879b08c7ef0")
# ERC-7828 "Target Address Examples", Ethereum Mainnet.
FE89 = "0xFe89cc7aBB2C4183683ab71653C4cdc9B02D44b7"
FE89_NAME = "0xFe89cc7aBB2C4183683ab71653C4cdc9B02D44b7@eip155:1#80B12379"
FE89_LABEL_NAME = "0xFe89cc7aBB2C4183683ab71653C4cdc9B02D44b7@ethereum#80B12379"
# CAIP-10 "Test Cases", Ethereum mainnet.
CAIP10_EXAMPLE = "eip155:1:0xab16a96d359ec26a11e2c2b3d8f8b8942d5bfcdb"


@pytest.fixture(scope="module")
def reg() -> ChainRegistry:
    return ChainRegistry.builtin()


# -- ERC-7930 binary ------------------------------------------------------------------------


def test_example1_encode_decode() -> None:
    blob = encode_interoperable_address("eip155", 1, VITALIK)
    assert blob == bytes.fromhex(EX1_BLOB[2:])
    ia = decode_interoperable_address(EX1_BLOB)
    assert ia == InteroperableAddress(1, 0, b"\x01", bytes.fromhex(VITALIK[2:]))
    assert ia.chain_id == 1
    assert ia.evm_address == VITALIK
    assert ia.namespace == "eip155"
    assert ia.to_bytes()[2:] == bytes.fromhex(EX1_CHECKSUM_INPUT)  # "version field is removed"
    assert ia.checksum == "4CA88C9C"
    assert ia.to_readable() == EX1_NAME


def test_example2_solana_binary_and_checksum() -> None:
    ia = decode_interoperable_address(EX2_BLOB)
    assert ia.chain_type == CHAIN_TYPES["solana"] == 0x0002
    assert ia.namespace == "solana"
    assert ia.chain_reference == SOLANA_GENESIS
    assert len(ia.address) == 32
    assert interoperable_checksum(EX2_BLOB) == EX2_CHECKSUM
    assert encode_interoperable_address("solana", SOLANA_GENESIS, ia.address).hex() == EX2_BLOB[2:]
    with pytest.raises(InvalidAddressError):
        _ = ia.chain_id
    with pytest.raises(InvalidAddressError):
        _ = ia.evm_address


def test_example3_no_chain_reference() -> None:
    assert encode_interoperable_address(0, None, VITALIK).hex() == EX3_BLOB[2:].lower()
    ia = decode_interoperable_address(EX3_BLOB)
    assert ia.chain_reference == b""
    assert ia.chain_id is None
    assert ia.evm_address == VITALIK
    assert ia.checksum == "B26DB7CB"
    assert ia.to_readable() == EX3_NAME
    assert format_readable(VITALIK, None) == EX3_NAME


def test_example4_no_address() -> None:
    ia = decode_interoperable_address(EX4_BLOB)
    assert ia.address == b""
    assert ia.chain_reference == SOLANA_GENESIS
    assert ia.checksum == EX4_CHECKSUM
    assert encode_interoperable_address(2, SOLANA_GENESIS, None).hex() == EX4_BLOB[2:]


@pytest.mark.parametrize(
    ("chain_id", "blob"),
    [
        (1, "0x00010000010100"),  # ERC-7828 "Resolving the <chain> component": ethereum.on.eth
        (10, "0x00010000010a00"),  # ERC-7828: op.on.eth / optimism.on.eth
    ],
)
def test_erc7828_chain_only_blobs(chain_id: int, blob: str) -> None:
    assert to_interoperable_address(None, chain_id).hex() == blob[2:]
    ia = decode_interoperable_address(blob)
    assert ia.chain_id == chain_id
    assert ia.evm_address is None


@pytest.mark.parametrize(
    ("chain_id", "reference"),
    # CAIP-350 eip155 profile, "Chain reference / Examples".
    [(1, "01"), (10, "0a"), (11155111, "aa36a7")],
)
def test_caip350_eip155_chain_reference(chain_id: int, reference: str) -> None:
    ia = decode_interoperable_address(to_interoperable_address(VITALIK, chain_id))
    assert ia.chain_reference == bytes.fromhex(reference)
    assert ia.chain_id == chain_id


def test_large_chain_id_round_trip() -> None:
    cid = 2**256 - 1  # CAIP-350 eip155 allows full-word chain ids (footnote 1)
    ia = decode_interoperable_address(to_interoperable_address(VITALIK, cid))
    assert len(ia.chain_reference) == 32
    assert ia.chain_id == cid


@pytest.mark.parametrize(
    ("blob", "fragment"),
    [
        ("", "hex"),
        ("0x", "hex"),
        ("0x0001000001", "too short"),
        ("0x123", "hex"),
        ("0xzz01000001010114", "hex"),
        ("0x00020000010114" + VITALIK[2:], "version"),  # only v1 is defined
        ("0x80010000010114" + VITALIK[2:], "incompatible future"),  # top bit set (Versioning)
        ("0x00000000010114" + VITALIK[2:], "version"),
        ("0x000100000000", "neither"),  # both lengths zero: MUST NOT
        ("0x0001000005010114" + VITALIK[2:], "truncated"),  # reference longer than data
        ("0x00010000010114" + VITALIK[2:-2], "truncated"),  # address cut short
        ("0x00010000010114" + VITALIK[2:] + "00", "trailing"),
        ("0x0001000001", "too short"),
        ("0x0001000002000a14" + VITALIK[2:], "leading zero"),  # CAIP-350: no leading zeroes
        ("0x000100000101130102030405060708090a0b0c0d0e0f10111213", "20 bytes"),  # eip155, 19 bytes
        ("0x0001000001010100", "20 bytes"),  # eip155 address of 1 byte
    ],
)
def test_decode_malformed(blob: str, fragment: str) -> None:
    with pytest.raises(InvalidAddressError, match=fragment):
        decode_interoperable_address(blob)


def test_decode_rejects_non_bytes() -> None:
    with pytest.raises(InvalidAddressError):
        decode_interoperable_address(12345)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("eip155", None, None), "needs a chain reference"),
        (("eip155", b"", b""), "needs a chain reference"),
        (("eip155", 0, VITALIK), "positive"),
        (("eip155", -1, VITALIK), "positive"),
        (("eip155", True, VITALIK), "must be bytes"),
        (("eip155", b"\x00\x01", VITALIK), "leading zero"),
        (("eip155", 1, b"\x01" * 19), "20 bytes"),
        (("eip155", 1, "0x1234"), "40 hex"),
        (("eip155", 1, VITALIK.lower()[:-1] + "A"), "EIP-55"),
        (("nope", 1, VITALIK), "namespace"),
        ((0x1_0000, b"\x01", b"\x01"), "2 bytes"),
        ((-1, b"\x01", b"\x01"), "2 bytes"),
        (("solana", 1, b"\x01"), "only defined for eip155"),
        (("solana", b"\x01", VITALIK), "only understood for eip155"),
        ((2, b"\x01" * 256, b"\x01"), "at most 255"),
        ((2, b"\x01", b"\x01" * 256), "at most 255"),
        (("eip155", 1, 5), "address must be"),
        (("eip155", "1", VITALIK), "chain reference must be"),
    ],
)
def test_encode_malformed(args: tuple[object, object, object], fragment: str) -> None:
    with pytest.raises(InvalidAddressError, match=fragment):
        encode_interoperable_address(*args)  # type: ignore[arg-type]


def test_encode_accepts_lowercase_and_bytes_address() -> None:
    expected = bytes.fromhex(EX1_BLOB[2:])
    assert encode_interoperable_address(0, 1, VITALIK.lower()) == expected
    assert encode_interoperable_address(0, b"\x01", bytes.fromhex(VITALIK[2:])) == expected
    assert CHAIN_TYPE_EIP155 == 0


# -- ERC-7828 names --------------------------------------------------------------------------


def test_format_readable_vectors(reg: ChainRegistry) -> None:
    assert format_readable(VITALIK, 1) == EX1_NAME
    assert format_readable(VITALIK.lower(), reg.get(1)) == EX1_NAME
    assert format_readable(FE89, 1) == FE89_NAME
    assert format_readable(FE89, reg.get(1), label=True) == FE89_LABEL_NAME
    assert format_readable(FE89, 1, checksum=False) == FE89_NAME.split("#")[0]


def test_format_readable_label_needs_chain() -> None:
    with pytest.raises(InvalidAddressError):
        format_readable(FE89, 1, label=True)


@pytest.mark.parametrize("text", [EX1_NAME, FE89_NAME, FE89_LABEL_NAME])
def test_parse_readable_vectors(text: str, reg: ChainRegistry) -> None:
    chain, address = parse_readable(text, reg)
    assert chain is not None and chain.id == 1
    assert address == text.split("@")[0]


def test_parse_readable_namespace_only(reg: ChainRegistry) -> None:
    assert parse_readable(EX3_NAME, reg) == (None, VITALIK)


def test_parse_readable_without_checksum_and_lowercase_checksum(reg: ChainRegistry) -> None:
    assert parse_readable(f"{VITALIK}@eip155:1", reg)[1] == VITALIK
    assert parse_readable(f"{VITALIK}@eip155:1#4ca88c9c", reg)[1] == VITALIK
    with pytest.raises(InvalidAddressError, match="no #checksum"):
        parse_readable(f"{VITALIK}@eip155:1", reg, require_checksum=True)


def test_parse_readable_label_through_registry(reg: ChainRegistry) -> None:
    # the checksum covers the binary form, so a label and eip155:10 share it
    name = format_readable(VITALIK, 10)
    checksum = name.split("#")[1]
    for label in ("optimism", "op", "oeth", "OP Mainnet".replace(" ", "-")):
        chain, _ = parse_readable(f"{VITALIK}@{label}#{checksum}", reg)
        assert chain is not None and chain.id == 10


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (f"{VITALIK}@eip155:1#4CA88C9D", "checksum mismatch"),
        (f"{VITALIK}@eip155:10#4CA88C9C", "checksum mismatch"),  # right checksum, wrong chain
        (f"{FE89}@eip155:1#4CA88C9C", "checksum mismatch"),  # right checksum, wrong address
        (f"{VITALIK}@eip155#4CA88C9C", "checksum mismatch"),  # chain dropped
        (f"{VITALIK}@eip155:1#4CA88C9", "8 hex"),
        (f"{VITALIK}@eip155:1#4CA88C9CC", "8 hex"),
        (f"{VITALIK}@eip155:1#XYZ88C9C", "8 hex"),
        (f"{VITALIK}@eip155:1#4CA88C9C#4CA88C9C", "more than one"),
        (f"{VITALIK}@eip155:1@eip155:1", "form"),
        (f"@eip155:1#{'0' * 8}", "no address"),
        (f"{VITALIK}@", "empty"),
        (f"{VITALIK}@eip155:01", "chain id"),
        (f"{VITALIK}@eip155:0", "chain id"),
        (f"{VITALIK}@eip155:", "chain id"),
        (f"{VITALIK}@eip155:0x1", "chain id"),
        (f"{VITALIK}@solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdpKuc147dw2N9d", "EVM"),
        (f"{VITALIK}@eip155:1:2", "chain id"),
        ("alice.eth@eip155:1", "ENS"),
        (f"eth:{VITALIK}@eip155:1", "mixes"),
        (f"{VITALIK}@eip!55:1", "characters"),
        (f"{VITALIK[:-1]}@eip155:1", "40 hex"),
        (f"{VITALIK[:-1]}6@eip155:1", "EIP-55"),
    ],
)
def test_parse_readable_malformed(text: str, fragment: str, reg: ChainRegistry) -> None:
    with pytest.raises(InvalidAddressError, match=fragment):
        parse_readable(text, reg)


def test_parse_readable_unknown_chain_suggests(reg: ChainRegistry) -> None:
    with pytest.raises(UnknownChainError) as info:
        parse_readable(f"{VITALIK}@optimsm", reg)
    assert "optimism" in info.value.suggestions
    with pytest.raises(UnknownChainError):
        parse_readable(f"{VITALIK}@eip155:987654321", reg)


# -- ERC-3770 and CAIP-10 --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("short", "chain_id"),
    # short names as listed for these chains in ethereum-lists/chains (ERC-3770 "Semantics")
    [("eth", 1), ("oeth", 10), ("arb1", 42161), ("base", 8453), ("sep", 11155111)],
)
def test_erc3770_round_trip(short: str, chain_id: int, reg: ChainRegistry) -> None:
    chain = reg.get(chain_id)
    text = format_erc3770(VITALIK.lower(), chain)
    assert text == f"{short}:{VITALIK}"
    assert parse_erc3770(text, reg) == (chain, VITALIK)
    assert parse_address_with_chain(text, reg) == (chain, VITALIK)


def test_format_erc3770_needs_short_name() -> None:
    with pytest.raises(ConfigError, match="short name"):
        format_erc3770(VITALIK, Chain(id=123456, name="nameless"))


@pytest.mark.parametrize(
    ("text", "error", "fragment"),
    [
        (f":{VITALIK}", InvalidAddressError, "empty short name"),
        (f"eth:{VITALIK[:-1]}", InvalidAddressError, "40 hex"),
        (f"eth:{VITALIK[:-1]}6", InvalidAddressError, "EIP-55"),
        (f"eth:{VITALIK}#4CA88C9C", InvalidAddressError, "mixes"),
        (f"eth:eth:{VITALIK}", InvalidAddressError, "shortName:address"),
        (f"ethh:{VITALIK}", UnknownChainError, "unknown chain"),
    ],
)
def test_parse_erc3770_malformed(
    text: str, error: type[Exception], fragment: str, reg: ChainRegistry
) -> None:
    with pytest.raises(error, match=fragment):
        parse_erc3770(text, reg)


def test_caip10_vector(reg: ChainRegistry) -> None:
    chain, address = parse_caip10(CAIP10_EXAMPLE, reg)
    assert chain.id == 1
    assert address.lower() == CAIP10_EXAMPLE.split(":")[2]
    assert format_caip10(address, chain) == f"eip155:1:{address}"
    assert format_caip10(address, 1) == f"eip155:1:{address}"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (f"bip122:000000000019d6689c085ae165831e93:{VITALIK}", "EVM"),
        (f"EIP155:1:{VITALIK}", "CAIP-2"),
        (f"eip155:01:{VITALIK}", "chain id"),
        (f"eip155:0:{VITALIK}", "chain id"),
        (f"eip155::{VITALIK}", "CAIP-2"),
        (f"eip155:1:{VITALIK[:-1]}", "40 hex"),
        (f"eip155:1:2:{VITALIK}", "CAIP-10"),
    ],
)
def test_parse_caip10_malformed(text: str, fragment: str, reg: ChainRegistry) -> None:
    with pytest.raises(InvalidAddressError, match=fragment):
        parse_caip10(text, reg)


# -- parse_address_with_chain ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "chain_id"),
    [
        (VITALIK, None),
        (VITALIK.lower(), None),
        (f"  {VITALIK}  ", None),
        (f"eth:{VITALIK}", 1),
        (f"devop:{VITALIK}", 901),
        (EX1_NAME, 1),
        (f"{VITALIK}@eip155:1", 1),
        (f"{VITALIK}@devarb", 903),
        (EX3_NAME, None),
        (f"eip155:1:{VITALIK}", 1),
        (EX1_BLOB, 1),
        (EX1_BLOB.lower(), 1),
        (EX3_BLOB, None),
    ],
)
def test_parse_address_with_chain_forms(
    text: str, chain_id: int | None, reg: ChainRegistry
) -> None:
    chain, address = parse_address_with_chain(text, reg)
    assert address == VITALIK
    assert (None if chain is None else chain.id) == chain_id


def test_parse_address_with_chain_uses_default_registry() -> None:
    chain, _ = parse_address_with_chain(f"base:{VITALIK}")
    assert chain is default_registry().get(8453)


def test_every_form_round_trips_for_every_builtin_chain(reg: ChainRegistry) -> None:
    for chain in reg.all():
        forms = [
            format_readable(VITALIK, chain),
            format_readable(VITALIK, chain, checksum=False),
            format_readable(VITALIK, chain, label=True),
            format_caip10(VITALIK, chain),
            "0x" + to_interoperable_address(VITALIK, chain).hex(),
        ]
        if chain.short_name:
            forms.append(format_erc3770(VITALIK, chain))
        for text in forms:
            assert parse_address_with_chain(text, reg) == (chain, VITALIK), text


def test_expected_chain(reg: ChainRegistry) -> None:
    base = reg.get("base")
    assert parse_address_with_chain(VITALIK, reg, chain="base") == (base, VITALIK)
    assert parse_address_with_chain(f"base:{VITALIK}", reg, chain=8453) == (base, VITALIK)
    assert parse_address_with_chain(EX3_NAME, reg, chain=base) == (base, VITALIK)
    with pytest.raises(InvalidAddressError, match="was asked for"):
        parse_address_with_chain(f"oeth:{VITALIK}", reg, chain="base")
    with pytest.raises(InvalidAddressError, match="was asked for"):
        parse_address_with_chain(EX1_NAME, reg, chain=base)
    with pytest.raises(UnknownChainError):
        parse_address_with_chain(VITALIK, reg, chain="bsae")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("   ", "empty"),
        (f"eth: {VITALIK}", "whitespace"),
        (f"{VITALIK}#4CA88C9C", "no @chain"),
        (f"a:b:c:{VITALIK}", "too many"),
        (VITALIK[2:], "0x"),
        (VITALIK[:-1], "40 hex"),
        (VITALIK + "0", "40 hex"),  # 41 digits: a mistyped address, not a blob
        (VITALIK + "00", "40 hex"),  # 42 digits: a mistyped address, not a blob
        ("0x0002" + EX1_BLOB[6:], "version"),  # long: read as a blob of another version
        (VITALIK[:-1] + "6", "EIP-55"),
        (EX2_BLOB, "not an EVM chain"),
        ("0x00010000010100", "no address"),
        ("0x00010000010114" + VITALIK[2:] + "00", "trailing"),
        (f"eth:{VITALIK}@eip155:1", "mixes"),
        ("vitalik.eth@eip155:1", "ENS"),
    ],
)
def test_parse_address_with_chain_malformed(text: str, fragment: str, reg: ChainRegistry) -> None:
    with pytest.raises(InvalidAddressError, match=fragment):
        parse_address_with_chain(text, reg)


@pytest.mark.parametrize("value", [None, 1, b"\x00" * 20])
def test_parse_address_with_chain_non_str(value: object, reg: ChainRegistry) -> None:
    with pytest.raises(InvalidAddressError, match="string"):
        parse_address_with_chain(value, reg)  # type: ignore[arg-type]


def test_unknown_chain_in_each_form(reg: ChainRegistry) -> None:
    for text in (
        f"arbb:{VITALIK}",
        f"{VITALIK}@arbitrm",
        f"eip155:424242:{VITALIK}",
        "0x" + to_interoperable_address(VITALIK, 424242).hex(),
    ):
        with pytest.raises(UnknownChainError):
            parse_address_with_chain(text, reg)


def test_user_registered_chain(reg: ChainRegistry) -> None:
    mine = reg.copy()
    chain = mine.register(Chain(id=777001, name="My Rollup", short_name="myr"))
    assert parse_address_with_chain(f"myr:{VITALIK}", mine) == (chain, VITALIK)
    assert parse_address_with_chain(f"{VITALIK}@my-rollup", mine) == (chain, VITALIK)
    with pytest.raises(UnknownChainError):
        parse_address_with_chain(f"myr:{VITALIK}", reg)


@pytest.mark.parametrize(
    "fields",
    [
        (1, 0, b"", b""),
        (0x1_0000, 0, b"\x01", b""),
        (1, -1, b"\x01", b""),
        (1, 0, b"\x01" * 256, b""),
        (1, 0, "01", b""),
    ],
)
def test_dataclass_refuses_unencodable_fields(fields: tuple[object, ...]) -> None:
    with pytest.raises(InvalidAddressError):
        InteroperableAddress(*fields)  # type: ignore[arg-type]


def test_decimal_chain_id_as_label_or_prefix(reg: ChainRegistry) -> None:
    # Not in the specs' examples, but unambiguous: the registry maps a decimal to one chain id.
    assert parse_address_with_chain(f"{VITALIK}@10", reg)[0] == reg.get(10)
    assert parse_address_with_chain(f"10:{VITALIK}", reg)[0] == reg.get(10)
