"""The page task: preprocessing + engine + mapping back to master coordinates, no DB access."""

from __future__ import annotations

import subprocess


from digitizer.demo import LETTERS, render_text_page, skew
from digitizer.engines.base import RecognitionOptions
from digitizer.imaging.preprocess import PreprocessOptions, preprocess
from digitizer.pipeline.page import PageTask, run_page_task


def task_for(path, size, tmp_path, **pre) -> PageTask:
    return PageTask(project_root=str(tmp_path), page_id=1, image_path=str(path), frame=0, width=size[0],
                    height=size[1], dpi=300.0, preprocess={"deskew": True, "deskew_min_angle": 0.5, **pre},
                    engine="tesseract", recognition=RecognitionOptions(languages=["eng"]), derived_rel="d/pre.png")


def bare_words(path) -> list[str]:
    out = subprocess.run(["tesseract", str(path), "-", "-l", "eng", "--dpi", "300", "tsv"], capture_output=True,
                         text=True, check=True).stdout
    return [r.split("\t")[11] for r in out.splitlines()[1:] if r.split("\t")[0] == "5" and r.split("\t")[11].strip()]


def test_untouched_page_is_read_by_tesseract_from_the_master_file(tmp_path):
    img = render_text_page(LETTERS[1], width=1200, height=900, font_size=30, margin=60)
    path = tmp_path / "straight.png"
    img.save(path, dpi=(300, 300))
    res = run_page_task(task_for(path, img.size, tmp_path, denoise="auto"))
    assert res.ok, res.error
    assert [w.text for w in res.layout.words()] == bare_words(path)
    ocr = res.layout.steps[-1]
    assert ocr.parameters.get("image_file") == str(path)
    assert res.derived is None and not (tmp_path / "d" / "pre.png").exists()   # nothing changed: no copy


def test_skewed_page_is_deskewed_and_mapped_back(tmp_path):
    img = skew(render_text_page(LETTERS[1], width=1200, height=900, font_size=30, margin=60), 3.0)
    path = tmp_path / "skewed.png"
    img.save(path, dpi=(300, 300))
    res = run_page_task(task_for(path, img.size, tmp_path))
    assert res.ok, res.error
    assert "image_file" not in res.layout.steps[-1].parameters
    assert abs(res.transform.a - 0.9986) < 0.001          # rotated by ~3 degrees
    assert "surveyor" in res.layout.text
    assert (tmp_path / "d" / "pre.png").is_file() and res.derived.sha256
    for w in res.layout.words():
        assert 0 <= w.bbox.x0 <= w.bbox.x1 <= img.width and 0 <= w.bbox.y0 <= w.bbox.y1 <= img.height


def test_pixels_changed_flag(tmp_path):
    img = render_text_page(LETTERS[0], width=900, height=700, font_size=26, margin=50)
    assert not preprocess(img, PreprocessOptions(deskew=True, deskew_min_angle=0.5)).pixels_changed
    assert preprocess(img, PreprocessOptions(deskew=False, binarize="otsu")).pixels_changed
    assert preprocess(skew(img, 2.0), PreprocessOptions(deskew=True)).pixels_changed


def test_broken_image_is_a_result_error_not_an_exception(tmp_path):
    bad = tmp_path / "bad.png"
    good = render_text_page(["x"], width=200, height=100, font_size=20, margin=10)
    good.save(bad)
    bad.write_bytes(bad.read_bytes()[:60])
    res = run_page_task(task_for(bad, (200, 100), tmp_path))
    assert not res.ok and "bad.png" in res.error
