"""``retouch bench halo``: does growing a rough mask over the object's halo pay?

Composites: a person from ``person/dev`` (photo and mask), scaled and pasted at a
seeded position onto a clean photo of ``inpaint/dev/images`` with a soft edge (the
mask, thresholded at the scaled size, blurred by a Gaussian of sigma 0.6-1.2 px: a
1.5-3 px anti-aliased ramp that mixes in the portrait's own backdrop, as a real cut-out
does). The clean photo is the truth. Two users paint the person: a *rough* one (the
pasted alpha >= 0.5, the halo left outside) and a *generous* one (that mask dilated by
4 px). Each mask is filled by the default erase with each setting (``grow_halo`` N, or a
plain ``dilate_px`` for comparison) and measured:

- ``halo_left``: share of the pixels with alpha > 0.02 left unchanged (the ghost);
- ``ghost``: the halo left behind, grey levels: the largest channel difference to
  the truth of each unchanged pixel of the ring (below), averaged over the ring;
- ``psnr_union``: PSNR against the truth over the grown mask and the alpha > 0.02 area;
- ``psnr_ring``: PSNR over the alpha > 0.02 pixels the user's mask left outside;
- ``far_changed``: share of the pixels farther than 24 px from the person that changed;
- ``grown``: pixels added to the mask, as a share of the user's mask;
- ``seconds``: the erase call (growth and fill).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from retouch.bench.metrics import psnr
from retouch.bench.sheet import contact_sheet
from retouch.core.io import read_image, read_mask, write_image
from retouch.core.masks import dilate
from retouch.inpaint import erase
from retouch.inpaint.halo import grow_to_halo

__all__ = [
    "SETTINGS",
    "Composite",
    "as_json",
    "format_table",
    "make_composites",
    "run",
    "summarise",
]

# (user, how the mask is grown): grow_halo N or a plain dilation of N px, for comparison.
SETTINGS = (
    ("rough", "none", 0),
    ("rough", "grow_halo", 2),
    ("rough", "grow_halo", 4),
    ("rough", "grow_halo", 8),
    ("rough", "dilate", 1),
    ("rough", "dilate", 2),
    ("rough", "dilate", 4),
    ("generous", "none", 0),
    ("generous", "grow_halo", 4),
    ("generous", "grow_halo", 8),
)
COLUMNS = ("halo_left", "ghost", "psnr_union", "psnr_ring", "far_changed", "grown", "seconds")


@dataclass
class Composite:
    name: str
    image: np.ndarray  # H x W x 3 uint8: the person pasted with a soft edge
    truth: np.ndarray  # H x W x 3 uint8: the clean photo
    alpha: np.ndarray  # H x W float32 [0, 1]: the pasted person


def make_composites(
    people: Path, photos: Path, count: int, rng: np.random.Generator
) -> list[Composite]:
    """``count`` composites, each a person of ``people`` (images/, masks/) on a photo."""
    persons = sorted((people / "images").glob("*.jpg"))
    backs = sorted(photos.glob("*.jpg")) + sorted(photos.glob("*.png"))
    if not persons or not backs:
        raise FileNotFoundError(f"no photos in {people / 'images'} or {photos}")
    out = []
    for i in range(count):
        person = persons[int(rng.integers(len(persons)))]
        back = backs[i % len(backs)]
        fg = read_image(person)
        mask = read_mask(people / "masks" / f"{person.stem}.png")
        truth = read_image(back)
        image, alpha = _paste(fg, mask, truth, rng)
        out.append(Composite(f"{person.stem}@{back.stem}", image, truth, alpha))
    return out


def _paste(
    fg: np.ndarray, mask: np.ndarray, back: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """The person of ``fg`` scaled to 40-65 % of ``back``'s height and pasted softly."""
    ys, xs = np.nonzero(mask)
    pad = 8
    fg = cv2.copyMakeBorder(fg, pad, pad, pad, pad, cv2.BORDER_REFLECT)
    mask = cv2.copyMakeBorder(mask, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
    y0, y1, x0, x1 = ys.min(), ys.max() + 1 + 2 * pad, xs.min(), xs.max() + 1 + 2 * pad
    fg, mask = fg[y0:y1, x0:x1], mask[y0:y1, x0:x1]
    h, w = back.shape[:2]
    scale = min(rng.uniform(0.40, 0.65) * h / fg.shape[0], 0.9 * w / fg.shape[1])
    size = (max(8, round(fg.shape[1] * scale)), max(8, round(fg.shape[0] * scale)))
    fg = cv2.resize(fg, size, interpolation=cv2.INTER_AREA)
    hard = cv2.resize(mask.astype(np.float32) / 255.0, size, interpolation=cv2.INTER_AREA) >= 0.5
    soft = cv2.GaussianBlur(hard.astype(np.float32), (0, 0), rng.uniform(0.6, 1.2))
    top = int(rng.integers(0, h - size[1] + 1))
    left = int(rng.integers(0, w - size[0] + 1))
    alpha = np.zeros((h, w), np.float32)
    alpha[top : top + size[1], left : left + size[0]] = soft
    layer = np.zeros_like(back, dtype=np.float32)
    layer[top : top + size[1], left : left + size[0]] = fg
    a = alpha[..., None]
    image = np.clip(np.rint(a * layer + (1 - a) * back), 0, 255).astype(np.uint8)
    return image, alpha


def user_mask(alpha: np.ndarray, user: str) -> np.ndarray:
    """What a user paints: the alpha >= 0.5 (rough), or that grown 4 px (generous)."""
    rough = np.where(alpha >= 0.5, 255, 0).astype(np.uint8)
    return rough if user == "rough" else dilate(rough, 4)


def measure(comp: Composite, user: str, how: str, n: int) -> tuple[dict, np.ndarray]:
    """One fill of one composite: its numbers and the result."""
    painted = user_mask(comp.alpha, user)
    options = {"grow_halo": n} if how == "grow_halo" else {"dilate_px": n}
    start = time.perf_counter()
    out = erase(comp.image, painted, seed=0, **options)
    seconds = time.perf_counter() - start
    final = dilate(painted, n) if how == "dilate" else painted
    if how == "grow_halo":
        final = grow_to_halo(comp.image, painted, max_px=n)  # what erase filled
    halo = comp.alpha > 0.02
    changed = (out != comp.image).any(axis=2)
    far = cv2.distanceTransform(np.where(halo, 0, 1).astype(np.uint8), cv2.DIST_L2, 5) > 24
    ring = halo & (painted == 0)
    left = np.abs(comp.image.astype(np.int16) - comp.truth).max(axis=2) * ~changed
    row = {
        "halo_left": float(np.mean(~changed[halo])),
        "ghost": float(left[ring].mean()) if ring.any() else 0.0,
        "psnr_union": psnr(out, comp.truth, (final > 0) | halo),
        "psnr_ring": psnr(out, comp.truth, ring) if ring.any() else float("nan"),
        "far_changed": float(np.mean(changed[far])),
        "grown": float(np.count_nonzero(final) / np.count_nonzero(painted) - 1),
        "seconds": seconds,
    }
    return row, out


def run(
    people: Path,
    photos: Path,
    *,
    count: int = 12,
    seed: int = 0,
    settings=SETTINGS,
    sheet: Path | None = None,
    sheet_grow: int = 4,
    progress=None,
) -> list[dict]:
    """Every composite with every setting; one row (a dict) per fill."""
    comps = make_composites(people, photos, count, np.random.default_rng(seed))
    rows, examples = [], []
    for i, comp in enumerate(comps):
        fills = {}
        for user, how, n in settings:
            row, out = measure(comp, user, how, n)
            rows.append({"composite": comp.name, "user": user, "how": how, "n": n, **row})
            fills[(user, how, n)] = out
        if len(examples) < 6:
            examples.append((comp, fills))
        if progress is not None:
            progress(i + 1, len(comps))
    if sheet is not None:
        write_image(sheet, _sheet(examples, sheet_grow))
    return rows


def _edge_crop(alpha: np.ndarray, size: int = 96) -> tuple[slice, slice]:
    """A square around the top of the person's outline (the head: hair against the photo)."""
    ys, xs = np.nonzero(alpha >= 0.5)
    y = int(ys.min())
    x = int(np.median(xs[ys == y]))
    h, w = alpha.shape
    y0 = min(max(0, y - size // 3), h - size)
    x0 = min(max(0, x - size // 2), w - size)
    return slice(max(0, y0), max(0, y0) + size), slice(max(0, x0), max(0, x0) + size)


def _sheet(examples: list, grow: int) -> np.ndarray:
    rows = []
    for comp, fills in examples:
        cy, cx = _edge_crop(comp.alpha)
        rows.append(
            [
                (comp.name[:28], comp.image[cy, cx]),
                ("rough mask fill", fills[("rough", "none", 0)][cy, cx]),
                (f"grow_halo {grow}", fills[("rough", "grow_halo", grow)][cy, cx]),
                ("dilate 2", fills[("rough", "dilate", 2)][cy, cx]),
                ("truth", comp.truth[cy, cx]),
            ]
        )
    return contact_sheet(rows, tile_height=192)


def summarise(rows: list[dict]) -> list[dict]:
    """Mean of every column per (user, how, n), in the order of the rows."""
    keys = list(dict.fromkeys((r["user"], r["how"], r["n"]) for r in rows))
    out = []
    for key in keys:
        group = [r for r in rows if (r["user"], r["how"], r["n"]) == key]
        means = {c: float(np.nanmean([r[c] for r in group])) for c in COLUMNS}
        out.append({"user": key[0], "how": key[1], "n": key[2], "count": len(group), **means})
    return out


def format_table(summary: list[dict]) -> str:
    """A Markdown table of ``summarise``'s rows."""
    head = "| user | mask grown by | n | halo left | ghost | PSNR union | PSNR ring | far changed"
    lines = [head + " | grown | s |", "|" + "---|" * 10]
    for s in summary:
        how = "-" if s["how"] == "none" else f"{s['how']} {s['n']}"
        lines.append(
            f"| {s['user']} | {how} | {s['count']} | {100 * s['halo_left']:.1f} % "
            f"| {s['ghost']:.2f} "
            f"| {s['psnr_union']:.2f} | {s['psnr_ring']:.2f} | {100 * s['far_changed']:.2f} % "
            f"| {100 * s['grown']:.1f} % | {s['seconds']:.2f} |"
        )
    return "\n".join(lines)


def as_json(rows: list[dict], summary: list[dict], meta: dict) -> dict:
    """Everything measured, JSON-ready."""
    return {"meta": meta, "summary": summary, "rows": rows}
