"""Charts as server-rendered SVG: lines over time with their interval band, bars and a heat map.

Written here (no CDN, no copied library, no script): plain SVG markup, every value escaped,
every chart with a title for screen readers. The numbers behind each chart are always shown
beside it as a table by the template; the SVG is a picture of that table.
"""

from __future__ import annotations

from django.utils.html import format_html as _format_html
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 640, 240
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 44, 30, 14, 34
SERIES_CLASSES = 6  # .series-0 … .series-5 in reports.css


def format_html(template: str, *args) -> SafeString:
    """Django's format_html with coordinates written to one decimal (it escapes every
    argument to text first, so format specs cannot be used in the template)."""
    return _format_html(template, *(f"{a:.1f}" if isinstance(a, float) else a for a in args))


def _x(index: int, count: int) -> float:
    inner = WIDTH - PAD_LEFT - PAD_RIGHT
    return PAD_LEFT + (inner * index / (count - 1) if count > 1 else inner / 2)


def _y(value: float, low: float, high: float) -> float:
    inner = HEIGHT - PAD_TOP - PAD_BOTTOM
    value = min(max(value, low), high)
    return PAD_TOP + inner * (high - value) / (high - low)


def _svg(title: str, body: str, height: int = HEIGHT, width: int = WIDTH) -> SafeString:
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-labelledby="{}" '
        'xmlns="http://www.w3.org/2000/svg"><title id="{}">{}</title>{}</svg>',
        width,
        height,
        _id(title),
        _id(title),
        title,
        mark_safe(body),  # built from format_html pieces below
    )


def _id(title: str) -> str:
    return "chart-" + "".join(ch if ch.isalnum() else "-" for ch in title.lower())[:60]


