"""Lines that continue: straight edges entering a hole are carried across it.

A patch fill grows whatever touches the hole's border inward, layer by layer: where a
dark table top meets the bottom of a hole, the dark grows up into the hole as a mound
instead of stopping at the table's edge. Before the coarsest fill, this module:

1. finds straight edge stubs in the ring of known pixels around the hole that run
   into it (``find_rays``): an edge with its direction and the colour on each side;
2. joins them (``connect``): two stubs on one line with the same colours on the same
   sides become one straight segment; two stubs whose lines cross inside the hole,
   with matching colours inside and outside the corner, become a corner;
3. fills the hole smoothly, region by region, with the joined lines as barriers
   (``barrier_fill``), so each region takes the colour of the known pixels it touches.

The fill then uses that smooth picture as a guide in the patch distance at the coarsest
level (``fill.py``): patches that agree with the guide win, so the table stays below
its continued edge, and a ball beside a watermark is not copied into it (the guide
there is the grass around it). Stubs that find no partner are left alone: an edge that ends in the
hole (a pole behind a sign) is not invented. Coordinates are (x, y) float pixels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
from numba import njit

from retouch.core.cancel import check_cancelled
from retouch.inpaint.patchmatch.finish import _masked_blur

__all__ = ["Ray", "barrier_fill", "connect", "find_rays", "structure_guide"]

RING = 20  # edges are looked for in known pixels up to this far from the hole
NEAR = 2.5  # ... but not nearer: the first pixels beside a hole are often blended
MIN_LEN = 12  # an edge stub spans at least this many pixels
SHORTER = (RING, 16.0, 12.0 + NEAR)  # the reaches tried for a straight part of an edge
MAX_BEND = 1.2  # rms distance (px) of a stub's pixels from its line, at most
MIN_STEP = 24.0  # colour step across an edge (levels of 255), at least
SAME = 0.4  # side colours of two joined stubs differ by at most this share of the step
STRAIGHT_DEG = 15.0  # two stubs are on one line if their directions differ this little
CORNER_DEG = 35.0  # two stubs meet in a corner only if their lines cross at least this steeply
MIN_EXIT = 4  # a lone stub is carried to where its line leaves the hole after this many px
SWEEPS = 150  # over-relaxation sweeps of the region-by-region membrane (from a Telea start)
OMEGA = 1.85  # ... and their over-relaxation factor
BLUR = 2.0  # the guide is the picture blurred this much (the guide is about structure)


@dataclass(frozen=True)
class Ray:
    """An edge stub at the hole's border: where it meets the hole, its direction into
    the hole, and the mean colours on its left (normal (-dy, dx)) and right sides."""

    origin: np.ndarray
    direction: np.ndarray
    left: np.ndarray
    right: np.ndarray


def structure_guide(image: np.ndarray, hole: np.ndarray, *, lines: bool = True) -> np.ndarray:
    """The smooth picture the coarsest fill is guided by.

    image: H x W x C float32 (0-255; values in the hole are ignored). hole: H x W bool.
    Returns H x W x C float32: the known pixels blurred by ``BLUR``; the hole a membrane
    from its border (what the surroundings predict there, so an object beside the hole
    is not drawn into it), and with ``lines`` the straight edges that cross the hole
    continued as barriers the membrane does not cross.
    """
    joined = connect(find_rays(image, hole), hole, image) if lines else []
    return barrier_fill(_masked_blur(image, ~hole, BLUR), hole, joined)


def find_rays(image: np.ndarray, hole: np.ndarray) -> list[Ray]:
    """Straight, strong edge stubs in the ring around ``hole`` that run into it.

    image: H x W x C float32 0-255. hole: H x W bool. Returns the stubs (``Ray``).
    """
    known = ~hole
    dist = cv2.distanceTransform(known.astype(np.uint8), cv2.DIST_L2, 3)
    edges = _edges(image, hole, dist)
    n, labels = cv2.connectedComponents(edges.astype(np.uint8), connectivity=8)
    ys, xs = np.nonzero(labels)
    order = np.argsort(labels[ys, xs], kind="stable")
    ys, xs = ys[order], xs[order]
    bounds = np.searchsorted(labels[ys, xs], np.arange(1, n + 1))
    rays = []
    for k in range(n - 1):  # each edge component: its pixels are ys/xs[bounds[k]:bounds[k+1]]
        if k % 256 == 0:
            check_cancelled()
        cy, cx = ys[bounds[k] : bounds[k + 1]], xs[bounds[k] : bounds[k + 1]]
        if cy.size < MIN_LEN:
            continue
        stub = _straight_part(np.stack([cx, cy], 1).astype(np.float64), dist[cy, cx])
        if stub is None or not _enters(hole, *stub):
            continue
        origin, direction = stub
        normal = np.array([-direction[1], direction[0]])
        back = origin - 4 * direction
        left = _side(image, known, back, normal)
        right = _side(image, known, back, -normal)
        if left is None or right is None or _diff(left, right) < MIN_STEP:
            continue
        rays.append(Ray(origin, direction, left, right))
    return rays


def _edges(image, hole, dist):
    """Canny edges of the luma in the ring, thresholds from the ring's own gradients."""
    u8 = np.clip(image, 0, 255).astype(np.uint8)
    smooth = cv2.inpaint(u8, hole.astype(np.uint8), 3, cv2.INPAINT_TELEA) if hole.any() else u8
    luma = cv2.GaussianBlur(
        smooth.reshape(image.shape).mean(axis=2).astype(np.float32), (0, 0), 1.0
    )
    ring = ~hole & (dist <= RING) & (dist > NEAR)
    mag = np.hypot(cv2.Sobel(luma, cv2.CV_32F, 1, 0), cv2.Sobel(luma, cv2.CV_32F, 0, 1))
    if np.count_nonzero(ring) < 20:
        return np.zeros_like(hole)
    high = max(float(np.percentile(mag[ring], 90)), MIN_STEP / 2)
    edges = cv2.Canny(np.clip(luma, 0, 255).astype(np.uint8), high * 0.25, high * 0.5) > 0
    return edges & ring


