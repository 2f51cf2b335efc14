"""Finding every person in a photo, one label per person.

The person segmenter (``retouch person``: the whole photo, then once more around
every face) misses people whose face it cannot see: small figures in a street scene,
people seen from behind. OpenCV's HOG pedestrian detector (Dalal and Triggs, shipped
inside OpenCV, no weights file) finds upright walkers of 50 px and more; the person
model is re-run on a crop around each of them, and a crop in which it sees no person
is dropped (the detector's false alarms: a coat on a chair, a crowd's texture).

The union is cut at ``threshold`` and split into people: connected regions first, then
a region holding several faces or walkers is shared out between them, each pixel going
to the person whose body axis (from the face, or the walker's box, downwards) is
nearest in units of that person's size.

A face whose middle has colour but hardly any skin's (``skin_face``: a white-painted
statue, a mannequin) is no person: the model is not re-run around it, and its share of
a region goes to nobody, never a person's torso. A seedless blob just above a face (a
flower behind a head) is nobody either.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from retouch.core.cancel import check_cancelled
from retouch.segment.face.detect import Face, detect_faces
from retouch.segment.person.base import PersonSegmenter
from retouch.segment.refine import remove_specks

__all__ = ["People", "Seed", "find_people", "pedestrian_boxes", "skin_face", "split_people"]

HOG_SIDE = 1200  # the HOG search runs on a copy whose long side is at most this (px)
HOG_UPSCALE = 2.0  # and at most this much larger than the photo: walkers of 50 px
# A face is skin when at least this share of its middle has skin's colour. On the 353
# faces detected in ../shared/data (portraits, person/dev, skin/dev, people, inpaint)
# the colour faces' lowest shares are 0.14 (a pale, cool-graded portrait) and 0.16;
# kodim17's white-painted statue has 0.03.
SKIN_SHARE = 0.08
OWN_AXIS = 1.0  # a person keeps the pixels within one scale of their axis from a statue
BESIDE = 0.75  # scales from a person's axis within which a statue's re-run counts
GREY_CHROMA = 4.0  # CIELAB chroma under which a face is grey: its colour says nothing


@dataclass(frozen=True)
class Seed:
    """Where one person's body is: the axis from (x, top) to (x, bottom), in pixels, and
    the person's scale (a face's size, half a walker's box width). ``person`` False: a
    face that is not skin (a statue, a mannequin): it claims its share of a region,
    which then goes to nobody."""

    x: float
    top: float
    bottom: float
    scale: float
    person: bool = True


@dataclass
class People:
    """The people of one photo: ``labels`` H x W int32 (0 = nobody, 1..count, 1 the
    largest), ``soft`` H x W float32 [0, 1] (the person confidence), ``seeds``."""

    labels: np.ndarray
    soft: np.ndarray
    seeds: list[Seed]

    @property
    def count(self) -> int:
        return int(self.labels.max()) if self.labels.size else 0

    def mask(self, ids: list[int] | None = None) -> np.ndarray:
        """H x W bool: the people ``ids`` (all when None)."""
        if ids is None:
            return self.labels > 0
        return np.isin(self.labels, np.asarray(ids, np.int32)) & (self.labels > 0)


def face_seed(face: Face, *, person: bool = True) -> Seed:
    """A face's body axis: from its centre down to about the knees of a seated person."""
    cx, cy = face.center
    return Seed(cx, cy, cy + 5.0 * face.size, face.size, person)


def skin_face(image: np.ndarray, face: Face, *, min_share: float = SKIN_SHARE) -> bool:
    """False when the middle of ``face`` (its box less a fifth on each side) has colour
    but hardly any of it is skin's: under ``min_share`` of its pixels at the skin colour
    model's cut (``segment.skin.bayes``), with a median chroma (CIELAB) of
    ``GREY_CHROMA`` or more. A statue, a mannequin, a painted mime. A grey face (a
    black-and-white photo) is always taken for a person: its colour tells nothing."""
    from retouch.segment.skin.bayes import load_table, skin_probability

    h, w = image.shape[:2]
    x0, y0, x1, y1 = face.box
    dx, dy = 0.2 * (x1 - x0), 0.2 * (y1 - y0)
    inner = image[
        int(max(0, y0 + dy)) : int(min(h, y1 - dy)), int(max(0, x0 + dx)) : int(min(w, x1 - dx))
    ]
    if inner.size == 0:
        return True
    lab = cv2.cvtColor(inner, cv2.COLOR_RGB2Lab).astype(np.float32)
    if np.median(np.hypot(lab[..., 1] - 128, lab[..., 2] - 128)) < GREY_CHROMA:
        return True
    return bool(np.mean(skin_probability(inner) >= load_table().threshold) >= min_share)


