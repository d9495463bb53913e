"""The public surface is `interop.__all__`; every name in it must exist and be importable, and
importing the package must stay light (no devnet, no adapters, no web3 until used)."""

import subprocess
import sys

import pytest

import interop


def test_all_names_exist() -> None:
    missing = [n for n in interop.__all__ if not hasattr(interop, n)]
    assert missing == []
    assert len(set(interop.__all__)) == len(interop.__all__)


def test_import_is_lazy() -> None:
    code = (
        "import sys, interop\n"
        "heavy = [m for m in ('web3', 'interop.devnet.core', 'interop.adapters.opstack',"
        " 'interop.adapters.arbitrum') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_rpc_bounds_reach_every_client_and_bad_ones_are_refused() -> None:
    from interop import Interop
    from interop.errors import InputError

    io = Interop(
        ["ethereum"], rpc={"ethereum": "http://127.0.0.1:1"}, rpc_deadline=3, rpc_timeout=1
    )
    client = io.client("ethereum")
    assert client.deadline == 3.0
    for bad in (0, -1, float("nan"), "5"):
        with pytest.raises(InputError, match="rpc_deadline"):
            Interop(["ethereum"], rpc_deadline=bad)  # type: ignore[arg-type]
