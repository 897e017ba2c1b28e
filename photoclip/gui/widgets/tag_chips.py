"""Tags as chips that wrap over lines: the name and a × that removes it, so removing a tag never means typing its
exact name. A chip may be marked (the model's accepted ✓ or a suggestion's dashed outline)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QLayout, QLayoutItem, QToolButton, QWidget

CHIP_STYLE = ("QFrame#chip {{ border: 1px {line} palette(mid); border-radius: 10px; "
              "background: palette(alternate-base); }}")


class FlowLayout(QLayout):
    """Items left to right, wrapping to a new line when the width runs out (Qt's flow layout example)."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 4) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._gap = spacing
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._place(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._place(rect, move=True)

    def sizeHint(self) -> QSize:
        return self.minimumSize()

    def minimumSize(self) -> QSize:
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        return size

    def _place(self, rect: QRect, move: bool) -> int:
        x, y, line = rect.x(), rect.y(), 0
        for item in self._items:
            if item.isEmpty():  # a hidden widget takes no place (nor a gap)
                continue
            hint = item.sizeHint()
            if x + hint.width() > rect.right() + 1 and line > 0:
                x, y, line = rect.x(), y + line + self._gap, 0
            if move:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + self._gap
            line = max(line, hint.height())
        return y + line - rect.y()


class TagChips(QWidget):
    """``removed(name)`` when a chip's × is clicked (the chip goes once the owner shows the new tags)."""

    removed = Signal(str)

    def __init__(self, empty_text: str = "none", remove_tip: str = "Remove this tag",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.empty_text = empty_text
        self.remove_tip = remove_tip
        self._flow = FlowLayout(self)
        self._names: list[str] = []
        self.set_tags([])

    def names(self) -> list[str]:
        return list(self._names)

    def set_tags(self, tags: list[tuple[str, str]]) -> None:
        """``tags``: (name, mark) pairs; mark is "" (plain), "accepted" (✓) or "suggested" (dashed)."""
        while self._flow.count():
            widget = self._flow.takeAt(0).widget()
            if widget is not None:
                widget.setParent(None)  # out of findChildren now, not at the next event loop turn
                widget.deleteLater()
        self._names = [name for name, _ in tags]
        if not tags:
            empty = QLabel(self.empty_text)
            empty.setStyleSheet("color: palette(placeholder-text);")
            self._flow.addWidget(empty)
        for name, mark in tags:
            self._flow.addWidget(self._chip(name, mark))
        self.updateGeometry()

    def chip(self, name: str) -> QFrame | None:
        return next((w for w in self.findChildren(QFrame, "chip") if w.property("tag") == name), None)

    def remove_button(self, name: str) -> QToolButton | None:
        chip = self.chip(name)
        return chip.findChild(QToolButton) if chip is not None else None

    def _chip(self, name: str, mark: str) -> QFrame:
        chip = QFrame()
        chip.setObjectName("chip")
        chip.setProperty("tag", name)
        chip.setStyleSheet(CHIP_STYLE.format(line="dashed" if mark == "suggested" else "solid"))
        row = QHBoxLayout(chip)
        row.setContentsMargins(8, 1, 2, 1)
        row.setSpacing(2)
        text = QLabel(f"{name} ✓" if mark == "accepted" else name)
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if mark == "suggested":
            text.setToolTip("Suggested by the model, not accepted yet")
        elif mark == "accepted":
            text.setToolTip("Suggested by the model and accepted by you")
        remove = QToolButton()
        remove.setText("×")
        remove.setAutoRaise(True)
        remove.setToolTip(self.remove_tip)
        remove.setAccessibleName(f"Remove {name}")
        remove.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        remove.clicked.connect(lambda: self._remove(chip, name))
        row.addWidget(text)
        row.addWidget(remove)
        return chip

    def _remove(self, chip: QFrame, name: str) -> None:
        chip.setEnabled(False)  # at once: a second click must not ask twice
        self.removed.emit(name)
