"""interop's optional C speedups (`interop/_speedups.c`), loaded once and checked.

Why optional: the module is compiled at install when a C compiler is there (`hatch_build.py`;
`INTEROP_NO_NATIVE=1` skips it), so a machine without one installs and runs the same code, a
little slower on bulk balance reads. Why checked: a stale or miscompiled module must never give
a wrong checksum or balance. Each function is compared with a plain Python reference at import,
on probes chosen for the edges (keccak inputs across the 136-byte block boundary, words that are
zero, small, full-width and upper-case hex, malformed input that must be refused; runs of
addresses long enough for the four-at-a-time keccak and its remainder); if the module
is missing or any answer differs, `native` is None and every caller takes its Python path.
"""

from __future__ import annotations

from typing import Any

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

__all__ = ["load", "native"]


def _reference_words(text: str, start: int, count: int) -> list[int]:
    body = text[start:]
    if len(body) != 64 * count:
        raise ValueError("not count words")
    return [int.from_bytes(bytes.fromhex(body[i : i + 64]), "big") for i in range(0, len(body), 64)]


def _refuses(fn: Any, *args: Any) -> bool:
    try:
        fn(*args)
    except ValueError:
        return True
    return False


def load(module: Any = None) -> Any:
    """The checked C module (`module`, default `interop._speedups`), or None."""
    try:
        if module is None:
            import interop._speedups as module
        probes = [bytes(range(n % 256)) * (1 + n // 256) for n in (0, 1, 40, 135, 136, 137, 300)]
        if any(module.digest(p) != keccak(p) for p in probes):
            return None
        run = b"".join(bytes([i]) * 40 for i in range(7)) + bytes(range(40))
        want = b"".join(keccak(run[i : i + 40])[:20] for i in range(0, len(run), 40))
        if module.prefixes(run, 40, 20) != want or module.prefixes(b"", 40, 20):
            return None
        # checksum_keys: 9 addresses (two groups of four and one alone where the CPU hashes four
        # at a time), upper-case letters in every position class; refusals
        bodies = [keccak(bytes([i]))[12:].hex() for i in range(9)]
        if module.checksum_keys("".join(bodies).encode()) != [
            to_checksum_address(b) for b in bodies
        ]:
            return None
        if module.checksum_keys(b"") != [] or not all(
            _refuses(module.checksum_keys, b) for b in (b"A" * 40, b"0" * 39, b"g" * 40)
        ):
            return None
        # address_bodies: lower, packed, any upper case; None for anything unusual
        items = ["0x" + b for b in bodies[:4]] + ["0x" + bodies[4].upper()]
        lows = "".join(bodies[:5])
        if module.address_bodies(items) != (lows, bytes.fromhex(lows), True) or (
            module.address_bodies(items[:4]) != (lows[:160], bytes.fromhex(lows[:160]), False)
        ):
            return None
        odd = (
            "0x" + "0" * 39,
            "0X" + "0" * 40,
            "0x" + "g" * 40,
            "0x" + "0" * 39 + "\u00e9",
            b"0x" + b"0" * 40,
        )
        if module.address_bodies([]) != ("", b"", False) or any(
            module.address_bodies([items[0], o]) is not None for o in odd
        ):
            return None
        # quantities: 1 to 64 digits either case, else None
        qs = ["0x0", "0x1f", "0XfF", "0x" + "f" * 64, "0x" + "0" * 63 + "1", "0x10000000000000000"]
        if module.quantities(qs) != [int(q, 16) for q in qs] or module.quantities([]) != []:
            return None
        odd_q = ("0x", "1", "0x1g", "0x" + "1" * 65, 1, "0x1 ", "0x1_0", " 0x1", "0x\u0661")
        if any(module.quantities(["0x1", q]) is not None for q in odd_q):
            return None
        # batch_strings: a batch answer's result strings, only in exactly the usual shape
        objs = [f'{{"jsonrpc":"2.0","id":{k},"result":"{v}"}}' for k, v in ((7, "0x1"), (8, ""))]
        body = ("[" + ",".join(objs) + "]").encode()
        if module.batch_strings(body + b"\n", 7, 9) != ["0x1", ""]:
            return None
        for other, lo, hi in (
            (body, 6, 8),  # other ids
            (body, 7, 8),  # an object too many
            (body.replace(b"0x1", b"0x\\u0031"), 7, 9),  # an escape: JSON's to decode
            (body.replace(b'"id":8', b'"id": 8'), 7, 9),
            (body.replace(b"0x1", b"0x\x01"), 7, 9),  # a control character
            (body.replace(b"0x1", b"0x\xc3\xa9"), 7, 9),  # not ASCII
            (body[:-1], 7, 9),
            (body + b"x", 7, 9),
        ):
            if module.batch_strings(other, lo, hi) is not None:
                return None
        # single_string: one answer's result string, only in exactly the usual shape; strings
        # long enough for the 16-byte steps, a stop in each position of a step
        one = b'{"jsonrpc":"2.0","id":12,"result":"%s"}'
        for n in (0, 1, 15, 16, 17, 40):
            text = "".join(chr(0x20 + (i * 7) % 95) for i in range(n)).replace('"', "'")
            text = text.replace("\\", "/")
            if module.single_string(one % text.encode() + b"\r\n", 12) != text:
                return None
        if module.single_string(one % b"x", 13) is not None:
            return None
        for k in range(40):
            for stop in (b'"', b"\\", b"\x1f", b"\x7f", b"\xc3"):
                if module.single_string(one % (b"0" * k + stop + b"0" * (39 - k)), 12) is not None:
                    return None
        for shape in (b'{"jsonrpc":"2.0","id":12,"result":"0x"} x', b'{"id":12,"result":"0x"}'):
            if module.single_string(shape, 12) is not None:
                return None
        words = [0, 1, 255, 2**64 - 1, 2**64, 10**20 + 7, 2**255 + 3, 2**256 - 1]
        text = "0x00" + "".join(f"{w:064x}" for w in words)
        for t in (text, text.upper().replace("0X", "0x")):
            if module.hex_words(t, 4, len(words)) != _reference_words(t, 4, len(words)):
                return None
        if module.hex_words("0x", 2, 0) != []:
            return None
        bad = ("0x" + "g" * 64, "0x" + "0" * 63, "0x" + "0" * 63 + "\u00e9", "0x" + " " * 64)
        if not all(_refuses(module.hex_words, b, 2, 1) for b in bad):
            return None
        return module
    except Exception:  # missing, or anything at all going wrong on a probe: not used
        return None


native: Any = load()
"""The checked `interop._speedups` module, or None (then the Python paths are used)."""
