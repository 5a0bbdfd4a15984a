"""digitizer stands on its own: built-in/user/project models, the wheel carries profiles and models,
an installed wheel runs both profiles from a folder without the source tree."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from lxml import etree

from _data_helpers import HANDWRITTEN_PAGE, TYPED_PAGE
from digitizer.cli.main import main
from digitizer.export.validate import parse_xml, validation_errors
from digitizer.htr import registry
from digitizer.resources import BUILTIN, PROJECT, USER, builtin_dir

REPO = Path(__file__).resolve().parents[1]
ALTO_NS_PREFIX = "http://www.loc.gov/standards/alto/"


TEAM_FOLDER = "../" + "shared"                  # spelled in two parts so that this file does not match itself
MACHINE_ROOT = "/" + "work/"
TEXT_SUFFIXES = {".py", ".sh", ".md", ".toml", ".json", ".txt", ".cfg", ".in", ".xml", ".desktop", ""}
NOT_SCANNED = {".git", ".venv", ".cache", ".ruff_cache", ".mypy_cache", "build", "dist", "data", "__pycache__",
               ".pytest_cache", "demo", "demo-out"}


def _machine_paths(text: str) -> list[str]:
    return [p for p in (TEAM_FOLDER, MACHINE_ROOT) if p in text]


def _repo_files() -> list[Path]:
    """The files a commit would hold: tracked, or new and not ignored (``git ls-files``), so what a
    run leaves in ignored folders (``benchmarks/out/`` of ``make bench --corpus DIR``) is not
    scanned; without git, every file outside the usual build and data folders."""
    try:
        out = subprocess.run(["git", "-C", str(REPO), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                             capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return sorted(REPO.rglob("*"))
    return sorted(REPO / name for name in out.decode("utf-8").split("\0") if name)


def test_no_file_refers_to_the_team_folder_or_this_machine():
    """Tests, helpers, benchmarks, scripts, docs and shipped files work in a clone with nothing beside it."""
    found = []
    for path in _repo_files():
        rel = path.relative_to(REPO)
        if any(part in NOT_SCANNED or part.endswith(".egg-info") for part in rel.parts):
            continue
        if path.is_file() and path.suffix in TEXT_SUFFIXES and rel.as_posix() != "docs/developers-guide.md":
            hits = _machine_paths(path.read_text(encoding="utf-8", errors="replace"))
            found += [f"{rel}: {h}" for h in hits]
    assert found == []


def _copy_model(builtin: registry.ModelInfo, folder: Path, name: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(builtin.path, folder / f"{name}.safetensors")
    side = json.loads(Path(builtin.path).with_suffix(".json").read_text(encoding="utf-8"))
    side.update(name=name, file=f"{name}.safetensors")
    (folder / f"{name}.json").write_text(json.dumps(side), encoding="utf-8")


def test_model_origins_and_relative_sidecars(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("DIGITIZER_MODELS_DIR", str(tmp_path / "user-models"))   # an empty user registry
    shipped = registry.get("poilus-fr-v1")
    assert shipped.origin == BUILTIN and shipped.read_only
    assert Path(shipped.path).parent == builtin_dir("models")
    side = json.loads(Path(shipped.path).with_suffix(".json").read_text(encoding="utf-8"))
    assert side["file"] == "poilus-fr-v1.safetensors"                  # relative: beside the sidecar
    assert not any(str(v).startswith("/") or "../" in str(v) for v in side["training"].values())
    assert not _machine_paths(json.dumps(side)) and "../" not in side["source"]

    _copy_model(shipped, registry.user_models_dir(), "mine")
    project = tmp_path / "proj"
    _copy_model(shipped, project / "models", "poilus-fr-v1")          # a project copy shadows the built-in
    assert registry.get("mine").origin == USER
    assert registry.get("poilus-fr-v1", project).origin == PROJECT
    assert registry.get("poilus-fr-v1").origin == BUILTIN

    # a sidecar pointing outside its folder is not a model
    evil = json.loads((registry.user_models_dir() / "mine.json").read_text(encoding="utf-8"))
    evil.update(name="evil", file=str(Path(shipped.path)))
    (registry.user_models_dir() / "evil.json").write_text(json.dumps(evil), encoding="utf-8")
    assert "evil" not in [m.name for m in registry.list_models()]

    others = {p.stem: BUILTIN for p in builtin_dir("models").glob("*.json") if p.stem != "poilus-fr-v1"}
    assert main(["models", "list", "--project", str(project)]) == 0
    rows = {ln.split()[0]: ln.split()[1] for ln in capsys.readouterr().out.splitlines()[1:]}
    assert rows == {"poilus-fr-v1": PROJECT, "mine": USER, **others}
    assert main(["models", "list", "--json"]) == 0
    listed = {m["name"]: m["origin"] for m in json.loads(capsys.readouterr().out)}
    assert listed == {"poilus-fr-v1": BUILTIN, "mine": USER, **others}


def test_pillow_text_is_sane_after_libvips_is_loaded():
    """Loading libvips (pyvips) must not make Pillow bind to the system FreeType (garbage metrics)."""
    code = ("import digitizer, pyvips\n"
            "from digitizer.demo import font\nprint(font(34).getbbox('Hello World')[2])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert 100 < int(out.stdout.split()[-1]) < 400, out.stdout


SKIPPING_TESTS = """
import pytest

