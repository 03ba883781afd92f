"""What the network thinks: the top letter, the top three, and all 26 probabilities as bars."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from cnn_studio.gui.common import palette as colours
from cnn_studio.gui.common.confidence import LEANING_FROM, is_i_or_l, verdict
from cnn_studio.gui.common.widgets import ElidedLabel
from cnn_studio.model.ink.strokes import LETTERS

AXIS_MIN_POINTS = 5.0  # the A-Z axis letters shrink to this size before some are left out
AXIS_GAP = 2  # pixels at least between two axis letters
UNSURE_BELOW = LEANING_FROM  # the bars' dashed guide line: below it the app is not sure
BAR = QColor(96, 122, 170)
TOP_BAR = QColor(230, 120, 40)
GRID = QColor(215, 218, 226)


def top_k(probs: np.ndarray, k: int = 3) -> list[tuple[str, float]]:
    """The ``k`` most probable letters with their probabilities, best first."""
    order = np.argsort(-np.asarray(probs))[:k]
    return [(LETTERS[i] if i < len(LETTERS) else str(i), float(probs[i])) for i in order]


class ProbabilityBars(QWidget):
    """A bar per class (A-Z) with the letters below; the winner is highlighted.

    Only the bars change from one answer to the next: the guide lines and the letters (once
    muted, once in the text colour for the winner) are drawn once per size, palette and font
    into pixmaps (:attr:`backgrounds_drawn` counts how often) and copied on every paint.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("probability_bars")
        self.setMinimumSize(200, 100)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self._probs: np.ndarray | None = None
        self.painted_probs: np.ndarray | None = None
        self.backgrounds_drawn = 0
        self._background_key: tuple | None = None
        self._backgrounds: tuple[QPixmap, QPixmap] | None = None

    def set_probs(self, probs: np.ndarray | None) -> None:
        """Show ``probs`` (one per class) or nothing."""
        self._probs = probs
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        """Wide and low."""
        return QSize(360, 130)

    def _geometry(self, count: int) -> tuple[int, float, float, float]:
        """(label height, top of the bars, their baseline, the width of one class)."""
        label_h = self.fontMetrics().height() + 2
        return label_h, 4.0, float(self.height() - label_h), self.width() / count

    def _background(self, count: int) -> tuple[QPixmap, QPixmap]:
        """The guide lines with every letter muted, and the same with the letters in the text
        colour (the winner's is copied from it), drawn again only when the key changes."""
        ratio = self.devicePixelRatioF()
        key = (self.width(), self.height(), count, ratio, self.palette().cacheKey(),
               self.font().key())
        if key != self._background_key or self._backgrounds is None:
            self._background_key = key
            self._backgrounds = (self._draw_background(count, colours.muted_text(), ratio),
                                 self._draw_background(
                                     count, colours.role(colours.Role.WindowText), ratio,
                                     every_letter=True))
            self.backgrounds_drawn += 1
        return self._backgrounds

    def axis_letters(self, count: int) -> tuple[QFont, int]:
        """The font of the A-Z axis and which letters it shows (every ``step``-th) so that
        no two letters touch: the widget's font, smaller in a narrow chart (down to
        ``AXIS_MIN_POINTS``), then every other letter."""
        slot = self.width() / max(count, 1)
        names = [LETTERS[i] if i < len(LETTERS) else str(i) for i in range(count)]
        font = QFont(self.font())
        size = font.pointSizeF() if font.pointSizeF() > 0 else 9.0

        def widest(points: float) -> int:
            font.setPointSizeF(points)
            return max((QFontMetrics(font).horizontalAdvance(n) for n in names), default=0)

        while widest(size) + AXIS_GAP > slot and size - 0.5 >= AXIS_MIN_POINTS:
            size -= 0.5
        step = 1
        while widest(size) + AXIS_GAP > slot * step and step < count:
            step += 1
        return font, step

    def _draw_background(self, count: int, letter_colour: QColor, ratio: float,
                         every_letter: bool = False) -> QPixmap:
        """The guide lines and the axis letters; ``every_letter``: also those the axis leaves
        out (only the winner's slot is copied from this one, so its letter always shows)."""
        label_h, top, bottom, slot = self._geometry(count)
        pixmap = QPixmap(QSize(self.width(), self.height()) * ratio)
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setFont(self.font())
        painter.setPen(QPen(GRID, 1, Qt.PenStyle.DashLine))
        half = bottom - UNSURE_BELOW * max(1.0, bottom - top)
        painter.drawLine(0, int(half), self.width(), int(half))
        painter.setPen(QPen(GRID, 1))
        painter.drawLine(0, int(bottom), self.width(), int(bottom))
        painter.setPen(letter_colour)
        font, step = self.axis_letters(count)
        painter.setFont(font)
        for i in range(0, count, 1 if every_letter else step):
            text = LETTERS[i] if i < len(LETTERS) else str(i)
            painter.drawText(QRectF(i * slot, bottom + 1, slot, label_h),
                             Qt.AlignmentFlag.AlignCenter, text)
        painter.end()
        return pixmap

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Bars with a 50% guide line."""
        painter = QPainter(self)
        probs = self._probs
        count = len(probs) if probs is not None else len(LETTERS)
        muted, strong = self._background(count)
        if probs is None:
            painter.drawPixmap(0, 0, muted)
        else:
            _label_h, top, bottom, slot = self._geometry(count)
            best = int(np.argmax(probs))
            left, right, split = int(best * slot), int((best + 1) * slot), int(bottom)
            width, height, ratio = self.width(), self.height(), muted.devicePixelRatio()

            def copy(pixmap: QPixmap, x: int, y: int, w: int, h: int) -> None:
                painter.drawPixmap(QRectF(x, y, w, h), pixmap,
                                   QRectF(x * ratio, y * ratio, w * ratio, h * ratio))

            copy(muted, 0, 0, width, split)  # the guide lines, then the letters: the
            copy(muted, 0, split, left, height - split)  # winner's in the text colour
            copy(muted, right, split, width - right, height - split)
            copy(strong, left, split, right - left, height - split)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            heights = np.clip(np.asarray(probs, dtype=np.float64), 0.0, 1.0) * (bottom - top)
            for i, bar in enumerate(heights.tolist()):
                painter.fillRect(QRectF(i * slot + slot * 0.15, bottom - bar, slot * 0.7, bar),
                                 TOP_BAR if i == best else BAR)
        painter.end()
        self.painted_probs = probs


class PredictionView(QWidget):
    """The network's answer for the current drawing.

    Shows nothing for an empty canvas, the answer in the words and colour of
    :func:`gui.common.confidence.verdict` (sure, probably, not sure, I or l), and a message
    (e.g. no trained model) when there is no answer.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("prediction_view")
        self.letter_label = QLabel("")
        self.letter_label.setObjectName("top_letter")
        self.letter_label.setFont(self._bold_font(44))
        self.letter_label.setMinimumWidth(70)
        self.letter_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.verdict_label = ElidedLabel()  # never clipped: elided, whole text as tooltip
        self.verdict_label.setTextFormat(Qt.TextFormat.PlainText)
        self.verdict_label.setObjectName("verdict")
        self.verdict_label.setFont(self._bold_font(self.font().pointSize() + 3))
        self.top3_label = QLabel("")
        self.top3_label.setObjectName("top3")
        self.message_label = QLabel("")
        self.message_label.setObjectName("prediction_message")
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.bars = ProbabilityBars()
        self._fix_sizes()
        self._lay_out()
        self.probs: np.ndarray | None = None
        self._styled = None  # the sureness the labels are styled for
        self.clear()

    def _bold_font(self, point_size: int) -> QFont:
        """The widget's font, bold, at ``point_size``."""
        font = QFont(self.font())
        font.setPointSize(point_size)
        font.setBold(True)
        return font

    def _fix_sizes(self) -> None:
        """Answers of different lengths must not change the panel's minimum size.

        A change would re-layout (and repaint) the whole window on every prediction; Qt skips
        that layout pass only for widgets of fixed size (minimum = maximum).
        """
        self.letter_label.setFixedSize(80, QFontMetrics(self.letter_label.font()).height() + 8)
        for label in (self.verdict_label, self.top3_label):
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            label.setMinimumWidth(120)
            label.setFixedHeight(QFontMetrics(label.font()).height() + 4)
        # The top three wrap onto a second line in a narrow panel (1280 px) instead of being cut.
        self.top3_label.setWordWrap(True)
        self.top3_label.setFixedHeight(2 * QFontMetrics(self.top3_label.font()).lineSpacing() + 4)
        # The message (hint, "no model") takes the bars' place in the same grid cell and its
        # own size is ignored: the first answer hiding it must not resize anything, or the
        # canvas above would change size under the pen.
        self.message_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.message_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        keep = self.bars.sizePolicy()
        keep.setRetainSizeWhenHidden(True)
        self.bars.setSizePolicy(keep)

    def _lay_out(self) -> None:
        """The letter beside the verdict and top three; below, the bars or the message."""
        text_box = QVBoxLayout()
        text_box.addWidget(self.verdict_label)
        text_box.addWidget(self.top3_label)
        head = QHBoxLayout()
        head.addWidget(self.letter_label)
        head.addLayout(text_box, 1)
        head.setAlignment(text_box, Qt.AlignmentFlag.AlignVCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(head)
        body = QGridLayout()
        body.addWidget(self.bars, 0, 0)
        body.addWidget(self.message_label, 0, 0)
        layout.addLayout(body, 1)

    @property
    def top_letter(self) -> str | None:
        """The letter shown as the answer, or None when nothing is shown."""
        return LETTERS[int(np.argmax(self.probs))] if self.probs is not None else None

    @property
    def i_or_l(self) -> bool:
        """True while the view answers "I or l" (a bare bar)."""
        return self.probs is not None and is_i_or_l(self.probs)

    @property
    def unsure(self) -> bool:
        """True while the shown answer is not the network's one answer (not sure, I or l)."""
        return self.probs is not None and not verdict(self.probs).confident

    def clear(self, hint: str = "Draw a letter on the canvas to see what the network reads.") -> None:
        """Show nothing but ``hint`` (empty canvas)."""
        self.probs = None
        self.letter_label.setText("")
        self.verdict_label.set_full_text("")
        self.top3_label.setText("")
        self.message_label.setText(hint)
        self.message_label.setStyleSheet("")
        self.message_label.setVisible(bool(hint))
        self.bars.setVisible(not hint)
        self.bars.set_probs(None)

    def set_message(self, text: str) -> None:
        """Show a message instead of an answer (no model, model failed to load...)."""
        self.clear(text)
        self.message_label.setStyleSheet(f"color: {colours.css(colours.error_text())};")

    def set_probs(self, probs: np.ndarray) -> None:
        """Show the answer for class probabilities ``probs`` (26 values summing to 1)."""
        probs = np.asarray(probs, dtype=np.float32).reshape(-1)
        self.probs = probs
        best = top_k(probs, 3)
        said = verdict(probs)
        self.letter_label.setText("I/l" if is_i_or_l(probs) else said.letter)
        self.verdict_label.set_full_text(said.text)
        if said.sureness != self._styled:  # style sheets are slow to apply: only on a change
            self._styled = said.sureness
            letter_colour = (colours.role(colours.Role.WindowText) if said.confident
                             else colours.muted_text())
            self.letter_label.setStyleSheet(f"color: {colours.css(letter_colour)};")
            self.verdict_label.setStyleSheet(f"color: {colours.css(said.colour())};")
        self.top3_label.setText("   ".join(  # a no-break space keeps each letter with its share
            f"{name}\u00a0{value:.0%}" if value >= 0.01 else f"{name}\u00a0<1%"
            for name, value in best))
        if self.message_label.isVisible() or self.message_label.text():
            self.message_label.setText("")
            self.message_label.setStyleSheet("")
            self.message_label.setVisible(False)
        if not self.bars.isVisibleTo(self):
            self.bars.setVisible(True)
        self.bars.set_probs(probs)
