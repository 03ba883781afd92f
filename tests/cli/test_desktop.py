"""`cnn-studio install-desktop-entry`: a .desktop file and icons under $XDG_DATA_HOME (issue 18)."""

from __future__ import annotations

import configparser
import shlex
from pathlib import Path

from PIL import Image

from cnn_studio import main
from cnn_studio.cli import desktop


def read_entry(path: Path) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read_string(path.read_text(encoding="utf-8"))
    return dict(parser["Desktop Entry"])


def test_installs_entry_and_icons_under_xdg_data_home(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    assert main.main(["install-desktop-entry"]) == 0
    share = tmp_path / "share"
    entry = read_entry(share / "applications" / "cnn-studio.desktop")
    assert entry["Type"] == "Application" and entry["Name"] == "CNN Studio"
    assert entry["Icon"] == "cnn-studio" and entry["Terminal"] == "false"
    program = shlex.split(entry["Exec"])[0]
    assert Path(program).is_file()  # this environment's cnn-studio (or its python)
    png = share / "icons" / "hicolor" / "256x256" / "apps" / "cnn-studio.png"
    with Image.open(png) as image:
        assert image.size == (256, 256)
    svg = share / "icons" / "hicolor" / "scalable" / "apps" / "cnn-studio.svg"
    assert "<svg" in svg.read_text(encoding="utf-8")
    assert str(png) in capsys.readouterr().out

    assert main.main(["install-desktop-entry", "--remove"]) == 0
    assert not list(share.rglob("cnn-studio.*"))


def test_default_is_the_users_local_share(tmp_path, monkeypatch):
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert desktop.targets(desktop.data_home())["desktop"] == (
        tmp_path / ".local" / "share" / "applications" / "cnn-studio.desktop")


def test_exec_paths_with_spaces_are_quoted():
    assert desktop._quote("/opt/my apps/cnn-studio") == '"/opt/my apps/cnn-studio"'
    assert shlex.split(desktop._quote('/a "b"/c'))[0] == '/a "b"/c'
    assert desktop._quote("/usr/bin/cnn-studio") == "/usr/bin/cnn-studio"


def test_missing_icon_ends_in_a_message(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    monkeypatch.setattr(desktop.paths, "APP_ICON_PNG", tmp_path / "gone.png")
    assert main.main(["install-desktop-entry"]) == 2
    assert "reinstall" in capsys.readouterr().err
    assert not (tmp_path / "applications").exists()
