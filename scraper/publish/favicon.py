"""favicon.ico for the output folder, drawn in code so no binary file has to live in the repository. Pure.

Browsers and some readers ask every site for /favicon.ico (the issue saw eight 404s a visit). The icon is the
common feed symbol, a white dot and two quarter rings on orange, 16×16 and 32×32, each a 32-bit BMP image in
one ICO container (the format every browser and Windows reads, ICO images being BMPs without the file header).
The bytes depend on nothing but this code, so the file is written once and never rewritten.
"""

from __future__ import annotations

import functools
import math
import struct

__all__ = ["FAVICON", "favicon_ico"]

FAVICON = "favicon.ico"

_ORANGE = (0xF2, 0x6B, 0x1D)  # RGB
_WHITE = (0xFF, 0xFF, 0xFF)


def _pixel(x: float, y: float) -> tuple[int, int, int, int]:
    """RGBA at (x, y) in a unit square (0,0 top left): rounded orange tile, the feed symbol in the corner."""
    corner = 0.18  # radius of the tile's rounded corners
    dx, dy = max(corner - x, 0, x - (1 - corner)), max(corner - y, 0, y - (1 - corner))
    if math.hypot(dx, dy) > corner:
        return (0, 0, 0, 0)  # transparent outside the rounded corners
    distance = math.hypot(x - 0.22, y - 0.78)  # from the dot at the bottom left
    white = distance < 0.11 or 0.34 < distance < 0.48 or 0.62 < distance < 0.76
    return (*(_WHITE if white else _ORANGE), 0xFF)


def _bmp(size: int) -> bytes:
    """One ICO image: BITMAPINFOHEADER (height doubled: colour rows, then the AND mask), BGRA bottom-up."""
    header = struct.pack("<IiiHHIIiiII", 40, size, size * 2, 1, 32, 0, 0, 0, 0, 0, 0)
    rows = []
    for row in reversed(range(size)):
        pixels = (_pixel((col + 0.5) / size, (row + 0.5) / size) for col in range(size))
        rows.append(b"".join(struct.pack("BBBB", b, g, r, a) for r, g, b, a in pixels))
    mask_row = b"\0" * (((size + 31) // 32) * 4)  # all zero: the alpha channel decides
    return header + b"".join(rows) + mask_row * size


@functools.cache  # drawn once per process, not on every publish
def favicon_ico(sizes: tuple[int, ...] = (16, 32)) -> bytes:
    """The ICO file: ICONDIR, one ICONDIRENTRY per size, then the images."""
    images = [_bmp(size) for size in sizes]
    offset = 6 + 16 * len(images)
    directory = [struct.pack("<HHH", 0, 1, len(images))]
    for size, image in zip(sizes, images, strict=True):
        directory.append(struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(image), offset))
        offset += len(image)
    return b"".join(directory) + b"".join(images)