def pedestrian_boxes(image: np.ndarray, *, min_score: float = 1.0) -> list[tuple]:
    """Upright people found by OpenCV's HOG detector: (x0, y0, x1, y1) in pixels of
    ``image`` (H x W x 3 uint8 RGB), those scoring ``min_score`` or more, overlaps merged."""
    h, w = image.shape[:2]
    scale = min(HOG_UPSCALE, HOG_SIDE / max(h, w))
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    grey = cv2.cvtColor(cv2.resize(image, size, interpolation=cv2.INTER_LINEAR), cv2.COLOR_RGB2GRAY)
    if min(grey.shape) < 128:
        return []
    hog = cv2.HOGDescriptor()
    hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())
    found, weights = hog.detectMultiScale(grey, winStride=(8, 8), padding=(8, 8), scale=1.05)
    boxes = [
        tuple(v / scale for v in (x, y, x + bw, y + bh))
        for (x, y, bw, bh), score in zip(found, np.ravel(weights), strict=False)
        if score >= min_score
    ]
    return _merge_overlapping(boxes)


def _merge_overlapping(boxes: list[tuple], overlap: float = 0.5) -> list[tuple]:
    out: list[tuple] = []
    for box in sorted(boxes, key=lambda b: -(b[2] - b[0]) * (b[3] - b[1])):
        if all(_inter(box, o) < overlap * _area(box) for o in out):
            out.append(box)
    return out


def _area(b: tuple) -> float:
    return max(0.0, b[2] - b[0]) * max(0.0, b[3] - b[1])


def _inter(a: tuple, b: tuple) -> float:
    return _area((max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])))


def _walker_soft(
    image: np.ndarray, model: PersonSegmenter, box: tuple, soft: np.ndarray, threshold: float
) -> Seed | None:
    """Run the person model around one walker's box; merge what it sees into ``soft`` (in
    place) and return the walker's seed, or None when the crop holds no person."""
    h, w = image.shape[:2]
    x0, y0, x1, y1 = box
    bh = y1 - y0
    cx = (x0 + x1) / 2
    cy0, cy1 = int(max(0, y0 - 0.1 * bh)), int(min(h, y1 + 0.1 * bh))
    cx0, cx1 = int(max(0, cx - 0.55 * bh)), int(min(w, cx + 0.55 * bh))
    if cy1 - cy0 < 8 or cx1 - cx0 < 8:
        return None
    crop = model.forward(image[cy0:cy1, cx0:cx1])
    inner = crop[max(0, int(y0 - cy0)) : int(y1 - cy0), max(0, int(x0 - cx0)) : int(x1 - cx0)]
    if inner.size == 0 or np.mean(inner >= threshold) < 0.1:
        return None
    region = soft[cy0:cy1, cx0:cx1]
    np.maximum(region, crop * _feather(crop.shape), out=region)
    return Seed(cx, y0 + 0.1 * bh, y1, (x1 - x0) / 2)


def _feather(shape: tuple[int, int], band: float = 0.08) -> np.ndarray:
    """Weights 1 inside, falling to 0 over the outer ``band`` of each side."""

    def ramp(n: int) -> np.ndarray:
        pos = np.arange(n, dtype=np.float32) + 0.5
        return np.minimum(1.0, np.minimum(pos, n - pos) / max(1.0, band * n))

    return np.minimum(ramp(shape[0])[:, None], ramp(shape[1])[None, :])


def find_people(
    image: np.ndarray,
    model: PersonSegmenter,
    *,
    threshold: float = 0.5,
    walkers: bool = True,
    walker_score: float = 1.0,
) -> People:
    """Every person of ``image`` (H x W x 3 uint8 RGB) as labelled regions.

    model: the person segmenter (its ``soft`` with face crops, its ``forward`` on the
    walkers' crops). threshold: the confidence that counts as person. walkers: also
    search with the HOG pedestrian detector, keeping boxes scoring ``walker_score``+.
    """
    faces = detect_faces(image, tiles="auto") if model.per_person else []
    seeds = [face_seed(f, person=skin_face(image, f)) for f in faces]
    soft = _soft_without_statues(image, model, faces, seeds)
    if walkers:
        for box in pedestrian_boxes(image, min_score=walker_score):
            check_cancelled()
            seed = _walker_soft(image, model, box, soft, threshold)
            if seed is not None and not any(_same_person(seed, s) for s in seeds):
                seeds.append(seed)
    mask = np.where(soft >= threshold, 255, 0).astype(np.uint8)
    mask = remove_specks(mask, max(16, int(mask.size * 5e-5)))
    return People(split_people(mask > 0, seeds), soft, seeds)


