"""`force` is one waiver: `force=True` and `options={"force": True}` (what adapters' refusal
hints tell the caller to pass) both reach the adapter's own recipient refusals. Found by the soak:
the option was stripped before the adapter saw it, so the hint could never work."""

from __future__ import annotations

from pathlib import Path

import pytest

from interop.devnet.core import Devnet
from interop.errors import UnsafeRecipientError
from tests.integration.test_routes_e2e import OP, OP2, fresh, make_io

pytestmark = pytest.mark.integration


async def test_force_reaches_the_superchain_adapters_refusal(
    devnet: Devnet, tmp_path: Path
) -> None:
    io = await make_io(devnet, "force-option", tmp_path)
    async with io:
        me = io.signer.address  # type: ignore[union-attr]
        op = io.client(OP)
        nonce = await op.get_nonce(me)
        target = fresh()  # no code on 902: the message would do nothing
        with pytest.raises(UnsafeRecipientError, match="no code"):
            await io.send_message(OP, OP2, target, b"\x01")
        assert await op.get_nonce(me) == nonce  # refused before signing
        for how in ({"force": True}, {"options": {"force": True}}):
            msg = await io.send_message(OP, OP2, fresh(), b"\x01", **how)  # type: ignore[arg-type]
            assert msg.tx_hash is not None
        assert await op.get_nonce(me) == nonce + 2
