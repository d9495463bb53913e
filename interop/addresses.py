"""Chain-specific addresses: ERC-7930 binary, ERC-7828 `address@chain#checksum`, ERC-3770, CAIP-10.

Why this module exists: a bare 20-byte address does not say on which chain it lives, and the same
address can be a user's wallet on one chain and an undeployed contract on another. Every place
that takes "an address and a chain" (facade, CLI) goes through `parse_address_with_chain`, so the
chain written into the address can never silently disagree with the chain the caller meant.

Forms understood (EVM chains, CAIP-2 namespace `eip155`):

```
0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045                       plain (no chain)
eth:0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045                   ERC-3770 shortName:address
0xd8dA...6045@eip155:1#4CA88C9C                                  ERC-7828 / ERC-7930 name
0xd8dA...6045@ethereum                                           ERC-7828 with a chain label
eip155:1:0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045              CAIP-10 account id
0x00010000010114D8DA6BF26964AF9D7EED9E03E53415D37AA96045         ERC-7930 binary, hex
```

Decisions (see docs/addresses.md):

- ERC-7828 chain labels (no colon) are looked up in our `ChainRegistry` (names, aliases, short
  names), not through ENS `on.eth`: nothing here talks to the network. ENS names in the address
  part are refused; resolve them first.
- A `#checksum` that does not match is an error, not a warning: ERC-7930 says clients must not
  continue without explicit user input, and a library cannot ask.
- Mixed-case addresses must carry a valid EIP-55 checksum (as `interop.types.to_address`).
- Non-EVM chain types are decoded and encoded in binary (their checksums work too), but only
  `eip155` is turned into a `Chain` and an `Address`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from interop.chains.model import Chain
from interop.chains.registry import ChainRegistry, default_registry, normalize_key
from interop.errors import ConfigError, InvalidAddressError, UnknownChainError, shown
from interop.types import Address, keccak256, to_address

__all__ = [
    "CHAIN_TYPES",
    "CHAIN_TYPE_EIP155",
    "INTEROPERABLE_ADDRESS_VERSION",
    "InteroperableAddress",
    "decode_interoperable_address",
    "encode_interoperable_address",
    "format_caip10",
    "format_erc3770",
    "format_readable",
    "interoperable_checksum",
    "parse_address_with_chain",
    "parse_caip10",
    "parse_erc3770",
    "parse_readable",
    "to_interoperable_address",
]

INTEROPERABLE_ADDRESS_VERSION = 1
"""ERC-7930 Version field of the only version defined so far (`0x0001`)."""

CHAIN_TYPE_EIP155 = 0x0000

CHAIN_TYPES: dict[str, int] = {
    "eip155": 0x0000,
    "bip122": 0x0001,
    "solana": 0x0002,
    "starknet": 0x0003,
}
"""CAIP-2 namespace -> ERC-7930 ChainType, from the CAIP-350 namespace profiles (`binary-key`)."""

_NAMESPACE_OF = {v: k for k, v in CHAIN_TYPES.items()}
_HEX = frozenset("0123456789abcdefABCDEF")
_CHECKSUM = re.compile(r"^[0-9A-Fa-f]{8}$")
# ERC-7828 / ERC-7930 Interoperable Name syntax (the `.-:` in the BNF is three characters).
_NAME_ADDRESS = re.compile(r"^[.\-:_%a-zA-Z0-9]*$")
_NAME_CHAIN = re.compile(r"^[.\-:_a-zA-Z0-9]*$")
# CAIP-2: namespace [-a-z0-9]{3,8}, reference [-_a-zA-Z0-9]{1,32}.
_CAIP2_NAMESPACE = re.compile(r"^[-a-z0-9]{3,8}$")
_CAIP2_REFERENCE = re.compile(r"^[-_a-zA-Z0-9]{1,32}$")
_DECIMAL = re.compile(r"^(0|[1-9][0-9]*)$")


def _bad(message: str, hint: str | None = None) -> InvalidAddressError:
    return InvalidAddressError(message, hint=hint)


# -- ERC-7930 binary ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InteroperableAddress:
    """A decoded ERC-7930 Interoperable Address (v1).

    `chain_reference` and `address` are the raw binary fields; either may be empty (but not
    both). For `eip155`, `chain_id` and `evm_address` give the usual Python values.
    """

    version: int
    chain_type: int
    chain_reference: bytes
    address: bytes

    def __post_init__(self) -> None:
        # Built by hand it must still encode: the same limits decode_interoperable_address checks.
        for name in ("version", "chain_type"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 0xFFFF:
                raise _bad(f"{name} must be an int that fits in 2 bytes, got {shown(value)}")
        for name in ("chain_reference", "address"):
            value = getattr(self, name)
            if not isinstance(value, bytes) or len(value) > 255:
                raise _bad(f"{name} must be bytes of at most 255, got {shown(value)}")
        if not self.chain_reference and not self.address:
            raise _bad("an Interoperable Address needs a chain reference, an address, or both")

    @property
    def namespace(self) -> str | None:
        """The CAIP-2 namespace (`"eip155"`), or None for a ChainType we have no profile for."""
        return _NAMESPACE_OF.get(self.chain_type)

    @property
    def is_eip155(self) -> bool:
        return self.chain_type == CHAIN_TYPE_EIP155

    @property
    def chain_id(self) -> int | None:
        """The EIP-155 chain id, or None when the address names no chain.

        Raises `InvalidAddressError` for a non-eip155 chain type, where "chain id" means nothing.
        """
        self._require_eip155("chain_id")
        return int.from_bytes(self.chain_reference, "big") if self.chain_reference else None

    @property
    def evm_address(self) -> Address | None:
        """The EIP-55 checksummed address, or None when the address field is empty."""
        self._require_eip155("evm_address")
        return to_address(self.address) if self.address else None

    @property
    def checksum(self) -> str:
        """The ERC-7930/ERC-7828 checksum: 8 upper-case hex digits."""
        return interoperable_checksum(self)

    @property
    def caip2(self) -> str:
        """`eip155:1`, or just `eip155` when there is no chain reference (eip155 only)."""
        self._require_eip155("caip2")
        cid = self.chain_id
        return "eip155" if cid is None else f"eip155:{cid}"

    def to_bytes(self) -> bytes:
        return _pack(self.version, self.chain_type, self.chain_reference, self.address)

    def hex(self) -> str:
        """0x-prefixed lower-case hex of the binary form."""
        return "0x" + self.to_bytes().hex()

    def to_readable(self) -> str:
        """The Interoperable Name `address@eip155:<id>#CHECKSUM` (eip155 only)."""
        address = self.evm_address or ""
        return f"{address}@{self.caip2}#{self.checksum}"

    def _require_eip155(self, what: str) -> None:
        if not self.is_eip155:
            raise _bad(
                f"{what} is only defined for eip155 addresses; this one has chain type "
                f"0x{self.chain_type:04x} ({self.namespace or 'unknown namespace'})"
            )


def _pack(version: int, chain_type: int, reference: bytes, address: bytes) -> bytes:
    return (
        version.to_bytes(2, "big")
        + chain_type.to_bytes(2, "big")
        + bytes([len(reference)])
        + reference
        + bytes([len(address)])
        + address
    )


def _chain_type_of(chain_type: int | str) -> int:
    if isinstance(chain_type, str):
        try:
            return CHAIN_TYPES[chain_type]
        except KeyError:
            raise _bad(
                f"unknown CAIP-2 namespace {shown(chain_type)}",
                hint=f"one of {', '.join(CHAIN_TYPES)}, or pass the 2-byte ChainType as an int",
            ) from None
    if isinstance(chain_type, bool) or not isinstance(chain_type, int):
        raise _bad(f"chain type must be an int or a namespace str, got {shown(chain_type)}")
    if not 0 <= chain_type <= 0xFFFF:
        raise _bad(f"chain type {chain_type} does not fit in 2 bytes")
    return chain_type


def _eip155_reference(chain_id: int) -> bytes:
    if isinstance(chain_id, bool) or not isinstance(chain_id, int) or chain_id <= 0:
        raise _bad(f"EIP-155 chain id must be a positive int, got {shown(chain_id)}")
    if chain_id >= 1 << (8 * 255):
        raise _bad(f"chain id {chain_id} needs more than 255 bytes")
    return chain_id.to_bytes((chain_id.bit_length() + 7) // 8, "big")


def _check_eip155_fields(reference: bytes, address: bytes) -> None:
    # CAIP-350 eip155 profile: minimal big-endian chain id ("leading zeroes will be prohibited")
    # and the 20 address bytes as the payload.
    if reference[:1] == b"\x00":
        raise _bad(
            "eip155 chain reference has a leading zero byte",
            hint="CAIP-350 eip155: the chain id is big-endian with the minimum number of bytes",
        )
    if address and len(address) != 20:
        raise _bad(f"eip155 address must be 20 bytes, got {len(address)}")


def encode_interoperable_address(
    chain_type: int | str,
    chain_reference: bytes | int | None,
    address: bytes | str | None,
) -> bytes:
    """Encode an ERC-7930 v1 Interoperable Address.

    `chain_type` is the 2-byte ChainType or a CAIP-2 namespace (`"eip155"`). For eip155 the chain
    reference may be the chain id as an int and the address a hex string; otherwise both are the
    raw CAIP-350 binary fields. `None` / `b""` leaves a field empty (ERC-7930 allows either, not
    both).
    """
    ctype = _chain_type_of(chain_type)
    if chain_reference is None:
        reference = b""
    elif isinstance(chain_reference, int) and not isinstance(chain_reference, bool):
        if ctype != CHAIN_TYPE_EIP155:
            raise _bad("an int chain reference is only defined for eip155; pass the bytes")
        reference = _eip155_reference(chain_reference)
    elif isinstance(chain_reference, bytes | bytearray):
        reference = bytes(chain_reference)
    else:
        raise _bad(f"chain reference must be bytes, an int or None, got {shown(chain_reference)}")

    if address is None:
        addr = b""
    elif isinstance(address, str):
        if ctype != CHAIN_TYPE_EIP155:
            raise _bad("a text address is only understood for eip155; pass the bytes")
        addr = bytes.fromhex(to_address(address)[2:])
    elif isinstance(address, bytes | bytearray):
        addr = bytes(address)
    else:
        raise _bad(f"address must be bytes, a str or None, got {type(address).__name__}")

    if len(reference) > 255:
        raise _bad(f"chain reference is {len(reference)} bytes; ERC-7930 allows at most 255")
    if len(addr) > 255:
        raise _bad(f"address is {len(addr)} bytes; ERC-7930 allows at most 255")
    if not reference and not addr:
        raise _bad("an Interoperable Address needs a chain reference, an address, or both")
    if ctype == CHAIN_TYPE_EIP155:
        _check_eip155_fields(reference, addr)
    return _pack(INTEROPERABLE_ADDRESS_VERSION, ctype, reference, addr)


def _blob_bytes(data: bytes | str) -> bytes:
    if isinstance(data, bytes | bytearray):
        return bytes(data)
    if not isinstance(data, str):
        raise _bad(f"expected bytes or 0x-hex, got {type(data).__name__}")
    s = data.strip()
    if s[:2] in ("0x", "0X"):
        s = s[2:]
    if not s or len(s) % 2 or not set(s) <= _HEX:
        raise _bad(f"{shown(data)} is not an even number of hex digits")
    return bytes.fromhex(s)


def decode_interoperable_address(data: bytes | str) -> InteroperableAddress:
    """Decode ERC-7930 v1 binary (bytes or 0x-hex), refusing anything malformed.

    Refused: other versions (a set top bit marks an incompatible future version), truncated
    fields, trailing bytes, both fields empty, and for eip155 a chain reference with a leading
    zero byte or an address that is not 20 bytes.
    """
    raw = _blob_bytes(data)
    if len(raw) < 6:
        raise _bad(f"Interoperable Address too short: {len(raw)} bytes, at least 6 needed")
    version = int.from_bytes(raw[0:2], "big")
    if version != INTEROPERABLE_ADDRESS_VERSION:
        kind = "an incompatible future" if version & 0x8000 else "an unsupported"
        raise _bad(
            f"Interoperable Address version 0x{version:04x} is {kind} version",
            hint="only ERC-7930 version 0x0001 is defined",
        )
    chain_type = int.from_bytes(raw[2:4], "big")
    ref_len = raw[4]
    ref_end = 5 + ref_len
    if len(raw) < ref_end + 1:
        raise _bad(
            f"Interoperable Address truncated: ChainReferenceLength is {ref_len} but only "
            f"{max(len(raw) - 5, 0)} bytes follow"
        )
    reference = raw[5:ref_end]
    addr_len = raw[ref_end]
    address = raw[ref_end + 1 :]
    if len(address) != addr_len:
        problem = "truncated" if len(address) < addr_len else "has trailing bytes"
        raise _bad(
            f"Interoperable Address {problem}: AddressLength is {addr_len}, "
            f"{len(address)} bytes follow"
        )
    if ref_len == 0 and addr_len == 0:
        raise _bad("Interoperable Address has neither a chain reference nor an address")
    if chain_type == CHAIN_TYPE_EIP155:
        _check_eip155_fields(reference, address)
    return InteroperableAddress(version, chain_type, reference, address)


def interoperable_checksum(value: InteroperableAddress | bytes | str) -> str:
    """ERC-7930 / ERC-7828 checksum: first 4 bytes of keccak256 over the v1 binary minus Version.

    Upper-case hex, as in the specs' `[0-9A-F]{8}`. Accepts a decoded address or its binary.
    """
    ia = value if isinstance(value, InteroperableAddress) else decode_interoperable_address(value)
    return keccak256(ia.to_bytes()[2:])[:4].hex().upper()


def _chain_id_of(chain: Chain | int) -> int:
    if isinstance(chain, Chain):
        return chain.id
    if isinstance(chain, bool) or not isinstance(chain, int):
        raise _bad(f"chain must be a Chain or an int chain id, got {shown(chain)}")
    return chain


def to_interoperable_address(address: str | bytes | None, chain: Chain | int | None) -> bytes:
    """ERC-7930 binary for an EVM address on a chain (either may be None, not both)."""
    cid = None if chain is None else _chain_id_of(chain)
    return encode_interoperable_address(CHAIN_TYPE_EIP155, cid, address)


# -- ERC-7828 Interoperable Names -----------------------------------------------------------


def format_readable(
    address: str | bytes | None,
    chain: Chain | int | None,
    *,
    checksum: bool = True,
    label: bool = False,
) -> str:
    """`0x…@eip155:<id>#CHECKSUM` (ERC-7828), the form to show and share.

    `chain=None` gives the namespace-only form `@eip155`. With `label=True` the chain part is the
    chain's registry name (`base`, `op-mainnet`) instead of `eip155:<id>`; such labels resolve
    through our registry, not through ENS, so prefer the default for anything leaving this
    program. The checksum is the same either way (it covers the binary form).
    """
    blob = decode_interoperable_address(to_interoperable_address(address, chain))
    if label:
        if not isinstance(chain, Chain):
            raise _bad("label=True needs a Chain (an int chain id has no name)")
        chain_text = normalize_key(chain.name)
    else:
        chain_text = blob.caip2
    text = f"{blob.evm_address or ''}@{chain_text}"
    return f"{text}#{blob.checksum}" if checksum else text


def _resolve_chain_text(text: str, registry: ChainRegistry) -> tuple[Chain | None, int | None]:
    """The `<chain>` part of a name: `eip155`, `eip155:<id>`, or a label from the registry."""
    if ":" in text:
        namespace, _, reference = text.partition(":")
        if namespace != "eip155":
            raise _bad(
                f"chain {shown(text)} is not an EVM (eip155) chain",
                hint="interop handles eip155 chains only",
            )
        if not _DECIMAL.match(reference) or reference == "0":
            raise _bad(
                f"chain reference {shown(reference)} is not an EIP-155 chain id",
                hint="decimal, no leading zeroes, e.g. eip155:1",
            )
        cid = int(reference)
        chain = registry.find(cid)
        if chain is None:
            raise UnknownChainError(text, registry.suggest(text))
        return chain, cid
    if text == "eip155":
        return None, None
    if not text:
        raise _bad("the chain after '@' is empty")
    chain = registry.get(text)
    return chain, chain.id


def parse_readable(
    text: str,
    registry: ChainRegistry | None = None,
    *,
    require_checksum: bool = False,
) -> tuple[Chain | None, Address]:
    """Parse an ERC-7828 Interoperable Name `address@chain[#checksum]` to (chain, address).

    `chain` is `eip155:<id>`, `eip155` alone (no chain: returns None), or a label looked up in
    `registry`. A given checksum must match (compared case-insensitively); with
    `require_checksum=True` it must also be present.
    """
    reg = registry or default_registry()
    s = _clean(text)
    if s.count("@") != 1:
        raise _bad(f"{shown(text)} is not of the form address@chain[#checksum]")
    address_text, _, rest = s.partition("@")
    chain_text, hash_sign, given = rest.partition("#")
    if "#" in given:
        raise _bad(f"{shown(text)} has more than one '#'")
    if hash_sign and not _CHECKSUM.match(given):
        raise _bad(f"checksum {shown(given)} must be 8 hex digits")
    if require_checksum and not hash_sign:
        raise _bad(f"{shown(text)} has no #checksum", hint="append the 8-digit checksum")
    if not _NAME_ADDRESS.match(address_text) or not _NAME_CHAIN.match(chain_text):
        raise _bad(f"{shown(text)} contains characters not allowed in an Interoperable Name")
    if not address_text:
        raise _bad(f"{shown(text)} names a chain but no address")
    if "." in address_text:
        raise _bad(
            f"{shown(address_text)} looks like an ENS name; interop does not resolve ENS",
            hint="resolve the name to an address for that chain first",
        )
    if ":" in address_text:
        raise _bad(f"{shown(text)} mixes the shortName:address and address@chain forms")
    address = to_address(address_text)
    chain, cid = _resolve_chain_text(chain_text, reg)
    if hash_sign:
        expected = InteroperableAddress(
            INTEROPERABLE_ADDRESS_VERSION,
            CHAIN_TYPE_EIP155,
            b"" if cid is None else _eip155_reference(cid),
            bytes.fromhex(address[2:]),
        ).checksum
        if given.upper() != expected:
            raise _bad(
                f"checksum mismatch in {shown(text)}: computed {expected}, given {given}",
                hint="the address or the chain was changed or mistyped; re-copy it from the source",
            )
    return chain, address


# -- ERC-3770 and CAIP-10 -------------------------------------------------------------------


def format_erc3770(address: str | bytes, chain: Chain) -> str:
    """`shortName:0x…` (ERC-3770) with the EIP-55 address. The chain needs a `short_name`."""
    if not chain.short_name:
        raise ConfigError(
            f"chain {chain.name} ({chain.id}) has no ERC-3770 short name",
            hint="set short_name in the chain definition, or use format_readable",
        )
    return f"{chain.short_name}:{to_address(address)}"


def parse_erc3770(text: str, registry: ChainRegistry | None = None) -> tuple[Chain, Address]:
    """Parse `shortName:address` (ERC-3770). The prefix is looked up in `registry` (short names,
    and also names and aliases, which the registry keeps unique)."""
    reg = registry or default_registry()
    s = _clean(text)
    if s.count(":") != 1:
        raise _bad(f"{shown(text)} is not of the form shortName:address")
    prefix, _, address_text = s.partition(":")
    if not prefix:
        raise _bad(f"{shown(text)} has an empty short name")
    if "@" in address_text or "#" in address_text:
        raise _bad(f"{shown(text)} mixes the shortName:address and address@chain forms")
    address = to_address(address_text)
    return reg.get(prefix), address


def format_caip10(address: str | bytes, chain: Chain | int) -> str:
    """`eip155:<id>:0x…` (CAIP-10 account id)."""
    return f"eip155:{_eip155_id_text(_chain_id_of(chain))}:{to_address(address)}"


def _eip155_id_text(chain_id: int) -> str:
    _eip155_reference(chain_id)
    return str(chain_id)


def parse_caip10(text: str, registry: ChainRegistry | None = None) -> tuple[Chain, Address]:
    """Parse a CAIP-10 account id `eip155:<id>:<address>`; other namespaces are refused."""
    reg = registry or default_registry()
    s = _clean(text)
    parts = s.split(":")
    if len(parts) != 3:
        raise _bad(f"{shown(text)} is not a CAIP-10 account id (namespace:reference:address)")
    namespace, reference, address_text = parts
    if not _CAIP2_NAMESPACE.match(namespace) or not _CAIP2_REFERENCE.match(reference):
        raise _bad(f"{shown(text)} does not start with a valid CAIP-2 chain id")
    if namespace != "eip155":
        raise _bad(
            f"{shown(namespace)} is not an EVM chain namespace", hint="use eip155:<chain id>"
        )
    if not _DECIMAL.match(reference) or reference == "0":
        raise _bad(f"{shown(reference)} is not an EIP-155 chain id (decimal, no leading zeroes)")
    address = to_address(address_text)
    return reg.get(int(reference)), address


# -- one entry point --------------------------------------------------------------------------


def _clean(text: object) -> str:
    if not isinstance(text, str):
        raise _bad(f"expected an address string, got {type(text).__name__}")
    s = text.strip()
    if not s:
        raise _bad("address is empty")
    if any(c.isspace() for c in s):
        raise _bad(f"{shown(text)} contains whitespace")
    return s


def _from_blob(s: str, registry: ChainRegistry) -> tuple[Chain | None, Address]:
    ia = decode_interoperable_address(s)
    if not ia.is_eip155:
        raise _bad(
            f"Interoperable Address is for chain type 0x{ia.chain_type:04x} "
            f"({ia.namespace or 'unknown'}), not an EVM chain"
        )
    if ia.evm_address is None:
        raise _bad("Interoperable Address names a chain but no address")
    cid = ia.chain_id
    return (None if cid is None else registry.get(cid)), ia.evm_address


def parse_address_with_chain(
    text: str,
    registry: ChainRegistry | None = None,
    *,
    chain: Chain | int | str | None = None,
) -> tuple[Chain | None, Address]:
    """Parse any supported form to `(chain or None, EIP-55 address)`. Use this at every input.

    Accepts a plain `0x…` address (chain None), ERC-3770 `short:0x…`, ERC-7828 `0x…@chain` with
    or without `#checksum`, CAIP-10 `eip155:<id>:0x…` and a 0x-hex ERC-7930 blob. Raises
    `InvalidAddressError` for malformed text, a bad EIP-55 or ERC-7828 checksum, or mixed forms;
    `UnknownChainError` (with suggestions) for a chain not in `registry`.

    `chain`, if given, is the chain the caller already named (e.g. a `target=` argument): a plain
    address is placed on it, and a different chain written in the text is refused as a conflict.
    """
    reg = registry or default_registry()
    s = _clean(text)
    if "@" in s:
        found, address = parse_readable(s, reg)
    elif "#" in s:
        raise _bad(f"{shown(text)} has a #checksum but no @chain")
    else:
        colons = s.count(":")
        if colons == 0:
            body = s[2:] if s[:2] in ("0x", "0X") else None
            # An ERC-7930 blob starts with its version 0001; a near-40-digit string is far more
            # likely a mistyped address, and its error message should say so.
            if (
                body is not None
                and len(body) != 40
                and set(body) <= _HEX
                and (body.startswith("0001") or len(body) > 44)
            ):
                found, address = _from_blob(s, reg)
            else:
                found, address = None, to_address(s)
        elif colons == 1:
            found, address = parse_erc3770(s, reg)
        elif colons == 2:
            found, address = parse_caip10(s, reg)
        else:
            raise _bad(f"{shown(text)} has too many ':' to be any known address form")
    if chain is None:
        return found, address
    wanted = chain if isinstance(chain, Chain) else reg.get(chain)
    if found is not None and found.id != wanted.id:
        raise _bad(
            f"{shown(text)} is on {found.name} ({found.id}) but {wanted.name} ({wanted.id}) was asked for",
            hint="the chain in the address must match the chain of the operation",
        )
    return wanted, address