def _soft_without_statues(
    image: np.ndarray, model: PersonSegmenter, faces: list[Face], seeds: list[Seed]
) -> np.ndarray:
    """The person confidence (H x W float32 [0, 1]) with the model re-run around the
    faces of people only: around a statue's face it would call the statue a person.
    Within ``BESIDE`` of a person's axis the re-run around the statue still counts
    (framing the person beside it too, it may see more of their hair)."""
    people = [f for f, s in zip(faces, seeds, strict=True) if s.person]
    soft = model.soft(image, faces=people).astype(np.float32, copy=True)
    if len(people) == len(faces) or not people:
        return soft
    every = model.soft(image, faces=faces)
    near = np.zeros(soft.shape, bool)
    for seed in (s for s in seeds if s.person):
        near |= _near_axis(seed, soft.shape, BESIDE)
    np.maximum(soft, every, out=soft, where=near)
    return soft


def _near_axis(seed: Seed, shape: tuple[int, int], reach: float) -> np.ndarray:
    """H x W bool: the pixels within ``reach`` seed scales of the seed's axis."""
    out = np.zeros(shape, bool)
    r = reach * max(1.0, seed.scale)
    y0, y1 = max(0, int(seed.top - r)), min(shape[0], int(seed.bottom + r) + 1)
    x0, x1 = max(0, int(seed.x - r)), min(shape[1], int(seed.x + r) + 1)
    if y1 > y0 and x1 > x0:
        ys, xs = np.mgrid[y0:y1, x0:x1]
        out[y0:y1, x0:x1] = _axis_distance(seed, xs, ys) <= reach
    return out


def _same_person(walker: Seed, face: Seed) -> bool:
    return abs(walker.x - face.x) < 2 * walker.scale and walker.top - 2 * face.scale < face.top


def split_people(mask: np.ndarray, seeds: list[Seed]) -> np.ndarray:
    """Label the people of ``mask`` (H x W bool): H x W int32, 0 outside, 1 the largest.

    Each connected region is one person, unless it holds the axes of several seeds:
    then each pixel goes to the seed whose axis is nearest (distance / seed scale). A
    seed that is not a person (``Seed.person`` False: a statue's face) takes its share
    like the others, and that share goes to nobody. A region without a seed is kept
    only when it stands upright (a person seen from behind) and does not sit over a
    face (``_over_a_face``): the selfie model also takes bright, rounded things (hats,
    flowers) for people, lying rather than standing, or just above a head.
    """
    count, regions = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    parts: list[np.ndarray] = []
    for region in range(1, count):
        inside = regions == region
        mine = [s for s in seeds if _seed_in(s, inside)]
        if not mine and (not _upright(inside) or _over_a_face(inside, seeds)):
            continue  # no face, no walker and not shaped like a person: colourful things
        if len(mine) < 2:
            if all(s.person for s in mine):
                parts.append(inside)
            continue
        ys, xs = np.nonzero(inside)
        cost = np.stack([_axis_distance(s, xs, ys) for s in mine])
        real = np.array([s.person for s in mine])
        if real.any() and not real.all():  # a person keeps their torso from a statue
            own = cost[real].min(axis=0) <= OWN_AXIS
            cost[np.ix_(~real, own)] = np.inf
        owner = np.argmin(cost, axis=0)
        for k, seed in enumerate(mine):
            part = np.zeros_like(inside)
            part[ys[owner == k], xs[owner == k]] = True
            if seed.person and part.any():
                parts.append(part)
    labels = np.zeros(mask.shape, np.int32)
    for i, part in enumerate(sorted(parts, key=lambda p: -int(np.count_nonzero(p))), 1):
        labels[part] = i
    return labels


def _over_a_face(region: np.ndarray, seeds: list[Seed]) -> bool:
    """True when ``region`` (H x W bool) ends above a face's top, less than two face
    sizes above it, and overlaps the face's columns: a flower, a lamp or a picture
    behind a head, which the person model, re-run around the face, takes for part of
    the person. A person standing behind is lower, or found by their own face."""
    ys, xs = np.nonzero(region)
    bottom, left, right = ys.max() + 1, xs.min(), xs.max() + 1
    for seed in seeds:
        head = seed.top - 0.5 * seed.scale  # a face seed's top is the face's centre
        near = head - 2.0 * seed.scale <= bottom <= head
        if near and left < seed.x + 0.5 * seed.scale and right > seed.x - 0.5 * seed.scale:
            return True
    return False


def _upright(region: np.ndarray) -> bool:
    ys, xs = np.nonzero(region)
    return bool(ys.max() - ys.min() + 1 >= 1.2 * (xs.max() - xs.min() + 1))


def _seed_in(seed: Seed, inside: np.ndarray) -> bool:
    h, w = inside.shape
    y = int(np.clip(seed.top + 0.5 * seed.scale, 0, h - 1))
    x = int(np.clip(seed.x, 0, w - 1))
    return bool(inside[y, x])


def _axis_distance(seed: Seed, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    dy = np.where(ys < seed.top, seed.top - ys, np.where(ys > seed.bottom, ys - seed.bottom, 0))
    return np.hypot(xs - seed.x, dy) / max(1.0, seed.scale)
