"""Core layer: array contract, image I/O, masks and the method registries.

Nothing here imports the task packages (inpaint, segment, ...) at import time.
"""
