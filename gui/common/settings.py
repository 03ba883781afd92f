"""The app's persistent settings (QSettings): an INI file inside ``CNN_STUDIO_HOME`` when it is
set (tests, portable use), else the user's configuration folder."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from cnn_studio.model.storage.paths import _home_override

SETTINGS_ORG = "CNN Studio"
SETTINGS_APP = "cnn-studio"
SETTINGS_FILE = "settings.ini"  # inside CNN_STUDIO_HOME when it is set


def app_settings() -> QSettings:
    """The settings: an INI file inside ``CNN_STUDIO_HOME`` when set, else the user's config."""
    home = _home_override()
    if home is None:
        return QSettings(SETTINGS_ORG, SETTINGS_APP)
    home.mkdir(parents=True, exist_ok=True)
    return QSettings(str(home / SETTINGS_FILE), QSettings.Format.IniFormat)
