"""The OP Stack adapter's `FlowRef.data` codec, versioned so a flow in flight survives upgrades.

A withdrawal takes a week; the user may upgrade the package meanwhile, and the journal still
holds the ref data the old release wrote. `OpRefData.decode` reads every version this package
ever wrote and `encode` writes the current one (`REF_VERSION`).

Versions:
  1  (releases up to the adapter seam) deposits `{"l2_hashes": [...], "path"?, "message_hash"?}`,
     withdrawals `{"withdrawal": {...}, "l2_block": n, "message_hash"?}`.
  2  adds `"recipient"` and `"value"`: who really receives and how much (inside the bridge's or
     messenger's encoded call, not the called contract), so a looked-up flow reports them.
     A version-1 withdrawal gets both from its withdrawal (pure); a version-1 deposit has none.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from interop.errors import InputError
from interop.spec.opstack.formulas import WithdrawalMessage, withdrawal_recipient
from interop.types import Address, Hash32, hex_to_bytes, to_address, to_hash32

__all__ = ["REF_VERSION", "OpRefData"]

REF_VERSION = 2


def _wd_to_json(w: WithdrawalMessage) -> dict[str, Any]:
    return {
        "nonce": str(w.nonce),
        "sender": w.sender,
        "target": w.target,
        "value": str(w.value),
        "gas_limit": str(w.gas_limit),
        "data": "0x" + w.data.hex(),
        "withdrawal_hash": w.withdrawal_hash,
    }


def _wd_from_json(d: Mapping[str, Any]) -> WithdrawalMessage:
    return WithdrawalMessage(
        nonce=int(d["nonce"]),
        sender=to_address(str(d["sender"])),
        target=to_address(str(d["target"])),
        value=int(d["value"]),
        gas_limit=int(d["gas_limit"]),
        data=hex_to_bytes(str(d["data"])),
        withdrawal_hash=to_hash32(str(d["withdrawal_hash"])),
    )


@dataclass(frozen=True)
class OpRefData:
    """Typed `FlowRef.data` of an OP Stack flow. A deposit has `l2_hashes` (and `path`); a
    withdrawal has `withdrawal` and `l2_block`; a message either way also `message_hash`."""

    l2_hashes: tuple[Hash32, ...] = ()
    path: str | None = None
    withdrawal: WithdrawalMessage | None = None
    l2_block: int | None = None
    message_hash: Hash32 | None = None
    recipient: Address | None = None
    value: int | None = None

    def encode(self) -> dict[str, Any]:
        """The current version's JSON-ready mapping (keys absent when not applicable)."""
        out: dict[str, Any] = {}
        if self.withdrawal is not None:
            out["withdrawal"] = _wd_to_json(self.withdrawal)
            out["l2_block"] = self.l2_block
        else:
            out["l2_hashes"] = list(self.l2_hashes)
        if self.path is not None:
            out["path"] = self.path
        if self.message_hash is not None:
            out["message_hash"] = self.message_hash
        if self.recipient is not None:
            out["recipient"] = self.recipient
        if self.value is not None:
            out["value"] = str(self.value)
        return out

    @classmethod
    def decode(cls, data: Mapping[str, Any], version: int) -> OpRefData:
        """Read ref data of any version up to `REF_VERSION`; `InputError` for a newer version
        or a shape no release wrote (a corrupt journal row must not be acted on)."""
        if not 1 <= version <= REF_VERSION:
            raise InputError(
                f"opstack ref data version {version} is not one this release reads "
                f"(1..{REF_VERSION})",
                hint="upgrade the package to the release that wrote this flow",
            )
        try:
            wd = data.get("withdrawal")
            w = _wd_from_json(wd) if wd is not None else None
            if w is not None and data.get("l2_block") is None:
                raise KeyError("l2_block")
            if w is None and "l2_hashes" not in data:
                raise KeyError("l2_hashes or withdrawal")
            mh = data.get("message_hash")
            rcpt: Address | None = None
            value: int | None = None
            if version >= 2:
                r, v = data.get("recipient"), data.get("value")
                rcpt = to_address(str(r)) if r is not None else None
                value = int(v) if v is not None else None
            elif w is not None:
                rcpt, value = withdrawal_recipient(w)
            path = data.get("path")
            return cls(
                l2_hashes=tuple(to_hash32(str(h)) for h in data.get("l2_hashes") or ()),
                path=str(path) if path is not None else None,
                withdrawal=w,
                l2_block=int(data["l2_block"]) if w is not None else None,
                message_hash=to_hash32(str(mh)) if mh is not None else None,
                recipient=rcpt,
                value=value,
            )
        except InputError as exc:
            raise InputError(f"opstack ref data (version {version}): {exc.message}") from None
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InputError(
                f"opstack ref data (version {version}) is malformed: {type(exc).__name__}: {exc}"
            ) from None
