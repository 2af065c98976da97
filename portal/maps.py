"""The bloc's map: Natural Earth boundaries, projected once at build time, coloured per request
from the Country table.

``manage.py build_imagery`` reads the ``world-atlas`` package (Natural Earth's boundaries as
TopoJSON, from the npm registry), projects every country with the Equal Earth projection into a
1000-unit-wide frame and writes ``portal/geo/world.json``, which is committed: the site never
fetches a map at run time. ``world.json`` holds the land as one path (the grey background) and
each country's path by ISO 3166-1 alpha-2 code; a country too small to see at this scale (Singapore,
Malta) also gets a point where the map draws a marker.

``bloc_map(countries)`` turns the countries of the Country table into the SVG's parts: one
``<path>`` per country of the bloc with its status as a class (and a pattern, so the status is
not told by colour alone), a marker for the small ones, the legend and the text alternative
(the list of countries by status) come from the same countries in the template.
"""

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

WORLD = Path(__file__).resolve().parent / "geo" / "world.json"
#: The frame's width in SVG units; its height follows from the projection's aspect.
WIDTH = 1000
#: Latitudes drawn: Antarctica and the far north would only take room.
SOUTH, NORTH = -57.0, 84.0
#: A country whose drawn outline is smaller than this (in SVG units, either side) gets a marker.
SMALL = 6.0

# Equal Earth (Šavrič, Patterson and Jenny, 2018): areas true, the shapes a reader knows.
A1, A2, A3, A4 = 1.340264, -0.081106, 0.000893, 0.003796
M = math.sqrt(3) / 2


def equal_earth(longitude: float, latitude: float) -> tuple[float, float]:
    lam, phi = math.radians(longitude), math.radians(latitude)
    theta = math.asin(M * math.sin(phi))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = lam * math.cos(theta) / (M * (A1 + 3 * A2 * t2 + t6 * (7 * A3 + 9 * A4 * t2)))
    y = theta * (A1 + A2 * t2 + t6 * (A3 + A4 * t2))
    return x, y


# --- Build time: TopoJSON to projected SVG paths --------------------------------------------


def _decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """Each arc's points in longitude/latitude (TopoJSON stores them quantised, delta-encoded)."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def _ring(arcs, indexes) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc[1:] if points else arc)  # consecutive arcs share their end point
    return points


def _polygons(geometry: dict, arcs) -> list[list[list[tuple[float, float]]]]:
    if geometry["type"] == "Polygon":
        return [[_ring(arcs, ring) for ring in geometry["arcs"]]]
    if geometry["type"] == "MultiPolygon":
        return [[_ring(arcs, ring) for ring in polygon] for polygon in geometry["arcs"]]
    return []


@dataclass(frozen=True)
class Frame:
    """From projected units to SVG units: the map's box, y downwards."""

    left: float
    top: float
    scale: float
    height: float

    @classmethod
    def world(cls) -> "Frame":
        left, _ = equal_earth(-180, 0)
        right, _ = equal_earth(180, 0)
        _, top = equal_earth(0, NORTH)
        _, bottom = equal_earth(0, SOUTH)
        scale = WIDTH / (right - left)
        return cls(left=left, top=top, scale=scale, height=(top - bottom) * scale)

    def point(self, longitude: float, latitude: float) -> tuple[float, float]:
        x, y = equal_earth(longitude, max(SOUTH, min(NORTH, latitude)))
        return (x - self.left) * self.scale, (self.top - y) * self.scale


