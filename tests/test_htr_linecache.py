"""Prepared training lines are kept between epochs: the same tensors kraken computes, computed once."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from digitizer.engines.kraken.tvcompat import ensure_torchvision


def _dataset(folder: Path, n: int, augment: bool = False):
    ensure_torchvision()
    from kraken.containers import BBoxLine
    from kraken.lib.dataset import ImageInputTransforms
    from kraken.lib.dataset.recognition import GroundTruthDataset

    ds = GroundTruthDataset(im_transforms=ImageInputTransforms(1, 48, 0, 1, (16, 0)), augmentation=augment)
    calls = {"n": 0}
    transforms = ds.transforms

    def counting(im):
        calls["n"] += 1
        return transforms(im)

    ds.transforms = counting
    for png in sorted(folder.glob("*.png"))[:n]:
        w, h = Image.open(png).size
        text = png.with_name(png.name[:-4] + ".gt.txt").read_text(encoding="utf-8").strip()
        ds.add(line=BBoxLine(id=png.name, bbox=(0, 0, w, h), text=text, imagename=str(png)))
    ds.encode(None)
    return ds, calls


@pytest.fixture()
def fresh_cache(monkeypatch):
    from digitizer.htr import linecache

    monkeypatch.delenv("DIGITIZER_LINE_CACHE_MB", raising=False)
    linecache.install()
    return linecache


def test_second_epoch_reads_cached_lines_equal_to_kraken_s(test_data, fresh_cache):
    import torch

    folder = test_data / "train-htr" / "lines"
    plain, _ = _dataset(folder, 12)
    ds, calls = _dataset(folder, 12)
    before = fresh_cache.used_bytes()
    first = [ds[i] for i in range(len(ds))]
    assert calls["n"] == 12
    second = [ds[i] for i in range(len(ds))]
    assert calls["n"] == 12                          # nothing normalised again
    assert fresh_cache.used_bytes() > before
    for a, b in zip(first, second):
        assert torch.equal(a["image"], b["image"]) and torch.equal(a["target"], b["target"])
    # what kraken computes with no cache at all (transforms are deterministic)
    fresh_cache._state["max_bytes"] = 0
    try:
        for i, b in enumerate(second):
            assert torch.equal(plain[i]["image"], b["image"])
    finally:
        fresh_cache.install()


def test_augmenting_dataset_is_never_cached(test_data, fresh_cache):
    ds, calls = _dataset(test_data / "train-htr" / "lines", 4, augment=True)
    for _ in range(2):
        for i in range(len(ds)):
            ds[i]
    assert calls["n"] == 8
    assert "_digitizer_line_cache" not in ds.__dict__


def test_reencoded_lines_are_prepared_again_and_budget_zero_turns_it_off(test_data, fresh_cache, monkeypatch):
    ds, calls = _dataset(test_data / "train-htr" / "lines", 3)
    for i in range(3):
        ds[i]
    ds.encode(None)                                  # a new codec: the cached targets are stale
    for i in range(3):
        ds[i]
    assert calls["n"] == 6
    monkeypatch.setenv("DIGITIZER_LINE_CACHE_MB", "0")
    fresh_cache.install()
    off, off_calls = _dataset(test_data / "train-htr" / "lines", 2)
    for _ in range(2):
        for i in range(2):
            off[i]
    assert off_calls["n"] == 4
