"""Paths of the real scans, ground truths and HTR lines kept in ``tests/data`` (see its README)."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"

KANT_DIR = DATA / "ocrd-assets-kant"              # printed Fraktur, 1784 (OCR-D GT, PAGE)
TAPUS_DIR = DATA / "tapuscorpus"                  # typewritten French (HTR-United, ALTO v4)
POILUS_DIR = DATA / "testaments-de-poilus"        # handwritten French WWI wills (HTR-United, ALTO v4)
TRAIN_HTR = DATA / "train-htr"                    # 25 real HTR line images of 4 wills (16 train, 9 validation) + split.tsv

KANT = [KANT_DIR / "INPUT_0017.tif", KANT_DIR / "INPUT_0020.tif"]
KANT_GT = [KANT_DIR / "PAGE_0017_PAGE.xml", KANT_DIR / "PAGE_0020_PAGE.xml"]
TYPED_PAGE = TAPUS_DIR / "22_c266f_default.jpg"
TYPED_JFIF_ASPECT = TAPUS_DIR / "bljd_DSN390_00002_third.jpg"    # JFIF density 1:1, no dpi
HANDWRITTEN_PAGE = POILUS_DIR / "TestamentsDePoilus_will_AN_0154-0.jpg"
HANDWRITTEN_NO_ICC = POILUS_DIR / "TestamentsDePoilus_will_AD78_0045-0.jpg"


def real_pages() -> list[Path]:
    """Every real page image in tests/data (sorted)."""
    return sorted(p for p in DATA.glob("*/*") if p.suffix.lower() in (".jpg", ".jpeg", ".tif"))


def font_file(name: str) -> str:
    """An installed font file by name (e.g. ``DejaVuSans.ttf``, Debian package fonts-dejavu-core),
    found the way Pillow finds fonts (the ``fonts`` folders of ``$XDG_DATA_DIRS``)."""
    from PIL import ImageFont

    return ImageFont.truetype(name, 10).path


DEJAVU_DIR = Path(font_file("DejaVuSerif.ttf")).parent
