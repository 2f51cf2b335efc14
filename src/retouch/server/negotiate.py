"""Which image format to answer with: a ``format`` field, else the ``Accept`` header."""

from __future__ import annotations

__all__ = ["MEDIA_TYPES", "choose_format"]

MEDIA_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg"}
_ALIASES = {"png": "PNG", "jpeg": "JPEG", "jpg": "JPEG"}


def choose_format(field: str | None, accept: str | None) -> str | None:
    """``"PNG"`` or ``"JPEG"``; None when ``accept`` allows neither.

    The ``field`` (png, jpeg, jpg) wins; then the format the header prefers (by q,
    then the most specific range); PNG when the header is absent or allows both alike.

    >>> choose_format(None, "image/jpeg, image/png;q=0.5")
    'JPEG'
    >>> choose_format("png", "image/jpeg"), choose_format(None, "text/html")
    ('PNG', None)
    """
    if field:
        return _ALIASES[field.lower()]
    if not accept or not accept.strip():
        return "PNG"
    scores = {fmt: _score(accept, media) for fmt, media in MEDIA_TYPES.items()}
    best = max(scores, key=lambda fmt: (scores[fmt], fmt == "PNG"))
    return best if scores[best][0] > 0 else None


def _score(accept: str, media: str) -> tuple[float, int]:
    """(q, specificity) of the most specific range of ``accept`` matching ``media``."""
    kind = media.split("/")[0]
    best = (0.0, -1)
    for item in accept.split(","):
        parts = [p.strip() for p in item.split(";")]
        rng = parts[0].lower()
        specificity = {media: 2, f"{kind}/*": 1, "*/*": 0}.get(rng)
        if specificity is None or specificity < best[1]:
            continue
        q = 1.0
        for param in parts[1:]:
            key, _, value = param.partition("=")
            if key.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        best = (q, specificity)
    return best if best[1] >= 0 else (0.0, -1)
