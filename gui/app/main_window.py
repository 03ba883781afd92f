"""The main window: the app shell. It offers the panels a ``gui.common.shell.Shell`` (docks,
menu actions, undo, openers, settings, shutdown hooks, the one task runner) and asks them only
what a ``Panel`` answers."""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDockWidget,
    QFrame,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QScrollArea,
    QWidget,
)

from cnn_studio.gui.app.about import show_about
from cnn_studio.gui.app.close_guard import CloseGuard, ask_choice
from cnn_studio.gui.app.dock_sizes import (
    WidthSharer,
    first_start_frame,
    first_start_sizes,
    size_learn_alone,
)
from cnn_studio.gui.app.learn_views import LearnViews
from cnn_studio.gui.app.letter_keys import LetterKeys
from cnn_studio.gui.app.panels import FIRST, LATER, WindowFollower, install_all
from cnn_studio.gui.app.session import Session
from cnn_studio.gui.app.shortcuts import shortcut_lines
from cnn_studio.gui.app.tf_loader import TensorFlowLoader, describe_devices
from cnn_studio.gui.app.undo_routing import UndoRouter
from cnn_studio.gui.common import last_folder
from cnn_studio.gui.common.settings import app_settings
from cnn_studio.gui.common.shell import Action, Dock, Panel
from cnn_studio.gui.common.state import AppState
from cnn_studio.gui.common.tasks import Work
from cnn_studio.model.storage.paths import APP_ICON_PNG

MAX_RECENT = 8


def placeholder(text: str) -> QLabel:
    """A labelled empty panel (for areas still to come)."""
    label = QLabel(text)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setObjectName("placeholder")
    return label


def scrollable(widget: QWidget) -> QScrollArea:
    """``widget`` inside a frameless scroll area that resizes it to fit when there is room."""
    area = QScrollArea()
    area.setObjectName(f"{widget.objectName() or 'panel'}_scroll")
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(widget)
    area.setMinimumWidth(min(widget.minimumSizeHint().width(), 320))
    return area


