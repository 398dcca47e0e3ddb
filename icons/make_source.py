#!/usr/bin/env python3
"""Draws icons/source.png, the one source of every app icon, with only the standard library.

A 1024x1024 RGBA PNG: a rounded square with a diagonal indigo-to-teal gradient and a white
"V". `npx @tauri-apps/cli@2 icon icons/source.png -o icons` then derives every size (and
`… -p 16,24,48,256` the hicolor sizes the defaults leave out);
only the desktop ones are kept (PNGs for the .deb and the window, .ico/.icns for other
desktops): the android/, ios/ and Windows Store (Square*, StoreLogo) outputs are deleted.
Run from the repository root: python3 icons/make_source.py
"""
import struct
import zlib
from pathlib import Path

SIZE = 1024
RADIUS = 200  # corner radius of the rounded square
MARGIN = 32
TOP = (0x3B, 0x2A, 0x8C)  # indigo
BOTTOM = (0x0F, 0x9B, 0x8E)  # teal
STROKE = 120  # width of the V's arms
V_TOP_Y, V_BOTTOM_Y = 290, 760
V_LEFT_X, V_RIGHT_X, V_MID_X = 290, 734, 512


def coverage_rounded_square(x, y):
    """1 inside the rounded square, 0 outside, a one-pixel ramp on the edge (anti-aliasing)."""
    lo, hi = MARGIN + RADIUS, SIZE - MARGIN - RADIUS
    dx = max(lo - x, 0, x - hi)
    dy = max(lo - y, 0, y - hi)
    distance = (dx * dx + dy * dy) ** 0.5 - RADIUS
    return min(max(0.5 - distance, 0.0), 1.0)


def distance_to_segment(px, py, ax, ay, bx, by):
    vx, vy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * vx + (py - ay) * vy) / (vx * vx + vy * vy)))
    cx, cy = ax + t * vx, ay + t * vy
    return ((px - cx) ** 2 + (py - cy) ** 2) ** 0.5


def coverage_v(x, y):
    d = min(
        distance_to_segment(x, y, V_LEFT_X, V_TOP_Y, V_MID_X, V_BOTTOM_Y),
        distance_to_segment(x, y, V_RIGHT_X, V_TOP_Y, V_MID_X, V_BOTTOM_Y),
    )
    return min(max(STROKE / 2 + 0.5 - d, 0.0), 1.0)


def pixel(x, y):
    cx, cy = x + 0.5, y + 0.5
    alpha = coverage_rounded_square(cx, cy)
    if alpha == 0.0:
        return b"\x00\x00\x00\x00"
    t = (cx + cy) / (2 * SIZE)
    background = [a + (b - a) * t for a, b in zip(TOP, BOTTOM)]
    white = coverage_v(cx, cy)
    rgb = [round(c + (255 - c) * white) for c in background]
    return bytes(rgb + [round(255 * alpha)])


def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def main():
    rows = b"".join(
        b"\x00" + b"".join(pixel(x, y) for x in range(SIZE)) for y in range(SIZE)
    )
    header = struct.pack(">IIBBBBB", SIZE, SIZE, 8, 6, 0, 0, 0)  # 8-bit RGBA
    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )
    out = Path(__file__).resolve().parent / "source.png"
    out.write_bytes(png)
    print(f"wrote {out} ({len(png)} bytes)")


if __name__ == "__main__":
    main()
