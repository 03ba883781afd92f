"""The explain panel's concept switcher: every concept's name visible at once.

A tab bar with eleven concepts needs scroll arrows in a side dock and cuts names off; here the
names are checkable buttons that wrap onto as many rows as the dock's width needs, above one
page per concept. It offers the parts of ``QTabWidget``'s interface the panel and tests use.
"""

from __future__ import annotations

from PySide6.QtWidgets import QButtonGroup, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from cnn_studio.gui.common.flow_layout import FlowLayout


class ConceptTabs(QWidget):
    """Wrapped, checkable concept buttons over a stack of pages."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.buttons = QWidget()
        self.buttons.setObjectName("concept_buttons")
        self._row = FlowLayout(self.buttons)
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        self._titles: list[str] = []
        self.pages = QStackedWidget()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.buttons)
        layout.addWidget(self.pages, 1)
        self._group.idClicked.connect(self.setCurrentIndex)

    def addTab(self, page: QWidget, title: str) -> int:  # noqa: N802 - the QTabWidget name
        """Add ``page`` under a button named ``title`` ('&&' shows one '&')."""
        index = self.pages.addWidget(page)
        button = QPushButton(title)
        button.setCheckable(True)
        button.setObjectName(f"concept_{page.objectName() or index}")
        self._group.addButton(button, index)
        self._row.addWidget(button)
        self._titles.append(title)
        if index == 0:
            button.setChecked(True)
        return index

    def count(self) -> int:
        """How many concepts there are."""
        return self.pages.count()

    def indexOf(self, page: QWidget) -> int:  # noqa: N802 - the QTabWidget name
        """The index of ``page`` (-1 when it is not here)."""
        return self.pages.indexOf(page)

    def tabText(self, index: int) -> str:  # noqa: N802 - the QTabWidget name
        """The title of concept ``index``."""
        return self._titles[index]

    def setCurrentIndex(self, index: int) -> None:  # noqa: N802 - the QTabWidget name
        """Show concept ``index`` and check its button."""
        if index == self.pages.currentIndex() or not 0 <= index < self.count():
            return
        self._group.button(index).setChecked(True)
        self.pages.setCurrentIndex(index)

    def setCurrentWidget(self, page: QWidget) -> None:  # noqa: N802 - the QTabWidget name
        """Show ``page``."""
        self.setCurrentIndex(self.pages.indexOf(page))
