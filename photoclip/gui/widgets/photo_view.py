"""The viewer's photo: fit to the window, or zoomed (1:1 = one photo pixel per screen pixel), dragged to pan.

A QGraphicsView: zooming changes the view's transform, never the size of a pixmap (a 12 MP photo at 400 %
would be a 750 MB pixmap). The scene is in the photo's own pixels: the picture shown meanwhile (the cached
thumbnail, then the 2048 px decode, then the full resolution once zoomed past it) is scaled up to that size, so
swapping it keeps the zoom and the place. ``needs_detail`` says when the picture on screen has fewer pixels than
the zoom shows."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QPixmap, QResizeEvent, QWheelEvent
from PySide6.QtWidgets import QFrame, QGraphicsPixmapItem, QGraphicsScene, QGraphicsView, QLabel, QSizePolicy

ZOOM_STEP = 1.25
MAX_ZOOM = 8.0  # eight screen pixels per photo pixel
BACKGROUND = "#1e1f22"
STEP_KEYS = (Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Home, Qt.Key.Key_End)


class PhotoView(QGraphicsView):
    clicked = Signal()
    #: the zoom (screen pixels per photo pixel) and whether it is the fit-to-window one
    zoom_changed = Signal(float, bool)

    def __init__(self) -> None:
        super().__init__()
        self.setScene(QGraphicsScene(self))
        self.setMinimumSize(320, 240)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setBackgroundBrush(QColor(BACKGROUND))
        self.setStyleSheet(f"background: {BACKGROUND}; border-radius: 6px;")
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName("Photo")
        self.item = QGraphicsPixmapItem()
        self.item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.scene().addItem(self.item)
        self.message = QLabel(self.viewport())
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #cfd2d6; background: transparent;")
        self.message.hide()
        self.fit = True
        self.zoom = 1.0
        self.photo_side = 0  # the photo's longer side in its own pixels (the scene's size)
        self._press = None

    # what is shown -------------------------------------------------------------------------------------------
    def set_picture(self, pixmap: QPixmap | None, photo_side: int | None = None, keep_view: bool = False) -> None:
        """Show ``pixmap`` standing for a photo whose longer side is ``photo_side`` pixels (default: its own).
        ``keep_view``: the same photo in more detail, so the zoom and place stay; else it opens fitted."""
        if not keep_view:
            self.fit = True  # another photo opens fitted
        if pixmap is None or pixmap.isNull():
            self.item.setPixmap(QPixmap())
            return
        self.message.hide()
        side = max(pixmap.width(), pixmap.height())
        self.photo_side = photo_side or side
        self.item.setPixmap(pixmap)
        self.item.setScale(self.photo_side / side)
        self.scene().setSceneRect(QRectF(self.item.sceneBoundingRect()))
        if self.fit:
            self._apply_zoom()

    def show_message(self, text: str) -> None:
        self.item.setPixmap(QPixmap())
        self.message.setText(text)
        self.message.show()
        self._place_message()

    @property
    def picture(self) -> QPixmap:
        return self.item.pixmap()

    @property
    def needs_detail(self) -> bool:
        """The zoom shows more pixels than the picture on screen has (the photo has them)."""
        shown = max(self.picture.width(), self.picture.height())
        return shown > 0 and shown < self.photo_side and self.zoom * self.photo_side > shown * 1.01

    # zoom --------------------------------------------------------------------------------------------------
    def fit_zoom(self) -> float:
        rect = self.scene().sceneRect()
        if rect.isEmpty():
            return 1.0
        view = self.viewport().rect()
        return min(view.width() / rect.width(), view.height() / rect.height())

    def set_fit(self) -> None:
        self.fit = True
        self._apply_zoom()

    def set_zoom(self, zoom: float) -> None:
        """Screen pixels per photo pixel (1.0: 1:1), from the fitted size up to ``MAX_ZOOM``."""
        self.fit = False
        self.zoom = max(min(zoom, MAX_ZOOM), min(self.fit_zoom(), 1.0))
        self._apply_zoom()

    def zoom_in(self) -> None:
        self.set_zoom(self.zoom * ZOOM_STEP)

    def zoom_out(self) -> None:
        if self.zoom / ZOOM_STEP <= self.fit_zoom():
            self.set_fit()
        else:
            self.set_zoom(self.zoom / ZOOM_STEP)

    def toggle_actual_size(self) -> None:
        """1:1 ⇄ fit, as in Lightroom's Z."""
        if self.fit:
            self.set_zoom(1.0)
        else:
            self.set_fit()

    def _apply_zoom(self) -> None:
        if self.fit:
            self.zoom = self.fit_zoom()
        self.resetTransform()
        self.scale(self.zoom, self.zoom)
        drag = QGraphicsView.DragMode.NoDrag if self.fit else QGraphicsView.DragMode.ScrollHandDrag
        self.setDragMode(drag)
        self.zoom_changed.emit(self.zoom, self.fit)

    # events ------------------------------------------------------------------------------------------------
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.fit:
            self._apply_zoom()
        self._place_message()

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            (self.zoom_in if event.angleDelta().y() > 0 else self.zoom_out)()
            event.accept()
        else:
            super().wheelEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in STEP_KEYS:
            event.ignore()  # the viewer's: they step through the photos, never scroll this one sideways
        else:
            super().keyPressEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._press = event.position()
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        moved = self._press is not None and (event.position() - self._press).manhattanLength() > 4
        self._press = None
        if not moved and event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()  # a click, not the end of a drag

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.toggle_actual_size()
        event.accept()

    def _place_message(self) -> None:
        self.message.setGeometry(self.viewport().rect().adjusted(16, 16, -16, -16))
