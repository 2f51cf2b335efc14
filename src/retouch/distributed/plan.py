"""The photos of a batch: each input in the INPUT folder paired with its output and mask.

Output names follow the task commands' folder rule (``retouch.cli.batch.plan_jobs``):
the input's name, as ``.png`` for a segmenter (mask, soft map, overlay or cutout).
Everything that would make the run fail for every photo is refused here, before any
work, with one line: no photos, an output folder that is the input or mask folder, two
photos with one output name, an output folder that cannot be written.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from retouch.core.atomic import check_writable
from retouch.core.errors import InputError
from retouch.core.tasks import TaskSpec
from retouch.distributed import storage
from retouch.distributed.jobs import PhotoJob
from retouch.photo import PhotoSettings

__all__ = ["plan_photos"]

_ALPHA = (".png", ".webp", ".tif", ".tiff")


def plan_photos(
    inputs: str,
    outputs: str,
    *,
    spec: TaskSpec,
    settings: PhotoSettings,
    mask: str | None = None,
) -> list[PhotoJob]:
    """One ``PhotoJob`` per image file in the folder ``inputs`` (sorted by name).

    Parameters
    ----------
    inputs, outputs : folders, as paths or fsspec URLs (normalised by ``storage``).
    spec : the task; an edit task needs ``mask``, a file or a folder of masks named
        like the photos (``a.png`` or ``a_mask.png`` for ``a.jpg``).
    settings : the per-photo settings (``cutout`` needs outputs that keep alpha).

    Returns
    -------
    The jobs, with ``previous`` unset; the output folder exists afterwards.
    """
    files = storage.list_images(inputs)
    if not files:
        raise InputError(f"no image files found in {inputs}")
    _refuse_folder(outputs, inputs, "input")
    if mask is not None:
        _refuse_folder(outputs, mask, "mask")
    targets = [storage.join(outputs, _output_name(f, spec)) for f in files]
    _refuse_collisions(files, targets)
    if settings.cutout and any(PurePosixPath(t).suffix.lower() not in _ALPHA for t in targets):
        raise InputError(f"--cutout needs outputs that keep transparency: {', '.join(_ALPHA)}")
    masks = _masks(mask, files) if spec.needs_mask or (spec.detects and mask) else {}
    _prepare_output(outputs)
    jobs = []
    for index, (source, target) in enumerate(zip(files, targets, strict=True)):
        found = masks.get(source)
        error = None if found or not spec.needs_mask else _no_mask(source, mask)
        jobs.append(PhotoJob(index, source, target, mask=found, mask_error=error))
    return jobs


def _output_name(source: str, spec: TaskSpec) -> str:
    name = PurePosixPath(storage.name_of(source))
    return name.stem + (".png" if spec.kind == "segment" else name.suffix)


def _refuse_folder(outputs: str, other: str, kind: str) -> None:
    if storage.normalise(outputs) == storage.normalise(other):
        raise InputError(
            f"{outputs}: the output folder is the {kind} folder; write the results into "
            "another folder"
        )


def _refuse_collisions(files: list[str], targets: list[str]) -> None:
    seen: dict[str, str] = {}
    for source, target in zip(files, targets, strict=True):
        first = seen.setdefault(target, source)
        if first != source:
            raise InputError(
                f"{target}: both {first} and {source} would be written here; rename one of "
                "them or process them into separate folders (nothing was written)"
            )


def _masks(mask: str | None, files: list[str]) -> dict[str, str]:
    """Each photo's mask: the one mask file, or the folder's ``STEM.*`` / ``STEM_mask.*``."""
    if mask is None:
        raise InputError("this task needs --mask (a mask file or a folder of masks)")
    if not storage.is_folder(mask):
        if not storage.exists(mask):
            raise InputError(f"{mask}: no such mask file or folder")
        return dict.fromkeys(files, mask)
    index: dict[str, str] = {}
    for candidate in storage.list_images(mask):
        index.setdefault(PurePosixPath(storage.name_of(candidate)).stem, candidate)
    found = {}
    for source in files:
        stem = PurePosixPath(storage.name_of(source)).stem
        options = [c for c in (index.get(stem), index.get(f"{stem}_mask")) if c]
        if options:
            found[source] = min(options)
    return found


def _no_mask(source: str, mask: str | None) -> str:
    stem = PurePosixPath(storage.name_of(source)).stem
    return f"no mask named {stem}.* in {mask}"


def _prepare_output(outputs: str) -> None:
    """Create the output folder; for a local one, check a file can be written in it."""
    try:
        storage.make_folder(outputs)
    except (OSError, ValueError) as exc:
        raise InputError(f"{outputs}: cannot create the output folder ({exc})") from None
    if storage.is_local(outputs):
        check_writable(storage.join(outputs, "retouch-check.png"))