def _straight_part(pts: np.ndarray, near: np.ndarray):
    """The stub of an edge's pixels nearest the hole that is straight: the whole edge in
    the ring, else its part within fewer pixels of the hole (past them, it may join
    another edge or bend)."""
    for reach in SHORTER:
        keep = near <= reach
        stub = _fit_stub(pts[keep], near[keep])
        if stub is not None:
            return stub
    return None


def _fit_stub(pts: np.ndarray, near: np.ndarray):
    """(origin, direction) of the line through edge pixels ``pts`` (N x 2, x y), with
    ``near`` their distances to the hole; None if it is not a straight stub at the hole."""
    if pts.shape[0] < MIN_LEN or near.min() > NEAR + 1.5:
        return None
    centre, axis, normal = _line(pts)
    off = (pts - centre) @ normal
    along = (pts - centre) @ axis
    if np.ptp(along) < MIN_LEN or np.sqrt(np.mean(off**2)) > MAX_BEND:
        return None
    at = along[int(np.argmin(near))]  # the end nearer the hole is the origin
    if at - along.min() < along.max() - at:
        return centre + axis * along.min(), -axis
    return centre + axis * along.max(), axis


def _line(pts):
    centre = pts.mean(axis=0)
    _, _, vt = np.linalg.svd(pts - centre, full_matrices=False)
    return centre, vt[0], vt[1]


def _enters(hole, origin, direction, steps=range(2, 12), need=6) -> bool:
    """The stub points into the hole (rather than running along its border)."""
    h, w = hole.shape
    hits = 0
    for s in steps:
        x, y = np.rint(origin + direction * s).astype(int)
        hits += bool(0 <= x < w and 0 <= y < h and hole[y, x])
    return hits >= need


