"""Vendor the site's imagery from maintained npm packages; the output is committed.

- flags: ``flag-icons`` (MIT): every 4:3 SVG flag into ``static/flags/``, with its licence;
- the map: ``world-atlas`` (Natural Earth, public domain; ISC for the packaging) projected into
  ``portal/geo/world.json`` by ``portal.maps.build_world``;
- the type: ``@fontsource/source-sans-3`` (SIL Open Font License): the Latin and Latin Extended
  woff2 files of the weights the site uses into ``static/fonts/``, with its licence.

Run it when a package is upgraded (change the pinned versions below), then commit what changed:
``manage.py build_imagery`` (it runs ``npm pack``), or ``--from DIR`` with the packages already
unpacked in ``DIR/<name>/package``.
"""

import json
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

import iso3166
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal import maps

PACKAGES = {
    "flag-icons": "flag-icons@7.5.0",
    "world-atlas": "world-atlas@2.0.2",
    "source-sans-3": "@fontsource/source-sans-3@5.3.0",
}
FONT_FILES = [
    f"source-sans-3-{subset}-{weight}-{style}.woff2"
    for subset in ("latin", "latin-ext")
    for weight, style in (("400", "normal"), ("400", "italic"), ("600", "normal"), ("700", "normal"))
]


class Command(BaseCommand):
    help = "Vendor the flags, the map's geometry and the type family from their npm packages."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="source", help="A folder with the packages unpacked in <name>/package.")

    def handle(self, *args, source=None, **options):
        with tempfile.TemporaryDirectory() as scratch:
            root = Path(source) if source else self._unpack(Path(scratch))
            static = Path(settings.BASE_DIR) / "static"
            self._flags(root / "flag-icons" / "package", static / "flags")
            self._map(root / "world-atlas" / "package")
            self._fonts(root / "source-sans-3" / "package", static / "fonts")

    def _unpack(self, scratch: Path) -> Path:
        for name, spec in PACKAGES.items():
            try:
                output = subprocess.run(
                    ["npm", "pack", spec, "--silent"], cwd=scratch, check=True, capture_output=True, text=True
                ).stdout
            except (OSError, subprocess.CalledProcessError) as error:
                raise CommandError(f"npm pack {spec} failed: {error}") from error
            with tarfile.open(scratch / output.strip().splitlines()[-1]) as archive:
                archive.extractall(scratch / name, filter="data")
        return scratch

    def _flags(self, package: Path, target: Path):
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        for flag in sorted((package / "flags" / "4x3").glob("*.svg")):
            shutil.copyfile(flag, target / flag.name)
        shutil.copyfile(package / "LICENSE", target / "LICENSE")
        self.stdout.write(f"{len(list(target.glob('*.svg')))} flags in {target}")

    def _map(self, package: Path):
        numeric = {country.numeric: country.alpha2 for country in iso3166.countries}
        world = maps.build_world(
            coarse=json.loads((package / "countries-110m.json").read_text()),
            fine=json.loads((package / "countries-50m.json").read_text()),
            numeric_to_alpha2=numeric,
        )
        maps.WORLD.parent.mkdir(exist_ok=True)
        maps.WORLD.write_text(json.dumps(world, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
        shutil.copyfile(package / "LICENSE", maps.WORLD.parent / "LICENSE-world-atlas")
        self.stdout.write(f"{len(world['countries'])} countries in {maps.WORLD}")

    def _fonts(self, package: Path, target: Path):
        target.mkdir(parents=True, exist_ok=True)
        for name in FONT_FILES:
            shutil.copyfile(package / "files" / name, target / name)
        shutil.copyfile(package / "LICENSE", target / "LICENSE-source-sans-3")
        self.stdout.write(f"{len(FONT_FILES)} font files in {target}")
