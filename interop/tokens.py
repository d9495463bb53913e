"""ERC-20 tokens: what a token is (chain, address, symbol, decimals), the built-in list of the
canonical tokens per built-in chain, user token lists in the Uniswap token-list JSON format, and
the decimals / symbol of arbitrary tokens read from the chain once and cached per client.

Why a token carries its chain: the "same" token (USDC) has a different address on every chain,
and a bridged copy (USDC.e) is a different token from the native issue. Balances are always
exact integers in the token's smallest unit; `Token.format` turns them into decimal strings
without floating point.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from interop.client import ChainClient
from interop.errors import InputError, InteropError, RpcResponseError
from interop.types import Address, hex_to_bytes, to_address

__all__ = [
    "BUILTIN_TOKENS",
    "Token",
    "TokenError",
    "builtin_tokens",
    "clear_token_cache",
    "fetch_token_info",
    "load_token_list",
    "resolve_token",
]


@dataclass(frozen=True, slots=True)
class Token:
    """One ERC-20 on one chain. `symbol`/`decimals` are what the contract says (or the list)."""

    chain_id: int
    address: Address
    symbol: str
    decimals: int
    name: str = ""

    def format(self, amount: int) -> str:
        """`amount` (smallest units) as an exact decimal string: 1234567 with 6 decimals ->
        '1.234567'. Integer arithmetic: neither float nor Decimal's 28-digit context, which
        round balances of more than 28 digits."""
        if self.decimals == 0:
            return str(amount)
        sign = "-" if amount < 0 else ""
        whole, frac = divmod(abs(amount), 10**self.decimals)  # integers: no context precision
        digits = str(frac).rjust(self.decimals, "0").rstrip("0")
        return f"{sign}{whole}.{digits}" if digits else f"{sign}{whole}"


class TokenError(InteropError):
    """One token (or one holder's balance of it) could not be read: `balanceOf` reverted, the
    address has no code, or the answer was not a 32-byte word. A per-entry error: the other
    balances of the same call are still returned."""


# ---------------------------------------------------------------------------------------------
# built-in list
#
# Sources (checked 2026-12): the issuers' own deployment pages and the chains' bridge docs.
#  - USDC (native issue) and USDC.e (bridged): Circle, "USDC contract addresses"; the bridged
#    copies from the OP Stack standard-bridge token list and Arbitrum's bridged-USDC notice.
#  - USDT: Tether, "supported protocols" (Ethereum, Arbitrum One, OP Mainnet addresses).
#  - WETH: WETH9 on Ethereum; the predeploy 0x4200…0006 on every OP Stack chain (OP Stack
#    specification, "predeploys"); Arbitrum's canonical WETH gateway token on Arbitrum One.
#  - DAI: MakerDAO's chainlog (Ethereum) and the Optimism / Arbitrum DAI bridge deployments,
#    which share the address 0xDA10…0da1; Base DAI from the Base standard-bridge token list.
# Checksums are verified when the module loads (`to_address` is strict), so a typo fails loudly.

_BUILTIN_RAW: Final[tuple[tuple[int, str, str, int, str], ...]] = (
    # chain, address, symbol, decimals, name
    (1, "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", "USDC", 6, "USD Coin"),
    (1, "0xdAC17F958D2ee523a2206206994597C13D831ec7", "USDT", 6, "Tether USD"),
    (1, "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2", "WETH", 18, "Wrapped Ether"),
    (1, "0x6B175474E89094C44Da98b954EedeAC495271d0F", "DAI", 18, "Dai Stablecoin"),
    (10, "0x0b2C639c533813f4Aa9D7837CAf62653d097Ff85", "USDC", 6, "USD Coin"),
    (10, "0x7F5c764cBc14f9669B88837ca1490cCa17c31607", "USDC.e", 6, "USD Coin (bridged)"),
    (10, "0x94b008aA00579c1307B0EF2c499aD98a8ce58e58", "USDT", 6, "Tether USD"),
    (10, "0x4200000000000000000000000000000000000006", "WETH", 18, "Wrapped Ether"),
    (10, "0xDA10009cBd5D07dd0CeCc66161FC93D7c9000da1", "DAI", 18, "Dai Stablecoin"),
    (8453, "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913", "USDC", 6, "USD Coin"),
    (8453, "0x4200000000000000000000000000000000000006", "WETH", 18, "Wrapped Ether"),
    (8453, "0x50c5725949A6F0c72E6C4a641F24049A917DB0Cb", "DAI", 18, "Dai Stablecoin"),
    (42161, "0xaf88d065e77c8cC2239327C5EDb3A432268e5831", "USDC", 6, "USD Coin"),
    (42161, "0xFF970A61A04b1cA14834A43f5dE4533eBDDB5CC8", "USDC.e", 6, "USD Coin (bridged)"),
    (42161, "0xFd086bC7CD5C481DCC9C85ebE478A1C0b69FCbb9", "USDT", 6, "Tether USD"),
    (42161, "0x82aF49447D8a07e3bd95BD0d56f35241523fBab1", "WETH", 18, "Wrapped Ether"),
    (42161, "0xDA10009cBd5D07dd0CeCc66161FC93D7c9000da1", "DAI", 18, "Dai Stablecoin"),
)

BUILTIN_TOKENS: Final[Mapping[int, tuple[Token, ...]]] = {}
for _cid, _a, _s, _d, _n in _BUILTIN_RAW:
    BUILTIN_TOKENS.setdefault(_cid, ())  # type: ignore[attr-defined]
    BUILTIN_TOKENS[_cid] += (Token(_cid, to_address(_a), _s, _d, _n),)  # type: ignore[index]


def builtin_tokens(chain_id: int) -> tuple[Token, ...]:
    """The built-in canonical tokens of a chain (empty for chains without a list)."""
    return BUILTIN_TOKENS.get(chain_id, ())


# ---------------------------------------------------------------------------------------------
# token lists (Uniswap format: {"name", "tokens": [{"chainId", "address", "symbol", "decimals",
# "name"}, ...]})


def load_token_list(source: str | Path | Mapping[str, Any]) -> dict[int, tuple[Token, ...]]:
    """Tokens of a Uniswap-format token list (a path to the JSON file, or the parsed object),
    grouped by chain id. Every entry is validated (address checksum, decimals 0..255); a bad
    entry raises `InputError` naming its index rather than being skipped silently."""
    if isinstance(source, Mapping):
        doc: Any = source
    else:
        try:
            doc = json.loads(Path(source).read_text())
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read token list {source}", details=str(exc)) from exc
    entries = doc.get("tokens") if isinstance(doc, Mapping) else None
    if not isinstance(entries, list):
        raise InputError("not a token list: no 'tokens' array", hint="Uniswap token-list format")
    out: dict[int, list[Token]] = {}
    for i, e in enumerate(entries):
        try:
            cid, dec = e["chainId"], e["decimals"]
            if not isinstance(cid, int) or not isinstance(dec, int) or not 0 <= dec <= 255:
                raise ValueError("chainId and decimals must be integers, decimals 0..255")
            tok = Token(
                cid, to_address(e["address"]), str(e["symbol"]), dec, str(e.get("name", ""))
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"token list entry {i} is invalid", details=repr(exc)) from exc
        out.setdefault(cid, []).append(tok)
    return {cid: tuple(v) for cid, v in out.items()}


def resolve_token(chain_id: int, token: str | Token, extra: Iterable[Token] = ()) -> Address:
    """A token's address on `chain_id`: a `Token` (its chain must match), an address, or a
    symbol from the built-in list (or `extra`). Raises `InputError` for an unknown symbol or a
    token of another chain."""
    if isinstance(token, Token):
        if token.chain_id != chain_id:
            raise InputError(f"token {token.symbol} is on chain {token.chain_id}, not {chain_id}")
        return token.address
    if isinstance(token, str) and token.startswith(("0x", "0X")):
        return to_address(token)
    for t in (*extra, *builtin_tokens(chain_id)):
        if t.chain_id == chain_id and t.symbol == token:
            return t.address
    raise InputError(
        f"unknown token {token!r} on chain {chain_id}",
        hint="pass its address, a Token, or load a token list",
    )


# ---------------------------------------------------------------------------------------------
# metadata read from the chain, cached per client

_SEL_DECIMALS: Final = "0x313ce567"  # decimals()
_SEL_SYMBOL: Final = "0x95d89b41"  # symbol()
_SEL_NAME: Final = "0x06fdde03"  # name()

_META: weakref.WeakKeyDictionary[ChainClient, dict[Address, Token]] = weakref.WeakKeyDictionary()
_KNOWN: Final = {(t.chain_id, t.address): t for ts in BUILTIN_TOKENS.values() for t in ts}


def clear_token_cache() -> None:
    """Forget every cached token's metadata."""
    _META.clear()


def _decode_string(raw: bytes) -> str | None:
    """An ABI `string`, or a `bytes32` right-padded with zeros (older tokens, e.g. MKR)."""
    if len(raw) == 32:
        return raw.rstrip(b"\x00").decode("utf-8", "replace")
    if len(raw) < 64:
        return None
    off = int.from_bytes(raw[:32], "big")
    if off + 32 > len(raw):
        return None
    n = int.from_bytes(raw[off : off + 32], "big")
    if off + 32 + n > len(raw):
        return None
    return raw[off + 32 : off + 32 + n].decode("utf-8", "replace")


async def fetch_token_info(
    client: ChainClient, tokens: Sequence[Address]
) -> dict[Address, Token | InteropError]:
    """Decimals, symbol and name of `tokens` on `client`'s chain: from the cache or the built-in
    list, else one JSON-RPC batch of `eth_call`s for all unknown tokens together.

    A token whose `decimals()` fails or returns no word (not a contract, not an ERC-20) gets an
    error entry; that is not cached, so a contract deployed later is found. A missing symbol or
    name is tolerated ('' ), since some ERC-20s omit them.
    """
    cache = _META.setdefault(client, {})
    out: dict[Address, Token | InteropError] = {}
    todo: list[Address] = []
    cid = client.chain.id
    for t in dict.fromkeys(tokens):
        hit = cache.get(t) or _KNOWN.get((cid, t))
        if hit is not None:
            out[t] = hit
        else:
            todo.append(t)
    if not todo:
        return out
    calls = [
        ("eth_call", [{"to": t, "data": sel}, "latest"])
        for t in todo
        for sel in (_SEL_DECIMALS, _SEL_SYMBOL, _SEL_NAME)
    ]
    results = await client.batch(calls)
    for k, t in enumerate(todo):
        dec_r, sym_r, name_r = results[3 * k : 3 * k + 3]
        if isinstance(dec_r, BaseException) and not isinstance(dec_r, RpcResponseError):
            raise dec_r  # the node is unreachable: not a fact about this token
        raw = b"" if isinstance(dec_r, BaseException) else hex_to_bytes(dec_r)
        if len(raw) < 32 or int.from_bytes(raw[:32], "big") > 255:
            err = TokenError(
                f"{t} on chain {cid} is not an ERC-20 (decimals() failed or returned nothing)",
                details=str(dec_r) if isinstance(dec_r, BaseException) else None,
            )
            out[t] = err
            continue
        sym = None if isinstance(sym_r, BaseException) else _decode_string(hex_to_bytes(sym_r))
        nm = None if isinstance(name_r, BaseException) else _decode_string(hex_to_bytes(name_r))
        tok = Token(cid, t, sym or "", int.from_bytes(raw[:32], "big"), nm or "")
        cache[t] = tok
        out[t] = tok
    return out
