"""EXIF and ICC profile: what is kept from an input, and how each output format stores it.

JPEG, PNG, WebP and TIFF hold both; BMP holds neither (dropped with a debug log). The
EXIF kept has no orientation tag (the pixels are made upright on reading) and none of
the input TIFF's layout tags.
"""

from __future__ import annotations

import logging

from PIL import Image

__all__ = ["METADATA_FORMATS", "kept_exif", "metadata_options"]

log = logging.getLogger(__name__)

METADATA_FORMATS = {"JPEG", "PNG", "WEBP", "TIFF"}
_JPEG_MAX_EXIF = 65533  # one APP1 marker
# EXIF tags not carried to an output: the orientation (the pixels are upright), the
# TIFF layout of the input (sizes, strips, tiles, compression), the ICC profile (kept
# as such), XMP (may hold a second orientation) and Photoshop layers.
_NOT_COPIED = {254, 255, 256, 257, 258, 259, 262, 263, 266, 273, 274, 277, 278, 279, 280}
_NOT_COPIED |= {281, 284, 292, 293, 317, 320, 322, 323, 324, 325, 330, 338, 339, 340, 341}
_NOT_COPIED |= {347, *range(512, 522), 529, 530, 531, 532, 700, 34675, 37724}
_SUB_IFDS = (0x8769, 0x8825, 0xA005)  # Exif, GPS, Interoperability


def kept_exif(img: Image.Image, name: str) -> bytes | None:
    """The EXIF of an opened image worth writing back, or None; damaged EXIF is dropped.

    Call it after ``ImageOps.exif_transpose(img)``: it edits ``img``'s EXIF in place.
    """
    try:
        exif = img.getexif()
        for tag in _NOT_COPIED & set(exif):
            del exif[tag]
        return exif.tobytes() if len(exif) else None
    except Exception as exc:
        log.warning("%s: the EXIF data is damaged and is not kept (%s)", name, exc)
        return None


def metadata_options(fmt: str, icc_profile: bytes | None, exif: bytes | None, name: str) -> dict:
    """Pillow save options that store ``icc_profile`` and ``exif`` in format ``fmt``."""
    if fmt not in METADATA_FORMATS:
        if icc_profile or exif:
            log.debug("%s: %s holds no ICC profile or EXIF data; they are not written", name, fmt)
        return {}
    if fmt == "JPEG" and exif and len(exif) > _JPEG_MAX_EXIF:
        log.warning("%s: %d bytes of EXIF data do not fit in a JPEG; dropped", name, len(exif))
        exif = None
    options = {k: v for k, v in (("icc_profile", icc_profile), ("exif", exif)) if v}
    if fmt == "TIFF":
        # libtiff, which compresses, cannot write EXIF sub-IFDs (capture settings, GPS).
        options["compression"] = "raw" if exif and _has_sub_ifds(exif) else "tiff_deflate"
    return options


def _has_sub_ifds(exif: bytes) -> bool:
    parsed = Image.Exif()
    try:
        parsed.load(exif)
    except Exception:
        return False  # not EXIF that Pillow reads: its TIFF writer reports it
    return any(tag in parsed for tag in _SUB_IFDS)
