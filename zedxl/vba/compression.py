"""MS-OVBA compression (section 2.4.1): the LZ77 "CompressedContainer" every VBA stream uses.

A container is the byte 0x01, then chunks of at most 4096 decompressed bytes, each a 16-bit header (size minus 3,
signature 0b011, compressed flag) and token sequences: a flag byte, then up to eight literal bytes or two-byte
CopyTokens (offset and length, split by a bit count that grows with the position in the chunk). ``compress``
follows the specification's algorithm (longest match, nearest on ties), so its output is deterministic.
"""

from __future__ import annotations

import struct

CHUNK_SIZE = 4096
SIGNATURE = 0x01
_MIN_MATCH = 3


def _copy_token_split(position: int) -> tuple[int, int]:
    """``(bit_count, maximum_length)`` of a CopyToken at ``position`` bytes from the start of its chunk (2.4.1.3.19.1).

    ``bit_count`` is the number of offset bits: the smallest integer ≥ 4 with 2**bit_count ≥ position.
    """
    bit_count = max((position - 1).bit_length(), 4)
    return bit_count, (0xFFFF >> bit_count) + _MIN_MATCH


def _match(chunk: bytes, current: int, candidates: list[int]) -> tuple[int, int]:
    """Longest earlier occurrence of the bytes at ``current`` (2.4.1.3.19.4): ``(offset, length)``, or ``(0, 0)``.

    As in the specification, candidates are compared over the rest of the chunk, the nearest wins a tie, and the
    best length is then cut to what a CopyToken at this position can hold.
    """
    end = len(chunk)
    best_length = 0
    best_offset = 0
    for candidate in reversed(candidates):  # nearest first, so ties keep the nearest candidate
        length = 0
        # the source may run into the bytes being matched (overlap is how runs are encoded)
        while current + length < end and chunk[candidate + length] == chunk[current + length]:
            length += 1
        if length > best_length:
            best_length, best_offset = length, current - candidate
            if current + length == end:
                break
    if best_length < _MIN_MATCH:
        return 0, 0
    _, max_length = _copy_token_split(current)
    return best_offset, min(best_length, max_length)


def _compress_chunk(chunk: bytes) -> bytes:
    """The CompressedChunkData of one decompressed chunk (flag bytes and tokens)."""
    out = bytearray()
    # positions of every 3-byte prefix seen so far in this chunk (matches never cross chunks)
    seen: dict[bytes, list[int]] = {}
    current = 0
    end = len(chunk)
    indexed = 0  # positions below this one are in ``seen``

    def remember(upto: int) -> None:
        nonlocal indexed
        while indexed < upto:
            if indexed + _MIN_MATCH <= end:
                seen.setdefault(chunk[indexed:indexed + _MIN_MATCH], []).append(indexed)
            indexed += 1

    while current < end:
        flag_index = len(out)
        out.append(0)
        flags = 0
        for bit in range(8):
            if current >= end:
                break
            candidates = seen.get(chunk[current:current + _MIN_MATCH], []) if current + _MIN_MATCH <= end else []
            offset, length = _match(chunk, current, candidates)
            if length:
                bit_count, _ = _copy_token_split(current)
                token = ((offset - 1) << (16 - bit_count)) | (length - _MIN_MATCH)
                out += struct.pack("<H", token)
                flags |= 1 << bit
                current += length
            else:
                out.append(chunk[current])
                current += 1
            remember(current)
        out[flag_index] = flags
    return bytes(out)


def compress(data: bytes) -> bytes:
    """Compress ``data`` into an MS-OVBA CompressedContainer (2.4.1.3.6)."""
    out = bytearray([SIGNATURE])
    for start in range(0, len(data), CHUNK_SIZE):
        chunk = data[start:start + CHUNK_SIZE]
        body = _compress_chunk(chunk)
        if len(body) <= CHUNK_SIZE:
            out += struct.pack("<H", 0xB000 | (len(body) + 2 - 3))  # compressed flag + signature 0b011 + size
            out += body
        else:
            # Incompressible: a raw chunk always carries exactly 4096 bytes (2.4.1.3.10); only a last, partial
            # chunk of incompressible bytes would need padding, and zero bytes would then be decompressed too.
            out += struct.pack("<H", 0x3000 | (CHUNK_SIZE + 2 - 3))
            out += chunk.ljust(CHUNK_SIZE, b"\x00")
    return bytes(out)
