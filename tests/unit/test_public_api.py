"""The public surface is `interop.__all__`; every name in it must exist and be importable, and
importing the package must stay light (no devnet, no adapters, no web3 until used)."""

import subprocess
import sys

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
