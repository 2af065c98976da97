"""Charts drawn on the server as SVG, for pages under the strict Content Security Policy.

The SVG uses presentation attributes only (``fill``, ``stroke``, ``font-size``…): no
``style`` attribute, no ``<style>`` block and no script, so it can be written straight into
an HTML page that forbids inline styles and scripts, and it is readable without JavaScript.
Charting libraries were tried first: pygal (and matplotlib's SVG backend) write a ``<style>``
block or ``style`` attributes, which the CSP blocks inside a page.

Every chart has a ``<title>`` and a ``<desc>`` (its text alternative) named by
``aria-labelledby``; the page puts the same numbers in a table beside it. Series are told apart
by colour (the Okabe–Ito palette, chosen for colour-blind readers), by marker shape and by dash
pattern, so that no reader depends on colour alone. Numbers are formatted in the active
locale (``django.utils.formats``), so a Spanish page shows ``7,5`` where an English one shows ``7.5``.

    from portal.charts import Series, line_chart, bar_chart

    svg = line_chart(
        title="Unemployment rate", x_labels=["2020", "2021"],
        series=[Series("Chile", [10.8, 9.1]), Series("Peru", [7.4, 5.7])],
        unit="%", decimals=1, note="Demo data, not official statistics",
    )

Other apps reuse it (it imports no feature app): pass labels already translated.
"""

import functools
import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils.formats import get_format, number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

__all__ = [
    "DASHES", "MARKERS", "PALETTE", "Series", "bar_chart", "format_number", "line_chart", "nice_ticks", "sparkline",
]  # fmt: skip

#: Okabe & Ito (2008), ordered so that the first colours have the most contrast on white.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#000000", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442")
MARKERS = ("circle", "square", "triangle", "diamond", "cross", "triangle-down", "plus", "star")
DASHES = ("", "8 4", "2 3", "10 3 2 3", "4 4", "12 4 4 4", "1 2", "6 2 2 2 2 2")

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
TEXT = "#1f2933"
MUTED = "#52606d"
GRID = "#d9dee3"


@dataclass(frozen=True)
class Series:
    """One line (or one group of bars): its label and one value per x position (None = no data)."""

    label: str
    values: list = field(default_factory=list)


def format_number(value, decimals: int = 1) -> str:
    """A number in the active locale with ``decimals`` digits after the separator, as Django's
    ``number_format`` writes it (grouped). An indicator's table formats thousands of cells: the usual
    number (finite, not zero, groups of three) is written by Python's own grouping with the locale's
    separators, read once per language, instead of Django's per-call format lookups (~30% of a large
    indicator page). ``tests/portal/test_charts.py`` checks both ways give the same text."""
    if value is None:
        return ""
    number = Decimal(str(value))
    if not number.is_finite():
        return _django_number(number, decimals)
    # Django's number format cuts the digits off: round them first (16.67 → 16.7).
    number = number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    decimal_separator, thousand_separator, grouping = _separators(get_language() or settings.LANGUAGE_CODE)
    if grouping != 3 or not number or abs(number) >= 10**15:
        return _django_number(number, decimals)  # zero (its sign), huge numbers, other groupings
    return f"{number:,f}".translate({ord(","): thousand_separator, ord("."): decimal_separator})


def _django_number(number: Decimal, decimals: int) -> str:
    return number_format(number, decimal_pos=decimals, use_l10n=True, force_grouping=True)