def _side(image, known, at, normal, reach=(2, 6), half=3):
    """Mean colour of the known pixels on one side of an edge near ``at``."""
    h, w = known.shape
    tangent = np.array([normal[1], -normal[0]])
    picked = []
    for a in range(reach[0], reach[1] + 1):
        for b in range(-half, half + 1):
            x, y = np.rint(at + normal * a + tangent * b).astype(int)
            if 0 <= x < w and 0 <= y < h and known[y, x]:
                picked.append(image[y, x])
    return np.mean(picked, axis=0) if len(picked) >= 4 else None


def _diff(a, b) -> float:
    return float(np.abs(np.asarray(a) - np.asarray(b)).max())


def _mismatch(a1, b1, a2, b2) -> float:
    """How far side colours a1 ~ b1 and a2 ~ b2 disagree, as a share of the steps across."""
    step = min(_diff(a1, a2), _diff(b1, b2))
    return max(_diff(a1, b1), _diff(a2, b2)) / max(step, 1e-6)


def _angle(a, b) -> float:
    return math.degrees(math.acos(float(np.clip(a @ b, -1.0, 1.0))))


def _inside(hole, p, q) -> float:
    """Share of the points on segment p-q that lie in the hole."""
    h, w = hole.shape
    n = max(2, int(np.hypot(*(q - p))))
    pts = np.rint(p + np.linspace(0, 1, n)[:, None] * (q - p)).astype(int)
    ok = (pts[:, 0] >= 0) & (pts[:, 0] < w) & (pts[:, 1] >= 0) & (pts[:, 1] < h)
    return float(np.count_nonzero(hole[pts[ok, 1], pts[ok, 0]])) / n


def _straight(a: Ray, b: Ray, hole):
    """(cost, polyline) joining a and b on one line, or None."""
    ab = b.origin - a.origin
    gap = float(np.hypot(*ab))
    bend = _angle(a.direction, -b.direction)
    if gap < 3 or bend > STRAIGHT_DEG or ab @ a.direction <= 0:
        return None
    offset = abs(float(ab @ np.array([-a.direction[1], a.direction[0]])))
    colour = _mismatch(a.left, b.right, a.right, b.left)
    if offset > max(2.0, 0.12 * gap) or colour > SAME:
        return None
    if _inside(hole, a.origin + 4 * a.direction, b.origin + 4 * b.direction) < 0.8:
        return None
    return colour / SAME + offset / 4 + bend / STRAIGHT_DEG, [a.origin, b.origin]


def _corner(a: Ray, b: Ray, hole):
    """(cost, polyline) joining a and b where their lines cross in the hole, or None."""
    crossing = _angle(a.direction, b.direction)
    if crossing < CORNER_DEG or crossing > 180 - CORNER_DEG:
        return None
    ta, tb = np.linalg.solve(np.stack([a.direction, -b.direction], 1), b.origin - a.origin)
    if ta <= 5 or tb <= 5:
        return None
    p = a.origin + ta * a.direction
    if min(_inside(hole, r.origin + 4 * r.direction, p) for r in (a, b)) < 0.85:
        return None
    inner = -(a.direction + b.direction)  # from the corner into the angle between them
    a_in, a_out = _facing(a, inner)
    b_in, b_out = _facing(b, inner)
    colour = _mismatch(a_in, b_in, a_out, b_out)
    if colour > SAME:
        return None
    return 1.0 + colour / SAME, [a.origin, p, b.origin]


def _facing(ray: Ray, towards):
    normal = np.array([-ray.direction[1], ray.direction[0]])
    return (ray.left, ray.right) if towards @ normal > 0 else (ray.right, ray.left)


def _exit(ray: Ray, image, hole, reach=(3, 9)):
    """The polyline from ``ray`` to where its line leaves the hole, if the same edge
    (the same colours on the same sides) shows in the known pixels past that point; or
    None. It joins an edge that crosses a corner of the hole, or leaves it along its
    border, where no second stub could be found (one that grazes the border)."""
    h, w = hole.shape
    normal = np.array([-ray.direction[1], ray.direction[0]])
    known = ~hole
    t, inside = 1.0, 0
    limit = float(np.hypot(h, w))
    while t < limit:
        x, y = np.rint(ray.origin + ray.direction * t).astype(int)
        if not (0 <= x < w and 0 <= y < h):
            return None  # it leaves the image, not the hole
        if hole[y, x]:
            inside += 1
        elif inside >= MIN_EXIT:
            break
        t += 1.0
    else:
        return None
    exit_ = ray.origin + ray.direction * t
    for s in range(*reach):
        at = exit_ + ray.direction * s
        left = _side(image, known, at, normal)
        right = _side(image, known, at, -normal)
        if left is None or right is None or _diff(left, right) < MIN_STEP:
            return None
        if _mismatch(ray.left, left, ray.right, right) > SAME:
            return None
    return [ray.origin, exit_]


