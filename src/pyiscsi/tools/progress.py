"""A one-line progress bar on stderr with rate and ETA, drawn only when stderr is a terminal.

bar = Progress(total_bytes)
bar.advance(len(chunk))
bar.close()
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

WIDTH = 30
INTERVAL = 0.2  # seconds between redraws


def format_bytes(count: float) -> str:
    """``123.4 MB`` (decimal units)."""
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(count) < 1000 or unit == "TB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1000
    raise AssertionError("unreachable")


def format_duration(seconds: float) -> str:
    """``H:MM:SS``."""
    seconds = max(0, int(seconds + 0.5))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def render(done: int, total: int, elapsed: float) -> str:
    """The bar's text: ``[#####.....]  50%  12.0 MB/s  ETA 0:00:04``."""
    fraction = min(1.0, done / total) if total > 0 else 1.0
    filled = int(fraction * WIDTH)
    rate = done / elapsed if elapsed > 0 else 0.0
    eta = (total - done) / rate if rate > 0 else None
    return (
        f"[{'#' * filled}{'.' * (WIDTH - filled)}] {fraction * 100:3.0f}% "
        f"{format_bytes(done)} of {format_bytes(total)}  {format_bytes(rate)}/s  "
        f"ETA {format_duration(eta) if eta is not None else '-:--:--'}"
    )


class Progress:
    """Progress of ``total`` bytes; draws on ``stream`` (stderr) only if it is a terminal
    (or ``enabled`` is True)."""

    def __init__(
        self,
        total: int,
        *,
        stream: TextIO | None = None,
        enabled: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = sys.stderr if stream is None else stream
        if enabled is None:
            isatty = getattr(self.stream, "isatty", None)
            enabled = bool(isatty and isatty())
        self.enabled = enabled
        self.total = total
        self.done = 0
        self._clock = clock
        self._start = clock()
        self._last_draw = -INTERVAL
        self._drawn = False

    def advance(self, count: int) -> None:
        """Count ``count`` more bytes done; redraw at most every 0.2 s."""
        self.done += count
        if not self.enabled:
            return
        now = self._clock()
        if now - self._last_draw >= INTERVAL or self.done >= self.total:
            self._draw(now)

    def _draw(self, now: float) -> None:
        self._last_draw = now
        self._drawn = True
        self.stream.write("\r" + render(self.done, self.total, now - self._start) + "\x1b[K")
        self.stream.flush()

    def close(self) -> None:
        """Draw the final state and end the line (if anything was drawn)."""
        if self.enabled:
            self._draw(self._clock())
            self.stream.write("\n")
            self.stream.flush()
