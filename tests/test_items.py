"""Items and their recognition settings (digitizer.items) and the CLI twins ``digitizer item ...`` and
``digitizer engine``: new item with profile and metadata, rename, change profile, engine and model per
item and per page; each change is an event; refusals leave nothing behind."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from _gui_helpers import make_project
from digitizer import items
from digitizer.errors import DigitizerError, ProjectError
from digitizer.store import ProjectStore


def cli(*args):
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    return subprocess.run([sys.executable, "-m", "digitizer.cli.main", *args], capture_output=True, text=True,
                          env=env, timeout=300)


def test_new_item_with_profile_and_metadata(tmp_path):
    with make_project(tmp_path / "p") as store:
        item = items.new_item(store, "Box 7", profile="manuscript", title="Box seven",
                              metadata={"date_created": "1911-05-02", "languages": ["fre"]})
        assert (item.identifier, item.profile, item.title) == ("Box_7", "manuscript", "Box seven")
        assert item.metadata["date_created"] == "1911-05-02" and item.metadata["languages"] == ["fre"]
        assert [e.action for e in store.events(item_id=item.id)][:1] == ["create-item"]
        n = len(store.items())
        with pytest.raises(ProjectError, match="already exists"):
            items.new_item(store, "Box_7", profile="manuscript")
        with pytest.raises(DigitizerError, match="unknown profile"):
            items.new_item(store, "other", profile="no-such-profile")
        with pytest.raises(DigitizerError):
            items.new_item(store, "bad-date", profile="printed-modern", metadata={"date_created": "the day before"})
        assert len(store.items()) == n                     # a refusal leaves no empty item behind


def test_rename_and_change_profile_are_events(tmp_path):
    with make_project(tmp_path / "p") as store:
        item = store.items()[0]
        other = items.new_item(store, "second", profile="printed-modern")
        renamed = items.rename_item(store, item.id, "Wills 1911", title="Wills")
        assert (renamed.identifier, renamed.title) == ("Wills_1911", "Wills")
        assert len(renamed.pages) == len(item.pages)      # the pages stay with it
        with pytest.raises(ProjectError, match="already exists"):
            items.rename_item(store, item.id, "second")
        with pytest.raises(ProjectError, match="no usable character"):
            items.rename_item(store, other.id, "...")
        assert items.set_item_profile(store, item.id, "manuscript").profile == "manuscript"
        with pytest.raises(DigitizerError, match="unknown profile"):
            items.set_item_profile(store, item.id, "nope")
        assert store.get_item(item.id).profile == "manuscript"
        acts = [(e.action, e.parameters) for e in store.events(item_id=item.id)]
        assert ("rename-item", {"from": "letters", "to": "Wills_1911"}) in acts
        assert ("update-item", {"profile": "manuscript"}) in acts


def test_engine_and_model_per_item_and_page(tmp_path):
    with make_project(tmp_path / "p", pages=2) as store:
        item = store.items()[0]
        first, second = store.pages(item.id)
        assert items.set_item_engine(store, item.id, "kraken", "poilus-fr-v1") == [first.id, second.id]
        assert items.page_engine(store, first.id) == ("kraken", "poilus-fr-v1")
        items.set_engine(store, [second.id], "tesseract")
        assert items.page_engine(store, second.id) == ("tesseract", None)
        items.set_engine(store, [first.id], "default")
        assert items.page_engine(store, first.id) == (None, None)
        with pytest.raises(DigitizerError, match="unknown engine"):
            items.set_engine(store, [first.id], "abbyy")
        assert items.page_engine(store, second.id) == ("tesseract", None)
        assert [e.parameters for e in store.events(page_id=first.id, action="set-engine")] == [
            {"engine": "kraken:poilus-fr-v1"}, {"engine": "profile"}]


def test_cli_twins(tmp_path):
    proj = tmp_path / "p"
    make_project(proj).close()
    res = cli("item", str(proj), "new", "diary", "--profile", "manuscript", "--set", "date_created=1916")
    assert res.returncode == 0, res.stderr
    assert cli("item", str(proj), "rename", "diary", "diary-1916", "--title", "Diary").returncode == 0
    assert cli("item", str(proj), "set-profile", "letters", "typescript").returncode == 0
    res = cli("item", str(proj), "engine", "letters", "--set", "kraken", "--model", "poilus-fr-v1")
    assert res.returncode == 0, res.stderr
    bad = cli("item", str(proj), "set-profile", "letters", "nope")
    assert bad.returncode != 0 and "nope" in bad.stderr and len(bad.stderr.strip().splitlines()) <= 2
    with ProjectStore.open(proj) as store:
        diary, letters = store.get_item("diary-1916"), store.get_item("letters")
        assert (diary.title, diary.profile, diary.metadata["date_created"]) == ("Diary", "manuscript", "1916")
        assert letters.profile == "typescript"
        assert {p.engine_override for p in letters.pages} == {"kraken:poilus-fr-v1"}
