"""Capture QC: each metric on generated good and bad pages, profile validation, store + CLI report."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from _capture_helpers import rotate, text_page, write_tiff

from digitizer.capture.qc import (QCSettings, check_image, check_page_count, dhash, hamming, phash, qc_item,
                                  sharpness, stored_qc)
from digitizer.capture.settings import parse_capture
from digitizer.errors import ProfileError
from digitizer.ingest import import_paths
from digitizer.store import ProjectStore

S = QCSettings(target_dpi=150)


@pytest.fixture(scope="module")
def good() -> np.ndarray:
    return text_page(seed=1)


def _status(a: np.ndarray, name: str, dpi: float | None = 150, settings: QCSettings = S, previous=None) -> str:
    return check_image(a, dpi, settings, previous=previous).get(name).status


def test_good_page_passes_every_check(good):
    qc = check_image(good, 150, S)
    assert qc.ok, [c for c in qc.checks if c.status == "fail"]
    assert {c.name for c in qc.checks} == set(S.checks)


def test_resolution_below_target_and_missing(good):
    assert _status(good, "resolution", dpi=150) == "pass"
    assert _status(good, "resolution", dpi=100) == "fail"
    r = check_image(good, None, S).get("resolution")
    assert r.status == "fail" and "no resolution" in r.message


def test_skew(good):
    r = check_image(rotate(good, 4.0), 150, S).get("skew")
    assert r.status == "fail" and 3.5 < abs(r.value) < 4.5
    assert _status(rotate(good, 0.5), "skew") == "pass"


def test_blur_detected_and_resolution_normalised(good):
    blurred = cv2.GaussianBlur(good, (0, 0), 2.5)
    assert _status(blurred, "blur") == "fail"
    # the same sharp page at twice the resolution (upsampled properly) measures about the same
    big = cv2.resize(good, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
    assert abs(sharpness(big, 300) - sharpness(good, 150)) < 0.12
    assert sharpness(blurred, 150) < sharpness(good, 150) * 0.6


def test_exposure_under_and_over(good):
    under = np.clip(good.astype(np.float32) * 0.5 - 20, 0, 255).astype(np.uint8)
    over = np.clip(good.astype(np.float32) * 1.3 + 40, 0, 255).astype(np.uint8)
    r_under = check_image(under, 150, S).get("exposure")
    r_over = check_image(over, 150, S).get("exposure")
    assert r_under.status == "fail" and "under" in r_under.message
    assert r_over.status == "fail" and "over" in r_over.message
    # per channel: a clipped blue channel alone is caught
    rgb = np.dstack([good, good, np.clip(good.astype(np.int16) + 60, 0, 255).astype(np.uint8)])
    assert _status(rgb, "exposure") == "fail"


def test_near_blank_page(good):
    paper = np.clip(np.random.default_rng(0).normal(235, 2, good.shape), 0, 255).astype(np.uint8)
    qc = check_image(paper, 150, S)
    assert qc.get("blank").status == "fail"
    assert qc.get("skew").status == "skip" and qc.get("blur").status == "skip"


def test_duplicate_of_previous_page(good):
    h = (dhash(good), phash(good))
    rescan = np.roll(rotate(good, 0.3), (8, 6), axis=(0, 1))
    rescan = np.clip(rescan + np.random.default_rng(3).normal(0, 3, rescan.shape), 0, 255).astype(np.uint8)
    assert _status(rescan, "duplicate", previous=h) == "fail"
    other = text_page(seed=7, lines=24)
    assert _status(other, "duplicate", previous=h) == "pass"
    assert hamming(dhash(good), dhash(good)) == 0


def test_page_count():
    assert check_page_count(3, 4).status == "fail"
    assert check_page_count(4, 4).status == "pass"
    assert check_page_count(4, None).status == "skip"


def test_profile_sections_validated_with_file_and_key():
    with pytest.raises(ProfileError, match=r"p\.toml: \[qc\]: unknown key 'max_blur'"):
        QCSettings.from_dict({"max_blur": 1}, source="p.toml: [qc]")
    with pytest.raises(ProfileError, match="max_skew must be a number"):
        QCSettings.from_dict({"max_skew": "2"}, source="p.toml: [qc]")
    with pytest.raises(ProfileError, match="checks must be a list"):
        QCSettings.from_dict({"checks": ["blur", "colour"]}, source="p.toml: [qc]")
    assert QCSettings.from_dict({"target_dpi": 400, "checks": ["blur"]}).target_dpi == 400.0
    with pytest.raises(ProfileError, match=r"p\.toml: \[capture\]: mode must be one of"):
        parse_capture({"mode": "Sepia"}, source="p.toml: [capture]")
    with pytest.raises(ProfileError, match="area must be"):
        parse_capture({"area": [0, 0, -1, 5]}, source="p.toml: [capture]")
    assert parse_capture({"resolution": 600, "source": "ADF"}).scan.resolution == 600


def test_qc_item_stores_results_and_cli_report(tmp_path, good, capsys):
    from digitizer.cli.main import main

    files = [write_tiff(tmp_path / "p1.tif", good), write_tiff(tmp_path / "p2.tif", text_page(seed=2, lines=26)),
             write_tiff(tmp_path / "p3.tif", cv2.GaussianBlur(text_page(seed=4, lines=20), (0, 0), 3), dpi=150)]
    proj = tmp_path / "proj"
    with ProjectStore.create(proj) as store:
        item = store.add_item("box1", metadata={"expected_pages": 4})
        import_paths(store, files, item)
        results, count = qc_item(store, store.get_item(item.id), QCSettings(target_dpi=150, expected_pages=4))
        assert [r.ok for r in results] == [True, True, False]
        assert results[2].get("blur").status == "fail"
        assert count.status == "fail"
        assert stored_qc(store, results[2].page_id).get("blur").status == "fail"
        ev = store.events(page_id=results[2].page_id, action="qc")
        assert ev and ev[-1].outcome == "warning" and "blur" in ev[-1].parameters
    rc = main(["qc", str(proj), "--item", "box1", "--json", "--target-dpi", "150"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0
    assert out["items"][0]["page_count"]["status"] == "fail"
    assert out["items"][0]["pages"][2]["checks"]["blur"]["status"] == "fail"
    rc = main(["qc", str(proj), "--stored"])
    text = capsys.readouterr().out
    assert "blur" in text and "rescan" in text