def _axes(low: float, high: float, ticks: list[float], fmt, labels: list[str]) -> str:
    parts = []
    for tick in ticks:
        y = _y(tick, low, high)
        parts.append(
            format_html(
                '<line class="grid" x1="{}" x2="{}" y1="{}" y2="{}"/>'
                '<text class="tick" x="{}" y="{}" text-anchor="end">{}</text>',
                PAD_LEFT,
                WIDTH - PAD_RIGHT,
                y,
                y,
                PAD_LEFT - 6,
                y + 4,
                fmt(tick),
            )
        )
    count = len(labels)
    shown = sorted({0, count - 1, count // 2}) if count > 3 else range(count)
    for index in shown:
        parts.append(
            format_html(
                '<text class="tick" x="{}" y="{}" text-anchor="middle">{}</text>',
                _x(index, count),
                HEIGHT - PAD_BOTTOM + 16,
                labels[index],
            )
        )
    return "".join(parts)


def line_chart(
    title: str,
    labels: list[str],
    series: list[dict],
    *,
    low: float = 0.0,
    high: float = 1.0,
    ticks: list[float] | None = None,
    fmt=lambda v: f"{v:.1f}",
    guides: list[float] = (),
) -> SafeString:
    """``series``: [{name, values: [float | None], low: [...], high: [...]}] aligned with
    ``labels``. A None value (a thin period) leaves a gap and a hollow mark on the axis."""
    ticks = ticks or [low, (low + high) / 2, high]
    parts = [_axes(low, high, ticks, fmt, labels)]
    for guide in guides:
        y = _y(guide, low, high)
        parts.append(
            format_html(
                '<line class="guide" x1="{}" x2="{}" y1="{}" y2="{}"/>',
                PAD_LEFT,
                WIDTH - PAD_RIGHT,
                y,
                y,
            )
        )
    count = len(labels)
    for number, line in enumerate(series):
        css = f"series-{number % SERIES_CLASSES}"
        values, lows, highs = line["values"], line.get("low") or [], line.get("high") or []
        band_top, band_bottom = [], []
        segments, current = [], []
        for index, value in enumerate(values):
            x = _x(index, count)
            if value is None:
                if current:
                    segments.append(current)
                current = []
                parts.append(
                    format_html(
                        '<circle class="thin {}" cx="{}" cy="{}" r="3">'
                        "<title>{}: too few units</title></circle>",
                        css,
                        x,
                        HEIGHT - PAD_BOTTOM,
                        labels[index],
                    )
                )
                continue
            current.append((x, _y(value, low, high)))
            parts.append(
                format_html(
                    '<circle class="point {}" cx="{}" cy="{}" r="2.5">'
                    "<title>{}: {}</title></circle>",
                    css,
                    x,
                    _y(value, low, high),
                    labels[index],
                    fmt(value),
                )
            )
            if index < len(lows) and lows[index] is not None and highs[index] is not None:
                band_top.append((x, _y(highs[index], low, high)))
                band_bottom.append((x, _y(lows[index], low, high)))
        if current:
            segments.append(current)
        if len(band_top) > 1:
            outline = band_top + band_bottom[::-1]
            parts.append(
                format_html(
                    '<polygon class="band {}" points="{}"/>',
                    css,
                    " ".join(f"{x:.1f},{y:.1f}" for x, y in outline),
                )
            )
        for segment in segments:
            if len(segment) > 1:
                parts.append(
                    format_html(
                        '<polyline class="line {}" points="{}"/>',
                        css,
                        " ".join(f"{x:.1f},{y:.1f}" for x, y in segment),
                    )
                )
    return _svg(title, "".join(parts))


def bar_chart(title: str, rows: list[tuple[str, float | None]], *, fmt, high: float = 1.0):
    """Horizontal bars, one per row; a missing value is a labelled empty row."""
    row_height, label_width = 22, 220
    height = PAD_TOP + row_height * max(len(rows), 1) + 8
    inner = WIDTH - label_width - PAD_RIGHT - 50
    parts = []
    for index, (label, value) in enumerate(rows):
        y = PAD_TOP + index * row_height
        parts.append(
            format_html(
                '<text class="tick" x="{}" y="{}" text-anchor="end">{}</text>',
                label_width - 6,
                y + 14,
                label[:38],
            )
        )
        if value is None:
            parts.append(
                format_html('<text class="tick" x="{}" y="{}">—</text>', label_width + 4, y + 14)
            )
            continue
        length = max(0.0, min(value / high, 1.0)) * inner
        parts.append(
            format_html(
                '<rect class="bar" x="{}" y="{}" width="{}" height="{}"/>'
                '<text class="tick" x="{}" y="{}">{}</text>',
                label_width,
                y + 3,
                length,
                row_height - 8,
                label_width + length + 4,
                y + 14,
                fmt(value),
            )
        )
    return _svg(title, "".join(parts), height=height)


def heat_map(title: str, rows: list[str], columns: list[str], cells: list[list[dict | None]]):
    """``cells[r][c]``: {value (−1…1, colour), text} or None (no data). Blue is below the
    reference (harsher), orange above (more lenient); pale is near zero or few ratings."""
    cell_w, cell_h, label_w, head_h = 70, 26, 150, 90
    width = label_w + cell_w * max(len(columns), 1) + PAD_RIGHT
    height = head_h + cell_h * max(len(rows), 1) + 8
    parts = []
    for c, column in enumerate(columns):
        x = label_w + c * cell_w + cell_w / 2
        parts.append(
            format_html(
                '<text class="tick" transform="translate({},{}) rotate(-35)">{}</text>',
                x,
                head_h - 6,
                column[:28],
            )
        )
    for r, row in enumerate(rows):
        y = head_h + r * cell_h
        parts.append(
            format_html(
                '<text class="tick" x="{}" y="{}" text-anchor="end">{}</text>',
                label_w - 6,
                y + 17,
                row[:24],
            )
        )
        for c, cell in enumerate(cells[r]):
            x = label_w + c * cell_w
            if cell is None:
                parts.append(
                    format_html(
                        '<rect class="cell empty" x="{}" y="{}" width="{}" height="{}"/>',
                        x,
                        y,
                        cell_w - 2,
                        cell_h - 2,
                    )
                )
                continue
            value = max(-1.0, min(1.0, cell["value"] or 0.0))
            strength = min(abs(value) / 0.3, 1.0)  # a 30% bias is full colour
            hue = 30 if value > 0 else 210
            parts.append(
                format_html(
                    '<rect class="cell" x="{}" y="{}" width="{}" height="{}" '
                    'fill="hsl({}, 80%, {}%)"><title>{} · {}: {}</title></rect>'
                    '<text class="cell-text" x="{}" y="{}" text-anchor="middle">{}</text>',
                    x,
                    y,
                    cell_w - 2,
                    cell_h - 2,
                    hue,
                    95 - 40 * strength,
                    row,
                    columns[c],
                    cell["text"],
                    x + cell_w / 2,
                    y + 17,
                    cell["short"],
                )
            )
    return _svg(title, "".join(parts), height=height, width=width)


def legend(names: list[str]) -> SafeString:
    return format_html(
        '<ul class="chart-legend">{}</ul>',
        format_html_join(
            "",
            '<li><span class="swatch series-{}"></span>{}</li>',
            ((index % SERIES_CLASSES, name) for index, name in enumerate(names)),
        ),
    )


# --------------------------------------------------------------------------- page charts
def _percent(value: float) -> str:
    return f"{value * 100:.0f}%"


def _signed(value: float) -> str:
    return f"{value * 100:+.0f}%".replace("-", "\u2212")


def alpha_trend_chart(name: str, points: list[dict]) -> SafeString:
    """Alpha per period with its 95% band; thin periods are gaps marked on the axis."""
    values = [None if p["thin"] else p["alpha"]["alpha"] for p in points]
    ci = [p["alpha"]["ci"] if not p["thin"] else None for p in points]
    known = [v for v in values if v is not None] + [c[0] for c in ci if c]
    low = min(0.0, *known) if known else 0.0
    return line_chart(
        f"Alpha over time: {name}",
        [p["label"] for p in points],
        [
            {
                "values": values,
                "low": [c[0] if c else None for c in ci],
                "high": [c[1] if c else None for c in ci],
            }
        ],
        low=max(low, -1.0),
        high=1.0,
        ticks=sorted({round(max(low, -1.0), 1), 0.0, 0.667, 0.8, 1.0}),
        fmt=lambda v: f"{v:.2f}",
        guides=[0.667, 0.8],
    )


def shares_trend_chart(name: str, points: list[dict]) -> SafeString:
    """Exact-agreement share and mean spread per period (thin periods left out)."""
    return line_chart(
        f"Exact agreement and spread over time: {name}",
        [p["label"] for p in points],
        [
            {"values": [None if p["thin"] else p["exact_agreement"] for p in points]},
            {"values": [None if p["thin"] else p["mean_spread"] for p in points]},
        ],
        ticks=[0.0, 0.25, 0.5, 0.75, 1.0],
        fmt=_percent,
    )


def bias_trend_chart(name: str, figures: list[dict]) -> SafeString:
    """Shrunk bias per period with the raw mean's interval as the band."""
    return line_chart(
        f"Bias over time: {name}",
        [f["label"] for f in figures],
        [
            {
                "values": [f["bias"].shrunk for f in figures],
                "low": [f["bias"].ci[0] if f["bias"].ci else None for f in figures],
                "high": [f["bias"].ci[1] if f["bias"].ci else None for f in figures],
            }
        ],
        low=-0.5,
        high=0.5,
        ticks=[-0.5, -0.25, 0.0, 0.25, 0.5],
        fmt=_signed,
        guides=[-0.1, 0.1],
    )


def deviation_bars(name: str, figures: list[dict]) -> SafeString:
    return bar_chart(
        f"Absolute deviation per criterion: {name}",
        [(f["name"], f["abs_deviation"].shrunk) for f in figures],
        fmt=_percent,
        high=0.5,
    )
