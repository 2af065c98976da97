"""portal.charts: SVG under the strict CSP, with text alternatives, per-locale numbers."""

import re
import xml.etree.ElementTree as ET
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.utils import translation
from django.utils.formats import number_format

from portal.charts import DASHES, MARKERS, PALETTE, Series, bar_chart, format_number, line_chart, nice_ticks

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg):
    return ET.fromstring(str(svg))


def _two_lines(**kwargs):
    return line_chart(
        title="Unemployment rate",
        x_labels=["2020", "2021", "2022"],
        series=[Series("Chile", [10.8, 9.1, 8.0]), Series("Peru <b>", [7.4, None, 5.7])],
        unit="%",
        decimals=1,
        **kwargs,
    )


def test_a_line_chart_is_well_formed_svg_with_no_style_or_script():
    svg = str(_two_lines(note="Demo data, not official statistics"))
    root = _parse(svg)
    assert root.tag == f"{SVG}svg"
    assert "style" not in svg.lower()  # neither a style attribute nor a <style> block
    assert "<script" not in svg.lower() and "javascript:" not in svg.lower()
    assert not re.search(r"\son[a-z]+=", svg)  # no event handler attributes
    assert "Demo data, not official statistics" in svg


def test_the_chart_has_a_title_and_a_text_alternative_named_by_aria():
    root = _parse(_two_lines(chart_id="une"))
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "une-title une-desc"
    assert root.find(f"{SVG}title").text == "Unemployment rate"
    description = root.find(f"{SVG}desc").text
    assert "Chile: 10.8% (2020) → 8.0% (2022)" in description
    assert "Peru <b>: 7.4% (2020) → 5.7% (2022)" in description  # escaped in the markup, plain text here


def test_labels_are_escaped():
    svg = str(_two_lines())
    assert "Peru &lt;b&gt;" in svg and "Peru <b>" not in svg


def test_each_series_differs_by_colour_marker_and_dash():
    svg = str(_two_lines())
    assert f'stroke="{PALETTE[0]}"' in svg and f'stroke="{PALETTE[1]}"' in svg
    assert f'stroke-dasharray="{DASHES[1]}"' in svg  # the second series is dashed
    assert "<circle" in svg and "<rect" in svg  # circle markers (first) and square markers (second)
    assert len(set(PALETTE)) == len(PALETTE) == len(MARKERS) == len(DASHES)


def test_a_missing_value_breaks_the_line_instead_of_joining_across_it():
    root = _parse(_two_lines())
    groups = [g for g in root.iter(f"{SVG}g") if g.get("stroke") == PALETTE[1]]
    paths = groups[0].findall(f"{SVG}path")
    assert len(paths) == 2  # 2020 alone, then 2022 alone


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_quick_number_format_writes_what_djangos_writes(language):
    """format_number writes the usual number itself: the same text as Django's number_format for
    every size, sign, rounding and number of decimals, in each language."""
    values = [0, 0.04, -0.04, 0.5, -0.5, 1, 7.45, 9.995, 999.95, 1000, -1234.5, 12345.5, 99999.95, 123456.789,
              -9876543.21, 1e12 + 0.5, 2.5e14, 1e15, 1e16, 3.14159e-5, 100 / 6, float("inf")]  # fmt: skip
    with translation.override(language):
        for value in values:
            for decimals in (0, 1, 2, 3):
                number = Decimal(str(value))
                if number.is_finite():
                    number = number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
                expected = number_format(number, decimal_pos=decimals, use_l10n=True, force_grouping=True)
                assert format_number(value, decimals) == expected, (value, decimals)


def test_numbers_follow_the_active_locale():
    with translation.override("es"):
        assert format_number(7.45, 1) in {"7,5", "7,4"}
        assert format_number(12345.5, 1) == "12\xa0345,5"  # Django's Spanish format: a no-break space groups
        svg = str(bar_chart(title="Tasa", categories=["Chile"], series=[Series("2024", [7.5])], decimals=1))
        assert ">7,5<" in svg
    with translation.override("en"):
        assert format_number(12345.5, 1) == "12,345.5"
        assert format_number(None) == ""
        # Rounded, not cut off: a share of 1 in 6 reads 16.7, not 16.6.
        assert (format_number(100 / 6, 1), format_number(0.96, 0), format_number(2.25, 1)) == ("16.7", "1", "2.3")


def test_a_bar_chart_shows_each_value_as_text_and_handles_negative_values():
    svg = str(
        bar_chart(
            title="Change",
            categories=["Chile", "Colombia", "Mexico"],
            series=[Series("2024", [1.5, -2.0, None])],
            decimals=1,
        )
    )
    root = _parse(svg)
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("fill") == PALETTE[0]]
    assert len(bars) == 2  # no bar for Mexico's missing value
    assert ">1.5<" in svg and ">-2.0<" in svg
    assert "style" not in svg.lower()


def test_a_horizontal_bar_chart_for_long_labels():
    svg = str(
        bar_chart(
            title="Progress",
            categories=["Integrity policy in place", "Training"],
            series=[Series("Us", [80, 40]), Series("Benchmark", [60, 70])],
            decimals=0,
            horizontal=True,
        )
    )
    root = _parse(svg)
    assert len([r for r in root.iter(f"{SVG}rect") if r.get("fill") in PALETTE[:2]]) == 4 + 2  # bars + legend keys
    assert "Integrity policy in place" in svg


def test_nice_ticks_cover_the_range_with_round_steps():
    assert nice_ticks(0, 10) == [0, 2.5, 5.0, 7.5, 10.0]
    ticks = nice_ticks(3.2, 17.9)
    assert ticks[0] <= 3.2 and ticks[-1] >= 17.9
    assert nice_ticks(5, 5)[0] < 5 < nice_ticks(5, 5)[-1]
    assert nice_ticks(10, 0)[0] == 0


def test_an_empty_chart_still_renders():
    root = _parse(line_chart(title="Nothing yet", x_labels=[], series=[]))
    assert root.find(f"{SVG}title").text == "Nothing yet"


def test_a_sparkline_has_its_label_as_title_and_breaks_on_gaps():
    from portal.charts import sparkline

    svg = str(sparkline([8.1, None, 8.4, 8.5], label="2015–2024: from 8.1 to 8.5"))
    root = _parse(svg)
    assert root.get("role") == "img" and root.find(f"{SVG}title").text == "2015–2024: from 8.1 to 8.5"
    assert len(root.findall(f"{SVG}path")) == 1  # 8.1 alone has no segment; 8.4 → 8.5 is one
    assert len(root.findall(f"{SVG}circle")) == 1 and "style" not in svg
    assert _parse(sparkline([], label="No data")).find(f"{SVG}title").text == "No data"


def test_the_usual_number_is_written_without_djangos_per_call_format(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("Django's number_format called for a usual number")

    monkeypatch.setattr("portal.charts.number_format", refuse)
    with translation.override("es"):
        assert format_number(12345.5, 1) == "12\xa0345,5"
    with pytest.raises(AssertionError):
        format_number(0, 1)  # zero keeps Django's way (its sign)
