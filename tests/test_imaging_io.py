"""Image input: formats, bit depths, colour models, dpi, ordering and every kind of bad input."""

from __future__ import annotations

import hashlib
import os
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
import tifffile
from PIL import Image, features

from _data_helpers import DATA
from _imaging_helpers import (
    add_jp2_capture_resolution,
    cmyk_icc_profile,
    noise_rgb,
    write_pdf,
    write_png_header_only,
    write_truncated,
)
from digitizer.errors import ExitCode, InputFileError
from digitizer.imaging.io import (
    DEFAULT_MAX_PIXELS,
    IMAGE_EXTENSIONS,
    SUPPORTED_FORMATS,
    ImageInputError,
    expand_inputs,
    iter_frames,
    load_frame,
    natural_key,
    probe,
    sniff_format,
)



def bad(path: Path, **kwargs: object) -> ImageInputError:
    """Probe ``path`` expecting failure; return the error."""
    with pytest.raises(ImageInputError) as info:
        probe(path, **kwargs)
    err = info.value
    assert isinstance(err, InputFileError)
    assert err.exit_code == ExitCode.INPUT
    assert err.path == str(path)
    assert "\n" not in err.user_message
    assert str(err).startswith(f"{path}: ")
    return err


def pixels(im: Image.Image) -> np.ndarray:
    return np.asarray(im)


# --------------------------------------------------------------------------- constants


def test_public_constants() -> None:
    assert set(SUPPORTED_FORMATS) == {"TIFF", "JPEG", "PNG", "JPEG2000", "PDF"}
    assert SUPPORTED_FORMATS["JPEG2000"] == "image/jp2"
    assert SUPPORTED_FORMATS["PDF"] == "application/pdf"
    assert {".tif", ".tiff", ".jpg", ".jpeg", ".png", ".jp2", ".j2k", ".jpx", ".pdf"} == IMAGE_EXTENSIONS
    assert DEFAULT_MAX_PIXELS == 500_000_000


# --------------------------------------------------------------------------- TIFF


def test_multipage_tiff_frames_sizes_and_dpi(tmp_path: Path) -> None:
    frames = [noise_rgb(300, 200, 0), noise_rgb(120, 90, 1), noise_rgb(64, 32, 2)]
    path = tmp_path / "vol.tif"
    frames[0].save(path, save_all=True, append_images=frames[1:], dpi=(400, 400))

    info = probe(path)
    assert (info.format, info.mime, info.frames) == ("TIFF", "image/tiff", 3)
    assert (info.width, info.height, info.dpi, info.mode) == (300, 200, 400.0, "RGB")

    seen = list(iter_frames(path))
    assert [i for i, _, _ in seen] == [0, 1, 2]
    for (_, im, dpi), original in zip(seen, frames, strict=True):
        assert im.size == original.size and im.mode == "RGB" and dpi == 400.0
        assert np.array_equal(pixels(im), pixels(original))
    last, dpi = load_frame(path, 2)
    assert np.array_equal(pixels(last), pixels(frames[2]))
    with pytest.raises(IndexError):
        load_frame(path, 3)


def test_grey_8bit_tiff(tmp_path: Path) -> None:
    grey = Image.fromarray(np.tile(np.arange(256, dtype=np.uint8), (10, 1)), "L")
    path = tmp_path / "grey.tif"
    grey.save(path, compression="tiff_lzw", dpi=(300, 300))
    info = probe(path)
    assert (info.mode, info.bits_per_sample, info.dpi, info.has_alpha) == ("L", 8, 300.0, False)
    im, dpi = load_frame(path)
    assert im.mode == "L" and dpi == 300.0
    assert np.array_equal(pixels(im), pixels(grey))


@pytest.mark.parametrize("byteorder", ["<", ">"])
def test_grey_16bit_tiff_is_scaled_not_clipped(tmp_path: Path, byteorder: str) -> None:
    values = np.array([[0, 257, 25700, 32768, 50000, 65535]], dtype=np.uint16)
    path = tmp_path / "g16.tif"
    tifffile.imwrite(path, values, byteorder=byteorder)
    info = probe(path)
    assert info.mode.startswith("I;16") and info.bits_per_sample == 16

    im, _ = load_frame(path)
    assert im.mode == "L"
    assert pixels(im).tolist() == [[0, 1, 100, 128, 195, 255]]  # v / 257, rounded
    raw, _ = load_frame(path, normalize=False)
    assert raw.mode.startswith("I;16")
    assert pixels(raw).astype(int).tolist() == values.astype(int).tolist()


