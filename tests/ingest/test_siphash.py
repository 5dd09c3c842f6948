"""SipHash-2-4 on whole arrays: the published test vectors and a plain one-message version."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from soteria_research.ingest.siphash import hex_digits, siphash24

#: From the reference implementation's vectors (key 00..0f, message 00 01 .. of each
#: length), as output bytes in hex.
VECTORS = {
    0: "310e0edd47db6f72",
    1: "fd67dc93c539f874",
    8: "6224939a79f5f593",
    15: "e545be4961ca29a1",
    63: "724506eb4c328a95",
}
MASK = (1 << 64) - 1


def _rounds(v: list[int], times: int) -> None:
    def rotl(x: int, b: int) -> int:
        return ((x << b) | (x >> (64 - b))) & MASK

    for _ in range(times):
        v[0] = (v[0] + v[1]) & MASK
        v[1] = rotl(v[1], 13) ^ v[0]
        v[0] = rotl(v[0], 32)
        v[2] = (v[2] + v[3]) & MASK
        v[3] = rotl(v[3], 16) ^ v[2]
        v[0] = (v[0] + v[3]) & MASK
        v[3] = rotl(v[3], 21) ^ v[0]
        v[2] = (v[2] + v[1]) & MASK
        v[1] = rotl(v[1], 17) ^ v[2]
        v[2] = rotl(v[2], 32)


def siphash24_reference(key: bytes, message: bytes) -> str:
    """SipHash-2-4 of one message, written out from the paper, as 16 hex digits."""
    k0, k1 = int.from_bytes(key[:8], "little"), int.from_bytes(key[8:], "little")
    v = [k0 ^ 0x736F6D6570736575, k1 ^ 0x646F72616E646F6D]
    v += [k0 ^ 0x6C7967656E657261, k1 ^ 0x7465646279746573]
    whole = len(message) // 8 * 8
    last = message[whole:] + bytes(7 - len(message) % 8) + bytes([len(message) & 0xFF])
    for start in range(0, whole + 8, 8):
        block = message[start : start + 8] if start < whole else last
        m = int.from_bytes(block, "little")
        v[3] ^= m
        _rounds(v, 2)
        v[0] ^= m
    v[2] ^= 0xFF
    _rounds(v, 4)
    return (v[0] ^ v[1] ^ v[2] ^ v[3]).to_bytes(8, "little").hex()


KEY = bytes(range(16))


@pytest.mark.parametrize(("length", "expected"), VECTORS.items())
def test_published_vectors(length: int, expected: str) -> None:
    message = bytes(range(length)).decode("ascii")
    assert hex_digits(siphash24(KEY, [message]))[0].decode() == expected
    assert siphash24_reference(KEY, bytes(range(length))) == expected


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.text(max_size=40), min_size=1, max_size=30),
    st.binary(min_size=16, max_size=16),
    st.sampled_from(["", "Durham|", "Avon and Somerset|", "suspect|", "Dyfed-Powys Police|x"]),
)
def test_every_message_as_the_one_message_version(messages, key, prefix) -> None:
    got = hex_digits(siphash24(key, messages, prefix.encode())).astype(str).tolist()
    expected = [siphash24_reference(key, (prefix + m).encode()) for m in messages]
    assert got == expected


def test_arrow_slices_and_nulls() -> None:
    texts = pa.array(["skip", "AS/1", None, "DU/000001/23"])[1:]
    got = hex_digits(siphash24(KEY, texts, b"Durham|")).astype(str).tolist()
    assert got == [
        siphash24_reference(KEY, b"Durham|" + m) for m in (b"AS/1", b"", b"DU/000001/23")
    ]
    assert len(siphash24(KEY, [])) == 0
    empty = int.from_bytes(bytes.fromhex(VECTORS[0]), "little")
    assert siphash24(KEY, np.array(["", ""], dtype=object)).tolist() == [empty, empty]


def test_a_key_of_another_length_is_refused() -> None:
    with pytest.raises(ValueError, match="16-byte key"):
        siphash24(b"short", ["x"])
