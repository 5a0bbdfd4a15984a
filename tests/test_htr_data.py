"""HTR training data: the one normalisation, page images found by stem or --images, and the
reproducible rebuild of the line set from a pinned git commit (scripts/htr/build_dataset.py)."""

from __future__ import annotations

import csv
import json
import os
import shutil
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from _htr_helpers import render_line
from digitizer.errors import InputFileError
from digitizer.htr.datasets import load_xml
from digitizer.htr.normalize import transcription, usable

ROOT = Path(__file__).resolve().parents[1]


def test_one_normalisation_for_training_and_evaluation():
    assert transcription("Mad^e\u00a0 l’on  ſoit") == "Made l'on soit"
    assert transcription("Mo\u0303sieur") == "Mõsieur"                  # NFC, the abbreviation mark kept
    assert not usable("¥") and not usable(" . ") and usable("12")
    from digitizer.htr.evaluate import HTR

    assert HTR("Mad^e, L’Ami") == HTR("made l'ami") == "made lami"


def _page(folder: Path, stem: str, texts: list[str], file_name: str) -> Path:
    """A page image with the rendered lines, and its ALTO v4 naming ``file_name``."""
    from PIL import Image

    ims = [render_line(t) for t in texts]
    w, y = max(im.width for im in ims) + 40, 20
    page = Image.new("L", (w, sum(im.height + 20 for im in ims) + 20), 255)
    lines = []
    for i, (t, im) in enumerate(zip(texts, ims)):
        page.paste(im, (20, y))
        x0, y0, x1, y1 = 20, y, 20 + im.width, y + im.height
        lines.append(f'<TextLine ID="l{i}" BASELINE="{x0} {y1 - 8} {x1} {y1 - 8}" HPOS="{x0}" VPOS="{y0}" '
                     f'WIDTH="{im.width}" HEIGHT="{im.height}"><Shape><Polygon POINTS="{x0} {y0} {x1} {y0} {x1} '
                     f'{y1} {x0} {y1}"/></Shape><String CONTENT="{t}"/></TextLine>')
        y += im.height + 20
    page.save(folder / f"{stem}.jpg")
    xml = folder / f"{stem}.xml"
    xml.write_text('<?xml version="1.0" encoding="UTF-8"?><alto xmlns="http://www.loc.gov/standards/alto/ns-v4#">'
                   f'<Description><sourceImageInformation><fileName>{file_name}</fileName></sourceImageInformation>'
                   f'</Description><Layout><Page WIDTH="{page.width}" HEIGHT="{page.height}"><PrintSpace>'
                   f'<TextBlock ID="b1">{"".join(lines)}</TextBlock></PrintSpace></Page></Layout></alto>',
                   encoding="utf-8")
    return xml


def test_from_xml_finds_the_image_by_stem_or_in_images_dir(tmp_path):
    xml = _page(tmp_path, "will_0001-0", ["la lime", "mon ami"], "IMG_4711_renamed_in_escriptorium.jpg")
    samples = load_xml([xml])                                    # the named file is gone: found by stem
    assert [s.text for s in samples] == ["la lime", "mon ami"] and samples[0].image.height > 10
    images = tmp_path / "images"
    images.mkdir()
    (tmp_path / "will_0001-0.jpg").rename(images / "will_0001-0.jpg")
    with pytest.raises(InputFileError, match="--images"):
        load_xml([xml])
    assert len(load_xml([xml], images_dir=images)) == 2


def _build_module():
    spec = importlib.util.spec_from_file_location("build_dataset", ROOT / "scripts" / "htr" / "build_dataset.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["build_dataset"] = mod                    # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


def _poilus_repo(tmp_path):
    repo = tmp_path / "src"
    (repo / "data" / "batch-1").mkdir(parents=True)
    _page(repo / "data" / "batch-1", "TestamentsDePoilus_will_AN_0999-0", ["Je soussigné", "Mad^e ¥", "lègue"],
          "TestamentsDePoilus_will_AN_0999-0.jpg")
    _page(repo / "data" / "batch-1", "TestamentsDePoilus_will_AN_0154-1", ["page d'un testament du dev"],
          "TestamentsDePoilus_will_AN_0154-1.jpg")                  # same will as a dev page: left out
    _page(repo / "data" / "batch-1", "TestamentsDePoilus_will_AN_0057-0", ["validation"], "x.jpg")
    git = ["git", "-C", str(repo)]
    subprocess.run(git + ["init", "-q"], check=True)
    subprocess.run(git + ["add", "."], check=True)
    subprocess.run(git + ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "pages"], check=True)
    commit = subprocess.run(git + ["rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    return repo, commit


def test_build_dataset_rebuilds_lines_from_a_pinned_commit(tmp_path):
    repo, commit = _poilus_repo(tmp_path)
    mod = _build_module()
    mod.SOURCES = [mod.Source("test/poilus", commit, "poilus")]
    out = tmp_path / "set"
    assert mod.main([str(out), str(repo / ".git")]) == 0
    rows = list(csv.DictReader(open(out / "split.tsv", encoding="utf-8"), delimiter="\t"))
    assert [(r["split"], r["hand"]) for r in rows] == [("validation", "AN_0057"), ("train", "AN_0999"),
                                                      ("train", "AN_0999")]
    texts = [(out / "lines" / f"{r['id']}.gt.txt").read_text(encoding="utf-8") for r in rows]
    assert texts == ["validation\n", "Je soussigné\n", "lègue\n"]     # the signature line is skipped
    first = (out / "lines" / f"{rows[1]['id']}.png").read_bytes()
    assert mod.main([str(out), str(repo / ".git")]) == 0             # the same commit gives the same files
    assert (out / "lines" / f"{rows[1]['id']}.png").read_bytes() == first


def _rows(out):
    with open(out / "split.tsv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def test_build_dataset_max_pages_and_a_hard_linked_copy_keeps_its_tables(tmp_path, capsys):
    repo, commit = _poilus_repo(tmp_path)
    mod = _build_module()
    mod.SOURCES = [mod.Source("test/poilus", commit, "poilus", max_pages=1)]
    small = tmp_path / "small"
    assert mod.main([str(small), str(repo / ".git")]) == 0
    pages = {r["source_page"] for r in _rows(small)}
    assert len(pages) <= 1                                   # one page of three (the dev page gives none)
    full = tmp_path / "full"
    shutil.copytree(small, full, copy_function=os.link)      # cp -al: every file shared with "small"
    before = (small / "split.tsv").read_bytes()
    assert mod.main([str(full), str(repo / ".git"), "--max-pages", "poilus=all"]) == 0
    assert [r["hand"] for r in _rows(full)] == ["AN_0057", "AN_0999", "AN_0999"]
    assert (small / "split.tsv").read_bytes() == before      # the copy's rebuild left the original alone
    assert json.loads((full / "stats.json").read_text())["sources"]["poilus"]["max_pages"] is None
    with pytest.raises(SystemExit):
        mod.main([str(full), str(repo / ".git"), "--max-pages", "nosuch=3"])
    assert "--max-pages 'nosuch=3'" in capsys.readouterr().err
