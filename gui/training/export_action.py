"""File > Export trained model: the active model as LiteRT, a SavedModel folder or ONNX.

The person picks a format (ONNX is offered with a note when its optional packages are missing)
and where to write; the export runs as a task, through the same model function the ``export``
command uses (``cnn_studio.model.nets.export``).
"""

from __future__ import annotations

from PySide6.QtWidgets import QInputDialog, QMessageBox, QWidget

from cnn_studio.gui.common import last_folder
from cnn_studio.model.nets.export import FORMATS, missing_packages


def format_choices() -> list[tuple[str, str]]:
    """``(menu text, format name)`` per format; a missing optional package is said in the text."""
    choices = []
    for name, fmt in FORMATS.items():
        missing = missing_packages(name)
        note = f" (needs pip install \".[{fmt.extra}]\")" if missing and fmt.extra else ""
        choices.append((fmt.label + note, name))
    return choices


def ask_export(files, parent: QWidget) -> None:
    """Ask for a format and a place, then export the active model as a task of ``files``."""
    model, spec = files.active_model()
    if model is None:
        QMessageBox.information(parent, "Export trained model",
                                "There is no trained model yet: train or open one first.")
        return
    choices = format_choices()
    text, ok = QInputDialog.getItem(parent, "Export trained model", "Format:",
                                    [label for label, _ in choices], 0, False)
    if not ok:
        return
    name = dict(choices)[text]
    fmt = FORMATS[name]
    from cnn_studio.model.nets.keras_code import model_name

    stem = model_name(spec.name if spec else "network")
    if fmt.folder:
        path = last_folder.save_file(parent, "exports", "Export as a SavedModel folder",
                                     f"{stem}_saved_model", "Folders (*)")
    else:
        path = last_folder.save_file(parent, "exports", "Export trained model",
                                     f"{stem}{fmt.suffix}", f"{fmt.label} (*{fmt.suffix})")
    if path:
        export_to(files, model, name, path)


def export_to(files, model, name: str, path: str):
    """Export ``model`` in format ``name`` to ``path`` as a task; the result is reported."""

    def export():
        from cnn_studio.model.nets.export import output_size, write_export

        out = write_export(model, name, path)
        return out, output_size(out)

    def exported(result) -> None:
        out, size = result
        files.dashboard.show_message(f"Exported the trained model as {FORMATS[name].label} to "
                                      f"{out} ({size / 1024:,.0f} KB).")

    return files.run_task("export-model", export, exported)