def test_16bit_png_is_scaled(tmp_path: Path) -> None:
    path = tmp_path / "g16.png"
    Image.fromarray(np.array([[0, 65535, 12850]], dtype=np.uint16)).save(path)
    assert probe(path).bits_per_sample == 16
    im, _ = load_frame(path)
    assert (im.mode, pixels(im).tolist()) == ("L", [[0, 255, 50]])


def test_rgb_tiff_with_resolution_in_centimetres(tmp_path: Path) -> None:
    path = tmp_path / "rgb.tif"
    noise_rgb(50, 40).save(path, resolution_unit=3, x_resolution=118.11, y_resolution=118.11)
    info = probe(path)
    assert info.mode == "RGB" and info.dpi == pytest.approx(300.0, abs=0.01)


def test_one_bit_tiff_becomes_grey(tmp_path: Path) -> None:
    bilevel = Image.new("1", (64, 48), 1)
    bilevel.paste(0, (0, 0, 32, 48))
    path = tmp_path / "fax.tif"
    bilevel.save(path, compression="group4", dpi=(600, 600))
    info = probe(path)
    assert (info.mode, info.bits_per_sample, info.dpi) == ("1", 1, 600.0)
    im, _ = load_frame(path)
    assert im.mode == "L"
    assert pixels(im)[0, 0] == 0 and pixels(im)[0, 63] == 255
    assert set(np.unique(pixels(im))) == {0, 255}


def _cmyk_patch() -> Image.Image:
    im = Image.new("CMYK", (2, 1))
    im.putpixel((0, 0), (255, 0, 0, 0))  # cyan
    im.putpixel((1, 0), (0, 255, 255, 0))  # red (magenta + yellow)
    return im


def test_cmyk_without_profile_uses_plain_conversion(tmp_path: Path) -> None:
    path = tmp_path / "cmyk.tif"
    _cmyk_patch().save(path)
    info = probe(path)
    assert info.mode == "CMYK" and info.icc_profile is None
    im, _ = load_frame(path)
    assert im.mode == "RGB"
    assert im.getpixel((0, 0)) == (0, 255, 255) and im.getpixel((1, 0)) == (255, 0, 0)


def test_cmyk_with_icc_profile_goes_through_the_profile(tmp_path: Path) -> None:
    icc = cmyk_icc_profile()  # maps cyan ink to a press cyan (Lab 55/-37/-50), not to (0,255,255)
    path = tmp_path / "cmyk_icc.tif"
    _cmyk_patch().save(path, icc_profile=icc)
    info = probe(path)
    assert info.mode == "CMYK" and info.icc_profile == icc
    im, _ = load_frame(path)
    assert im.mode == "RGB" and "icc_profile" not in im.info
    cyan, red = im.getpixel((0, 0)), im.getpixel((1, 0))
    assert cyan[0] < 40 and 120 < cyan[1] < 180 and cyan[2] > 190
    assert red[0] > 180 and red[1] < 60 and red[2] < 60
    assert probe(path) == info  # input untouched: same answer twice


def test_rgba_tiff_is_composited_on_white(tmp_path: Path) -> None:
    rgba = Image.new("RGBA", (3, 1))
    rgba.putdata([(255, 0, 0, 0), (0, 0, 0, 255), (255, 0, 0, 128)])
    path = tmp_path / "rgba.tif"
    rgba.save(path)
    info = probe(path)
    assert info.has_alpha and info.mode == "RGBA"
    im, _ = load_frame(path)
    assert im.mode == "RGB"
    assert im.getpixel((0, 0)) == (255, 255, 255)
    assert im.getpixel((1, 0)) == (0, 0, 0)
    r, g, b = im.getpixel((2, 0))
    assert r == 255 and 120 <= g <= 135 and g == b


