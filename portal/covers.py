"""Honest demo images: a map of the countries an item covers, drawn from the same Natural Earth
geometry as the home's map (portal.maps), in the bloc's palette. No photograph of anyone.

``seed_demo`` gives each demo item without an image one of these, marked as an illustration
(``cover_is_illustration``: pages label it) with a text alternative that says what it is.
"""

import io

from PIL import Image, ImageDraw

from portal import maps

WIDTH, HEIGHT = 1200, 675
SUPERSAMPLE = 2
OCEAN = (8, 61, 110)
LAND = (36, 92, 145)
BORDER = (8, 61, 110)
COVERED = (214, 162, 30)
MARKER_EDGE = (255, 255, 255)


def _rings(d: str):
    """The rings of a path written by ``portal.maps`` (``M x y l dx dy … z`` per ring)."""
    for part in d.split("M")[1:]:
        start, _, steps = part.rstrip("z").partition("l")
        x, y = (float(number) for number in start.split())
        points = [(x, y)]
        numbers = [float(number) for number in steps.replace("z", " ").split()]
        for dx, dy in zip(numbers[::2], numbers[1::2], strict=True):
            x, y = x + dx, y + dy
            points.append((x, y))
        yield points


def _box(codes: list[str]) -> tuple[float, float, float, float]:
    """The part of the world map to show: the countries' extent, padded, at the cover's ratio."""
    world = maps.world()
    xs, ys = [], []
    for code in codes:
        entry = world["countries"].get(code)
        if not entry:
            continue
        for ring in _rings(entry["d"]):
            xs.extend(x for x, _ in ring)
            ys.extend(y for _, y in ring)
    if not xs:  # nothing to show: the whole world
        return 0.0, 0.0, float(world["width"]), float(world["height"])
    left, top, right, bottom = min(xs), min(ys), max(xs), max(ys)
    width = max(right - left, 60.0) * 1.5
    height = max(bottom - top, 34.0) * 1.5
    ratio = WIDTH / HEIGHT
    width, height = max(width, height * ratio), max(height, width / ratio)
    centre_x, centre_y = (left + right) / 2, (top + bottom) / 2
    return centre_x - width / 2, centre_y - height / 2, centre_x + width / 2, centre_y + height / 2


def map_cover(codes: list[str]) -> bytes:
    """A PNG of the world map framed on ``codes``, those countries in gold."""
    world = maps.world()
    left, top, right, bottom = _box(codes)
    scale = WIDTH * SUPERSAMPLE / (right - left)
    image = Image.new("RGB", (WIDTH * SUPERSAMPLE, HEIGHT * SUPERSAMPLE), OCEAN)
    draw = ImageDraw.Draw(image)

    def project(ring):
        return [((x - left) * scale, (y - top) * scale) for x, y in ring]

    covered = set(codes)
    for code, entry in world["countries"].items():
        colour = COVERED if code in covered else LAND
        for ring in _rings(entry["d"]):
            if len(ring) > 2:
                draw.polygon(project(ring), fill=colour, outline=BORDER, width=SUPERSAMPLE)
    for code in codes:  # a small state would be a speck: a ringed dot says where it is
        marker = world["countries"].get(code, {}).get("marker")
        if marker:
            (x, y), radius = project([marker])[0], 9 * SUPERSAMPLE
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=COVERED, outline=MARKER_EDGE, width=3)
    image = image.resize((WIDTH, HEIGHT), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
