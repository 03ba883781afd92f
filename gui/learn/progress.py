"""Where the Learn path stands, kept between launches in the app's settings (QSettings)."""

from __future__ import annotations

from collections.abc import Sequence

from cnn_studio.gui.common.settings import app_settings

STEP_KEY = "learn/step"


def saved_step(keys: Sequence[str]) -> int:
    """Index in ``keys`` of the step last shown (0 when none was saved or it no longer exists)."""
    value = app_settings().value(STEP_KEY, "")
    return keys.index(value) if isinstance(value, str) and value in keys else 0


def started() -> bool:
    """Whether the person has moved along the path (a step was saved): until then the window
    may open the Learn panel at start-up."""
    return app_settings().contains(STEP_KEY)


def save_step(key: str) -> None:
    """Remember ``key`` as the step being shown."""
    app_settings().setValue(STEP_KEY, key)