def test_la_png_is_composited_on_white_and_stays_grey(tmp_path: Path) -> None:
    la = Image.new("LA", (2, 1))
    la.putpixel((0, 0), (0, 0))
    la.putpixel((1, 0), (0, 255))
    path = tmp_path / "la.png"
    la.save(path)
    assert probe(path).has_alpha
    im, _ = load_frame(path)
    assert im.mode == "L" and pixels(im).tolist() == [[255, 0]]


def test_palette_images(tmp_path: Path) -> None:
    grey_pal = tmp_path / "greypal.png"
    Image.fromarray(np.array([[0, 128, 255]], dtype=np.uint8), "L").convert("P").save(grey_pal)
    im, _ = load_frame(grey_pal)
    assert im.mode == "L" and pixels(im).tolist() == [[0, 128, 255]]

    colour = tmp_path / "pal.png"
    Image.new("RGB", (2, 1), (200, 10, 10)).convert("P", palette=Image.Palette.ADAPTIVE).save(colour)
    im, _ = load_frame(colour)
    assert im.mode == "RGB" and im.getpixel((0, 0)) == (200, 10, 10)


def test_transparency_key_colour_is_composited(tmp_path: Path) -> None:
    grey = Image.fromarray(np.array([[7, 100]], dtype=np.uint8), "L")
    grey.save(tmp_path / "key.png", transparency=7)  # tRNS: value 7 is transparent
    assert probe(tmp_path / "key.png").has_alpha
    im, _ = load_frame(tmp_path / "key.png")
    assert im.mode == "L" and pixels(im).tolist() == [[255, 100]]

    pal = Image.new("P", (2, 1))
    pal.putpalette([0, 0, 0, 200, 0, 0] + [0] * 762)
    pal.putpixel((1, 0), 1)
    pal.save(tmp_path / "pal.png", transparency=0)
    im, _ = load_frame(tmp_path / "pal.png")
    assert im.mode == "RGB" and [im.getpixel((x, 0)) for x in (0, 1)] == [(255, 255, 255), (200, 0, 0)]


def test_float_tiff_is_scaled(tmp_path: Path) -> None:
    path = tmp_path / "float.tif"
    tifffile.imwrite(path, np.array([[0.0, 0.5, 1.0]], dtype=np.float32))
    info = probe(path)
    assert (info.mode, info.bits_per_sample) == ("F", 32)
    im, _ = load_frame(path)
    assert im.mode == "L" and pixels(im).tolist() == [[0, 128, 255]]


# --------------------------------------------------------------------------- JPEG, PNG, JPEG 2000


@pytest.mark.parametrize(
    ("save_kwargs", "expected"),
    [({"dpi": (300, 300)}, 300.0), ({}, None), ({"dpi": (72, 72)}, None), ({"dpi": (1, 1)}, None)],
    ids=["300dpi", "no-density", "72-placeholder", "aspect-only"],
)
def test_jpeg_dpi(tmp_path: Path, save_kwargs: dict, expected: float | None) -> None:
    path = tmp_path / "page.jpg"
    noise_rgb(80, 60).save(path, quality=90, **save_kwargs)
    info = probe(path)
    assert (info.format, info.mime, info.width, info.height) == ("JPEG", "image/jpeg", 80, 60)
    assert info.dpi == expected
    im, dpi = load_frame(path)
    assert im.mode == "RGB" and im.size == (80, 60) and dpi == expected


def test_png_dpi_from_phys_and_absent(tmp_path: Path) -> None:
    with_dpi, without = tmp_path / "a.png", tmp_path / "b.png"
    noise_rgb(40, 30).save(with_dpi, dpi=(300, 300))  # pHYs: 11811 px/m
    noise_rgb(40, 30).save(without)
    assert probe(with_dpi).dpi == 300.0
    assert probe(without).dpi is None
    assert probe(with_dpi).bits_per_sample == 8


@pytest.mark.skipif(not features.check("jpg_2000"), reason="Pillow built without OpenJPEG")
def test_jpeg2000_lossless_and_resolution_box(tmp_path: Path) -> None:
    original = noise_rgb(64, 48)
    jp2 = tmp_path / "page.jp2"
    original.save(jp2)  # Pillow's default is the reversible (lossless) transform
    info = probe(jp2)
    assert (info.format, info.mime, info.width, info.height, info.dpi) == (
        "JPEG2000", "image/jp2", 64, 48, None)
    im, _ = load_frame(jp2)
    assert np.array_equal(pixels(im), pixels(original))

    add_jp2_capture_resolution(jp2, 400)
    assert probe(jp2).dpi == 400.0

    codestream = tmp_path / "page.j2k"
    original.save(codestream)
    assert sniff_format(codestream) == "JPEG2000" and probe(codestream).format == "JPEG2000"


