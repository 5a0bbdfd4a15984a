"""Descriptive metadata: controlled vocabularies from the profile, CSV import, CLI set, MODS validity."""

from __future__ import annotations

import json

import pytest

from _packages_helpers import make_project
from digitizer.cli.main import main as cli
from digitizer.errors import ExitCode, InputFileError, ProfileError
from digitizer.export.mods import build_dc, build_mods
from digitizer.export.validate import serialize, validation_errors
from digitizer.metadata import MetadataError, MetadataRules, import_csv, validate_metadata


def test_vocabularies_normalise_and_reject():
    rules = MetadataRules.from_section({})
    meta = validate_metadata({"title": "T", "languages": ["deu", "fra", "lat"], "names": ["Kant, Immanuel [AUT]"],
                              "subjects": ["philosophy"], "date_created": "1914/1918",
                              "rights": "http://rightsstatements.org/vocab/NKC/1.0/"}, rules)
    assert meta["languages"] == ["ger", "fre", "lat"]                    # ISO 639-3 -> 639-2/B
    assert meta["names"] == [{"name": "Kant, Immanuel", "type": "personal", "role": "aut"}]
    assert meta["subjects"] == ["Philosophy"]
    for bad, field in (({"languages": ["xx"]}, "languages"), ({"names": ["A [zzz]"]}, "names.role"),
                       ({"rights": "http://example.org/mine"}, "rights"), ({"subjects": ["Cats"]}, "subjects"),
                       ({"date_created": "12.3.1914"}, "date_created"), ({"colour": "red"}, "colour")):
        with pytest.raises(MetadataError, match=field):
            validate_metadata({"title": "T", **bad}, rules)
    with pytest.raises(MetadataError, match="required"):
        validate_metadata({"identifier": "x"}, rules)


def test_profile_section_defines_vocabularies(tmp_path):
    vocab = tmp_path / "mine.toml"
    vocab.write_text('name = "mine"\nauthority = "lcsh"\n[terms]\n"Cats" = {label = "Cats"}\n')
    rules = MetadataRules.from_section({"subjects": str(vocab), "languages": ["eng"], "required": ["title", "rights"]})
    assert rules.subjects.authority == "lcsh"
    assert validate_metadata({"title": "T", "subjects": ["cats"], "rights": "http://creativecommons.org/licenses/by/4.0/"},
                             rules)["subjects"] == ["Cats"]
    with pytest.raises(MetadataError):
        validate_metadata({"title": "T", "languages": ["ger"], "rights": "http://creativecommons.org/licenses/by/4.0/"},
                          rules)
    with pytest.raises(ProfileError, match="unknown key"):
        MetadataRules.from_section({"subject": "x"})
    with pytest.raises(ProfileError, match="unknown vocabulary"):
        MetadataRules.from_section({"roles": "nope"})


def test_mods_and_dc_from_metadata_are_valid():
    meta = validate_metadata({"title": "Testament", "identifier": "w-1", "names": ["Dupont, Jean [crp]"],
                              "languages": ["fre"], "date_created": "1916-05-02", "subjects": ["Soldiers"],
                              "extent": "1 leaf", "rights": "http://creativecommons.org/licenses/by/4.0/",
                              "alternative": ["Will"], "shelfmark": "AN 154"}, MetadataRules.from_section({}))
    mods = build_mods(meta)
    assert validation_errors(serialize(mods), "mods") == []
    text = serialize(mods).decode()
    assert 'keyDate="yes"' in text and "reformatted digital" in text and "AN 154" in text
    dc = build_dc(meta)
    assert [e.text for e in dc if e.tag.endswith("creator")] == ["Dupont, Jean"]


def test_csv_import_all_or_nothing(tmp_path):
    store = make_project(tmp_path, with_text=False, metadata={})
    good = tmp_path / "good.csv"
    good.write_text("identifier,title,names,languages,subjects,rights\n"
                    'kant-1784,Was ist Aufklärung?,"Kant, Immanuel [aut]",deu,Enlightenment|Philosophy,'
                    "http://creativecommons.org/publicdomain/mark/1.0/\n", encoding="utf-8")
    assert import_csv(store, good) == ["kant-1784"]
    item = store.get_item("kant-1784")
    assert item.title == "Was ist Aufklärung?" and item.metadata["subjects"] == ["Enlightenment", "Philosophy"]
    assert store.events(action="update-item")[-1].tool == "digitizer.metadata"
    bad = tmp_path / "bad.csv"
    bad.write_text("identifier,title,languages\nkant-1784,Changed,klingon\n")
    with pytest.raises(InputFileError, match=r"bad.csv: row 2 \(kant-1784\): languages"):
        import_csv(store, bad)
    assert store.get_item("kant-1784").title == "Was ist Aufklärung?"           # nothing changed
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("identifier,title\nno-such-item,X\n")
    with pytest.raises(InputFileError, match="no item"):
        import_csv(store, unknown)
    store.close()


def test_cli_metadata_set_and_reject(tmp_path, capsys):
    store = make_project(tmp_path, with_text=False, metadata={})
    proj = str(store.root)
    store.close()
    assert cli(["-q", "metadata", proj, "set", "kant-1784", "title=Neu", "languages=ger|lat",
                "sections=[{\"label\": \"A\", \"start\": 1, \"end\": 2}]"]) == 0
    capsys.readouterr()
    assert cli(["metadata", proj, "show", "kant-1784"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["languages"] == ["ger", "lat"] and shown["sections"][0]["end"] == 2
    assert cli(["metadata", proj, "set", "kant-1784", "languages=xx"]) == ExitCode.INPUT
    assert "not in the controlled vocabulary" in capsys.readouterr().err
    assert cli(["metadata", proj, "set", "kant-1784", "sections=[{\"label\": \"B\", \"start\": 1, \"end\": 9}]"]) \
        == ExitCode.INPUT
