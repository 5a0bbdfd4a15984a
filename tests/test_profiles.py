"""Profiles: the shipped ones load; a wrong key or value is an error naming the file and key."""

from __future__ import annotations

import os
from pathlib import Path

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


def _copy_modern(folder, languages: str):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "printed-modern.toml").write_text(
        (BUILTIN_DIR / "printed-modern.toml").read_text().replace('languages = ["eng"]', f"languages = {languages}"))


def test_profile_origins_project_then_user_data_folder_then_builtin(tmp_path, monkeypatch, capsys):
    from digitizer.cli.main import main
    from digitizer.profiles import profile_files
    from digitizer.resources import user_data_dir

    monkeypatch.delenv("DIGITIZER_PROFILES_DIR", raising=False)
    assert user_data_dir() == Path(os.environ["XDG_DATA_HOME"]) / "digitizer"      # platformdirs; conftest isolates it
    _copy_modern(user_data_dir() / "profiles", '["deu"]')
    (user_data_dir() / "profiles" / "my-letters.toml").write_text('name = "my-letters"\n[recognition]\nlanguages = ["fra"]\n')
    project = tmp_path / "proj"
    _copy_modern(project / "profiles", '["ita"]')

    files = profile_files()
    assert files["printed-modern"][1] == "user" and files["my-letters"][1] == "user"
    assert files["typescript"] == (BUILTIN_DIR / "typescript.toml", "built-in")
    assert load_profile("printed-modern").recognition.languages == ["deu"]
    assert profile_files(project)["printed-modern"] == (project / "profiles" / "printed-modern.toml", "project")
    assert load_profile("printed-modern", project).recognition.languages == ["ita"]

    assert main(["profiles", "list", "--project", str(project)]) == 0
    rows = {ln.split()[0]: ln.split()[1] for ln in capsys.readouterr().out.splitlines()}
    assert rows == {"manuscript": "built-in", "printed-historical": "built-in", "typescript": "built-in",
                    "printed-modern": "project", "my-letters": "user"}