class MainWindow(QMainWindow):
    """CNN Studio's one window: drawing area in the centre, builder and dashboards in docks."""

    first_paint = Signal()

    def __init__(self, state: AppState | None = None, load_tensorflow: bool = True,
                 defer_panels: bool = False, learn_at_first_start: bool = False,
                 session: bool = False) -> None:
        """Build the window.

        Args:
            state: shared state (a new one by default).
            load_tensorflow: start importing TensorFlow in the background.
            defer_panels: install the panels behind dock tabs after the first paint (the app
                does this to appear sooner; tests get every panel at once).
            learn_at_first_start: open the Learn path until the person has moved along it
                (the app does; ``gui.learn.progress.started``).
            session: bring the last launch's work back and keep this one's at close
                (``gui.app.session``; the app does, tests sharing a home do not).
        """
        super().__init__()
        self.state = state or AppState(self)
        self.setWindowTitle("CNN Studio")
        self.setWindowIcon(QIcon(str(APP_ICON_PNG)))
        self.setObjectName("main_window")
        self.setDockOptions(QMainWindow.DockOption.AllowTabbedDocks
                            | QMainWindow.DockOption.AnimatedDocks)
        self.runner = self.state.runner
        self.tf_actions: list[QAction] = []
        self.panels: dict[str, Panel] = {}  # filled by gui.app.panels.install_all
        self.openers: dict[str, Callable[[str], object]] = {}
        self.served: dict[Action, Callable[[], object]] = {}
        self.escape_handlers: list[Callable[[], bool]] = []
        self.letter_keys = LetterKeys(self)
        self._shutdown_hooks: list[Callable[[], None]] = []
        self.width_sharer = WidthSharer(self)
        self._painted = False
        self._user_close = False
        self.close_guard = CloseGuard(self)
        self.requested_tab = "network"  # the overview in front on a first start
        self.learn_at_first_start = learn_at_first_start

        self._build_panels()
        self._build_menus()
        self._build_status_bar()
        # before the panels: what a panel says while it is installed reaches the status bar
        self.state.message.connect(self.show_message)
        WindowFollower(self)  # before the panels: the title and recent files follow the state
        install_all(self, FIRST)
        self.session = Session(self) if session else None
        if self.session is not None:  # the training form and Explain read the state later
            self.session.restore()
        if defer_panels:
            self.state.begin_work(Work.PANELS)
            self.first_paint.connect(lambda: QTimer.singleShot(0, self._install_later_panels))
        else:
            install_all(self, LATER)
            self._later_panels_installed()
        self._restore_settings()

        self.loader = TensorFlowLoader(self.state, self.runner, self)
        self.loader.ready.connect(self._on_tf_ready)
        self.loader.failed.connect(self._on_tf_failed)
        if load_tensorflow:
            self.loader.start()

    # ----------------------------------------------------------------- panels
    @property
    def sample_store(self):
        """The one sample store every panel shares (``state.samples()``)."""
        return self.state.samples()

    def _build_panels(self) -> None:
        self.setCentralWidget(placeholder("Drawing area"))
        self.builder_dock = self._dock("Layer builder", "builder_dock", placeholder("Layer builder"),
                                       Qt.DockWidgetArea.LeftDockWidgetArea)
        self.training_dock = self._dock("Training", "training_dock", placeholder("Training"),
                                        Qt.DockWidgetArea.RightDockWidgetArea)
        self.explain_dock = self._dock("Explain", "explain_dock", placeholder("Explain mode"),
                                       Qt.DockWidgetArea.RightDockWidgetArea)
        self.data_dock = self._dock("Dataset", "data_dock", placeholder("Dataset"),
                                    Qt.DockWidgetArea.RightDockWidgetArea)
        self.overview_dock = self._dock("Network", "overview_dock", placeholder("Network overview"),
                                        Qt.DockWidgetArea.RightDockWidgetArea)
        self.runs_dock = self._dock("Runs", "runs_dock", placeholder("Runs"),
                                    Qt.DockWidgetArea.RightDockWidgetArea)
        self.learn_dock = self._dock("Learn", "learn_dock", placeholder("Learn"),
                                     Qt.DockWidgetArea.LeftDockWidgetArea)
        self.splitDockWidget(self.builder_dock, self.learn_dock, Qt.Orientation.Vertical)
        self.learn_dock.hide()  # Help > Learn opens it (and the first start, see the docstring)
        self.tabifyDockWidget(self.training_dock, self.explain_dock)
        self.tabifyDockWidget(self.explain_dock, self.data_dock)
        self.tabifyDockWidget(self.data_dock, self.overview_dock)
        self.tabifyDockWidget(self.overview_dock, self.runs_dock)
        self.docks = {Dock.BUILDER: self.builder_dock, Dock.TRAINING: self.training_dock,
                      Dock.EXPLAIN: self.explain_dock, Dock.DATA: self.data_dock,
                      Dock.OVERVIEW: self.overview_dock, Dock.RUNS: self.runs_dock,
                      Dock.LEARN: self.learn_dock}
        self.show_tab(self.requested_tab)

    def _dock(self, title: str, name: str, widget: QWidget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    # ------------------------------------------------------ the Shell interface
    def put_in_dock(self, dock: Dock, widget: QWidget) -> None:
        """Put ``widget`` in ``dock`` (scrollable, so no panel forces the window wider)."""
        self.docks[dock].panel = widget
        self.docks[dock].setWidget(scrollable(widget))

    def put_in_centre(self, widget: QWidget) -> None:
        """Put ``widget`` in the central area (scrollable, like the docks)."""
        self.central_panel = widget
        self.setCentralWidget(scrollable(widget))

    def on_dock_shown(self, dock: Dock, callback: Callable[[], None]) -> None:
        """Call ``callback`` whenever ``dock`` comes to the front (its tab chosen, shown)."""
        self.docks[dock].visibilityChanged.connect(lambda shown: callback() if shown else None)

    def show_dock(self, dock: Dock) -> None:
        """Bring ``dock`` to the front (shown, its tab chosen)."""
        self.docks[dock].show()
        self.docks[dock].raise_()

    def fit_dock_width(self, dock: Dock, width: int) -> None:
        """First start: give ``dock`` a readable width (a restored layout keeps its own)."""
        if not self.settings().value("window_state"):
            QTimer.singleShot(0, lambda: self.resizeDocks([self.docks[dock]], [width],
                                                          Qt.Orientation.Horizontal))

    def serve(self, action: Action, slot: Callable[[], object]) -> None:
        """Let ``slot`` answer the File menu's ``action``."""
        self.served[action] = slot

    def add_tool(self, action: QAction, needs_tf: bool = False) -> None:
        """Add ``action`` to the Tools menu (made on first use)."""
        if self.tools_menu is None:
            self.tools_menu = self.menuBar().insertMenu(self.help_menu.menuAction(),
                                                        QMenu("&Tools", self)).menu()
        if needs_tf:
            action.setEnabled(self.state.tf_loaded)
            self.tf_actions.append(action)
        self.tools_menu.addAction(action)

    def add_opener(self, suffix: str, opener: Callable[[str], object]) -> None:
        """Open files ending in ``suffix`` with ``opener``."""
        self.openers[suffix] = opener

    def add_escape(self, handler: Callable[[], bool]) -> None:
        """Esc anywhere in the window (no text field being edited) calls ``handler``; it
        returns whether it used the key."""
        self.escape_handlers.append(handler)

    def add_letter_key(self, handler: Callable[[str], bool]) -> None:
        """A-Z anywhere in the window (no text field being edited) calls ``handler(letter)``;
        it returns whether it used the key."""
        self.letter_keys.add(handler)

    def own_dialog(self, dialog: QDialog) -> None:
        """Make ``dialog`` a dialog over this window, closed with it."""
        dialog.setParent(self, dialog.windowFlags())

    def show_message(self, text: str) -> None:
        """A line in the status bar for a few seconds."""
        self.statusBar().showMessage(text, 8000)

    def show_tab(self, name: str) -> None:
        """Bring a panel to the front: draw, builder, train, explain, data, network or runs."""
        docks = {"builder": self.builder_dock, "train": self.training_dock,
                 "explain": self.explain_dock, "data": self.data_dock,
                 "network": self.overview_dock, "runs": self.runs_dock,
                 "learn": self.learn_dock}
        self.requested_tab = name
        if name in docks:
            docks[name].show()
            docks[name].raise_()

    def _install_later_panels(self) -> None:
        install_all(self, LATER)
        self._later_panels_installed()
        self.show_tab(self.requested_tab)
        self.state.end_work(Work.PANELS)

    def _later_panels_installed(self) -> None:
        self.learn_views = LearnViews(self)
        learn = self.panels.get("learn")
        if self.learn_at_first_start and learn is not None and not learn.path_started():
            self.show_learn()

    def show_learn(self) -> None:
        """Help > Learn: open the Learn path (below the builder) at the step last shown; when
        it opens, it gets half the builder's column, or a quarter of the window's width when
        the builder is folded into the right-hand tabs, so its text can be read."""
        opening = self.learn_dock.isHidden()
        self.show_dock(Dock.LEARN)
        if opening:
            QTimer.singleShot(0, self, self._size_learn)

    def _size_learn(self) -> None:
        if not size_learn_alone(self):  # it shares the builder's column: half its height
            self.resizeDocks([self.builder_dock, self.learn_dock], [1, 1],
                             Qt.Orientation.Vertical)

    # ------------------------------------------------------------------ menus
    def _action(self, menu, text: str, slot, shortcut=None, needs_tf: bool = False) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        if needs_tf:
            action.setEnabled(self.state.tf_loaded)
            self.tf_actions.append(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = bar.addMenu("&File")
        self.actions = {}
        for action, shortcut, needs_tf in (
                (Action.NEW_NETWORK, QKeySequence.StandardKey.New, False),
                (Action.OPEN_NETWORK, QKeySequence.StandardKey.Open, False),
                (Action.SAVE_NETWORK, QKeySequence.StandardKey.Save, False),
                (Action.SAVE_NETWORK_AS, "Ctrl+Shift+S", False),
                (Action.OPEN_MODEL, "Ctrl+Shift+O", True),
                (Action.EXPORT_MODEL, None, True),
                (Action.SAVE_MODEL, "Ctrl+Shift+M", True)):
            if action is Action.OPEN_MODEL:
                self.recent_menu = self.file_menu.addMenu("Open &recent")
                self.file_menu.addSeparator()
            self.actions[action] = self._action(self.file_menu, action.value,
                                                lambda _=False, a=action: self.trigger(a),
                                                shortcut, needs_tf)
        self.new_network_action = self.actions[Action.NEW_NETWORK]
        self.open_network_action = self.actions[Action.OPEN_NETWORK]
        self.save_network_action = self.actions[Action.SAVE_NETWORK]
        self.save_network_as_action = self.actions[Action.SAVE_NETWORK_AS]
        self.open_model_action = self.actions[Action.OPEN_MODEL]
        self.export_model_action = self.actions[Action.EXPORT_MODEL]
        self.save_model_action = self.actions[Action.SAVE_MODEL]
        self.file_menu.addSeparator()
        self._action(self.file_menu, "Save &window picture...", self._save_window_picture)
        self.file_menu.addSeparator()
        self.quit_action = self._action(self.file_menu, "&Quit", self.request_close,
                                        QKeySequence.StandardKey.Quit)

        self.edit_menu = bar.addMenu("&Edit")
        self.undo_router = UndoRouter(self, self.edit_menu)
        self.undo_group = self.undo_router.group
        self.undo_action = self.undo_router.undo_action
        self.redo_action = self.undo_router.redo_action

        self.view_menu = bar.addMenu("&View")
        for dock in self.docks.values():
            self.view_menu.addAction(dock.toggleViewAction())

        self.tools_menu: QMenu | None = None
        self.help_menu = help_menu = bar.addMenu("&Help")
        self.learn_action = self._action(help_menu, "&Learn: a CNN step by step",
                                         self.show_learn)
        self._action(help_menu, "&Keyboard shortcuts", self.show_shortcuts, "F1")
        self._action(help_menu, "&About CNN Studio", self.show_about)
        self._refresh_recent_menu()

    def trigger(self, action: Action) -> None:
        """Run the slot a panel serves ``action`` with (a message until one does)."""
        slot = self.served.get(action)
        if slot is None:
            self.statusBar().showMessage("This action is not available yet.", 5000)
        else:
            slot()

    def register_undo(self, widget: QWidget, undo: Callable[[], None],
                      redo: Callable[[], None], stack=None) -> None:
        """Let Edit > Undo/Redo act on ``widget`` once the person works in it.

        ``stack`` (default: the widget's ``undo_stack``) joins the window's ``QUndoGroup`` so
        the menu names the step; see ``gui.app.undo_routing``.
        """
        self.undo_router.register(widget, undo, redo, stack)

    def undo(self) -> None:
        """Undo in the panel the person last worked in (a stroke, a builder edit...)."""
        self.undo_router.undo()

    def redo(self) -> None:
        """Redo in the panel the person last worked in."""
        self.undo_router.redo()

    def shortcut_lines(self) -> list[tuple[str, str]]:
        """(shortcut, what it does) for every menu action with a shortcut, plus canvas keys."""
        return shortcut_lines(self)

    def show_shortcuts(self) -> None:
        """Show the keyboard shortcuts."""
        rows = "".join(f"<tr><td><b>{k}</b></td><td>{w}</td></tr>" for k, w in self.shortcut_lines())
        QMessageBox.information(self, "Keyboard shortcuts", f"<table>{rows}</table>")

    def show_about(self) -> None:
        """Show what the app is, its version, the versions it runs on and the attributions."""
        self.about_box = show_about(self)

    def _save_window_picture(self) -> None:
        path = last_folder.save_file(self, "images", "Save window picture", "cnn-studio.png",
                                     "PNG images (*.png)")
        if path:
            self.grab().save(path)

    # ---------------------------------------------------------- recent files
    def settings(self) -> QSettings:
        """The app's persistent settings (see :func:`app_settings`)."""
        return app_settings()

    def recent_files(self) -> list[str]:
        """Most recently opened or saved files, newest first."""
        value = self.settings().value("recent_files", [])
        if isinstance(value, str):
            value = [value]
        return [str(item) for item in (value or [])]

    def add_recent_file(self, path: str) -> None:
        """Put ``path`` first in the recent files list."""
        path = str(Path(path).resolve())
        files = [path] + [item for item in self.recent_files() if item != path]
        self.settings().setValue("recent_files", files[:MAX_RECENT])
        self._refresh_recent_menu()

    def _refresh_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = self.recent_files()
        for path in files:
            action = self.recent_menu.addAction(Path(path).name)
            action.setToolTip(path)
            action.triggered.connect(lambda _=False, p=path: self.open_path(p))
        self.recent_menu.setEnabled(bool(files))

    def open_path(self, path: str) -> None:
        """Open a file with the panel that handles its type (network, model, strokes)."""
        name = Path(path).name.lower()
        for suffix, opener in self.openers.items():
            if name.endswith(suffix):
                opener(path)
                return
        self.statusBar().showMessage(f"Don't know how to open {Path(path).name}.", 8000)

    # ------------------------------------------------------------ TensorFlow
    def _build_status_bar(self) -> None:
        self.tf_label = QLabel("Loading TensorFlow...")
        self.tf_label.setObjectName("tf_status")
        self.statusBar().addPermanentWidget(self.tf_label)

    def _on_tf_ready(self, info: dict) -> None:
        self.tf_label.setText(describe_devices(info))
        for action in self.tf_actions:
            action.setEnabled(True)
        gc.collect()
        gc.freeze()

    def _on_tf_failed(self, message: str) -> None:
        self.tf_label.setText("TensorFlow unavailable")
        self.statusBar().showMessage(message)

    # ------------------------------------------------------- window lifetime
    def _restore_settings(self) -> None:
        settings = self.settings()
        geometry = settings.value("geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:  # first start: fit the screen it opens on
            frame = first_start_frame(self.screen().availableGeometry())
            self.resize(frame.size())
            self.move(frame.topLeft())
        dock_state = settings.value("window_state")
        if isinstance(dock_state, QByteArray) and not dock_state.isEmpty():
            self.restoreState(dock_state)
        else:  # first start: the canvas and the overview get the room (dock_sizes)
            self.first_paint.connect(lambda: QTimer.singleShot(50, self, lambda: first_start_sizes(self)))

    def add_shutdown_hook(self, hook: Callable[[], None]) -> None:
        """Run ``hook`` when the window closes (stop workers, join threads), in order added."""
        self._shutdown_hooks.append(hook)

    def ask_choice(self, title: str, text: str, choices: tuple[str, ...]) -> str:
        """Ask a Save / Discard / Cancel question (``gui.app.close_guard``); tests replace it."""
        return ask_choice(self, title, text, choices)

    def request_close(self) -> bool:
        """File > Quit: close as the person asked, after the unsaved-work questions."""
        self._user_close = True
        try:
            return self.close()
        finally:
            self._user_close = False

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        """Ask about unsaved work (person's close), save the layout, stop workers, close.

        The person's close (the window's close button, File > Quit) asks first; the app's own
        ``close()`` (screenshots, benchmarks, tests) does not.
        """
        if (event.spontaneous() or self._user_close) and not self.close_guard.allow_close():
            event.ignore()
            return
        settings = self.settings()
        settings.setValue("geometry", self.saveGeometry())
        settings.setValue("window_state", self.saveState())
        if self.session is not None:
            self.session.save()
        for hook in self._shutdown_hooks:
            hook()
        self.runner.shutdown()  # what the panels' hooks did not stop, with one bound
        super().closeEvent(event)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        """A wider window (maximising) widens the docks too, not only the drawing."""
        super().resizeEvent(event)
        self.width_sharer.share(event.oldSize().width(), event.size().width())

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Emit ``first_paint`` once (the start-up benchmark listens for it)."""
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            self.first_paint.emit()
