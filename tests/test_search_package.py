"""Search in the exported package (issue 16): per-item search data, the manifest's Content Search
services, ``digitizer serve`` answering IIIF Content Search 2.0/1.0 on 127.0.0.1, and Mirador 4 in
headless Chromium finding and highlighting a word."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from digitizer.pipeline.export import export_project
from digitizer.store import ProjectStore

from _batch_helpers import digitizer_cmd
from _gui_helpers import copy_project, processed_template  # noqa: F401

NPM = Path(os.environ.get("NPM_DIR", "/tmp/digitizer-viewer-npm"))
MAGENTA = "#ff00ff"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(processed_template, tmp_path):  # noqa: F811
    """The processed two-page project exported with IIIF, served by ``digitizer serve``."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with ProjectStore.open(copy_project(processed_template, tmp_path)) as store:
        export_project(store, tmp_path / "out", formats=["alto", "mets", "iiif"], base_url=base)
    proc = subprocess.Popen(digitizer_cmd("serve", str(tmp_path / "out"), "--port", str(port)),
                            stderr=subprocess.PIPE, text=True)
    try:
        assert "serving" in proc.stderr.readline()
        yield base, tmp_path / "out"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _get(url: str) -> tuple[int, dict, dict]:
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status, dict(r.headers), json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), json.loads(e.read())


def test_export_carries_search_data_and_the_manifest_names_the_service(served):
    base, out = served
    data = json.loads((out / "letters" / "search" / "index.json").read_text("utf-8"))
    assert data["format"] == "digitizer-search-1" and data["folding"]["equivalences"]["ſ"] == "s"
    assert [p["canvas"] for p in data["pages"]] == [f"{base}/letters/canvas/p1", f"{base}/letters/canvas/p2"]
    words = [w for ln in data["pages"][0]["lines"] for w in ln["words"]]
    assert any(w[5] == ["archives"] and w[3] > w[1] and w[4] > w[2] for w in words)
    manifest = json.loads((out / "letters" / "manifest.json").read_text("utf-8"))
    services = {s.get("type") or s.get("@type"): s for s in manifest["service"]}
    assert services["SearchService2"]["id"] == f"{base}/letters/search"
    assert services["SearchService1"]["profile"] == "http://iiif.io/api/search/1/search"
    assert "search/index.json" in (out / "letters" / "mets.xml").read_text("utf-8")


def test_serve_answers_content_search_on_loopback(served):
    base, _ = served
    status, headers, page = _get(f"{base}/letters/search?q=archives")
    assert status == 200 and page["type"] == "AnnotationPage"
    assert page["@context"] == "http://iiif.io/api/search/2/context.json"
    [hit] = page["items"]
    assert hit["body"]["value"].lower().startswith("archives")
    canvas, xywh = hit["target"].split("#xywh=")
    assert canvas == f"{base}/letters/canvas/p1"
    x, y, w, h = map(int, xywh.split(","))
    assert 0 <= x < 1240 and 0 <= y < 700 and 0 < w < 600 and 0 < h < 200
    assert page["annotations"][0]["items"][0]["target"]["source"] == hit["id"]
    assert _get(f"{base}/letters/search?q=archivez")[2]["items"] == []
    assert _get(f"{base}/letters/search?q=archivez&fuzzy=1")[2]["items"][0]["target"] == hit["target"]
    assert _get(f"{base}/letters/search?q=%22quick+brown%22")[2]["items"][0]["target"].startswith(canvas)
    v1 = _get(f"{base}/letters/search1?q=archives")[2]
    assert v1["hits"][0]["annotations"] == [v1["resources"][0]["@id"]] and v1["within"]["total"] == 1
    bad = _get(f"{base}/letters/search?q=%22lazy")
    assert bad[0] == 400 and "unbalanced quote" in bad[2]["error"]
    assert _get(f"{base}/nothing/search?q=x")[0] == 404
    with urllib.request.urlopen(f"{base}/letters/manifest.json", timeout=30) as r:
        assert r.status == 200 and r.headers["Access-Control-Allow-Origin"] == "*"


def _mirador_js() -> Path:
    js = NPM / "node_modules" / "mirador" / "dist" / "mirador.min.js"
    if not js.exists():
        NPM.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "init", "-y"], cwd=NPM, capture_output=True, check=True)
        subprocess.run(["npm", "install", "--ignore-scripts", "--no-audit", "--no-fund", "mirador@4.0.0"], cwd=NPM,
                       capture_output=True, check=True, timeout=600)
    return js


def _mirador_page(out: Path, base: str, query: str | None) -> str:
    window = {"manifestId": f"{base}/letters/manifest.json", "thumbnailNavigationPosition": "off",
              "sideBarOpen": True, "sideBarPanel": "search"}
    hl = {"fillStyle": MAGENTA, "globalAlpha": 1}
    config = {"id": "viewer", "windows": [window], "workspaceControlPanel": {"enabled": False},
              "window": {"allowClose": False, "sideBarOpen": True},
              "themes": {"light": {"palette": {"search": {"default": hl, "hovered": hl, "selected": hl}}}}}
    name = f"mirador-{query or 'none'}.html"
    (out / name).write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8"><style>html,body{margin:0;height:100%}'
        '#viewer{position:absolute;inset:0}</style></head><body><div id="viewer"></div>'
        f'<script src="mirador.min.js"></script><script>Mirador.viewer({json.dumps(config)});</script></body></html>')
    return f"{base}/{name}"


_COUNT_MAGENTA = """() => { let n = 0; for (const c of document.querySelectorAll('canvas')) { try {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (let i = 0; i < d.length; i += 4) if (d[i] > 200 && d[i+1] < 60 && d[i+2] > 200) n++; } catch (e) {} }
    return n; }"""


@pytest.mark.chromium
@pytest.mark.skipif(shutil.which("chromium") is None or shutil.which("npm") is None,
                    reason="needs Debian chromium and npm (.ci/viewer-smoke.sh installs them)")
def test_mirador_finds_and_highlights_a_word(served, tmp_path):
    playwright = pytest.importorskip("playwright.sync_api")
    base, out = served
    shutil.copy(_mirador_js(), out / "mirador.min.js")
    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run", "--disable-dev-shm-usage"]
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=args)
        counts, texts = {}, {}
        for query in (None, "archives"):
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            searched, errors = [], []
            page.on("request", lambda r, searched=searched: searched.append(r.url) if "/search1?" in r.url else None)
            page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
            page.goto(_mirador_page(out, base, query), wait_until="networkidle")
            if query:                               # typed into Mirador's search panel, as a reader would
                page.fill("input[id^='search-']", query)
                page.press("input[id^='search-']", "Enter")
            for _ in range(60):                     # bounded by steps: up to 30 s of 0.5 s polls
                counts[query] = page.evaluate(_COUNT_MAGENTA)
                if counts[query] > 0:
                    break
                page.wait_for_timeout(500)
            texts[query] = page.inner_text("body")
            page.screenshot(path=str(tmp_path / f"mirador-{query}.png"))
            assert not errors, errors
            if query:
                assert searched and "q=archives" in searched[0]
            page.close()
        browser.close()
    assert counts[None] == 0                        # no highlight colour without a search
    assert counts["archives"] > 50, texts["archives"][-2000:]
    assert "Archives" in texts["archives"]          # the hit is listed in the search panel