def _path(polygons, frame: Frame) -> tuple[str, tuple[float, float, float, float] | None]:
    """The SVG path of ``polygons`` in relative commands at 0.1-unit precision, and its box."""
    parts = []
    xs, ys = [], []
    for polygon in polygons:
        for ring in polygon:
            if all(latitude < SOUTH for _, latitude in ring):
                continue
            projected = [frame.point(*point) for point in ring]
            quantised = []
            for x, y in projected:
                point = (round(x * 10), round(y * 10))
                if not quantised or point != quantised[-1]:
                    quantised.append(point)
            if len(quantised) < 3:
                # Smaller than the precision: kept only as a box for the marker.
                xs.extend(x for x, _ in projected)
                ys.extend(y for _, y in projected)
                continue
            if any(abs(b[0] - a[0]) > WIDTH * 5 for a, b in zip(quantised, quantised[1:], strict=False)):
                continue  # a ring drawn across the antimeridian (a Pacific atoll): it would streak the map
            xs.extend(x / 10 for x, _ in quantised)
            ys.extend(y / 10 for _, y in quantised)
            (x0, y0), *rest = quantised
            steps = []
            previous = (x0, y0)
            for x, y in rest:
                steps.append(f"{_number(x - previous[0])} {_number(y - previous[1])}")
                previous = (x, y)
            parts.append(f"M{_number(x0)} {_number(y0)}l" + " ".join(steps) + "z")
    box = (min(xs), min(ys), max(xs), max(ys)) if xs else None
    return "".join(parts), box


def _number(tenths: int) -> str:
    """``tenths`` of a unit as the shortest decimal (``12`` → ``1.2``, ``-5`` → ``-.5``)."""
    sign = "-" if tenths < 0 else ""
    whole, tenth = divmod(abs(tenths), 10)
    if tenth == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole or ''}.{tenth}"


def build_world(*, coarse: dict, fine: dict, numeric_to_alpha2: dict[str, str]) -> dict:
    """``world.json``'s content from world-atlas's 110m (``coarse``) and 50m (``fine``) topologies:
    each country from the coarse one, the countries it leaves out (small states) from the fine one."""
    frame = Frame.world()
    countries: dict[str, dict] = {}
    for topology in (coarse, fine):
        arcs = _decode_arcs(topology)
        for geometry in topology["objects"]["countries"]["geometries"]:
            code = numeric_to_alpha2.get(str(geometry.get("id", "")))
            if not code or code in countries or code == "AQ":
                continue
            d, box = _path(_polygons(geometry, arcs), frame)
            if box is None:
                continue
            entry = {"d": d}
            if box[2] - box[0] < SMALL and box[3] - box[1] < SMALL:
                entry["marker"] = [round((box[0] + box[2]) / 2, 1), round((box[1] + box[3]) / 2, 1)]
            countries[code] = entry
    land_arcs = _decode_arcs(coarse)
    land, _box = _path(
        [polygon for geometry in coarse["objects"]["land"]["geometries"] for polygon in _polygons(geometry, land_arcs)],
        frame,
    )
    return {
        "source": "Natural Earth via world-atlas (countries-110m, countries-50m for small states)",
        "width": WIDTH,
        "height": round(frame.height, 1),
        "land": land,
        "countries": dict(sorted(countries.items())),
    }


# --- Run time ------------------------------------------------------------------------------


@cache
def world() -> dict:
    return json.loads(WORLD.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class MapCountry:
    code: str
    name: str
    status: str
    d: str
    marker: tuple[float, float] | None


def bloc_map(countries) -> dict:
    """What the map template draws for ``countries`` (Country rows, or anything with ``code``,
    ``name`` and ``status``): the frame, the land, and each country of the bloc that the map knows,
    members last so that they are drawn on top."""
    data = world()
    order = {"observer": 0, "associated_state": 1, "candidate": 2, "member": 3}
    shapes = []
    for country in sorted(countries, key=lambda country: order.get(country.status, 0)):
        entry = data["countries"].get(country.code)
        if entry:
            marker = entry.get("marker")
            shapes.append(
                MapCountry(
                    code=country.code,
                    name=str(country.name),
                    status=country.status,
                    d=entry["d"],
                    marker=tuple(marker) if marker else None,
                )
            )
    return {"width": data["width"], "height": data["height"], "land": data["land"], "countries": shapes}
