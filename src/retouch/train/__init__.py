"""Training our own networks: folder datasets, augmentation, a resumable training loop
with progressive resizing, ONNX export with a weights record.

torch is an optional extra (``pip install -e .[train]``); nothing here is imported by
the inference side, which runs exported ONNX files with onnxruntime.

A run is one command with a YAML recipe::

    retouch train run skin_u2netp_cpu --run runs/skin
    retouch train export runs/skin -o u2netp_skin.onnx
"""
