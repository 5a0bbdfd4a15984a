"""Preprocessing: deskew accuracy, exact transforms, denoise/binarize/crop, profile options."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

import digitizer
from _preprocess_helpers import (
    add_black_border,
    dev_pages,
    illumination_gradient,
    render_text_page,
    rotate_page,
)
from digitizer.errors import CancelledError, ProfileError
from digitizer.imaging.preprocess import PreprocessOptions, estimate_skew, preprocess, sauvola_threshold
from digitizer.imaging.skew import rotation_transform, warp
from digitizer.model import Transform
from digitizer.progress import CancelToken

# 21 angles every 1.5 deg over -15..+15 plus 6 non-integer ones
SKEW_ANGLES = [round(a, 2) for a in np.arange(-15.0, 15.01, 1.5)] + [-13.37, -7.77, -2.63, 0.37, 4.41, 11.2]


def _ink(img: Image.Image | np.ndarray, level: int = 128) -> np.ndarray:
    return np.asarray(img) < level


# --------------------------------------------------------------------------- deskew


def test_deskew_accuracy_on_synthetic_skews():
    pages = [render_text_page(seed=1), render_text_page(seed=2, font_name="DejaVuSans.ttf")]
    errors = []
    for i, angle in enumerate(SKEW_ANGLES):
        rotated = np.asarray(rotate_page(pages[i % 2], angle))
        errors.append(abs(estimate_skew(rotated) - angle))
    errors = np.array(errors)
    assert len(SKEW_ANGLES) >= 13 and min(SKEW_ANGLES) <= -15 and max(SKEW_ANGLES) >= 15
    assert np.median(errors) <= 0.1, errors
    assert errors.max() <= 0.3, dict(zip(SKEW_ANGLES, errors.round(3)))


def test_straight_and_blank_pages_give_zero():
    assert abs(estimate_skew(np.asarray(render_text_page(seed=3)))) <= 0.05
    assert estimate_skew(np.full((800, 600), 255, np.uint8)) == 0.0
    assert estimate_skew(np.full((800, 600), 255, np.uint8), max_angle=5) == 0.0


def test_deskew_respects_max_angle():
    rotated = np.asarray(rotate_page(render_text_page(seed=4), 9.0))
    assert abs(estimate_skew(rotated, max_angle=15) - 9.0) <= 0.1
    assert abs(estimate_skew(rotated, max_angle=5)) <= 5.0


@pytest.mark.parametrize("name", ["INPUT_0017.tif", "22_c266f_default.jpg", "TestamentsDePoilus_will_AN_0154-0.jpg"])
def test_real_scans_plausible_and_rotation_recovered(name):
    path = next(p for p in dev_pages(("tapuscorpus", "ocrd-assets-kant", "testaments-de-poilus")) if p.name == name)
    page = Image.open(path).convert("L")
    base = estimate_skew(np.asarray(page))
    assert abs(base) < 3.0, f"{name}: implausible skew {base}"
    for angle in (-6.3, 9.1):
        found = estimate_skew(np.asarray(rotate_page(page, angle)))
        assert abs(found - base - angle) <= 0.2, f"{name}: rotated {angle}, found {found}, base {base}"


# --------------------------------------------------------------------------- geometry


def test_rotation_geometry_is_exact_at_90_degrees():
    img = np.random.default_rng(0).integers(0, 256, (50, 100), dtype=np.uint8)
    t, w, h = rotation_transform(100, 50, 90)
    assert (w, h) == (50, 100)
    assert np.array_equal(warp(img, t, (w, h), 255), np.rot90(img))
    assert t.apply(100, 0) == pytest.approx((0, 0), abs=1e-9)


def _page_with_markers() -> tuple[Image.Image, list[tuple[float, float]]]:
    page = render_text_page(seed=6)
    draw = ImageDraw.Draw(page)
    centres = []
    for mx, my in [(300, 420), (950, 700), (620, 1200), (200, 1500)]:
        draw.rectangle((mx - 45, my - 45, mx + 45, my + 45), fill=255)     # clear a quiet zone
        draw.rectangle((mx - 5, my - 5, mx + 5, my + 5), fill=0)           # 11x11 marker
        centres.append((mx + 0.5, my + 0.5))                                # continuous-coordinate centre
    master = add_black_border(rotate_page(page, 7.3), left=60, top=35, right=80, bottom=45)
    # page -> master: rotate (PIL expand about centre) then shift by the border
    t, _, _ = rotation_transform(page.width, page.height, 7.3)
    return master, [(x + 60, y + 35) for x, y in t.apply_points(centres)]


def test_transform_round_trip_rotate_and_crop():
    master, markers = _page_with_markers()
    res = preprocess(master, PreprocessOptions(crop_border=True))
    assert [s.tool for s in res.steps] == ["digitizer.deskew", "digitizer.crop_border"]
    assert res.steps[1].parameters["cropped"] and res.image.size[0] < master.size[0]
    assert res.skew_angle == pytest.approx(7.3, abs=0.1)
    derived = np.asarray(res.image)
    inverse = res.transform.inverse()
    for mx, my in markers:
        px, py = res.transform.apply(mx, my)
        x0, y0 = int(px) - 25, int(py) - 25
        ys, xs = np.nonzero(derived[y0:y0 + 50, x0:x0 + 50] < 128)
        assert 80 <= len(xs) <= 180, "marker not found where the transform says"
        found = (x0 + xs.mean() + 0.5, y0 + ys.mean() + 0.5)
        assert np.hypot(found[0] - px, found[1] - py) <= 2.0
        back = inverse.apply(*found)
        assert np.hypot(back[0] - mx, back[1] - my) <= 2.0


def test_rgb_kept_when_grayscale_off():
    rgb = rotate_page(render_text_page(seed=7), -4.0).convert("RGB")
    res = preprocess(rgb, PreprocessOptions(grayscale=False))
    assert res.image.mode == "RGB"
    assert res.skew_angle == pytest.approx(-4.0, abs=0.1)
    assert np.asarray(res.image)[0, 0].tolist() == [255, 255, 255]   # expanded canvas filled white
    gray = preprocess(rgb, PreprocessOptions(deskew=False))
    assert gray.image.mode == "L" and gray.transform.is_identity()
    assert [s.tool for s in gray.steps] == ["digitizer.grayscale"]


def test_steps_record_tool_version_and_angle():
    import cv2

    res = preprocess(rotate_page(render_text_page(seed=8), 2.5), PreprocessOptions(denoise="median", binarize="otsu"))
    assert [s.tool for s in res.steps] == ["digitizer.denoise", "digitizer.deskew", "digitizer.binarize"]
    assert all(s.action == "preprocess" for s in res.steps)
    assert res.steps[1].tool_version == f"{digitizer.__version__} opencv {cv2.__version__}"
    assert res.steps[1].parameters["angle"] == res.skew_angle
    assert res.steps[1].parameters["angle"] == pytest.approx(2.5, abs=0.1)


def test_cancel_token_stops_preprocessing():
    token = CancelToken()
    token.cancel()
    with pytest.raises(CancelledError):
        preprocess(render_text_page(seed=1), PreprocessOptions(), token)


# --------------------------------------------------------------------------- denoise / binarize


def _flat_paper(clean: np.ndarray) -> np.ndarray:
    """Pixels whose 9x9 neighbourhood on the clean page is plain paper."""
    import cv2

    return cv2.erode((clean >= 250).astype(np.uint8), np.ones((9, 9), np.uint8)) > 0


def test_median_removes_salt_and_pepper_and_keeps_text():
    page = np.asarray(render_text_page(seed=9))
    noise = np.random.default_rng(1).random(page.shape)
    noisy = page.copy()
    noisy[noise < 0.01] = 0
    noisy[noise > 0.99] = 255
    res = preprocess(Image.fromarray(noisy), PreprocessOptions(deskew=False, denoise="median", denoise_strength=3))
    out = np.asarray(res.image)
    assert res.image.mode == "L" and out.shape == page.shape
    paper = _flat_paper(page)
    before, after = (noisy[paper] < 128).sum(), (out[paper] < 128).sum()
    assert before > 1000 and after <= before / 200, (before, after)   # pepper on the paper is gone
    text = _ink(page)
    assert (_ink(out) & text).sum() > 0.6 * text.sum()         # thin 150-dpi strokes mostly survive ksize 3
    assert res.steps[-1].parameters == {"method": "median", "ksize": 3}


@pytest.mark.parametrize("mode", ["L", "RGB"])
def test_nlmeans_reduces_gaussian_noise(mode):
    page = np.asarray(render_text_page(seed=10).crop((100, 150, 600, 450)))
    clean = 40 + page.astype(np.float32) * (160 / 255)          # paper 200: noise is not clipped
    noisy = np.clip(clean + np.random.default_rng(2).normal(0, 15, clean.shape), 0, 255).astype(np.uint8)
    img = Image.fromarray(noisy).convert(mode)
    res = preprocess(img, PreprocessOptions(grayscale=False, deskew=False, denoise="nlmeans", denoise_strength=15))
    assert res.image.mode == mode and res.image.size == img.size
    out = np.asarray(res.image.convert("L")).astype(np.float32)
    paper = _flat_paper(page)
    assert noisy[paper].std() > 12
    assert out[paper].std() < 0.35 * noisy[paper].std()
    assert res.steps[-1].parameters["method"] == "nlmeans"


@pytest.mark.parametrize("method", ["otsu", "sauvola"])
def test_binarize_gives_binary_l_image(method):
    res = preprocess(render_text_page(seed=11).convert("RGB"), PreprocessOptions(deskew=False, binarize=method))
    arr = np.asarray(res.image)
    assert res.image.mode == "L"
    assert set(np.unique(arr).tolist()) == {0, 255}
    assert 0.01 < (arr == 0).mean() < 0.3       # text is black, paper white
    assert res.steps[-1].parameters["method"] == method


def test_sauvola_beats_otsu_under_uneven_illumination():
    clean = render_text_page(seed=12)
    truth = _ink(clean)
    lit = illumination_gradient(clean, low=0.3)
    errors = {}
    for method in ("otsu", "sauvola"):
        out = np.asarray(preprocess(lit, PreprocessOptions(deskew=False, binarize=method)).image) == 0
        errors[method] = (out != truth).mean()
    assert errors["sauvola"] < 0.02, errors
    assert errors["sauvola"] * 5 < errors["otsu"], errors


def test_sauvola_matches_skimage_reference():
    from skimage.filters import threshold_sauvola

    gray = np.asarray(illumination_gradient(render_text_page(seed=13))).copy()
    ours = gray > sauvola_threshold(gray, 25, 0.2)
    ref = gray > threshold_sauvola(gray, window_size=25, k=0.2, r=128)
    assert (ours != ref).mean() < 1e-4


# --------------------------------------------------------------------------- crop


def test_crop_border_removes_black_border_and_keeps_text():
    page = render_text_page(seed=14)
    master = add_black_border(page, left=70, top=40, right=90, bottom=55)
    res = preprocess(master, PreprocessOptions(deskew=False, crop_border=True))
    x0, y0, x1, y1 = res.steps[-1].parameters["box"]
    out = np.asarray(res.image)
    # the crop is a pure translation and lies inside the page (no black border left)
    assert res.transform.matrix() == [[1, 0, -x0], [0, 1, -y0]]
    assert x0 >= 70 and y0 >= 40 and x1 <= 70 + page.width and y1 <= 40 + page.height
    assert out.shape == (y1 - y0, x1 - x0) and out.size < 0.8 * np.asarray(master).size
    # every text pixel of the page survives, at its mapped position
    ys, xs = np.nonzero(_ink(page))
    dx, dy = res.transform.apply(70, 40)
    assert xs.min() + dx >= 0 and ys.min() + dy >= 0
    assert xs.max() + dx < out.shape[1] and ys.max() + dy < out.shape[0]
    assert _ink(out).sum() == len(xs)


def test_crop_after_deskew_keeps_all_text():
    page = render_text_page(seed=15)
    master = add_black_border(rotate_page(page, -5.0), left=50, top=50, right=50, bottom=50)
    res = preprocess(master, PreprocessOptions(crop_border=True))
    out = _ink(res.image)
    # the page's text bounding box, carried page -> master -> derived, lies inside the derived image
    ys, xs = np.nonzero(_ink(page))
    to_master, _, _ = rotation_transform(page.width, page.height, -5.0)
    to_derived = to_master.then(Transform(1, 0, 50, 0, 1, 50)).then(res.transform)
    corners = to_derived.apply_points([(xs.min(), ys.min()), (xs.max() + 1, ys.min()),
                                       (xs.min(), ys.max() + 1), (xs.max() + 1, ys.max() + 1)])
    assert all(0 <= x <= out.shape[1] and 0 <= y <= out.shape[0] for x, y in corners), corners
    # ink survives (two cubic rotations blur strokes a little) and no dark border row/column is left
    assert abs(out.sum() - len(xs)) < 0.1 * len(xs)
    assert out[:, 0].mean() < 0.2 and out[:, -1].mean() < 0.2 and out[0].mean() < 0.2 and out[-1].mean() < 0.2


def test_crop_on_page_without_border_keeps_everything():
    page = render_text_page(seed=16)
    res = preprocess(page, PreprocessOptions(deskew=False, crop_border=True))
    assert _ink(res.image).sum() == _ink(page).sum()


# --------------------------------------------------------------------------- options


def test_options_from_dict_valid():
    opts = PreprocessOptions.from_dict({"deskew": False, "binarize": "sauvola", "sauvola_window": 31,
                                        "denoise": "median", "denoise_strength": 5, "deskew_max_angle": 10})
    assert opts.binarize == "sauvola" and opts.sauvola_window == 31 and not opts.deskew
    assert isinstance(opts.deskew_max_angle, float) and opts.deskew_max_angle == 10.0
    with pytest.raises(ProfileError, match="must be a table"):
        PreprocessOptions.from_dict("otsu", source="p.toml")  # type: ignore[arg-type]
    assert PreprocessOptions.from_dict({}) == PreprocessOptions()


@pytest.mark.parametrize(("table", "needle"), [
    ({"deskw": True}, "profiles/x.toml: [preprocess] unknown key 'deskw' (known: grayscale, deskew,"),
    ({"binarize": "foo"}, "profiles/x.toml: [preprocess] binarize = 'foo' must be one of none, auto, otsu, sauvola"),
    ({"denoise": "gauss"}, "denoise = 'gauss' must be one of none, auto, median, gaussian, nlmeans"),
    ({"denoise": "median", "denoise_strength": 4}, "denoise_strength = 4 must be an odd integer"),
    ({"deskew": "yes"}, "deskew = 'yes' must be true or false"),
    ({"deskew_max_angle": 90}, "deskew_max_angle = 90 must be a number"),
    ({"sauvola_window": 24}, "sauvola_window = 24 must be an odd integer"),
    ({"sauvola_k": 0}, "sauvola_k = 0 must be a number > 0"),
])
def test_options_from_dict_errors_name_source_and_key(table, needle):
    with pytest.raises(ProfileError) as exc:
        PreprocessOptions.from_dict(table, source="profiles/x.toml")
    assert needle in str(exc.value)
    assert str(exc.value).startswith("profiles/x.toml: [preprocess] ")


def test_preprocess_rejects_bad_options_and_modes():
    with pytest.raises(ProfileError, match="binarize"):
        preprocess(render_text_page(seed=1), PreprocessOptions(binarize="nope"))
    with pytest.raises(ValueError, match="mode 'RGBA'"):
        preprocess(Image.new("RGBA", (10, 10)), PreprocessOptions())


def test_estimate_noise_tracks_added_gaussian_noise():
    from digitizer.imaging.preprocess import estimate_noise

    page = 40 + np.asarray(render_text_page(seed=11)).astype(np.float32) * (170 / 255)   # paper 210: no clipping
    assert estimate_noise(page.astype(np.uint8)) < 2.0
    rng = np.random.default_rng(5)
    for sigma in (8, 20):
        noisy = np.clip(page + rng.normal(0, sigma, page.shape), 0, 255).astype(np.uint8)
        assert abs(estimate_noise(noisy) - sigma) < 0.25 * sigma


def test_auto_denoise_leaves_clean_pages_alone_and_filters_noisy_ones():
    page = Image.fromarray((40 + np.asarray(render_text_page(seed=12)) * (170 / 255)).astype(np.uint8))
    clean = preprocess(page, PreprocessOptions(deskew=False, denoise="auto"))
    assert np.array_equal(np.asarray(clean.image), np.asarray(page))
    assert clean.steps[-1].parameters["applied"] == "none"
    a = np.asarray(page).astype(np.float32)
    noisy = np.clip(a + np.random.default_rng(6).normal(0, 20, a.shape), 0, 255).astype(np.uint8)
    res = preprocess(Image.fromarray(noisy), PreprocessOptions(deskew=False, denoise="auto"))
    assert res.steps[-1].parameters["applied"] == "gaussian"
    paper = _flat_paper(np.asarray(render_text_page(seed=12)))
    assert np.asarray(res.image)[paper].std() < 0.5 * noisy[paper].std()


def test_auto_binarize_only_on_strongly_noisy_pages():
    faint = 160 + np.asarray(render_text_page(seed=13)) * (70 / 255)      # faint ink on grey paper
    page = Image.fromarray(faint.astype(np.uint8))
    clean = preprocess(page, PreprocessOptions(deskew=False, denoise="auto", binarize="auto"))
    assert clean.steps[-1].parameters["applied"] == "none" and not clean.pixels_changed
    a = np.asarray(page).astype(np.float32)
    noisy = np.clip(a + np.random.default_rng(7).normal(0, 20, a.shape), 0, 255).astype(np.uint8)
    res = preprocess(Image.fromarray(noisy), PreprocessOptions(deskew=False, denoise="auto", binarize="auto"))
    assert res.steps[-1].parameters["applied"] == "sauvola"
    out = np.asarray(res.image)
    assert set(np.unique(out)) <= {0, 255}
    text = _ink(render_text_page(seed=13))
    assert (out[text] == 0).mean() > 0.6                     # most text pixels stay ink
    paper = _flat_paper(np.asarray(render_text_page(seed=13)))
    assert (out[paper] == 0).mean() < 0.02                   # noise on the paper is gone


def test_auto_binarize_leaves_high_contrast_noisy_pages_grey():
    from digitizer.demo import LETTERS, render_text_page as render_letter

    a = np.asarray(render_letter(LETTERS[0])).astype(np.float32) * (200 / 255) + 30   # 300 dpi, dark ink
    noisy = np.clip(a + np.random.default_rng(8).normal(0, 20, a.shape), 0, 255).astype(np.uint8)
    res = preprocess(Image.fromarray(noisy), PreprocessOptions(deskew=False, denoise="auto", binarize="auto"))
    assert res.steps[0].parameters["applied"] == "gaussian"
    assert res.steps[-1].parameters["applied"] == "none" and res.steps[-1].parameters["contrast"] >= 100
