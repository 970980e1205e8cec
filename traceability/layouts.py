"""Label sheet layouts: the sizes of the stickers on an A4 sheet and where each one sits.

Kept apart from the drawing (``labels``) so the models and forms that offer a choice of layout
do not load reportlab and qrcode in every process: only the process that draws a sheet does.
The units are reportlab's (points), computed as reportlab computes them, so the figures are
the same floats."""

from dataclasses import dataclass

inch = 72.0  # points, as reportlab.lib.units
cm = inch / 2.54
mm = cm * 0.1
A4 = (210 * mm, 297 * mm)  # as reportlab.lib.pagesizes


@dataclass(frozen=True)
class SheetLayout:
    """A4 sheet of equal stickers in a grid, centred, with a minimum page margin."""

    key: str
    title: str
    label_width: float  # points
    label_height: float
    gap: float = 2 * mm
    min_margin: float = 7 * mm
    page_size: tuple = A4

    @property
    def columns(self) -> int:
        usable = self.page_size[0] - 2 * self.min_margin + self.gap
        return int(usable // (self.label_width + self.gap))

    @property
    def rows(self) -> int:
        usable = self.page_size[1] - 2 * self.min_margin + self.gap
        return int(usable // (self.label_height + self.gap))

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def origin(self, index: int) -> tuple[float, float]:
        """Bottom-left corner of the ``index``-th sticker on a page, filled row by row from
        the top left."""
        row, column = divmod(index, self.columns)
        grid_w = self.columns * self.label_width + (self.columns - 1) * self.gap
        grid_h = self.rows * self.label_height + (self.rows - 1) * self.gap
        left = (self.page_size[0] - grid_w) / 2
        top = (self.page_size[1] + grid_h) / 2
        x = left + column * (self.label_width + self.gap)
        y = top - (row + 1) * self.label_height - row * self.gap
        return x, y


LAYOUTS = {
    layout.key: layout
    for layout in (
        SheetLayout("a4-30x30", "A4, 30 × 30 mm", 30 * mm, 30 * mm),
        SheetLayout("a4-40x30", "A4, 40 × 30 mm", 40 * mm, 30 * mm),
        SheetLayout("a4-50x50", "A4, 50 × 50 mm", 50 * mm, 50 * mm),
    )
}
LAYOUT_CHOICES = [(layout.key, layout.title) for layout in LAYOUTS.values()]
