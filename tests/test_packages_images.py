"""TIFF masters (pixel identity, tags, ICC) and IIIF level-0 derivatives with the official checks."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
import pyvips
from PIL import Image, ImageCms

from _iiif_helpers import check_level0_tiles
from _packages_helpers import KANT, POILUS
from digitizer.export.iiif import DerivativeOptions, info_errors, make_derivatives
from digitizer.export.tiff import MasterTags, gray_icc_profile, pixels_identical, read_tags, write_master

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("compression", ["none", "lzw", "deflate"])
def test_master_is_pixel_identical_with_tags(tmp_path, compression):
    tags = MasterTags(description="Kant p. 1", artist="Jane Operator", copyright="CC BY-SA 4.0 DTA",
                      datetime="2026-01-02T03:04:05Z", software="digitizer", xmp=b"<x:xmpmeta xmlns:x='adobe:ns:meta/'/>")
    info = write_master(KANT[0], tmp_path / "m.tif", dpi=300, compression=compression, tags=tags)
    assert pixels_identical(KANT[0], info.path)
    t = read_tags(info.path)
    assert t["ImageDescription"] == "Kant p. 1" and t["Artist"] == "Jane Operator"
    assert t["Copyright"] == "CC BY-SA 4.0 DTA" and t["DateTime"] == "2026:01:02 03:04:05"
    assert t["XResolution"] == (300, 1) and int(t["ResolutionUnit"]) == 2
    assert int(t["Compression"]) == {"none": 1, "lzw": 5, "deflate": 8}[compression]
    assert b"xmpmeta" in bytes(t["XMP"])
    src_icc = pyvips.Image.new_from_file(str(KANT[0])).get("icc-profile-data")
    assert bytes(t["InterColorProfile"]) == src_icc and info.icc == "embedded"


def test_master_keeps_16_bit_gray_and_assigns_gray_profile(tmp_path):
    arr = (np.arange(300 * 200, dtype=np.uint32).reshape(200, 300) * 7 % 65536).astype(np.uint16)
    src = tmp_path / "g16.png"
    Image.fromarray(arr).save(src)
    info = write_master(src, tmp_path / "g16.tif", compression="lzw")
    assert info.bits == 16 and info.bands == 1 and info.icc == "assigned-gray"
    back = pyvips.Image.new_from_file(str(info.path))
    assert back.format == "ushort"
    assert np.array_equal(np.ndarray(buffer=back.write_to_memory(), dtype=np.uint16, shape=(200, 300)), arr)
    prof = ImageCms.ImageCmsProfile(io.BytesIO(back.get("icc-profile-data")))
    assert prof.profile.xcolor_space.strip() == "GRAY"
    assert ImageCms.ImageCmsProfile(io.BytesIO(gray_icc_profile())).profile.profile_description == "Gray gamma 2.2"


def test_master_from_jpeg_assigns_srgb_and_a_flipped_pixel_is_seen(tmp_path):
    info = write_master(POILUS, tmp_path / "p.tif")
    assert info.icc == "assigned-srgb" and pixels_identical(POILUS, info.path)
    img = pyvips.Image.new_from_file(str(info.path))
    mem = bytearray(img.write_to_memory())
    mem[12345] ^= 1
    pyvips.Image.new_from_memory(bytes(mem), img.width, img.height, img.bands, img.format).tiffsave(
        str(tmp_path / "q.tif"))
    assert not pixels_identical(info.path, tmp_path / "q.tif")


def test_derivatives_pyramid_tiles_sizes(tmp_path):
    der = make_derivatives(KANT[0], tmp_path, 1, service_id="http://127.0.0.1:8765/item/iiif/0001",
                           opts=DerivativeOptions())
    info = json.loads((der.iiif_dir / "info.json").read_text())
    assert info_errors(info) == []
    assert info["id"] == "http://127.0.0.1:8765/item/iiif/0001" and info["width"] == 1457
    for s in info["sizes"]:
        jpg = der.iiif_dir / "full" / f"{s['width']},{s['height']}" / "0" / "default.jpg"
        assert Image.open(jpg).size == (s["width"], s["height"])
    assert {"width": 140, "height": 200} in info["sizes"]            # the thumbnail size
    assert Image.open(der.access).size == (1457, 2083)
    assert max(Image.open(der.thumb).size) == 200
    import tifffile

    with tifffile.TiffFile(der.pyramid) as tf:
        assert len(tf.pages) >= 3                                      # full size + reduced levels
        assert [p.shape[1] for p in tf.pages[:3]] == [1457, 728, 364]
        assert all(p.is_tiled and p.tilewidth == 256 and int(p.compression) == 7 for p in tf.pages)


def test_level0_tiles_pass_the_iiif_image_api_validator(tmp_path):
    res = check_level0_tiles(tmp_path / "check", "3.0")
    out = res.stdout + res.stderr
    assert res.returncode == 0 and "Done (5 tests, 0 failures)" in out, out[-3000:]
