"""Profiles: the shipped ones load; a wrong key or value is an error naming the file and key."""

from __future__ import annotations

import pytest

from digitizer.errors import ProfileError
from digitizer.profiles import BUILTIN_DIR, load_profile, load_profile_file, profile_names

REQUIRED = {"printed-modern", "printed-historical", "typescript", "manuscript"}


def test_shipped_profiles_load_and_validate():
    assert REQUIRED <= set(profile_names())
    for name in REQUIRED:
        prof = load_profile(name)
        assert prof.name == name
        assert prof.recognition.languages
        prof.preprocess_options()
    assert load_profile("manuscript").recognition.engine == "kraken"
    assert "frk" in load_profile("printed-historical").recognition.languages
    assert "ſ" in load_profile("printed-historical").editor.special_characters


def write(tmp_path, text):
    p = tmp_path / "bad.toml"
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize("text, key", [
    ('name = "x"\nbogus = 1\n', "'bogus'"),
    ('[recognition]\nengin = "tesseract"\n', "'engin'"),
    ('[recognition]\nengine = "abbyy"\n', "engine"),
    ('[recognition]\nlanguages = "eng"\n', "languages"),
    ('[export]\nformats = ["alto", "docx"]\n', "docx"),
    ('[export]\ncopy_images = "yes"\n', "copy_images"),
    ('[editor]\nlow_confidence = 2.0\n', "low_confidence"),
    ('[preprocess]\ndeskw = true\n', "deskw"),
    ('[preprocess]\nbinarize = "magic"\n', "binarize"),
    ('[import\npdf_dpi = 3\n', "not valid TOML"),
])
def test_bad_profile_names_file_and_key(tmp_path, text, key):
    path = write(tmp_path, text)
    with pytest.raises(ProfileError) as exc:
        load_profile_file(path)
    msg = exc.value.user_message
    assert str(path) in msg and key in msg, msg
    assert "\n" not in msg


def test_unknown_profile_name_lists_available():
    with pytest.raises(ProfileError) as exc:
        load_profile("no-such-profile")
    assert "no-such-profile" in exc.value.user_message and "printed-modern" in exc.value.user_message


def test_user_profile_dir_takes_precedence(tmp_path, monkeypatch):
    (tmp_path / "printed-modern.toml").write_text(
        (BUILTIN_DIR / "printed-modern.toml").read_text().replace('languages = ["eng"]', 'languages = ["deu"]'))
    monkeypatch.setenv("DIGITIZER_PROFILES_DIR", str(tmp_path))
    assert load_profile("printed-modern").recognition.languages == ["deu"]
