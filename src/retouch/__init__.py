"""retouch: edit photos of people the way a retoucher would.

Public API (arrays follow STYLE.md: images H x W x 3 uint8 RGB, masks H x W
uint8 with 255 = act here)::

    import retouch
    image = retouch.read_image("photo.jpg")
    mask = retouch.read_mask("strokes.png")
    result = retouch.erase(image, mask)            # PatchMatch fill
    retouch.write_image("photo_erased.jpg", result)

Heavy modules load on first use, not at import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from retouch.core.cancel import Cancelled
from retouch.core.errors import InputError, LimitError, OutputError, RetouchError
from retouch.core.io import read_image, read_mask, write_image, write_mask
from retouch.core.registry import Method, create, list_methods
from retouch.core.weights import MissingModelError, WeightsMismatchError

__version__ = "0.1.0"

__all__ = [
    "Cancelled",
    "InputError",
    "LimitError",
    "Method",
    "MissingModelError",
    "OutputError",
    "RetouchError",
    "WeightsMismatchError",
    "batch",
    "create",
    "detect_people",
    "detect_tattoos",
    "erase",
    "line_art",
    "list_methods",
    "read_image",
    "read_mask",
    "remove_people",
    "remove_tattoos",
    "segment",
    "write_image",
    "write_mask",
]

if TYPE_CHECKING:
    import numpy as np


def erase(image: np.ndarray, mask: np.ndarray, *, method: str | None = None, **options: Any):
    """Fill the 255 pixels of ``mask`` in ``image``; see ``retouch.inpaint.erase``.

    image: H x W x 3 uint8 RGB; mask: H x W uint8, 255 = fill. ``method``: an inpaint
    method (``retouch methods inpaint``), None for the registry's default. Options:
    ``dilate_px``, ``seed``, ``source`` (mask of allowed source pixels), ``context``,
    ``progress``, and the method's own (``patch_size`` for patchmatch, ``radius`` for
    telea/ns). Returns H x W x 3 uint8; pixels outside the (dilated) mask unchanged.
    """
    from retouch.inpaint import erase as _erase

    return _erase(image, mask, method=method, **options)


def batch(task: str, inputs: str, outputs: str, *, client: Any = None, **options: Any):
    """Run ``task`` on every photo in the folder ``inputs`` with Dask; see
    ``retouch.distributed.api.batch``.

    ``inputs``, ``outputs`` (and ``mask=``): folders, as paths or fsspec URLs. ``client``:
    a ``distributed.Client`` to run on; None starts a local cluster (``workers=N``) and
    stops it afterwards. Options: ``method``, ``mask``, ``resume``, ``retries``,
    ``progress``, ``quality``, ``dilate``, ``seed``, ``soft``, ... and the method's own.
    Returns a ``BatchSummary`` (done, skipped, failed, manifest). Needs the ``batch``
    extra (``pip install 'retouch[batch]'``).

    >>> retouch.batch("erase", "in/", "out/", mask="masks/", method="telea")  # doctest: +SKIP
    """
    from retouch.distributed.api import batch as _batch

    return _batch(task, inputs, outputs, client=client, **options)


def line_art(image: np.ndarray, *, method: str | None = None, **options: Any) -> np.ndarray:
    """Line art of ``image`` (H x W x 3 uint8 RGB): black lines on white, H x W x 3 uint8
    RGB at the input's resolution. ``method``: ``portrait`` (default), ``hed`` or ``xdog``
    (``retouch methods lineart``); ``options`` as in ``create`` (``thickness``, ``detail``,
    ``keep_background``, ...). To draw many photos, ``create("lineart", ...)`` once.
    """
    return create("lineart", method, **options)(image)


def remove_tattoos(
    image: np.ndarray,
    *,
    method: str | None = None,
    mask: np.ndarray | None = None,
    **options: Any,
) -> np.ndarray:
    """``image`` (H x W x 3 uint8 RGB) with its tattoos removed: H x W x 3 uint8 RGB at
    the input's resolution; only the tattoo's pixels change. ``mask``: H x W uint8
    (255 = remove), a hand-drawn mask used instead of the detection. ``method``:
    ``detect-fill`` (default; ``retouch methods tattoo``); ``options`` as in
    ``create``. To clean many photos, ``create("tattoo", ...)`` once.
    """
    return create("tattoo", method, **options)(image, mask)


def detect_tattoos(image: np.ndarray, *, method: str | None = None, **options: Any) -> np.ndarray:
    """The tattoo mask of ``image`` (H x W x 3 uint8 RGB): H x W uint8, 255 = tattoo ink
    (grown slightly, as the removal fills it). ``method`` and ``options`` as in
    ``remove_tattoos``.
    """
    return create("tattoo", method, **options).detect(image)


def remove_people(
    image: np.ndarray,
    *,
    keep: int = 0,
    keep_largest: bool = False,
    select: str | list[tuple[int, int]] = "",
    method: str | None = None,
    mask: np.ndarray | None = None,
    **options: Any,
) -> np.ndarray:
    """``image`` (H x W x 3 uint8 RGB) with people removed: H x W x 3 uint8 RGB at the
    input's resolution; only the removed people's pixels (with their halo and cast
    shadow) change. By default every person goes; ``keep_largest`` keeps the largest
    person, ``keep=N`` the N largest; ``select``: points ``[(x, y), ...]`` (or the text
    ``"X,Y X,Y"``), pixels of ``image``: only the people at them go. ``mask``: H x W
    uint8 (255 = remove), used instead of the detection. ``method``: ``segment-fill``
    (default; ``retouch methods people``); ``options`` as in ``create``. To clean many
    photos, ``create("people", ...)`` once.

    >>> retouch.remove_people(image, select=[(120, 80)])  # doctest: +SKIP
    """
    model = create("people", method, **_choice(keep, keep_largest, select), **options)
    return model(image, mask)


def detect_people(
    image: np.ndarray,
    *,
    keep: int = 0,
    keep_largest: bool = False,
    select: str | list[tuple[int, int]] = "",
    method: str | None = None,
    **options: Any,
) -> np.ndarray:
    """The mask ``remove_people`` fills in ``image`` (H x W x 3 uint8 RGB): H x W uint8,
    255 = a person who goes (with margin, halo and shadow). Arguments as there."""
    model = create("people", method, **_choice(keep, keep_largest, select), **options)
    return model.detect(image)


def _choice(keep: int, keep_largest: bool, select: str | list) -> dict[str, Any]:
    if not isinstance(select, str):
        try:
            select = " ".join(f"{int(x)},{int(y)}" for x, y in select)
        except (TypeError, ValueError):
            raise InputError(f"select takes points [(x, y), ...], got {select!r:.80}") from None
    return {"keep": keep, "keep_largest": keep_largest, "select": select}


def _cartoon(image: np.ndarray, *, method: str | None = None, **options: Any) -> np.ndarray:
    """A cartoon of ``image`` (H x W x 3 uint8 RGB): flat colours with the portrait lines
    on top, H x W x 3 uint8 RGB. Options: ``colors`` (K), ``seed``, ``smoothing``,
    ``lines``, ``thickness``, ``keep_background`` (``retouch methods cartoon``).
    """
    return create("cartoon", method, **options)(image)


cartoon = _cartoon  # once retouch.cartoon (the package) is imported, it is callable too


def _segment(
    task: str,
    image: np.ndarray,
    *,
    method: str | None = None,
    soft: bool = False,
    **options: Any,
) -> np.ndarray:
    """The mask of segmentation task ``task`` (``"person"``, ``"face"``, ``"skin"``).

    image: H x W x 3 uint8 RGB. Returns H x W uint8 0/255 (255 = found), or with
    ``soft=True`` the H x W float32 [0, 1] map the mask is cut from (confidence,
    probability; a method without one gives its mask as 0.0/1.0). ``method`` and
    ``options`` as in ``create``; to run one model on many photos, ``create`` it once.

    >>> retouch.segment("skin", image, method="hsv").dtype  # doctest: +SKIP
    dtype('uint8')
    """
    from retouch.core.tasks import get_task

    spec = get_task(task)
    if spec.returns != "mask":
        raise InputError(f"{task} is not a segmentation task; it returns an {spec.returns}")
    model = create(task, method, **options)
    return model.soft(image) if soft else model(image)


segment = _segment  # once retouch.segment (the package) is imported, it is callable too
