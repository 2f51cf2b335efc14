"""Exceptions raised by retouch. Each message is meant to be shown to a user as is."""


class RetouchError(Exception):
    """Base class of every error retouch raises on purpose."""


class InputError(RetouchError, ValueError):
    """An input (array, file, option) cannot be used; the message says why and what to do."""


class OutputError(RetouchError, OSError):
    """An output could not be written; no partial file is left behind."""


class LimitError(InputError):
    """An input is over a size limit (pixels, bytes); the message names the limit."""
