"""The package as users install it: the wheel's contents and a fresh install run from elsewhere.

The slow test builds the wheel (``pip wheel --no-deps``), installs it into a new virtual
environment that reuses this environment's dependencies (a ``.pth`` line, not the editable
install) and runs ``cnn-studio`` from a folder outside the checkout. CI runs it (.ci/run).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import venv
import zipfile
from pathlib import Path

import numpy as np
import pytest

import cnn_studio
from cnn_studio.model.ink.strokes import Sample, write_strokes

ROOT = Path(cnn_studio.__file__).resolve().parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
ASSETS = ["assets/models/default.keras", "assets/models/default.cnn.json",
          "assets/help/layers.json", "assets/letters/unipen.npz", "assets/icons/cnn-studio.png",
          "assets/icons/cnn-studio.svg", "NOTICE", "LICENSE"]


def test_every_python_package_folder_is_listed():
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    found = {"cnn_studio." + ".".join(init.parent.relative_to(ROOT).parts)
             for top in ("cli", "gui", "model") for init in (ROOT / top).rglob("__init__.py")}
    assert found - listed == set(), "add these to [tool.setuptools].packages"


def test_version_has_one_source():
    project = PYPROJECT["project"]
    assert "version" not in project and "version" in project["dynamic"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "cnn_studio.__version__"}
    assert cnn_studio.__version__.count(".") == 2


def test_licence_metadata():
    project = PYPROJECT["project"]
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE", "NOTICE"]
    assert "MIT License" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    extras = project["optional-dependencies"]
    assert extras["gpu"][0].startswith("tensorflow[and-cuda]") and extras["mat"][0].startswith("scipy")
    assert any(dep.startswith("keras") for dep in project["dependencies"])


ASSET_CHECK = """
from cnn_studio.model.data import real_letters
from cnn_studio.model.spec import help_texts
from cnn_studio.model.storage import paths
print("help" if help_texts.layer_keys() else "no-help")
print("letters" if len(real_letters.load_default().labels) > 70000 else "few")
from cnn_studio.cli import pretrain
user = pretrain.DEFAULT_OUT.is_relative_to(paths.user_model_dir())
print("pretrain-to-user" if user else "pretrain-into-package")
"""


def _run(args: list, cwd: Path, env: dict, timeout: int = 300) -> subprocess.CompletedProcess:
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                            text=True, timeout=timeout)
    assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel built from the checkout."""
    out = tmp_path_factory.mktemp("wheel")
    source = out / "source"  # a copy: no stale build/ folder, nothing written into the checkout
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".*", "build", "dist", "*.egg-info", "__pycache__", "tests", "benchmarks"))
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", out, source], out,
         dict(os.environ))
    (found,) = out.glob("cnn_studio-*.whl")
    return found


def test_wheel_holds_only_cnn_studio_with_its_assets(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names}
    assert tops == {"cnn_studio", f"cnn_studio-{cnn_studio.__version__}.dist-info"}
    for asset in ASSETS:
        assert f"cnn_studio/{asset}" in names
    assert not [n for n in names if n.startswith("cnn_studio/tests/")]
    metadata = zipfile.ZipFile(wheel).read(
        f"cnn_studio-{cnn_studio.__version__}.dist-info/METADATA").decode()
    assert "License-Expression: MIT" in metadata


def test_installed_wheel_runs_from_outside_the_checkout(wheel, tmp_path):
    env_dir = tmp_path / "env"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    purelib = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                        tmp_path, dict(os.environ)).stdout.strip())
    (purelib / "reuse_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps",
          "--no-index", wheel], tmp_path, dict(os.environ))

    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "TF_CPP_MIN_LOG_LEVEL")}
    env.update(CNN_STUDIO_HOME=str(tmp_path / "home"), PATH=f"{env_dir / 'bin'}:{env['PATH']}")
    where = _run([python, "-c", "import cnn_studio; print(cnn_studio.__file__)"], work, env)
    assert Path(where.stdout.strip()).is_relative_to(purelib)
    assets = _run([python, "-c", ASSET_CHECK], work, env).stdout.split()
    assert assets == ["help", "letters", "pretrain-to-user"], assets

    script = env_dir / "bin" / "cnn-studio"
    assert _run([script, "--version"], work, env).stdout.strip() == (
        f"cnn-studio {cnn_studio.__version__}")
    assert "Total params" in _run([script, "summary", "--preset", "classic"], work, env).stdout
    strokes = [np.array([[50, 250], [140, 30], [230, 250]], float),
               np.array([[90, 150], [190, 150]], float)]
    write_strokes(work / "a.json", [Sample(strokes, "A")], (280, 280))
    result = _run([script, "classify", "--strokes", "a.json"], work, env)  # the shipped model
    assert "a.json:0" in result.stdout and "accuracy" in result.stdout
    assert "cuInit" not in result.stderr and "oneDNN" not in result.stderr
