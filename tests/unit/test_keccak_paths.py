"""EIP-55 checksumming has two keccak paths (`interop.types._make_hash_prefixes`): one reaching
into pycryptodome's private keccak state (3x faster in bulk), one through the public API. The
fast one is used only when pycryptodome is what it was checked against; these tests hand the
selector pycryptodome modules that differ the ways a future release could (no such function,
another pointer type, another state layout, another answer) and check that each selects the
portable path and that both paths give eth-utils' checksums."""

from __future__ import annotations

import ctypes
import os
import types
from typing import Any

import pytest
from Crypto.Hash import keccak as real
from eth_utils import to_checksum_address

from interop import types as T


def _bodies(n: int) -> tuple[list[str], bytes]:
    lower = [os.urandom(20).hex() for _ in range(n)] + ["00" * 20, "ff" * 20]
    return lower, "".join(lower).encode("ascii")


def _checksums(prefixes: Any, lower: list[str], bodies: bytes) -> list[str]:
    saved = T._hash_prefixes
    T._hash_prefixes = prefixes
    try:
        done = T.checksum_bodies(bodies)
    finally:
        T._hash_prefixes = saved
    return ["0x" + done[i : i + 40] for i in range(0, len(done), 40)]


def test_the_fast_path_is_used_and_agrees_with_eth_utils() -> None:
    assert T.hash_prefixes_path() == "pycryptodome-state"  # pycryptodome 3 is a dependency
    lower, bodies = _bodies(500)
    want = [to_checksum_address("0x" + b) for b in lower]
    assert _checksums(T._hash_prefixes, lower, bodies) == want
    assert _checksums(T._portable_prefixes, lower, bodies) == want
    assert [T.to_address("0x" + b) for b in lower] == want


class _Holder:
    """A keccak object whose private state pointer is what `state` says."""

    def __init__(self, state: Any, keep: Any = None) -> None:
        self._state = types.SimpleNamespace(get=lambda: state)
        self._keep = keep

    def update(self, data: bytes) -> None:
        pass


def _module(**attrs: Any) -> types.SimpleNamespace:
    return types.SimpleNamespace(**attrs)


def _wrong_answers() -> types.SimpleNamespace:
    """The real state and layout, but a `keccak_digest` that answers something else."""

    def digest(state: Any, out: Any, size: Any, pad: Any) -> int:
        ctypes.memset(out, 0x5A, 32)
        return 0

    return _module(new=real.new, _raw_keccak_lib=_module(keccak_digest=digest))


def _other_layout() -> types.SimpleNamespace:
    """A state whose buffered input is not where pycryptodome 3 keeps it."""
    block = ctypes.create_string_buffer(512)
    ptr = ctypes.c_void_p(ctypes.addressof(block))
    return _module(new=lambda **kw: _Holder(ptr, keep=block), _raw_keccak_lib=real._raw_keccak_lib)


@pytest.mark.parametrize(
    "module",
    [
        pytest.param(_module(), id="no-new"),
        pytest.param(_module(new=lambda **kw: _Holder(object())), id="cffi-like-pointer"),
        pytest.param(_module(new=lambda **kw: _Holder(ctypes.c_void_p())), id="null-pointer"),
        pytest.param(_other_layout(), id="other-layout"),
        pytest.param(_module(new=real.new), id="no-raw-lib"),
        pytest.param(_wrong_answers(), id="wrong-answers"),
    ],
)
def test_anything_unexpected_selects_the_portable_path(module: Any) -> None:
    chosen = T._make_hash_prefixes(module)
    assert chosen is T._portable_prefixes
    lower, bodies = _bodies(50)
    assert _checksums(chosen, lower, bodies) == [to_checksum_address("0x" + b) for b in lower]


def test_the_real_module_passes_the_checks() -> None:
    assert T._make_hash_prefixes(real) is not T._portable_prefixes
