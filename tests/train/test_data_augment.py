"""Folder datasets, the hash split, recipes, and augmentation of image and mask together."""

from __future__ import annotations

import numpy as np
import pytest

from retouch.core.errors import InputError
from retouch.core.io import write_image, write_mask
from retouch.train.augment import AugmentSettings, augment_pair
from retouch.train.config import load_recipe, recipe_names
from retouch.train.data import fingerprint, load_pairs, pair_files, split_names


def _folder(tmp_path, n=3, size=(40, 60)):
    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    for i in range(n):
        img = np.full((*size, 3), 40 * i, np.uint8)
        mask = np.zeros(size, np.uint8)
        mask[10:30, 10:40] = 255
        write_image(tmp_path / "images" / f"k{i}.jpg", img)
        write_mask(tmp_path / "masks" / f"k{i}.png", mask)
    return tmp_path


def test_pairs_fingerprint_and_shrinking(tmp_path):
    root = _folder(tmp_path)
    pairs = pair_files(root)
    assert [p[0].name for p in pairs] == ["k0.jpg", "k1.jpg", "k2.jpg"]
    fp = fingerprint(pairs)
    assert fp == fingerprint(pairs) and len(fp) == 64
    samples = load_pairs(pairs, max_side=20)
    assert samples[0].image.shape == (20, 30, 3) and samples[0].mask.shape == (20, 30)
    assert set(np.unique(samples[0].mask)) == {0, 255}
    write_mask(root / "masks" / "k2.png", np.zeros((40, 60), np.uint8) + 255)
    assert fingerprint(pair_files(root)) != fp  # the bytes count, not only the names


def test_missing_masks_and_folders_are_named(tmp_path):
    with pytest.raises(InputError, match="images/ and masks/"):
        pair_files(tmp_path)
    root = _folder(tmp_path)
    (root / "masks" / "k1.png").unlink()
    with pytest.raises(InputError, match=r"k1\.jpg"):
        pair_files(root)


def test_split_is_stable_and_disjoint():
    names = [f"img_{i}" for i in range(1000)]
    train, held = split_names(names, 0.1)
    assert not set(train) & set(held) and len(train) + len(held) == 1000
    assert 60 < len(held) < 140
    assert split_names(list(reversed(names)), 0.1)[1] == list(reversed(held))


def test_augment_keeps_image_and_mask_aligned():
    rng = np.random.default_rng(0)
    image = np.zeros((90, 120, 3), np.uint8)
    mask = np.zeros((90, 120), np.uint8)
    image[20:70, 30:90] = (230, 170, 140)
    mask[20:70, 30:90] = 255
    plain = AugmentSettings(colour=0, white_balance=0, blur=0, noise=0, jpeg=0, occluders=0)
    for _ in range(20):
        img, msk = augment_pair(image, mask, 48, rng, plain)
        assert img.shape == (48, 48, 3) and msk.shape == (48, 48)
        assert set(np.unique(msk)) <= {0, 255}
        inside = img[msk == 255].mean(axis=0) if msk.any() else np.array([230, 170, 140])
        assert np.abs(inside - (230, 170, 140)).max() < 40  # the mask still covers the patch
    assert image.max() == 230 and mask.max() == 255  # inputs untouched


def test_augment_is_deterministic_per_generator():
    image = np.random.default_rng(1).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    mask = np.zeros((64, 64), np.uint8)
    mask[16:48] = 255
    a = augment_pair(image, mask, 32, np.random.default_rng(7))
    b = augment_pair(image, mask, 32, np.random.default_rng(7))
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])


def test_occluders_clear_the_mask():
    rng = np.random.default_rng(3)
    image = np.full((64, 64, 3), 200, np.uint8)
    mask = np.full((64, 64), 255, np.uint8)
    only = AugmentSettings(
        scale=(1, 1), rotate=0, colour=0, white_balance=0, blur=0, noise=0, jpeg=0, occluders=1
    )
    _, msk = augment_pair(image, mask, 64, rng, only)
    assert 0 < np.count_nonzero(msk == 0) < msk.size


def test_recipes_load_and_overrides_are_checked():
    assert {"skin_u2netp_cpu", "skin_u2netp_gpu"} <= set(recipe_names())
    recipe = load_recipe("skin_u2netp_cpu", ["seed=3", "augment.jpeg=0"])
    assert recipe.seed == 3 and recipe.augment.jpeg == 0 and recipe.arch == "u2netp"
    with pytest.raises(ValueError, match="unknown recipe keys"):
        load_recipe("skin_u2netp_cpu", ["sed=3"])
    with pytest.raises(ValueError, match="shipped recipes"):
        load_recipe("no_such_recipe")
    with pytest.raises(ValueError, match="stage"):
        load_recipe("skin_u2netp_cpu", ["stages=[{size: 8, epochs: 1, batch: 1}]"])


def test_a_recipe_extends_another_and_lists_only_what_differs(tmp_path):
    (tmp_path / "base.yaml").write_text(
        "task: skin\ntrain_data: d\nlr: 0.01\nstages:\n  - {size: 64, epochs: 2, batch: 4}\n"
        "augment: {jpeg: 0.3, blur: 0.2}\n"
    )
    (tmp_path / "child.yaml").write_text("extends: base\nlr: 0.001\naugment: {jpeg: 0}\n")
    child = load_recipe(tmp_path / "child.yaml", ["seed=2"])
    assert child.name == "child" and child.lr == 0.001 and child.seed == 2
    assert child.augment.jpeg == 0 and child.augment.blur == 0.2  # merged key by key
    assert child.stages == load_recipe(tmp_path / "base.yaml").stages
    # A shipped parent by name, when no file of that name is beside the child.
    (tmp_path / "gpu_like.yaml").write_text("extends: skin_u2netp_cpu\nmax_side: 400\n")
    cpu = load_recipe("skin_u2netp_cpu")
    assert load_recipe(tmp_path / "gpu_like.yaml").augment == cpu.augment
    (tmp_path / "a.yaml").write_text("extends: b\n")
    (tmp_path / "b.yaml").write_text("extends: a\n")
    with pytest.raises(ValueError, match="extends itself: a -> b -> a"):
        load_recipe(tmp_path / "a.yaml")
    (tmp_path / "orphan.yaml").write_text("extends: no_such_parent\n")
    with pytest.raises(ValueError, match="no_such_parent"):
        load_recipe(tmp_path / "orphan.yaml")


