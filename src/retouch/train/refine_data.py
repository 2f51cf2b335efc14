"""Training triples for the PatchMatch refinement net: (truth, hole mask, PatchMatch fill).

Each triple is a random crop of a training photo (random scale, horizontal flip), a hole
from :func:`retouch.train.holes.hole_mask` and the fill that
:func:`retouch.inpaint.patchmatch.patchmatch` makes of it with its defaults, the same as at
inference. PatchMatch costs about 1-2.5 s per 256 px crop on one core, so the triples are
computed once and kept as ``.npz`` shards (``shard_NNNN.npz``: ``image`` N x S x S x 3
uint8, ``mask`` N x S x S uint8 255 = hole, ``fill`` N x S x S x 3 uint8), each
deterministic in (seed, shard index) alone, so shards can be built by several processes.

>>> # python -m retouch.train.refine_data --images DIR --out /tmp/cache --shards 0:8
"""

from __future__ import annotations

import argparse
import hashlib
import logging
from pathlib import Path

import cv2
import numpy as np

from retouch.inpaint.patchmatch import patchmatch
from retouch.train.holes import hole_mask

__all__ = ["build_shard", "cache_fingerprint", "list_photos", "load_shards", "make_triple"]

log = logging.getLogger(__name__)
_EXT = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"}


def list_photos(folder: str | Path) -> list[Path]:
    """The image files of ``folder``, sorted by name (raises ValueError when there are none)."""
    paths = sorted(p for p in Path(folder).iterdir() if p.suffix.lower() in _EXT)
    if not paths:
        raise ValueError(f"no images ({', '.join(sorted(_EXT))}) in {folder}")
    return paths


def _read(path: Path) -> np.ndarray:
    from retouch.core.io import read_image

    return read_image(path)


def _crop(rng: np.random.Generator, image: np.ndarray, side: int) -> np.ndarray:
    """A random square crop at a random scale (0.5-1 of the short side), resized to ``side``."""
    h, w = image.shape[:2]
    short = min(h, w)
    c = int(rng.uniform(max(0.5 * short, min(side, short)), short + 1e-6))
    c = max(8, min(c, short))
    y, x = int(rng.integers(0, h - c + 1)), int(rng.integers(0, w - c + 1))
    crop = image[y : y + c, x : x + c]
    interp = cv2.INTER_AREA if c > side else cv2.INTER_CUBIC
    crop = cv2.resize(crop, (side, side), interpolation=interp)
    return np.ascontiguousarray(crop[:, ::-1] if rng.random() < 0.5 else crop)


def make_triple(
    rng: np.random.Generator,
    image: np.ndarray,
    *,
    side: int = 256,
    ratio: tuple[float, float] = (0.05, 0.5),
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One (truth ``side x side x 3`` uint8, mask ``side x side`` uint8 255 = hole, fill)."""
    truth = _crop(rng, image, side)
    mask = hole_mask(rng, side, side, ratio=ratio)
    return truth, mask, patchmatch(truth, mask)


def build_shard(
    photos: list[Path],
    out: str | Path,
    index: int,
    *,
    count: int = 24,
    seed: int = 0,
    side: int = 256,
) -> Path:
    """Compute shard ``index`` (``count`` triples) into ``out/shard_NNNN.npz``; its path."""
    path = Path(out) / f"shard_{index:04d}.npz"
    if path.exists():
        return path
    rng = np.random.default_rng([seed, index])
    picks = rng.integers(0, len(photos), count)
    triples = [make_triple(rng, _read(photos[i]), side=side) for i in picks]
    arrays = {k: np.stack([t[j] for t in triples]) for j, k in enumerate(("image", "mask", "fill"))}
    tmp = path.with_name(path.stem + ".tmp.npz")
    np.savez(tmp, **arrays, photos=np.array([photos[i].name for i in picks]))
    tmp.replace(path)
    log.info("wrote %s", path)
    return path


def load_shards(paths: list[Path]) -> dict[str, np.ndarray]:
    """Concatenate ``image``, ``mask`` and ``fill`` of the given shards."""
    if not paths:
        raise ValueError(
            "no cache shards given: build them with python -m retouch.train.refine_data"
        )
    loaded = [np.load(p) for p in paths]
    return {k: np.concatenate([z[k] for z in loaded]) for k in ("image", "mask", "fill")}


def cache_fingerprint(paths: list[Path]) -> str:
    """sha256 over the shards' names and bytes (first 16 hex digits)."""
    h = hashlib.sha256()
    for p in sorted(paths):
        h.update(p.name.encode())
        h.update(Path(p).read_bytes())
    return h.hexdigest()[:16]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m retouch.train.refine_data", description=__doc__)
    ap.add_argument("--images", required=True, help="folder of training photos (never dev images)")
    ap.add_argument("--out", required=True, help="cache folder (outside the repo)")
    ap.add_argument("--shards", default="0:8", help="START:STOP shard indices, STOP exclusive")
    ap.add_argument("--step", type=int, default=1, help="build every STEP-th shard in the range")
    ap.add_argument("--count", type=int, default=24, help="triples per shard")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--side", type=int, default=256)
    a = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    start, stop = (int(v) for v in a.shards.split(":"))
    Path(a.out).mkdir(parents=True, exist_ok=True)
    photos = list_photos(a.images)
    for i in range(start, stop, a.step):
        build_shard(photos, a.out, i, count=a.count, seed=a.seed, side=a.side)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
