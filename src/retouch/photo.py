"""One photo file through one task: read, run the method, write the result atomically.

``process_photo`` is the per-photo step of every task command (``retouch erase``,
``person``, ...) and of ``retouch batch`` on Dask, so both write the same bytes for
the same photo and options. What a command line sets besides the method's own
options (JPEG quality, pixel limit, the erase fill's dilation and seed, a segmenter's
``--soft`` / ``--overlay`` / ``--cutout``) travels in one ``PhotoSettings`` record::

    method = create("inpaint", "telea")
    process_photo(get_task("inpaint"), method, Path("a.jpg"), Path("out/a.jpg"),
                  PhotoSettings(), mask=Path("a_mask.png"))

EXIF and the ICC profile of the input are written back as the commands always have.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from retouch.core.errors import InputError
from retouch.core.io import (
    WRITE_EXTENSIONS,
    LoadedImage,
    copy_file,
    load_image,
    read_mask,
    write_image,
    write_mask,
)
from retouch.core.masks import resize_mask
from retouch.core.registry import Method
from retouch.core.tasks import TaskSpec

__all__ = ["PhotoSettings", "process_photo"]

log = logging.getLogger("retouch.cli")

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class PhotoSettings:
    """What shapes one photo's output besides the method and its options.

    ``quality``: JPEG/WebP quality 1-100. ``max_pixels``: the largest photo decoded
    (None: ``$RETOUCH_MAX_PIXELS`` or the default). ``resize_mask``: stretch a mask of
    another size instead of failing. ``dilate``, ``grow_halo`` and ``seed``: the erase
    fill's own (``erase``'s ``dilate_px``, ``grow_halo``, ``seed``).
    ``soft``, ``overlay``, ``cutout``: what a segmenter writes instead of its mask.
    ``transparent``: a transform's white paper written as transparency (line art as ink on
    a transparent sheet; the target must hold alpha: PNG, WebP or TIFF).
    """

    quality: int = 95
    max_pixels: int | None = None
    resize_mask: bool = False
    dilate: int = 0
    grow_halo: int = 0
    seed: int = 0
    soft: bool = False
    overlay: bool = False
    cutout: bool = False
    transparent: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.quality, int) or not 1 <= self.quality <= 100:
            raise InputError(f"quality must be a whole number from 1 to 100, got {self.quality!r}")

    def describe(self) -> dict[str, Any]:
        """JSON-ready: every setting by name (for a manifest)."""
        return asdict(self)


def process_photo(
    spec: TaskSpec,
    method: Method,
    source: Path,
    target: Path,
    settings: PhotoSettings,
    *,
    mask: Path | None = None,
    source_mask: Path | None = None,
    progress: Progress | None = None,
    mask_target: Path | None = None,
    mask_only: bool = False,
) -> None:
    """Run ``method`` of task ``spec`` on the photo file ``source``; write ``target``.

    Parameters
    ----------
    spec : the task (its kind picks what is read and written).
    method : the task's method with its options bound (``create``).
    source, target : the photo file and where its result goes (atomic write).
    settings : quality, pixel limit and the task's own flags.
    mask : for an edit task, the mask file of this photo (255 = change).
    source_mask : for erase, a mask of where fill material may come from.
    progress : for erase, called ``(done, total)`` per hole.
    mask_target : for a task that detects its mask (``spec.detects``), where to write
        the mask it used (0/255 PNG), besides the result.
    mask_only : for such a task, write the mask to ``target`` instead of the result.

    Returns
    -------
    None; raises InputError for a photo or mask that cannot be used and
    OutputError (the target as it was) for a result that cannot be written.
    """
    loaded = load_image(source, pixel_limit=settings.max_pixels)
    if spec.kind == "segment":
        _segment(spec, method, loaded, source, target, settings)
    elif spec.kind == "edit" and spec.detects:
        _detect_edit(spec, method, loaded, source, target, settings, mask, mask_target, mask_only)
    elif spec.kind == "edit":
        if mask is None:
            raise InputError(f"{source}: the {spec.verb} task needs a mask")
        _edit(spec, method, loaded, source, target, settings, mask, source_mask, progress)
    else:
        _transform(method, loaded, target, settings)


def _edit(
    spec: TaskSpec,
    method: Method,
    loaded: LoadedImage,
    source: Path,
    target: Path,
    settings: PhotoSettings,
    mask_path: Path,
    source_mask: Path | None,
    progress: Progress | None,
) -> None:
    shape = loaded.rgb.shape[:2]
    mask = mask_for(mask_path, shape, settings)
    if not mask.any():
        _write_unchanged(source, target, loaded, settings)
        return
    if spec.name == "inpaint":
        allowed = None if source_mask is None else mask_for(source_mask, shape, settings)
        result = _erase(loaded.rgb, mask, method, settings, allowed, progress)
    else:
        result = method(loaded.rgb, mask)
    _write_like(target, result, loaded, settings)


def _detect_edit(
    spec: TaskSpec,
    method: Method,
    loaded: LoadedImage,
    source: Path,
    target: Path,
    settings: PhotoSettings,
    mask_path: Path | None,
    mask_target: Path | None,
    mask_only: bool,
) -> None:
    """An edit task that finds its own mask (tattoo): the user's mask, or the detected one;
    written to ``mask_target`` if given; then the mask itself or the result to ``target``."""
    if mask_path is None:
        mask = np.asarray(method.detect(loaded.rgb), np.uint8)
    else:
        mask = mask_for(mask_path, loaded.rgb.shape[:2], settings)
    if mask_target is not None:
        write_mask(mask_target, mask)
    if mask_only:
        if not mask.any():
            log.warning("%s: no %s found; the mask is empty", source, spec.detects)
        write_mask(target, mask)
    elif not mask.any():  # nothing found, or an empty mask given: the photo as it is
        _write_unchanged(source, target, loaded, settings)
    else:
        _write_like(target, np.asarray(method(loaded.rgb, mask), np.uint8), loaded, settings)


def _erase(
    rgb: np.ndarray,
    mask: np.ndarray,
    method: Method,
    settings: PhotoSettings,
    source: np.ndarray | None,
    progress: Progress | None,
) -> np.ndarray:
    from retouch.inpaint import erase  # imported here: numba loads only when filling

    options = {"seed": settings.seed, **method.options}  # -O seed=N is --seed N
    return erase(
        rgb,
        mask,
        method=method.name,
        dilate_px=settings.dilate,
        grow_halo=settings.grow_halo,
        source=source,
        progress=progress,
        **options,
    )


def _write_like(
    target: Path, rgb: np.ndarray, loaded: LoadedImage, settings: PhotoSettings
) -> None:
    """``rgb`` written with the input's alpha (where the size is the same), ICC and EXIF."""
    same_size = rgb.shape[:2] == loaded.rgb.shape[:2]
    write_image(
        target,
        rgb,
        alpha=loaded.alpha if same_size else None,
        quality=settings.quality,
        icc_profile=loaded.icc_profile,
        exif=loaded.exif,
    )


