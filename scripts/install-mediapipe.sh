#!/usr/bin/env bash
# Install the segmentation stack's models into ./.venv (after scripts/setup.sh):
# mediapipe 0.10.21 *without* its declared dependencies, then the few it imports.
#
# mediapipe's metadata pulls jax + jaxlib (~360 MB), scipy, sounddevice, sentencepiece
# and opencv-contrib-python 4.11, which overwrites our cv2 (opencv-python-headless
# 4.10.0.84). retouch uses only the bundled .tflite models through mediapipe's
# solution graphs, which need absl-py, attrs, flatbuffers, protobuf<5 and matplotlib
# (imported by mediapipe's drawing utilities). Measured in docs/segmentation.md.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || { echo "run scripts/setup.sh first" >&2; exit 1; }
.venv/bin/python -m pip install -q --no-deps "mediapipe==0.10.21"
.venv/bin/python -m pip install -q -e ".[segment]"
.venv/bin/python -c "import cv2, numpy, mediapipe; print('mediapipe', mediapipe.__version__, '| cv2', cv2.__version__, '| numpy', numpy.__version__)"