def test_missing_tool():
    pytest.skip("tesseract language pack 'frk' missing")

@pytest.mark.skipif(True, reason="kraken not installed")
def test_missing_at_setup():
    pass

def test_gpu_only():
    pytest.skip("no CUDA device")

@pytest.mark.gpu
def test_marked_gpu():
    pytest.skip("needs the big card")

@pytest.mark.not_as_root
def test_means_nothing_as_root():
    pytest.skip("root can read mode-000 files")

def test_fine():
    pass
"""


@pytest.mark.parametrize(("ci", "summary"), [("true", "1 failed, 1 passed, 3 skipped, 1 error"),
                                             ("", "1 passed, 5 skipped")])
def test_in_ci_a_skip_is_a_failure_except_gpu_and_root_tests(tmp_path, ci, summary):
    for helper in ("conftest.py", "_data_helpers.py"):
        shutil.copy(Path(__file__).with_name(helper), tmp_path / helper)
    (tmp_path / "test_skips.py").write_text(SKIPPING_TESTS, encoding="utf-8")
    env = {**os.environ, "CI": ci, "PYTHONPATH": str(REPO)}
    res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", str(tmp_path)],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert res.stdout.strip().splitlines()[-1].startswith(summary), res.stdout[-3000:]
    if ci:
        assert "skipped in CI: Skipped: tesseract language pack 'frk' missing" in res.stdout
        assert "kraken not installed" in res.stdout


# ----------------------------------------------------------------------------- the installed wheel


def _run(cmd: list, **kw) -> subprocess.CompletedProcess:
    res = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=1800, **kw)
    assert res.returncode == 0, f"{cmd}\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}"
    return res


def _alto_files(out: Path) -> list[Path]:
    found = []
    for p in sorted(out.rglob("*.xml")):
        root = etree.parse(str(p), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
        if root.tag.startswith(f"{{{ALTO_NS_PREFIX}"):
            found.append(p)
    return found


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, Path, dict]:
    """The wheel built from this checkout, installed into a new venv outside the source tree (no network)."""
    root = tmp_path_factory.mktemp("wheel")
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "--no-index",
          "-w", root / "dist", REPO])
    wheel = next((root / "dist").glob("digitizer-*.whl"))
    _run([sys.executable, "-m", "venv", root / "venv"])
    venv_py = root / "venv" / "bin" / "python"
    site = Path(_run([venv_py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    # reuse the dependencies installed here (no network): their folder goes last on the new venv's path
    (site / "zz_reuse_installed_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run([venv_py, "-m", "pip", "install", "-q", "--no-deps", "--no-index", wheel])
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DIGITIZER_PROFILES_DIR")}
    env["DIGITIZER_OFFLINE"] = "1"
    work = root / "work"
    work.mkdir()
    return root / "venv" / "bin", work, env


@pytest.mark.slow
def test_wheel_carries_profiles_and_models(installed):
    bin_dir, work, env = installed
    where = _run([bin_dir / "python", "-c", "import digitizer, digitizer.resources as r; "
                  "print(digitizer.__file__); print(r.builtin_dir('profiles')); print(r.builtin_dir('models'))"],
                 cwd=work, env=env).stdout.split()
    pkg = Path(where[0]).parent
    assert REPO not in pkg.parents and bin_dir.parent in pkg.parents          # the installed copy, not the checkout
    assert Path(where[1]) == pkg / "_data" / "profiles" and Path(where[2]) == pkg / "_data" / "models"
    profiles = _run([bin_dir / "digitizer", "profiles", "list"], cwd=work, env=env).stdout
    assert {ln.split()[0] for ln in profiles.splitlines() if ln.split()[1] == BUILTIN} == {
        "manuscript", "printed-historical", "printed-modern", "typescript"}
    models = _run([bin_dir / "digitizer", "models", "list", "--json"], cwd=work, env=env).stdout
    shipped = {m["name"]: m for m in json.loads(models)}["poilus-fr-v1"]
    assert shipped["origin"] == BUILTIN and Path(shipped["path"]).parent == pkg / "_data" / "models"


@pytest.mark.slow
@pytest.mark.parametrize(("page", "profile", "min_strings"),
                         [(TYPED_PAGE, "printed-modern", 100), (HANDWRITTEN_PAGE, "manuscript", 20)],
                         ids=["typed-printed-modern", "handwritten-manuscript"])
def test_installed_wheel_runs_profile_to_valid_alto(installed, page, profile, min_strings):
    bin_dir, work, env = installed
    folder = work / profile
    folder.mkdir()
    src = shutil.copy(page, folder / page.name)
    res = _run([bin_dir / "digitizer", "run", src, "-o", folder / "out", "--profile", profile, "--workers", "0"],
               cwd=folder, env=env)
    altos = _alto_files(folder / "out")
    assert len(altos) == 1, (res.stdout[-2000:], sorted(p.name for p in (folder / "out").rglob("*")))
    assert validation_errors(parse_xml(altos[0]), "alto") == []
    root = parse_xml(altos[0]).getroot()
    assert len(list(root.iter(f"{{{etree.QName(root).namespace}}}String"))) >= min_strings
