"""A minimal [MS-CFB] compound file writer (version 3, 512-byte sectors): storages and streams, nothing else.

A 512-byte header, then sectors: the FAT chains sectors into streams; streams under 4096 bytes live in 64-byte mini
sectors of the mini stream, with their own MiniFAT; 128-byte directory entries name every storage and stream, the
children of a storage forming a red-black tree. No timestamps nor random fill: the same streams give the same bytes.
No DIFAT: at most what 109 FAT sectors address (about 7 MB), far more than a VBA project needs.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass, field

SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096
HEADER_DIFAT = 109
ENTRIES_PER_SECTOR = SECTOR // 128
FAT_PER_SECTOR = SECTOR // 4

FATSECT = 0xFFFFFFFD
ENDOFCHAIN = 0xFFFFFFFE
FREESECT = 0xFFFFFFFF
NOSTREAM = 0xFFFFFFFF

SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")

TYPE_EMPTY, TYPE_STORAGE, TYPE_STREAM, TYPE_ROOT = 0, 1, 2, 5
RED, BLACK = 0, 1


@dataclass
class _Node:
    name: str
    kind: int
    data: bytes = b""
    children: list[_Node] = field(default_factory=list)
    sid: int = 0
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM
    color: int = BLACK
    start: int = ENDOFCHAIN
    size: int = 0


def _check_name(name: str) -> None:
    if not name or len(name) > 31 or any(c in name for c in "/\\:!"):
        raise ValueError(f"invalid compound file entry name {name!r} (1-31 characters, none of / \\ : !)")


def name_key(name: str) -> tuple[int, str]:
    """The directory's ordering (MS-CFB 2.6.4): shorter names first, then by upper-cased UTF-16 code units."""
    return len(name.encode("utf-16-le")) // 2, name.upper()


def _build_tree(nodes: list[_Node], depth: int, full_depth: int) -> int:
    """Link ``nodes`` (sorted) as a balanced binary tree; return the root's stream id.

    A middle-split tree has every empty link at the last two levels, so colouring the nodes of the deepest level red
    (when that level is not complete) and the rest black gives every path the same number of black nodes: a valid
    red-black tree, as the specification asks.
    """
    if not nodes:
        return NOSTREAM
    mid = len(nodes) // 2
    root = nodes[mid]
    root.color = RED if depth == full_depth else BLACK
    root.left = _build_tree(nodes[:mid], depth + 1, full_depth)
    root.right = _build_tree(nodes[mid + 1:], depth + 1, full_depth)
    return root.sid


def _link_children(storage: _Node) -> None:
    ordered = sorted(storage.children, key=lambda n: name_key(n.name))
    n = len(ordered)
    # depth of a perfect tree holding n nodes; nodes below it (the partial last level) are red
    full_levels = (n + 1).bit_length() - 1
    complete = (1 << full_levels) - 1 == n
    storage.child = _build_tree(ordered, 0, -1 if complete else full_levels)
    for child in storage.children:
        if child.kind == TYPE_STORAGE:
            _link_children(child)


def _chain(table: list[int], first: int, count: int) -> None:
    for i in range(count):
        table[first + i] = first + i + 1 if i < count - 1 else ENDOFCHAIN


def _sectors(size: int, unit: int) -> int:
    return (size + unit - 1) // unit


def _dir_entry(node: _Node | None) -> bytes:
    if node is None:
        return b"\x00" * 64 + struct.pack("<HBB3I16sIQQIQ", 0, TYPE_EMPTY, RED, NOSTREAM, NOSTREAM, NOSTREAM,
                                          b"\x00" * 16, 0, 0, 0, 0, 0)
    raw = node.name.encode("utf-16-le") + b"\x00\x00"
    return raw.ljust(64, b"\x00") + struct.pack(
        "<HBB3I16sIQQIQ", len(raw), node.kind, node.color, node.left, node.right, node.child, b"\x00" * 16, 0, 0, 0,
        0 if node.kind == TYPE_STORAGE else node.start, node.size)