def test_format_comes_from_content_not_extension(tmp_path: Path) -> None:
    path = tmp_path / "really_a_png.jpg"
    noise_rgb(10, 10).save(path, "PNG")
    assert sniff_format(path) == "PNG"
    assert probe(path).format == "PNG"


# --------------------------------------------------------------------------- PDF


def test_pdf_pages_render_at_requested_dpi(tmp_path: Path) -> None:
    # 2x1 in, 1x3 in; images at 400 dpi, so the requested resolution (the cap) decides
    path = write_pdf(tmp_path / "doc.pdf", [(800, 400), (400, 1200)], resolution=400)
    info = probe(path, pdf_dpi=150)
    assert (info.format, info.mime, info.frames, info.dpi) == ("PDF", "application/pdf", 2, 150.0)
    assert (info.width, info.height) == (300, 150)

    low = list(iter_frames(path, pdf_dpi=150))
    high = list(iter_frames(path, pdf_dpi=300))
    for (_, lo, lo_dpi), (_, hi, hi_dpi) in zip(low, high, strict=True):
        assert (lo_dpi, hi_dpi) == (150.0, 300.0)
        assert lo.mode == hi.mode == "RGB"
        assert hi.size == (2 * lo.width, 2 * lo.height)
    page2, dpi = load_frame(path, 1, pdf_dpi=300)
    assert dpi == 300.0 and page2.size == (300, 900)
    assert probe(path, pdf_dpi=300, decode=False).width == high[0][1].width
    assert page2.getpixel((5, 5)) == (0, 0, 0)  # the black bar, top left
    assert page2.getpixel((page2.width - 5, page2.height - 5)) == (255, 255, 255)


def test_pdf_page_over_the_pixel_limit(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "doc.pdf", [(800, 400), (400, 1200)], resolution=400)
    err = bad(path, pdf_dpi=300, max_pixels=200_000)  # page 2 is 300 x 900 = 270,000 px
    assert err.kind == "too-large" and "300 x 900" in err.reason and "page 2 of 2" in err.reason
    with pytest.raises(ImageInputError, match="too large"):
        load_frame(path, 1, pdf_dpi=300, max_pixels=200_000)


