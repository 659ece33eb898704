"""A non-editable install finds the default rule pack and the report templates."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_is_listed_in_pyproject():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "scanner").rglob("__init__.py")}
    assert found <= listed, f"add to pyproject.toml packages: {sorted(found - listed)}"


@pytest.mark.e2e
def test_installed_copy_runs_the_sample_from_elsewhere(tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(system_site_packages=True, with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", "--disable-pip-version-check",
                    str(ROOT)], check=True, cwd=tmp_path, timeout=600)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    where = subprocess.run([str(py), "-c", "import scanner, scanner.resources as r; "
                            "print(scanner.__file__); print(r.data_dir('rules')); print(r.data_dir('reports'))"],
                           cwd=elsewhere, env=env, capture_output=True, text=True, check=True)
    module, rules, reports = where.stdout.split()
    assert str(env_dir) in module and str(env_dir) in rules and str(env_dir) in reports
    assert (Path(rules) / "core" / "pack.yml").is_file()
    run = subprocess.run([str(env_dir / "bin" / "hdscan"), "run", str(ROOT / "sample_estates" / "ch-saint-aurelien"),
                          "-o", str(elsewhere / "out"), "-q"],
                         cwd=elsewhere, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    assert (elsewhere / "out" / "report" / "index.html").is_file()