def test_the_later_stages_keep_the_first_stage_s_data_and_augmentation():
    first = load_recipe("skin_u2netp_cpu")
    for name in ("skin_u2netp_cpu_finetune", "skin_u2netp_gpu"):
        later = load_recipe(name)
        assert later.name == name
        assert (later.train_data, later.selection_fraction, later.eval_size, later.augment) == (
            first.train_data,
            first.selection_fraction,
            first.eval_size,
            first.augment,
        )
    assert load_recipe("skin_u2netp_cpu_finetune").init == "runs/skin/best.pt"


def test_negative_views_have_no_skin_and_no_mask():
    from retouch.segment.skin.rules import rgb_rule
    from retouch.train.augment import negative_view

    rng = np.random.default_rng(5)
    inside = []
    for _ in range(30):
        img, msk = negative_view(48, rng)
        assert img.shape == (48, 48, 3) and img.dtype == np.uint8
        assert not msk.any()
        inside.append((rgb_rule(img) > 0).mean())
    # Base colours lie outside the skin rule; texture and noise push a few pixels in.
    assert np.mean(inside) < 0.1


def test_mosaic_tiles_views_and_their_masks():
    from retouch.train.augment import mosaic

    image = np.full((60, 80, 3), (224, 172, 138), np.uint8)
    mask = np.full((60, 80), 255, np.uint8)
    plain = AugmentSettings(colour=0, white_balance=0, blur=0, noise=0, jpeg=0, occluders=0)
    img, msk = mosaic([(image, mask)], 64, np.random.default_rng(2), plain)
    assert img.shape == (64, 64, 3) and msk.shape == (64, 64)
    assert (msk == 255).all() and np.abs(img.astype(int) - (224, 172, 138)).max() < 30


def test_lookalikes_are_skin_coloured_surfaces_with_empty_masks():
    from retouch.train.augment import lookalike, random_view

    skin = np.array([214, 160, 128], np.float32)
    rng = np.random.default_rng(11)
    surfaces = [lookalike(64, rng, skin) for _ in range(40)]
    for s in surfaces:
        assert s.shape == (64, 64, 3) and s.dtype == np.uint8
        assert s.std() > 2  # a texture, not a flat field
    # Most of every surface stays near the skin colour it was drawn from (brick
    # mortar and the second cloth colour are the rest).
    near = [np.mean(np.abs(s.astype(float) - skin).max(axis=2) < 90) for s in surfaces]
    assert np.median(near) > 0.5
    image = np.full((48, 48, 3), skin, np.uint8)
    mask = np.full((48, 48), 255, np.uint8)
    only = AugmentSettings(negatives=1, lookalikes=1)
    for _ in range(5):
        img, msk = random_view([(image, mask)], 0, 32, rng, only)
        assert img.shape == (32, 32, 3) and not msk.any()


def test_skin_colour_is_drawn_from_masked_pixels():
    from retouch.train.augment import skin_colour

    image = np.zeros((20, 20, 3), np.uint8)
    image[:, :] = (0, 0, 255)
    image[5:10, 5:10] = (200, 120, 90)
    mask = np.zeros((20, 20), np.uint8)
    mask[5:10, 5:10] = 255
    empty = (image, np.zeros((20, 20), np.uint8))
    rng = np.random.default_rng(0)
    for _ in range(10):
        assert tuple(skin_colour([empty, (image, mask)], rng)) == (200, 120, 90)


def test_backdrop_keeps_skin_and_replaces_far_background():
    from retouch.train.augment import _backdrop

    img = np.full((64, 64, 3), 90, np.uint8)
    msk = np.zeros((64, 64), np.uint8)
    msk[16:48, 16:48] = 255
    surface = np.full((64, 64, 3), 240, np.uint8)
    out = _backdrop(img, msk, np.random.default_rng(4), surface)
    assert np.array_equal(out[24:40, 24:40], img[24:40, 24:40])  # deep inside the skin
    assert (out[:3, :3] == 240).all() and (out[-3:, -3:] == 240).all()  # far from it


def test_tones_darken_the_skin_only():
    image = np.full((64, 64, 3), (225, 175, 150), np.uint8)
    image[:, :20] = (40, 90, 200)
    mask = np.zeros((64, 64), np.uint8)
    mask[:, 32:] = 255
    only = AugmentSettings(
        scale=(1, 1),
        rotate=0,
        flip=False,
        colour=0,
        white_balance=0,
        blur=0,
        noise=0,
        jpeg=0,
        occluders=0,
        tones=1,
    )
    img, msk = augment_pair(image, mask, 64, np.random.default_rng(8), only)
    assert np.array_equal(msk, mask)
    skin, bg = img[msk == 255].astype(float), img[:, :20].astype(float)
    assert (skin.mean(axis=0) < (225 * 0.8, 175 * 0.8, 150 * 0.8)).all()
    assert np.abs(bg - (40, 90, 200)).max() <= 1  # away from the skin: untouched