def test_corrupt_pdf(tmp_path: Path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.7\n" + os.urandom(200))
    err = bad(path)
    assert err.kind == "corrupt" and "PDF" in err.reason


# --------------------------------------------------------------------------- ordering


def test_natural_key_orders_numbers_and_ignores_case() -> None:
    names = ["p10.tif", "P2.tif", "p1.tif", "p02b.tif", "a.tif", "p2.tif"]
    assert sorted(names, key=natural_key) == ["a.tif", "p1.tif", "P2.tif", "p2.tif", "p02b.tif", "p10.tif"]
    assert natural_key("scan_9") < natural_key("scan_10") < natural_key("Scan_11")


def test_expand_inputs_folders_in_natural_order(tmp_path: Path) -> None:
    root = tmp_path / "box"
    (root / "vol10").mkdir(parents=True)
    (root / "vol2").mkdir()
    (root / ".thumbs").mkdir()
    for rel in ["p10.TIF", "p2.tif", "P1.jpg", "vol10/a1.png", "vol2/b3.pdf", "vol2/B1.JP2",
                "notes.txt", "vol2/meta.xml", ".DS_Store.tif", ".thumbs/p0.png"]:
        (root / rel).write_bytes(b"x")
    explicit = tmp_path / "readme.md"
    explicit.write_text("given on purpose")

    files, skipped = expand_inputs([root, explicit])
    rel = [f.relative_to(root).as_posix() if root in f.parents else f.name for f in files]
    assert rel == ["P1.jpg", "p2.tif", "p10.TIF", "vol2/B1.JP2", "vol2/b3.pdf",
                   "vol10/a1.png", "readme.md"]
    assert sorted((p.name, why) for p, why in skipped) == [
        ("meta.xml", "skipped: not an image or PDF"), ("notes.txt", "skipped: not an image or PDF")]

    flat, flat_skipped = expand_inputs([root], recursive=False)
    assert [f.name for f in flat] == ["P1.jpg", "p2.tif", "p10.TIF"]
    assert [p.name for p, _ in flat_skipped] == ["notes.txt"]
    again, _ = expand_inputs([root / "p2.tif", root])
    assert [f.name for f in again][:2] == ["p2.tif", "P1.jpg"] and len(again) == 6


def test_expand_inputs_keeps_missing_explicit_paths(tmp_path: Path) -> None:
    files, skipped = expand_inputs([tmp_path / "nope.tif"])
    assert files == [tmp_path / "nope.tif"] and skipped == []


# --------------------------------------------------------------------------- bad input


def test_zero_byte_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.tif"
    path.touch()
    err = bad(path)
    assert err.kind == "empty" and err.reason == "empty file (0 bytes)"


@pytest.mark.parametrize(
    ("content", "looks_like"),
    [
        (b"Dear archivist,\nplease scan page 2.\n", "text"),
        (b"<!DOCTYPE html><html><body>scan</body></html>", "HTML"),
        (b"<?xml version='1.0'?><alto/>", "XML"),
        (b"\x00\x13\x37\xfe" + bytes(range(256)) * 4, "unrecognised binary data"),
    ],
    ids=["text", "html", "xml", "binary"],
)
def test_not_an_image(tmp_path: Path, content: bytes, looks_like: str) -> None:
    path = tmp_path / "page.tif"
    path.write_bytes(content)
    err = bad(path)
    assert err.kind == "not-image"
    assert err.reason == f"not an image or PDF (looks like {looks_like})"


def test_zip_is_not_an_image(tmp_path: Path) -> None:
    path = tmp_path / "scan.jpg"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("word/document.xml", "<w/>")
    assert bad(path).reason == "not an image or PDF (looks like a ZIP archive)"


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "WEBP"])
def test_unsupported_image_format_is_named(tmp_path: Path, fmt: str) -> None:
    if fmt == "WEBP" and not features.check("webp"):
        pytest.skip("Pillow built without WebP")
    path = tmp_path / "page.tif"  # misleading extension on purpose
    noise_rgb(16, 16).save(path, fmt)
    assert sniff_format(path) == fmt
    err = bad(path)
    assert err.kind == "unsupported"
    assert err.reason == (f"unsupported image format {fmt} "
                          "(supported: TIFF, JPEG, PNG, JPEG 2000, PDF)")


def test_decompression_bomb_is_refused_from_the_header(tmp_path: Path) -> None:
    path = write_png_header_only(tmp_path / "bomb.png", 100_000, 100_000)
    assert path.stat().st_size < 200  # 10 gigapixels claimed by a tiny file
    for decode in (True, False):
        err = bad(path, decode=decode)
        assert err.kind == "too-large"
        assert "100000 x 100000 px" in err.reason
        assert "10,000.0 megapixels" in err.reason and "limit is 500.0 megapixels" in err.reason
    with pytest.raises(ImageInputError, match="too large"):
        load_frame(path)
    with pytest.raises(ImageInputError, match="too large"):
        next(iter_frames(path))


def test_header_above_pillows_limit_but_below_ours_is_accepted(tmp_path: Path) -> None:
    path = write_png_header_only(tmp_path / "big.png", 20_000, 10_000)  # 200 MP > Pillow's 179 MP
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no DecompressionBombWarning may escape
        info = probe(path, decode=False)
    assert (info.width, info.height) == (20_000, 10_000)


def test_pillow_global_limit_does_not_override_ours(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1_000)  # someone lowered it process-wide
    frames = [noise_rgb(100, 100, 0), noise_rgb(100, 100, 1)]
    path = tmp_path / "two.tif"
    frames[0].save(path, save_all=True, append_images=frames[1:])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert probe(path).frames == 2
        im, _ = load_frame(path, 1)
    assert im.size == (100, 100)
    assert Image.MAX_IMAGE_PIXELS == 1_000  # restored afterwards