def _write_unchanged(
    source: Path, target: Path, loaded: LoadedImage, settings: PhotoSettings
) -> None:
    """An empty mask: the input file itself where the format stays, else re-encoded."""
    if WRITE_EXTENSIONS.get(target.suffix.lower()) == loaded.format.upper():
        log.warning("%s: the mask is empty; the file is copied unchanged", source)
        if not _same_file(source, target):
            copy_file(source, target)
        return
    log.warning("%s: the mask is empty; the image is written unchanged", source)
    _write_like(target, loaded.rgb, loaded, settings)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:
        return False


def mask_for(path: Path, shape: tuple[int, int], settings: PhotoSettings) -> np.ndarray:
    """The 0/255 mask in ``path`` at ``shape`` (H, W): resized with ``resize_mask``,
    else InputError when its size differs from the image's."""
    mask = read_mask(path, pixel_limit=settings.max_pixels)
    if mask.shape != shape:
        if not settings.resize_mask:
            raise InputError(
                f"{path}: the mask is {mask.shape[1]}x{mask.shape[0]} but the image is "
                f"{shape[1]}x{shape[0]}; pass --resize-mask to stretch it to the image"
            )
        mask = resize_mask(mask, shape)
    return mask


def _to_8bit(soft: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(soft * 255.0), 0, 255).astype(np.uint8)


def _segment(
    spec: TaskSpec,
    method: Method,
    loaded: LoadedImage,
    source: Path,
    target: Path,
    settings: PhotoSettings,
) -> None:
    """A 0/255 mask, the soft output as 8-bit, an overlay or a cutout."""
    if settings.soft or settings.cutout:
        mask = _to_8bit(method.soft(loaded.rgb))
    else:
        mask = np.asarray(method(loaded.rgb), np.uint8)
    if not mask.any():
        log.warning("%s: no %s found; the mask is empty", source, spec.verb)
    if settings.overlay:
        from retouch.segment.refine import overlay

        write_image(target, overlay(loaded.rgb, mask), quality=settings.quality)
    elif settings.cutout:
        write_image(
            target,
            loaded.rgb,
            alpha=mask,
            quality=settings.quality,
            icc_profile=loaded.icc_profile,
            exif=loaded.exif,
        )
    else:
        write_mask(target, mask)


def _transform(method: Method, loaded: LoadedImage, target: Path, settings: PhotoSettings) -> None:
    if settings.transparent:
        check_alpha_target(target)
    result = np.asarray(method(loaded.rgb), np.uint8)
    if not settings.transparent:
        _write_like(target, result, loaded, settings)
        return
    from retouch.lineart.svg import on_transparent

    rgb, alpha = on_transparent(result)
    write_image(target, rgb, alpha=alpha, quality=settings.quality, icc_profile=loaded.icc_profile)


ALPHA_FORMATS = ("PNG", "WEBP", "TIFF")


def check_alpha_target(target: Path) -> None:
    """InputError unless ``target``'s format can hold transparency."""
    if WRITE_EXTENSIONS.get(target.suffix.lower()) not in ALPHA_FORMATS:
        raise InputError(
            f"{target}: a transparent result needs a format with alpha (.png, .webp, .tif), "
            f"not {target.suffix or 'no extension'}"
        )