@functools.lru_cache(maxsize=32)
def _separators(language: str) -> tuple[str, str, object]:
    return (
        get_format("DECIMAL_SEPARATOR", language, use_l10n=True),
        get_format("THOUSAND_SEPARATOR", language, use_l10n=True),
        get_format("NUMBER_GROUPING", language, use_l10n=True),
    )


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high], about ``count`` of them (1, 2, 2.5 or 5 × 10ⁿ apart)."""
    if high < low:
        low, high = high, low
    if math.isclose(low, high):
        pad = abs(low) * 0.1 or 1.0
        low, high = low - pad, high + pad
    raw = (high - low) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value < high + step * 0.5:
        ticks.append(round(value, 10))
        if value >= high:
            break
        value += step
    return ticks


def _tick_decimals(ticks: list[float]) -> int:
    if len(ticks) < 2:
        return 0
    step = abs(ticks[1] - ticks[0])
    return 0 if step >= 1 else min(4, max(0, -math.floor(math.log10(step)) + (0 if step * 10 % 1 == 0 else 1)))


def _attrs(**attributes) -> str:
    parts = []
    for name, value in attributes.items():
        if value is None or value == "":
            continue
        parts.append(f'{name.rstrip("_").replace("_", "-")}="{escape(str(value))}"')
    return " ".join(parts)


def _el(tag: str, **attributes) -> str:
    """An empty SVG element; floats are written with one decimal."""
    values = {name: f"{value:.1f}" if isinstance(value, float) else value for name, value in attributes.items()}
    return f"<{tag} {_attrs(**values)}/>"


def _text(x, y, content, *, size=13, anchor="start", fill=TEXT, weight=None, extra="") -> str:
    attributes = _attrs(
        x=f"{x:.1f}", y=f"{y:.1f}", font_size=size, text_anchor=anchor, fill=fill, font_weight=weight, font_family=FONT
    )
    return f"<text {attributes}{extra}>{escape(content)}</text>"


def _marker(shape: str, x: float, y: float, colour: str, size: float = 4.5) -> str:
    s = size
    match shape:
        case "square":
            return _el("rect", x=x - s, y=y - s, width=2.0 * s, height=2.0 * s, fill=colour)
        case "triangle" | "triangle-down":
            d = 1 if shape == "triangle" else -1
            points = (
                f"{x:.1f},{y - d * s * 1.2:.1f} {x - s * 1.1:.1f},{y + d * s:.1f} {x + s * 1.1:.1f},{y + d * s:.1f}"
            )
            return f"<polygon {_attrs(points=points, fill=colour)}/>"
        case "diamond":
            corners = [(x, y - s * 1.3), (x + s * 1.1, y), (x, y + s * 1.3), (x - s * 1.1, y)]
            points = " ".join(f"{cx:.1f},{cy:.1f}" for cx, cy in corners)
            return f"<polygon {_attrs(points=points, fill=colour)}/>"
        case "cross":
            path = f"M{x - s:.1f},{y - s:.1f}L{x + s:.1f},{y + s:.1f}M{x - s:.1f},{y + s:.1f}L{x + s:.1f},{y - s:.1f}"
            return f"<path {_attrs(d=path, stroke=colour, stroke_width=2.5, fill='none')}/>"
        case "plus":
            path = f"M{x - s:.1f},{y:.1f}L{x + s:.1f},{y:.1f}M{x:.1f},{y - s:.1f}L{x:.1f},{y + s:.1f}"
            return f"<path {_attrs(d=path, stroke=colour, stroke_width=2.5, fill='none')}/>"
        case "star":
            points = " ".join(
                f"{x + r * math.sin(i * math.pi / 5):.1f},{y - r * math.cos(i * math.pi / 5):.1f}"
                for i, r in enumerate([s * 1.4, s * 0.6] * 5)
            )
            return f"<polygon {_attrs(points=points, fill=colour)}/>"
    return f"<circle {_attrs(cx=f'{x:.1f}', cy=f'{y:.1f}', r=f'{s:.1f}', fill=colour)}/>"


def _open(chart_id: str, title: str, description: str, width: int, height: int) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" {_attrs(viewBox=f"0 0 {width} {height}", width="100%")} '
        f'role="img" aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" class="chart" '
        f'preserveAspectRatio="xMidYMid meet" focusable="false">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>',
        f"<rect {_attrs(x=0, y=0, width=width, height=height, fill='#ffffff')}/>",
    ]


def _legend(parts: list[str], labels: list[str], *, top: float, left: float, width: float, kind: str) -> float:
    """Legend rows under the plot; returns the height used."""
    x, y, row_height = left, top, 22
    for index, label in enumerate(labels):
        colour, marker, dash = PALETTE[index % len(PALETTE)], MARKERS[index % len(MARKERS)], DASHES[index % len(DASHES)]
        item_width = 44 + 7.5 * len(label)
        if x + item_width > left + width and x > left:
            x, y = left, y + row_height
        if kind == "line":
            parts.append(
                _el(
                    "path",
                    d=f"M{x:.1f},{y:.1f}h30",
                    stroke=colour,
                    stroke_width=2.5,
                    stroke_dasharray=dash,
                    fill="none",
                )
            )
            parts.append(_marker(marker, x + 15, y, colour))
        else:
            parts.append(f"<rect {_attrs(x=f'{x:.1f}', y=f'{y - 7:.1f}', width=24, height=14, fill=colour)}/>")
        parts.append(_text(x + 36, y + 4.5, label, size=13))
        x += item_width
    return y - top + row_height


def _frame(values: list[float], *, zero: bool) -> list[float]:
    finite = [v for v in values if v is not None]
    if not finite:
        return [0.0, 1.0]
    low, high = min(finite), max(finite)
    if zero:
        low, high = min(low, 0.0), max(high, 0.0)
    return nice_ticks(low, high)


def _legend_height(labels: list[str], width: float) -> float:
    rows, x = 1, 0.0
    for label in labels:
        item = 44 + 7.5 * len(label)
        if x + item > width and x > 0:
            rows, x = rows + 1, 0.0
        x += item
    return rows * 22


def line_chart(
    *,
    title: str,
    x_labels: list[str],
    series: list[Series],
    unit: str = "",
    decimals: int = 1,
    description: str = "",
    note: str = "",
    chart_id: str = "chart",
    width: int = 760,
    height: int = 380,
    start_at_zero: bool = False,
) -> SafeString:
    """Lines over the x positions ``x_labels`` (e.g. periods), one per series, with markers."""
    labels = [s.label for s in series]
    margin_left, margin_right, margin_top = 64, 20, 44 if note else 24
    plot_width = width - margin_left - margin_right
    legend_height = _legend_height(labels, plot_width) if len(series) > 1 else 0
    total_height = height + legend_height
    plot_height = height - margin_top - 48
    all_values = [v for s in series for v in s.values]
    ticks = _frame(all_values, zero=start_at_zero)
    low, high = ticks[0], ticks[-1]
    count = max(len(x_labels), 1)

    def x_at(i):
        return margin_left + (plot_width * (i + 0.5) / count)

    def y_at(v):
        return margin_top + plot_height * (1 - (float(v) - low) / ((high - low) or 1))

    parts = _open(
        chart_id, title, description or _describe(title, x_labels, series, unit, decimals), width, total_height
    )
    if note:
        parts.append(_text(width - margin_right, 18, note, size=13, anchor="end", fill="#8a1c1c", weight="bold"))
    tick_decimals = _tick_decimals(ticks)
    for tick in ticks:
        y = y_at(tick)
        parts.append(
            _el("path", d=f"M{margin_left},{y:.1f}H{width - margin_right}", stroke=GRID, stroke_width=1, fill="none")
        )
        parts.append(
            _text(margin_left - 8, y + 4.5, format_number(tick, tick_decimals), size=12, anchor="end", fill=MUTED)
        )
    if unit:
        parts.append(_text(8, margin_top - 8, unit, size=12, fill=MUTED))
    step = max(1, math.ceil(count / 10))
    for i, label in enumerate(x_labels):
        if i % step == 0 or i == count - 1:
            parts.append(_text(x_at(i), margin_top + plot_height + 20, label, size=12, anchor="middle", fill=MUTED))
    parts.append(
        _el(
            "path", d=f"M{margin_left},{margin_top + plot_height:.1f}H{width - margin_right}", stroke=MUTED, fill="none"
        )
    )
    show_markers = count <= 60
    for index, one in enumerate(series):
        colour, marker, dash = PALETTE[index % len(PALETTE)], MARKERS[index % len(MARKERS)], DASHES[index % len(DASHES)]
        segments, current = [], []
        for i, value in enumerate(one.values[:count]):
            if value is None:
                if current:
                    segments.append(current)
                current = []
            else:
                current.append((x_at(i), y_at(value)))
        if current:
            segments.append(current)
        parts.append(f"<g {_attrs(fill='none', stroke=colour, stroke_width=2.5, stroke_dasharray=dash)}>")
        for segment in segments:
            path = "M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in segment)
            parts.append(f"<path {_attrs(d=path, stroke_linejoin='round')}/>")
        parts.append("</g>")
        if show_markers or len(one.values) == 1:
            parts.append("<g>")
            for segment in segments:
                for x, y in segment:
                    parts.append(_marker(marker, x, y, colour))
            parts.append("</g>")
    if len(series) > 1:
        _legend(parts, labels, top=height - 4, left=margin_left, width=plot_width, kind="line")
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every piece of text above went through escape()


def bar_chart(
    *,
    title: str,
    categories: list[str],
    series: list[Series],
    unit: str = "",
    decimals: int = 1,
    description: str = "",
    note: str = "",
    chart_id: str = "chart",
    width: int = 760,
    height: int = 380,
    horizontal: bool = False,
) -> SafeString:
    """Bars per category (e.g. countries for one period); several series make grouped bars.

    ``horizontal`` draws one row per category (long labels, progress towards a target).
    Each bar carries its value as text, so the reader needs neither the axis nor the colour.
    """
    labels = [s.label for s in series]
    values = [v for s in series for v in s.values]
    ticks = _frame(values, zero=True)
    low, high = ticks[0], ticks[-1]
    count, groups = max(len(categories), 1), max(len(series), 1)
    legend_height = _legend_height(labels, width - 80) if groups > 1 else 0
    margin_top = 44 if note else 24
    if horizontal:
        label_width = min(260, 16 + 7.2 * max((len(c) for c in categories), default=4))
        margin_left, margin_right = label_width, 70
        plot_width = width - margin_left - margin_right
        height = max(height, margin_top + 40 + count * (14 + 18 * groups))
    else:
        margin_left, margin_right = 64, 20
        plot_width = width - margin_left - margin_right
    plot_height = height - margin_top - 48
    total_height = height + legend_height
    parts = _open(
        chart_id, title, description or _describe(title, categories, series, unit, decimals), width, total_height
    )
    if note:
        parts.append(_text(width - 20, 18, note, size=13, anchor="end", fill="#8a1c1c", weight="bold"))
    span = (high - low) or 1
    tick_decimals = _tick_decimals(ticks)
    band = (plot_height if horizontal else plot_width) / count
    bar = band * 0.72 / groups
    for tick in ticks:
        if horizontal:
            x = margin_left + plot_width * (tick - low) / span
            parts.append(
                _el("path", d=f"M{x:.1f},{margin_top}V{margin_top + plot_height:.1f}", stroke=GRID, fill="none")
            )
            parts.append(
                _text(
                    x,
                    margin_top + plot_height + 18,
                    format_number(tick, tick_decimals),
                    size=12,
                    anchor="middle",
                    fill=MUTED,
                )
            )
        else:
            y = margin_top + plot_height * (1 - (tick - low) / span)
            parts.append(
                _el(
                    "path", d=f"M{margin_left},{y:.1f}H{width - margin_right}", stroke=GRID, stroke_width=1, fill="none"
                )
            )
            parts.append(
                _text(margin_left - 8, y + 4.5, format_number(tick, tick_decimals), size=12, anchor="end", fill=MUTED)
            )
    if unit:
        parts.append(_text(8, margin_top - 8, unit, size=12, fill=MUTED))
    for c, category in enumerate(categories):
        start = band * c + band * 0.14
        if horizontal:
            parts.append(
                _text(margin_left - 8, margin_top + start + bar * groups / 2 + 4.5, category, size=12, anchor="end")
            )
        else:
            parts.append(
                _text(
                    margin_left + start + bar * groups / 2,
                    margin_top + plot_height + 20,
                    category,
                    size=12,
                    anchor="middle",
                    fill=MUTED,
                )
            )
        for s, one in enumerate(series):
            value = one.values[c] if c < len(one.values) else None
            if value is None:
                continue
            colour = PALETTE[s % len(PALETTE)]
            zero_at = (0 - low) / span
            at = (float(value) - low) / span
            if horizontal:
                x0, x1 = sorted((margin_left + plot_width * zero_at, margin_left + plot_width * at))
                y = margin_top + start + bar * s
                parts.append(_el("rect", x=x0, y=y, width=max(x1 - x0, 1.0), height=bar, fill=colour))
                parts.append(_text(x1 + 4, y + bar / 2 + 4.5, format_number(value, decimals), size=12))
            else:
                y0, y1 = sorted((margin_top + plot_height * (1 - at), margin_top + plot_height * (1 - zero_at)))
                x = margin_left + start + bar * s
                parts.append(_el("rect", x=x, y=y0, width=bar, height=max(y1 - y0, 1.0), fill=colour))
                if bar >= 22:
                    parts.append(_text(x + bar / 2, y0 - 5, format_number(value, decimals), size=12, anchor="middle"))
    if groups > 1:
        _legend(parts, labels, top=height - 4, left=40, width=width - 80, kind="bar")
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every piece of text above went through escape()


def _describe(title: str, x_labels: list[str], series: list[Series], unit: str, decimals: int) -> str:
    """A short text alternative: what is drawn, over which range, and where each series ends."""
    if not series or not x_labels:
        return title
    pieces = []
    for one in series:
        known = [(x_labels[i], v) for i, v in enumerate(one.values[: len(x_labels)]) if v is not None]
        if not known:
            continue
        (first_x, first_v), (last_x, last_v) = known[0], known[-1]
        if len(known) == 1:
            pieces.append(f"{one.label}: {format_number(last_v, decimals)}{unit} ({last_x})")
        else:
            pieces.append(
                f"{one.label}: {format_number(first_v, decimals)}{unit} ({first_x}) → "
                f"{format_number(last_v, decimals)}{unit} ({last_x})"
            )
    return f"{title}. " + "; ".join(pieces) + "."


def sparkline(values: list, *, label: str, width: int = 100, height: int = 28, colour: str = PALETTE[0]) -> SafeString:
    """A small trend line (no axes) with a dot on the newest value; ``label`` is its text alternative.

    Shown beside the number it summarises, so the label should say the range (e.g. "2015–2024:
    from 8.1 to 8.5"); gaps (None) break the line.
    """
    known = [float(v) for v in values if v is not None]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" {_attrs(viewBox=f"0 0 {width} {height}", width=width)} '
        f'height="{height}" role="img" class="sparkline" focusable="false"><title>{escape(label)}</title>'
    ]
    if len(known) >= 1:
        low, high = min(known), max(known)
        span = (high - low) or 1.0
        count = max(len(values) - 1, 1)
        points = [
            None if v is None else (3 + (width - 6) * i / count, height - 3 - (height - 6) * (float(v) - low) / span)
            for i, v in enumerate(values)
        ]
        segment = []
        for point in [*points, None]:
            if point is None:
                if len(segment) > 1:
                    path = "M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in segment)
                    parts.append(_el("path", d=path, stroke=colour, stroke_width=1.8, fill="none"))
                segment = []
            else:
                segment.append(point)
        last = next(point for point in reversed(points) if point is not None)
        parts.append(_el("circle", cx=last[0], cy=last[1], r=2.6, fill=colour))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # the label went through escape()
