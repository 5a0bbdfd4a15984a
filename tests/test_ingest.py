"""Import into the store: masters byte-exact, frames of multi-page sources, re-import detection,
missing resolution flagged, failures recorded while the batch goes on."""

from __future__ import annotations

import pytest
from PIL import Image

from digitizer.fsutil import sha256_file
from digitizer.ingest import import_paths
from digitizer.store import ProjectStore


@pytest.fixture
def store(tmp_path):
    with ProjectStore.create(tmp_path / "proj") as s:
        yield s


def page_image(n: int, size=(400, 300)) -> Image.Image:
    img = Image.new("L", size, 255)
    img.paste(0, (20 * n, 20, 20 * n + 30, 60))      # a distinct mark per page
    return img


def test_folder_import_natural_order_byte_exact_masters(store, tmp_path):
    src = tmp_path / "scans"
    src.mkdir()
    for n in (10, 2, 1):
        page_image(n).save(src / f"p{n}.tif", dpi=(400, 400))
    item = store.add_item("box")
    rep = import_paths(store, [src], item)
    assert not rep.failures
    pages = store.pages(item.id)
    assert [p.source_path.rsplit("/", 1)[1] for p in pages] == ["p1.tif", "p2.tif", "p10.tif"]
    for p in pages:
        assert sha256_file(store.abspath(p.master.path)) == sha256_file(p.source_path)
        assert p.dpi == 400 and p.dpi_source == "metadata" and not p.dpi_missing
        assert (p.width, p.height) == (400, 300)
    events = store.events(action="import")
    assert len(events) == 3 and events[0].parameters["sha256"] == pages[0].master.sha256
    assert events[0].agent == "test-operator"


def test_reimport_is_detected_by_sha256(store, tmp_path):
    f = tmp_path / "a.png"
    page_image(1).save(f)
    item = store.add_item("box")
    assert len(import_paths(store, [f], item).added) == 1
    copy = tmp_path / "renamed-copy.png"
    copy.write_bytes(f.read_bytes())
    rep = import_paths(store, [copy], item)
    assert not rep.added and len(rep.duplicates) == 1
    assert rep.duplicates[0][1].id == store.pages(item.id)[0].id
    assert len(store.pages()) == 1


def test_multipage_tiff_and_pdf_become_pages_with_extracted_images(store, tmp_path):
    frames = [page_image(n) for n in (1, 2, 3)]
    tif = tmp_path / "multi.tif"
    frames[0].save(tif, save_all=True, append_images=frames[1:], dpi=(300, 300))
    pdf = tmp_path / "doc.pdf"
    rgb = [f.convert("RGB") for f in frames[:2]]
    rgb[0].save(pdf, save_all=True, append_images=rgb[1:], resolution=100.0)
    item = store.add_item("mixed")
    rep = import_paths(store, [tif, pdf], item, pdf_dpi=200)
    assert not rep.failures and len(rep.added) == 5
    pages = store.pages(item.id)
    assert [p.source_page for p in pages] == [0, 1, 2, 0, 1]
    # every page has its own single-frame image; the masters stay the original files
    assert len({p.master.path for p in pages}) == 2
    for p in pages:
        img_path = store.page_image_path(p)
        assert img_path != store.abspath(p.master.path)
        with Image.open(img_path) as im:
            assert im.size == (p.width, p.height)
            assert getattr(im, "n_frames", 1) == 1
    # rendered at the embedded images' 100 dpi, not upscaled to the 200 dpi asked for
    assert pages[3].dpi == 100 and pages[3].dpi_source == "pdf-render"
    assert (pages[3].width, pages[3].height) == (400, 300)
    with Image.open(store.page_image_path(pages[1])) as im:
        assert im.convert("L").getpixel((55, 40)) == 0           # the mark of frame 2 at x 40..70


def test_missing_resolution_is_flagged_and_assumed_dpi_recorded(store, tmp_path):
    f = tmp_path / "nodpi.png"
    page_image(1).save(f)
    item = store.add_item("box")
    rep = import_paths(store, [f], item)
    assert rep.warnings and "no resolution" in rep.warnings[0]
    p = store.pages(item.id)[0]
    assert p.dpi is None and p.dpi_source == "missing" and p.dpi_missing
    g = tmp_path / "nodpi2.png"
    page_image(2).save(g)
    import_paths(store, [g], item, assume_dpi=300)
    p2 = store.pages(item.id)[1]
    assert p2.dpi == 300 and p2.dpi_source == "assumed" and p2.dpi_missing


def test_bad_files_are_recorded_and_do_not_stop_the_batch(store, tmp_path):
    src = tmp_path / "batch"
    src.mkdir()
    page_image(1).save(src / "p1.png")
    (src / "p2.png").write_bytes(b"")
    (src / "p3.tif").write_bytes(b"II*\x00garbage")
    page_image(4).save(src / "p4.png")
    item = store.add_item("box")
    rep = import_paths(store, [src], item)
    assert len(rep.added) == 2
    assert {f[0].rsplit("/", 1)[1] for f in rep.failures} == {"p2.png", "p3.tif"}
    stored = store.failures()
    assert len(stored) == 2 and all(f["item_id"] == item.id for f in stored)
    assert all("\n" not in f["reason"] for f in stored)
    assert not list((store.root / "masters" / "box").glob("p2*"))   # no master for a failed file
    assert len(store.events(action="import")) == 4                   # 2 successes + 2 failures
