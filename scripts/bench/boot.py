"""Set up Django for the benchmark's scripts (the project's own settings, read from the environment),
and the progress bar they draw."""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def boot() -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()


class Progress:
    """A progress bar on stderr; when stderr is not a terminal (a log), one line per tenth."""

    def __init__(self, label: str, total: int, width: int = 30):
        self.label, self.total, self.width = label, max(total, 1), width
        self.done = 0
        self.started = time.monotonic()
        self.tty = sys.stderr.isatty()
        self._tenth_shown = -1

    def advance(self, count: int = 1) -> None:
        self.done = min(self.done + count, self.total)
        tenth = self.done * 10 // self.total
        if self.tty:
            self._write("\r" + self._line())
        elif tenth != self._tenth_shown:
            self._tenth_shown = tenth
            self._write(self._line() + "\n")

    def finish(self) -> float:
        if self.done < self.total:
            self.done = self.total
            self._write(("\r" if self.tty else "") + self._line() + "\n")
        elif self.tty:
            self._write("\n")
        return time.monotonic() - self.started

    def _line(self) -> str:
        fraction = self.done / self.total
        filled = int(fraction * self.width)
        return (
            f"  {self.label:<22} [{'#' * filled}{'.' * (self.width - filled)}] "
            f"{self.done:>7,}/{self.total:<7,} {time.monotonic() - self.started:6.1f}s"
        )

    @staticmethod
    def _write(text: str) -> None:
        sys.stderr.write(text)
        sys.stderr.flush()
