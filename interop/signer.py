"""Signers: anything with `address` and `sign_transaction(dict)` like eth-account's LocalAccount.

`Signer` is a protocol so hardware wallets or KMS wrappers fit. `redacted()` wraps an account so
that its repr/str never shows key material, whatever the wrapped object does.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from eth_account import Account
from eth_account.signers.local import LocalAccount

from interop.errors import InputError

__all__ = ["SafeSigner", "Signer", "account_from_env", "account_from_key"]


@runtime_checkable
class Signer(Protocol):
    @property
    def address(self) -> str: ...

    def sign_transaction(self, transaction_dict: dict[str, Any]) -> Any:
        """Return an object with `raw_transaction` (bytes) and `hash`."""
        ...


class SafeSigner:
    """Wraps any signer so that repr/str/logging show only the address, never the key."""

    __slots__ = ("_inner",)

    def __init__(self, inner: Signer) -> None:
        self._inner = inner

    @property
    def address(self) -> str:
        return str(self._inner.address)

    def sign_transaction(self, transaction_dict: dict[str, Any]) -> Any:
        return self._inner.sign_transaction(transaction_dict)

    def __repr__(self) -> str:
        return f"SafeSigner(address={self.address})"

    __str__ = __repr__

    def __getstate__(self) -> None:
        raise TypeError("signers cannot be pickled")

    def __reduce__(self) -> Any:
        raise TypeError("signers cannot be pickled")


def account_from_key(private_key: str | bytes) -> SafeSigner:
    """Build a signer from a hex private key; the error never echoes the key."""
    try:
        acct: LocalAccount = Account.from_key(private_key)
    except Exception:
        raise InputError(
            "invalid private key (not shown)", hint="a private key is 32 bytes of hex"
        ) from None
    return SafeSigner(acct)


def account_from_env(var: str = "INTEROP_PRIVATE_KEY") -> SafeSigner:
    import os

    from interop.errors import MissingSignerError

    key = os.environ.get(var)
    if not key:
        raise MissingSignerError(
            f"environment variable {var} is not set",
            hint=f"export {var}=0x... (never pass keys as arguments)",
        )
    return account_from_key(key)
