"""Build hook: ship the top-level ``profiles/`` and ``models/`` folders as package data.

They stay the source of truth at the top of the repository; building a wheel copies them into
``digitizer/_data/`` where :mod:`digitizer.resources` finds them through ``importlib.resources``.
Everything else is configured in ``pyproject.toml``.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
DATA_DIRS = ("profiles", "models")


class BuildPyWithData(build_py):
    def run(self):
        super().run()
        for name in DATA_DIRS:
            dest = Path(self.build_lib) / "digitizer" / "_data" / name
            if dest.exists():
                shutil.rmtree(dest)
            shutil.copytree(ROOT / name, dest, ignore=shutil.ignore_patterns(".*", "__pycache__"))


setup(cmdclass={"build_py": BuildPyWithData})
