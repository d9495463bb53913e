"""Signers: anything with `address` and `sign_transaction(dict)` like eth-account's LocalAccount.

`Signer` is a protocol so hardware wallets or KMS wrappers fit. `SafeSigner` wraps one so that key
material never leaks through the usual side doors: repr/str/format (and so logging and
tracebacks of our own frames), pickling and copying, and the messages of errors raised while
building or using it. It also enforces EIP-155 at the signing boundary: a transaction without a
chain id is refused, whoever builds it.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, NoReturn, Protocol, runtime_checkable

from eth_account import Account
from eth_account.signers.local import LocalAccount

from interop.errors import InputError, MissingSignerError

if TYPE_CHECKING:
    from interop.actions.nonce import NonceManager

__all__ = [
    "SafeSigner",
    "Signer",
    "account_from_env",
    "account_from_key",
    "redact",
    "require_signer",
]

_REDACTED = "<redacted>"
_HEX = frozenset("0123456789abcdefABCDEF")


@runtime_checkable
class Signer(Protocol):
    @property
    def address(self) -> str: ...

    def sign_transaction(self, transaction_dict: dict[str, Any]) -> Any:
        """Return an object with `raw_transaction` (bytes) and `hash`.

        The send path calls this exactly once per transaction it sends (and again only after
        the first was proven replaced, with a new nonce), and broadcasts only after it returned:
        a signer may record the signed bytes durably here. A signer may also offer
        `note_replaced(tx_hash, replaced_by)`, called when a transaction it signed was proven
        never to be mineable because another transaction used its nonce.
        """
        ...


def redact(text: str, secret: bytes | None) -> str:
    """`text` with every hex spelling of `secret` (any case, with or without 0x) removed."""
    if not secret:
        return text
    h = secret.hex()
    out, low = [], text.lower()
    i = 0
    while True:
        j = low.find(h, i)
        if j < 0:
            out.append(text[i:])
            break
        start = j - 2 if j >= 2 and low[j - 2 : j] == "0x" else j
        out.append(text[i:start] + _REDACTED)
        i = j + len(h)
    return "".join(out)


def _key_bytes(inner: object) -> bytes | None:
    key = getattr(inner, "key", None)
    return bytes(key) if isinstance(key, bytes | bytearray) else None


class SafeSigner:
    """Wraps any signer so that repr/str/logging show only the address, never the key."""

    __slots__ = ("_inner", "nonce_manager")
    _inner: Signer
    nonce_manager: NonceManager | None
    """Nonces are per account, so the account carries the manager that hands them out: every
    transaction signed by this signer (transfers and every bridge step of every adapter) then
    gets a distinct nonce, however many flows a bot runs at once."""

    def __init__(self, inner: Signer, *, nonce_manager: NonceManager | None = None) -> None:
        if isinstance(inner, SafeSigner):
            nonce_manager = nonce_manager or inner.nonce_manager
            inner = inner._inner
        self._inner = inner
        self.nonce_manager = nonce_manager

    @property
    def address(self) -> str:
        return str(self._inner.address)

    def sign_transaction(self, transaction_dict: dict[str, Any]) -> Any:
        """Sign; refuses a transaction without an int `chainId` (EIP-155 always)."""
        chain_id = transaction_dict.get("chainId")
        if isinstance(chain_id, bool) or not isinstance(chain_id, int) or chain_id <= 0:
            raise InputError(
                "refusing to sign a transaction without a chain id",
                hint="set chainId (EIP-155) so the signature cannot be replayed on another chain",
            )
        try:
            return self._inner.sign_transaction(transaction_dict)
        except Exception as exc:
            # `from None`: the original traceback's frames hold the key in their locals.
            msg = redact(f"{type(exc).__name__}: {exc}", _key_bytes(self._inner))
            raise InputError("cannot sign the transaction", details=msg) from None

    def __repr__(self) -> str:
        return f"SafeSigner(address={self.address})"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return format(repr(self), spec)

    def __getstate__(self) -> NoReturn:
        raise TypeError("signers cannot be pickled")

    def __reduce__(self) -> NoReturn:
        raise TypeError("signers cannot be pickled or copied")

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        raise TypeError("signers cannot be pickled or copied")


def require_signer(signer: Signer | None, action: str = "send a transaction") -> Signer:
    """The signer, or `MissingSignerError` saying what needed one."""
    if signer is None:
        raise MissingSignerError(
            f"a signer is needed to {action}, but none is configured",
            hint="pass account=account_from_env() (reads INTEROP_PRIVATE_KEY)",
        )
    return signer


def account_from_key(private_key: str | bytes) -> SafeSigner:
    """Build a signer from a hex private key; no error ever echoes the key (or its length)."""
    if isinstance(private_key, str):
        # Exactly 64 hex digits: eth-account would left-pad an odd-length string, so a key
        # with its last digit cut off would silently load as a different account.
        private_key = private_key.strip()
        body = private_key[2:] if private_key[:2] in ("0x", "0X") else private_key
        if len(body) != 64 or not all(c in _HEX for c in body):
            raise InputError(
                "invalid private key (not shown)", hint="a private key is 64 hex digits"
            ) from None
    elif not isinstance(private_key, bytes | bytearray):
        raise InputError(
            f"a private key must be str or bytes, got {type(private_key).__name__}"
        ) from None
    try:
        acct: LocalAccount = Account.from_key(private_key)
    except Exception:
        raise InputError(
            "invalid private key (not shown)", hint="a private key is 32 bytes of hex"
        ) from None
    return SafeSigner(acct)


def account_from_env(var: str = "INTEROP_PRIVATE_KEY") -> SafeSigner:
    """Signer from an environment variable, so keys never appear in argv or shell history."""
    key = os.environ.get(var)
    if not key:
        raise MissingSignerError(
            f"environment variable {var} is not set",
            hint=f"export {var}=0x... (never pass keys as arguments)",
        )
    return account_from_key(key)
