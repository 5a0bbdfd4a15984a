"""Mixed use: one item, a printed page through Tesseract and a page overridden to kraken with the
shipped model; both exported as valid ALTO (kraken's with BASELINE and Shape/Polygon)."""

from __future__ import annotations

import os
import subprocess
import sys

from lxml import etree

from digitizer.demo import LETTERS, render_text_page
from digitizer.export.validate import validate
from digitizer.store import ProjectStore

ALTO = "{http://www.loc.gov/standards/alto/ns-v4#}"


def cli(*args):
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    return subprocess.run([sys.executable, "-m", "digitizer.cli.main", *args], capture_output=True, text=True,
                          env=env, timeout=900)


def test_per_page_engine_override_runs_kraken_and_tesseract(tmp_path):
    src = tmp_path / "scans"
    src.mkdir()
    for n, lines in ((1, LETTERS[0][:4]), (2, LETTERS[1][:4])):
        render_text_page(lines, width=1600, height=700, font_size=40, margin=80).save(src / f"p{n}.png", dpi=(300, 300))
    proj, out = tmp_path / "proj", tmp_path / "out"
    assert cli("init", str(proj)).returncode == 0
    assert cli("import", str(proj), str(src), "--item", "mixed", "--profile", "printed-modern").returncode == 0
    with ProjectStore.open(proj) as s:
        pages = s.pages()
    res = cli("engine", str(proj), "--page", str(pages[1].id), "--set", "kraken", "--model", "poilus-fr-v1")
    assert res.returncode == 0, res.stderr
    bad = cli("engine", str(proj), "--page", str(pages[1].id), "--set", "abbyy")
    assert bad.returncode == 5 and "abbyy" in bad.stderr
    res = cli("process", str(proj), "--workers", "0")
    assert res.returncode == 0, res.stderr
    with ProjectStore.open(proj) as s:
        tools = [s.events(page_id=p.id, action="recognize")[-1].tool for p in s.pages()]
        models = [s.events(page_id=p.id, action="recognize")[-1].model for p in s.pages()]
        tess, kr = s.load_layout(pages[0].id), s.load_layout(pages[1].id)
    assert tools == ["tesseract", "kraken"] and models[1] == "poilus-fr-v1"
    assert "Westbrook" in tess.text
    assert kr.lines() and all(ln.baseline and ln.polygon for ln in kr.lines())
    assert cli("export", str(proj), "-o", str(out), "--format", "alto,page,text,mets").returncode == 0
    alto = etree.parse(str(out / "mixed" / "alto" / "0002.xml"))
    assert validate(alto, "alto").is_valid
    assert alto.find(f".//{ALTO}TextLine").get("BASELINE")
    assert alto.find(f".//{ALTO}TextLine/{ALTO}Shape/{ALTO}Polygon") is not None
    assert validate(etree.parse(str(out / "mixed" / "page" / "0002.xml")), "page").is_valid