def test_max_pixels_names_the_frame(tmp_path: Path) -> None:
    path = tmp_path / "two.tif"
    noise_rgb(10, 10).save(path, save_all=True, append_images=[noise_rgb(100, 50)])
    err = bad(path, max_pixels=1_000)
    assert err.kind == "too-large" and "100 x 50 px" in err.reason and "frame 2 of 2" in err.reason


@pytest.mark.parametrize(
    ("name", "save_kwargs", "label"),
    [
        ("page.jpg", {"quality": 95}, "JPEG"),
        ("page.png", {}, "PNG"),
        ("page.tif", {}, "TIFF"),
        ("page_lzw.tif", {"compression": "tiff_lzw"}, "TIFF"),
    ],
)
def test_truncated_file_is_corrupt(tmp_path: Path, name: str, save_kwargs: dict, label: str) -> None:
    whole = tmp_path / name
    noise_rgb(400, 300).save(whole, **save_kwargs)
    cut = write_truncated(whole, tmp_path / f"cut_{name}")
    err = bad(cut)
    assert err.kind == "corrupt"
    assert err.reason.startswith(f"truncated or corrupt {label} data")
    with pytest.raises(ImageInputError, match="truncated or corrupt"):
        load_frame(cut)


def test_truncated_last_frame_of_multipage_tiff(tmp_path: Path) -> None:
    whole = tmp_path / "vol.tif"
    frames = [noise_rgb(200, 100, i) for i in range(3)]
    frames[0].save(whole, save_all=True, append_images=frames[1:])
    cut = write_truncated(whole, tmp_path / "cut.tif", 0.95)
    assert probe(cut, decode=False).frames == 3  # the header alone looks fine ...
    info = probe(cut)  # ... decoding every frame finds the damage, which costs only that frame
    assert list(info.bad_frames) == [2] and "frame 3 of 3" in info.bad_frames[2]


def test_pdf_page_renders_at_its_image_resolution_capped(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "doc.pdf", [(200, 100)], resolution=72)    # a 72-dpi scan
    info = probe(path, pdf_dpi=300)
    assert (info.width, info.height, info.dpi) == (200, 100, 72.0)       # not upscaled to 300 dpi
    image, dpi = load_frame(path, 0, pdf_dpi=300)
    assert image.size == (200, 100) and dpi == 72.0


@pytest.mark.parametrize("case", ["directory", "missing", "broken-symlink"])
def test_unreadable(tmp_path: Path, case: str) -> None:
    path = tmp_path / "p1.tif"
    expected = {"directory": "is a directory, not a file", "missing": "file not found",
                "broken-symlink": "broken symbolic link"}[case]
    if case == "directory":
        path.mkdir()
    elif case == "broken-symlink":
        path.symlink_to(tmp_path / "gone.tif")
    err = bad(path)
    assert err.kind == "unreadable" and err.reason.startswith(expected)
    with pytest.raises(ImageInputError, match=expected):
        load_frame(path)


@pytest.mark.not_as_root
@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root can read mode-000 files")
def test_permission_denied(tmp_path: Path) -> None:
    path = tmp_path / "secret.png"
    noise_rgb(8, 8).save(path)
    path.chmod(0)
    try:
        err = bad(path)
    finally:
        path.chmod(0o644)
    assert err.kind == "unreadable" and err.reason == "permission denied"


# --------------------------------------------------------------------------- real scans


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    ("rel", "fmt", "size", "dpi"),
    [
        ("ocrd-assets-kant/INPUT_0017.tif", "TIFF", (1457, 2083), 300.0),
        ("tapuscorpus/22_c266f_default.jpg", "JPEG", (2548, 3308), 300.0),
        ("tapuscorpus/bljd_DSN390_00002_third.jpg", "JPEG", (848, 1093), None),  # JFIF 1:1, aspect only
    ],
)
def test_real_scans(rel: str, fmt: str, size: tuple[int, int], dpi: float | None) -> None:
    path = DATA / rel
    before = (_sha256(path), path.stat().st_mtime_ns)
    info = probe(path)
    assert (info.format, (info.width, info.height), info.dpi, info.frames) == (fmt, size, dpi, 1)
    assert info.mode == "RGB" and info.bits_per_sample == 8
    im, loaded_dpi = load_frame(path)
    assert im.size == size and im.mode == "RGB" and loaded_dpi == dpi
    assert (_sha256(path), path.stat().st_mtime_ns) == before  # never modified
