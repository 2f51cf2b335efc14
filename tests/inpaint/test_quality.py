"""Fill quality on real photos (Kodak) with free-form holes of 10-40 %.

Thresholds come from a measured run (patchmatch 19.48 dB hole PSNR, perceptual
0.309; telea 19.67 dB, 0.413 on these 18 pairs) with a margin; a broken fill
(flat colour, noise, wrong offsets) lands near 10 dB and fails all three.
"""

import numpy as np
import pytest

from retouch.bench.metrics import psnr
from retouch.core.io import read_image, read_mask
from retouch.core.masks import resize_mask
from retouch.inpaint import erase
from tests.conftest import need_module

pytestmark = [pytest.mark.quality, pytest.mark.slow]


@pytest.fixture(scope="module")
def results(shared_data):
    need_module("torch", "the perceptual distance needs the bench extra: pip install -e '.[bench]'")
    from retouch.bench.perceptual import perceptual_distance

    images = sorted((shared_data / "inpaint/dev/images").glob("*.jpg"))[1::4]
    masks = {b: sorted((shared_data / "inpaint/masks").glob(f"bin{b}_*.png")) for b in (1, 2, 3)}
    scores = {"patchmatch": ([], []), "telea": ([], [])}
    for i, path in enumerate(images):
        image = read_image(path)
        for b in (1, 2, 3):
            mask = resize_mask(read_mask(masks[b][(i * 11 + 3) % 50]), image.shape[:2])
            for method, (ps, ds) in scores.items():
                out = erase(image, mask, method=method)
                ps.append(psnr(out, image, mask))
                ds.append(perceptual_distance(out, image))
    return {m: (float(np.mean(p)), float(np.mean(d))) for m, (p, d) in scores.items()}


def test_patchmatch_is_perceptually_closer_than_diffusion(results):
    assert results["patchmatch"][1] < 0.85 * results["telea"][1], results


def test_patchmatch_hole_psnr_stays_close_to_diffusion(results):
    assert results["patchmatch"][0] > results["telea"][0] - 0.6, results
    assert results["patchmatch"][0] > 18.5, results