def write_compound_file(streams: Mapping[str, bytes]) -> bytes:
    """A compound file holding ``streams``, keyed by path (``"PROJECT"``, ``"VBA/dir"``); storages are implied.

    Raises:
        ValueError: a bad entry name (over 31 characters or with ``/ \\ : !``), a path used both as a stream and a
            storage, or more data than this writer addresses.
    """
    root = _Node("Root Entry", TYPE_ROOT)
    order: list[_Node] = [root]
    storages: dict[str, _Node] = {"": root}
    for path, data in streams.items():
        parts = path.split("/")
        for name in parts:
            _check_name(name)
        parent = root
        for i, name in enumerate(parts[:-1]):
            key = "/".join(parts[:i + 1])
            if key not in storages:
                if any(c.name.upper() == name.upper() for c in parent.children):
                    raise ValueError(f"{key} is both a stream and a storage")
                node = _Node(name, TYPE_STORAGE)
                storages[key] = node
                parent.children.append(node)
                order.append(node)
            parent = storages[key]
        if path in storages or any(c.name.upper() == parts[-1].upper() for c in parent.children):
            raise ValueError(f"duplicate compound file entry {path}")
        node = _Node(parts[-1], TYPE_STREAM, bytes(data), size=len(data))
        parent.children.append(node)
        order.append(node)
    for sid, node in enumerate(order):
        node.sid = sid
    _link_children(root)

    # mini stream: every stream under the cutoff, each padded to whole 64-byte mini sectors
    mini_streams = [n for n in order if n.kind == TYPE_STREAM and 0 < n.size < MINI_CUTOFF]
    big_streams = [n for n in order if n.kind == TYPE_STREAM and n.size >= MINI_CUTOFF]
    minifat: list[int] = []
    mini_data = bytearray()
    for node in mini_streams:
        count = _sectors(node.size, MINI_SECTOR)
        node.start = len(minifat)
        minifat += [0] * count
        _chain(minifat, node.start, count)
        mini_data += node.data.ljust(count * MINI_SECTOR, b"\x00")
    root.size = len(mini_data)

    n_dir = _sectors(len(order), ENTRIES_PER_SECTOR)
    n_minifat = _sectors(len(minifat) * 4, SECTOR)
    n_ministream = _sectors(len(mini_data), SECTOR)
    n_big = sum(_sectors(n.size, SECTOR) for n in big_streams)
    payload = n_dir + n_minifat + n_ministream + n_big
    n_fat = 1
    while n_fat * FAT_PER_SECTOR < n_fat + payload:  # the FAT must also map its own sectors
        n_fat += 1
    if n_fat > HEADER_DIFAT:
        raise ValueError("compound file too large for this writer (no DIFAT sectors)")

    total = n_fat + payload
    fat = [FATSECT] * n_fat + [FREESECT] * (n_fat * FAT_PER_SECTOR - n_fat)
    cursor = n_fat

    def place(count: int) -> int:
        """Chain the next ``count`` sectors; their first, or ENDOFCHAIN when there are none."""
        nonlocal cursor
        start = cursor if count else ENDOFCHAIN
        _chain(fat, cursor, count)
        cursor += count
        return start

    dir_start, minifat_start, root.start = place(n_dir), place(n_minifat), place(n_ministream)
    for node in big_streams:
        node.start = place(_sectors(node.size, SECTOR))
    assert cursor == total

    difat = list(range(n_fat)) + [FREESECT] * (HEADER_DIFAT - n_fat)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII", SIGNATURE, b"\x00" * 16, 0x003E, 0x0003, 0xFFFE, 9, 6, b"\x00" * 6,
        0, n_fat, dir_start, 0, MINI_CUTOFF, minifat_start, n_minifat, ENDOFCHAIN, 0,
    ) + struct.pack(f"<{HEADER_DIFAT}I", *difat)
    assert len(header) == SECTOR

    body = bytearray(struct.pack(f"<{len(fat)}I", *fat))
    body += b"".join(_dir_entry(n) for n in order) + _dir_entry(None) * (n_dir * ENTRIES_PER_SECTOR - len(order))
    if n_minifat:
        body += struct.pack(f"<{len(minifat)}I", *minifat).ljust(n_minifat * SECTOR, b"\xff")
    body += bytes(mini_data).ljust(n_ministream * SECTOR, b"\x00")
    for node in big_streams:
        body += node.data.ljust(_sectors(node.size, SECTOR) * SECTOR, b"\x00")
    assert len(body) == total * SECTOR
    return header + bytes(body)
