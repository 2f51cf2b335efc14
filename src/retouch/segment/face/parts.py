"""Face regions (skin, eyes, brows, lips) as polygons of the 468-point face mesh.

Outlines come from MediaPipe's mesh topology (the FACEMESH_* connection sets),
walked into closed loops; the brows, which MediaPipe draws as two open lines,
are closed by hand from the same vertex indices.
"""

from __future__ import annotations

from functools import cache

import cv2
import numpy as np

__all__ = [
    "PARTS",
    "SAMPLE_PATCHES",
    "feature_mask",
    "local",
    "mesh_box",
    "part_mask",
    "polygons",
    "sample_pixels",
]

PARTS = ("skin", "eyes", "brows", "lips", "all")

# Brow outlines: upper edge then lower edge, as one closed polygon per brow.
_BROWS = (
    (336, 296, 334, 293, 300, 276, 283, 282, 295, 285),
    (107, 66, 105, 63, 70, 46, 53, 52, 65, 55),
)

# Patches where skin colour is sampled: both cheeks and the forehead (away from
# eyes, brows, nostrils, beard line and hairline).
SAMPLE_PATCHES = (
    (117, 118, 101, 36, 205, 187, 123),
    (346, 347, 330, 266, 425, 411, 352),
    (67, 109, 10, 338, 297, 299, 337, 151, 108, 69),
)


def _walk_loops(edges: frozenset) -> list[tuple[int, ...]]:
    """Split an undirected edge set made of disjoint cycles into vertex loops."""
    neighbours: dict[int, list[int]] = {}
    for a, b in edges:
        neighbours.setdefault(a, []).append(b)
        neighbours.setdefault(b, []).append(a)
    seen: set[int] = set()
    loops = []
    for start in sorted(neighbours):
        if start in seen:
            continue
        loop, prev, node = [start], None, start
        seen.add(start)
        while True:
            nxt = [n for n in neighbours[node] if n != prev and n not in seen]
            if not nxt:
                break
            prev, node = node, nxt[0]
            seen.add(node)
            loop.append(node)
        loops.append(tuple(loop))
    return loops


@cache
def polygons() -> dict[str, tuple[tuple[int, ...], ...]]:
    """Mesh vertex loops per region: oval, eyes, brows, lips_outer, lips_inner."""
    from mediapipe.python.solutions import face_mesh_connections as fmc

    lips = sorted(_walk_loops(fmc.FACEMESH_LIPS), key=len, reverse=True)
    return {
        "oval": tuple(_walk_loops(fmc.FACEMESH_FACE_OVAL)),
        "eyes": tuple(_walk_loops(fmc.FACEMESH_LEFT_EYE) + _walk_loops(fmc.FACEMESH_RIGHT_EYE)),
        "brows": _BROWS,
        "lips_outer": (lips[0],),
        "lips_inner": tuple(lips[1:]),
    }


def _fill(
    shape: tuple[int, int], mesh: np.ndarray, loops, out: np.ndarray | None = None, value: int = 255
) -> np.ndarray:
    out = np.zeros(shape, np.uint8) if out is None else out
    pts = [np.round(mesh[list(loop), :2] * 4).astype(np.int32) for loop in loops]
    cv2.fillPoly(out, pts, value, lineType=cv2.LINE_8, shift=2)
    return out


def part_mask(shape: tuple[int, int], mesh: np.ndarray, part: str) -> np.ndarray:
    """H x W uint8 0/255 mask of ``part`` (one of PARTS) for one face mesh (468 x 2+)."""
    if part not in PARTS:
        raise ValueError(f"unknown face part {part!r}; valid parts: {', '.join(PARTS)}")
    poly = polygons()
    if part == "all":
        return _fill(shape, mesh, poly["oval"])
    if part == "eyes":
        return _fill(shape, mesh, poly["eyes"])
    if part == "brows":
        return _fill(shape, mesh, poly["brows"])
    if part == "lips":
        return _fill(shape, mesh, poly["lips_inner"], _fill(shape, mesh, poly["lips_outer"]), 0)
    out = _fill(shape, mesh, poly["oval"])
    for name in ("eyes", "brows", "lips_outer"):
        _fill(shape, mesh, poly[name], out, 0)
    return out


def feature_mask(shape: tuple[int, int], mesh: np.ndarray) -> np.ndarray:
    """H x W uint8 0/255: eyes, brows, lips and the open mouth of one face (not skin)."""
    out = part_mask(shape, mesh, "all")
    out[part_mask(shape, mesh, "skin") > 0] = 0
    return out


def mesh_box(
    mesh: np.ndarray, shape: tuple[int, int], margin: float = 0.0, below: float = 0.0
) -> tuple[int, int, int, int]:
    """(y0, x0, y1, x1) around the mesh's x/y, grown by ``margin`` x its size on every side
    and by ``below`` x its size downwards, clipped to ``shape``."""
    x0, y0 = mesh[:, 0].min(), mesh[:, 1].min()
    x1, y1 = mesh[:, 0].max(), mesh[:, 1].max()
    size = max(x1 - x0, y1 - y0)
    m, b = margin * size, below * size
    return (
        max(0, int(y0 - m)),
        max(0, int(x0 - m)),
        min(shape[0], int(np.ceil(y1 + m + b)) + 1),
        min(shape[1], int(np.ceil(x1 + m)) + 1),
    )


def local(mesh: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """The mesh in the coordinates of the crop ``box`` (y0, x0, y1, x1)."""
    out = mesh.copy()
    out[:, 0] -= box[1]
    out[:, 1] -= box[0]
    return out


def sample_pixels(image: np.ndarray, mesh: np.ndarray) -> np.ndarray:
    """N x 3 uint8 RGB pixels of the cheek and forehead patches (where skin is sampled)."""
    box = mesh_box(mesh, image.shape[:2])
    crop = image[box[0] : box[2], box[1] : box[3]]
    inside = _fill(crop.shape[:2], local(mesh, box), SAMPLE_PATCHES)
    return crop[inside > 0]