def connect(
    rays: list[Ray], hole: np.ndarray, image: np.ndarray | None = None
) -> list[list[np.ndarray]]:
    """Join stubs into polylines across the hole: the cheapest joins first, each stub
    used once; with ``image``, a stub left without a partner is carried to where its
    line leaves the hole if the edge goes on there (``_exit``). Returns a list of
    polylines, each a list of (x, y) points."""
    candidates = []
    for i, a in enumerate(rays):
        for j in range(i + 1, len(rays)):
            found = _straight(a, rays[j], hole) or _corner(a, rays[j], hole)
            if found:
                candidates.append((found[0], i, j, found[1]))
    used: set[int] = set()
    lines = []
    for _, i, j, poly in sorted(candidates, key=lambda c: c[0]):
        if i not in used and j not in used:
            used |= {i, j}
            lines.append(poly)
    if image is not None:
        alone = (_exit(ray, image, hole) for k, ray in enumerate(rays) if k not in used)
        lines.extend(poly for poly in alone if poly is not None)
    return lines


def barrier_fill(image: np.ndarray, hole: np.ndarray, lines) -> np.ndarray:
    """A membrane fill of ``hole`` in which no pixel takes colour across a line.

    image: H x W x C float32. hole: H x W bool. lines: polylines of (x, y) points.
    Returns H x W x C float32; the known pixels unchanged.
    """
    barrier = np.zeros(hole.shape, np.uint8)
    for poly in lines:
        cv2.polylines(barrier, [np.rint(np.array(poly)).astype(np.int32)], False, 1, 1, cv2.LINE_4)
    barrier = (barrier > 0) & hole
    u8 = np.clip(image, 0, 255).astype(np.uint8)
    start = cv2.inpaint(u8, hole.astype(np.uint8), 3, cv2.INPAINT_TELEA).reshape(image.shape)
    out = image.astype(np.float32).copy()
    free = hole & ~barrier
    out[free] = start[free]
    ys, xs = (a.astype(np.int32) for a in np.nonzero(free))
    open_ = np.pad(~barrier, 1)
    for _ in range(0, SWEEPS, 10):  # cancellation is checked between calls
        check_cancelled()
        _relax(out, ys, xs, open_, 10, OMEGA)
    if barrier.any():  # the line itself: the mean of its neighbours on both sides
        off = (~barrier).astype(np.float32)
        mean = (
            cv2.blur(out * off[..., None], (3, 3))
            / np.maximum(cv2.blur(off, (3, 3)), 1e-6)[..., None]
        )
        out[barrier] = mean.reshape(out.shape)[barrier]
    return out


@njit(cache=True, nogil=True)
def _relax(img, ys, xs, open_, sweeps, omega):
    """Successive over-relaxation of the membrane at pixels (ys, xs) of ``img``: each
    takes the mean of its 4 neighbours that are not barrier pixels (``open_``, padded
    by one) and lie in the image."""
    h, w, nc = img.shape
    for _ in range(sweeps):
        for k in range(ys.shape[0]):
            y = ys[k]
            x = xs[k]
            n = 0
            for c in range(nc):
                acc = 0.0
                n = 0
                for dy, dx in ((-1, 0), (1, 0), (0, -1), (0, 1)):
                    yy = y + dy
                    xx = x + dx
                    if 0 <= yy < h and 0 <= xx < w and open_[yy + 1, xx + 1]:
                        acc += img[yy, xx, c]
                        n += 1
                if n:
                    img[y, x, c] += omega * (acc / n - img[y, x, c])
