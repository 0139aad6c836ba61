"""The label sheet's geometry (server/qr/labels.py, docs/qr.md § Label sheets): every code keeps a
quiet zone of 4 modules inside its white square, every label stays clear of the unprintable
edge and of its neighbours, on A4 and Letter, for any code size a token URL can take.
tests/e2e/test_label_print.py prints a sheet in Chromium and decodes it."""

from __future__ import annotations

import re

import pytest

from server.qr import labels, render

SIZES = range(21, 62, 4)  # QR versions 1–10 (a token URL is version 7–9)


def boxes(paper: labels.Paper, size: int) -> list[tuple[float, float, float, float]]:
    """Each slot's code with its quiet zone, and the order number under it: (left, top, right,
    bottom) in mm."""
    out = []
    for i in range(labels.PER_SHEET):
        at = labels.place(paper, i, size)
        assert at.sheet == 0 and at.quiet == pytest.approx(4 * at.module)
        side = at.size * at.module
        assert side + 2 * at.quiet == pytest.approx(labels.SIDE_MM)
        bottom = at.y + side + at.quiet + labels.TEXT_MM * 1.1  # the text's descent included
        out.append((at.x - at.quiet, at.y - at.quiet, at.x + side + at.quiet, bottom))
    return out


@pytest.mark.parametrize("paper", ["a4", "letter"])
@pytest.mark.parametrize("size", SIZES)
def test_labels_keep_clear_of_the_edge_and_of_each_other(paper: labels.Paper, size: int) -> None:
    width, height, _ = labels.PAPERS[paper]
    placed = boxes(paper, size)
    for left, top, right, bottom in placed:
        assert left >= labels.MARGIN and top >= labels.MARGIN
        assert right <= width - labels.MARGIN and bottom <= height - labels.MARGIN
    for i, a in enumerate(placed):
        for b in placed[i + 1 :]:
            apart = a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]
            assert apart, (a, b)
    assert labels.place(paper, labels.PER_SHEET, size).sheet == 1


def test_a_sheet_draws_each_code_inside_its_white_square_with_four_modules_to_spare() -> None:
    url = "HTTP://LOCALHOST:8000/Q/" + "A" * 150
    (svg,) = labels.sheets([(f"N-{i}", url) for i in range(3)], "letter")
    assert svg.count('class="label"') == 3
    assert '<rect width="215.9" height="279.4" fill="#fff"/>' in svg  # opaque page
    module = labels.SIDE_MM / (len(render.make(url).matrix) + 8)
    for rect, path in re.findall(r'<rect (x="[^/]*)/><path fill="#000" d="([^"]*)"', svg):
        x, y, side = (float(re.search(rf'{k}="([\d.]+)"', rect)[1]) for k in ("x", "y", "width"))
        xs = [float(v) for v in re.findall(r"M([\d.]+) ", path)]
        ys = [float(v) for v in re.findall(r"M[\d.]+ ([\d.]+)h", path)]
        assert min(xs) - x == pytest.approx(4 * module, abs=1e-3)
        assert min(ys) - y == pytest.approx(4 * module, abs=1e-3)
        assert x + side - (max(xs) + module) == pytest.approx(4 * module, abs=1e-3)
        assert y + side - (max(ys) + module) == pytest.approx(4 * module, abs=1e-3)


def test_the_svg_of_one_code_is_opaque() -> None:
    svg = render.svg("HTTP://LOCALHOST/Q/ABC").decode()
    # A white square under the whole code, quiet zone included (33 = 25 modules + 2 × 4).
    assert '<path fill="#fff" d="M0 0h33v33h-33z"/>' in svg
