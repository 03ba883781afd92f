"""`cnn-studio install-desktop-entry`: a .desktop file and icons under $XDG_DATA_HOME (issue 18)."""

from __future__ import annotations

import configparser
import os
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


def _entry_path(tmp_path: Path) -> Path:
    return tmp_path / "share" / "applications" / "cnn-studio.desktop"


def _one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    return err


def test_a_users_own_entry_or_link_is_never_replaced_or_removed(tmp_path, monkeypatch, capsys):
    """Issue 27, defect 1: only an entry marked as written by this command is touched."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    entry = _entry_path(tmp_path)
    entry.parent.mkdir(parents=True)
    mine = "[Desktop Entry]\nType=Application\nName=My own\nExec=my-script\n"
    entry.write_text(mine)
    assert main.main(["install-desktop-entry"]) == 2
    assert "not the entry this command writes" in _one_line(capsys)
    assert main.main(["install-desktop-entry", "--remove"]) == 2
    assert "was not written by this command" in _one_line(capsys)
    assert entry.read_text() == mine

    entry.unlink()
    target = tmp_path / "elsewhere.desktop"
    target.write_text(mine)
    entry.symlink_to(target)
    for argv in (["install-desktop-entry"], ["install-desktop-entry", "--remove"]):
        assert main.main(argv) == 2
        assert "is a link" in _one_line(capsys)
    assert entry.is_symlink() and target.read_text() == mine


def test_its_own_entry_is_replaced_and_removed(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    assert main.main(["install-desktop-entry"]) == 0
    assert desktop.MARK_KEY in read_entry(_entry_path(tmp_path))
    assert main.main(["install-desktop-entry"]) == 0  # again: replaces its own files
    assert main.main(["install-desktop-entry", "--remove"]) == 0
    assert not _entry_path(tmp_path).exists()
    capsys.readouterr()


def test_an_icon_someone_else_put_there_is_kept(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    icon = tmp_path / "share" / "icons" / "hicolor" / "256x256" / "apps" / "cnn-studio.png"
    icon.parent.mkdir(parents=True)
    icon.write_bytes(b"someone's icon")
    assert main.main(["install-desktop-entry"]) == 2
    assert "did not write" in _one_line(capsys)
    assert main.main(["install-desktop-entry", "--remove"]) == 0
    assert icon.read_bytes() == b"someone's icon"
    capsys.readouterr()


def test_unwritable_or_blocked_places_end_in_one_line(tmp_path, monkeypatch, capsys):
    """Issue 27, defect 5: read-only home, `applications` a file, the entry a folder."""
    share = tmp_path / "share"
    monkeypatch.setenv("XDG_DATA_HOME", str(share))
    share.mkdir()
    (share / "applications").write_text("a file")
    assert main.main(["install-desktop-entry"]) == 2
    assert "a file is where a folder is needed" in _one_line(capsys)
    (share / "applications").unlink()

    _entry_path(tmp_path).mkdir(parents=True)
    assert main.main(["install-desktop-entry"]) == 2
    assert "is a folder" in _one_line(capsys)
    assert main.main(["install-desktop-entry", "--remove"]) == 2
    assert "is a folder" in _one_line(capsys)
    _entry_path(tmp_path).rmdir()

    readonly = tmp_path / "readonly"
    readonly.mkdir()
    readonly.chmod(0o500)
    try:
        # as root permissions are not enforced: /sys is read-only for everyone
        home = readonly if not os.access(readonly, os.W_OK) else Path("/sys/cnn-studio-home")
        monkeypatch.setenv("XDG_DATA_HOME", str(home))
        assert main.main(["install-desktop-entry"]) == 2
        line = _one_line(capsys)
        assert "cannot write" in line and "set XDG_DATA_HOME" in line
    finally:
        readonly.chmod(0o700)
