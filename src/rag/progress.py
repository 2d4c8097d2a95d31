"""Progress a person can read, in a terminal and in a log.

In a terminal: rich's progress bar (what is done of what, the bar, time spent, time left),
redrawn in place. Written to a file or a CI log, where a redrawn bar leaves thousands of
carriage-return updates (tqdm's) or nothing until the end (rich's), one plain line each time
another tenth of the work is done: rich and tqdm have no such mode, so those few lines are ours.

``Progress.update(n)`` is what the embedders call as they finish texts (``rag.embed.base``
takes any object with ``update`` in place of its own bar), so an ingest's one bar counts its
chunks whatever backend encodes them.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from typing import TextIO

LOG_STEP = 0.1  # a log gets a line per this share of the work


def clock(seconds: float) -> str:
    """``seconds`` as m:ss, or h:mm:ss from an hour on."""
    s = max(0, int(round(seconds)))
    h, rest = divmod(s, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60}:{rest % 60:02d}"


class Progress:
    """A count of ``total`` things (``unit``: "chunks") under ``label`` ("embedding 3 documents").

    ``scale``: how many of the things shown one ``update`` step stands for (an ingest that
    encodes 12 texts a chunk counts texts and shows chunks: scale 1/12). ``tty``: draw a bar in
    place (default: whether ``stream``, stderr by default, is a terminal).
    """

    def __init__(self, total: float, *, label: str, unit: str, stream: TextIO | None = None,
                 scale: float = 1.0, tty: bool | None = None, now: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.total = max(0.0, float(total))
        self.label, self.unit, self.scale, self.now = label, unit, scale, now
        self.start = now()
        self.done = 0.0
        self._pace_from = (self.start, 0.0)  # (time, done) the time left is read from: ``new_pace``
        self.closed = False
        self._logged = 0  # tenths written to a log so far
        self._bar = None
        tty = bool(getattr(self.stream, "isatty", lambda: False)()) if tty is None else tty
        if tty:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
            from rich.progress import Progress as Bar

            self._bar = Bar(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TextColumn(unit), TimeElapsedColumn(), TextColumn("spent,"), TimeRemainingColumn(),
                            TextColumn("left"),
                            console=Console(file=self.stream, force_terminal=True), transient=False)
            self._task = self._bar.add_task(label, total=self.total)
            self._bar.start()

    def update(self, n: float = 1) -> None:
        """``n`` more steps done (a step is ``scale`` of a thing shown)."""
        self.done = self.done + n * self.scale
        if self.done >= self.total * (1 - 1e-9):  # a sum of scaled steps falls a hair short
            self.done = self.total
        if self._bar is not None:
            self._bar.update(self._task, completed=self.done)
            return
        tenths = int(self.share() / LOG_STEP + 1e-9)
        if tenths > self._logged and self.done < self.total:
            self._logged = tenths
            self._write(self.line())

    def new_pace(self) -> None:
        """The work from here goes at a pace of its own (an ingest's units after its chunks):
        the log's time left is read from the pace since now, once some of it is done. rich's bar
        reads the pace of the last seconds anyway."""
        self._pace_from = (self.now(), self.done)

    def share(self) -> float:
        return self.done / self.total if self.total else 1.0

    def line(self) -> str:
        """The log's line: "embedding 3 documents: 129/258 chunks (50%), 0:45 spent, about 0:45 left"."""
        elapsed = self.now() - self.start
        text = f"{self.label}: {int(self.done):,}/{int(self.total):,} {self.unit} ({self.share():.0%}), " \
               f"{clock(elapsed)} spent"
        since, base = self._pace_from
        if self.done <= base:  # nothing done yet at the new pace: the whole run's
            since, base = self.start, 0.0
        if 0 < self.done < self.total:
            text += f", about {clock((self.now() - since) * (self.total - self.done) / (self.done - base))} left"
        return text

    def _write(self, text: str) -> None:
        try:
            print(text, file=self.stream, flush=True)
        except (OSError, ValueError):  # a closed or broken stream: progress is not worth a crash
            pass

    def close(self) -> None:
        """The end: the bar drawn full and left on screen, or the log's last line."""
        if self.closed:
            return
        self.closed = True
        if self._bar is not None:
            self._bar.stop()
        else:
            self._write(self.line())

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ByLength:
    """A bar over two runs of texts encoded one after the other (an ingest's chunks, then its
    units: sentences and pairs, ~12 a chunk), advanced by the length of each text done rather
    than by the count: counted, the chunks (long texts, near half the work) showed 7 % done
    when they were finished, and the log a time left several times the real one. Characters
    stand for the work; the second run goes at a pace of its own (the units' int8 pass, short
    texts), so the time left is read from that pace once the first run is done
    (``Progress.new_pace``). ``update(n)``: n more texts done, in order."""

    def __init__(self, bar: Progress, chunks: Sequence[str], units: Sequence[str]) -> None:
        self.bar, self.first = bar, len(chunks)
        chunk_chars, unit_chars = sum(map(len, chunks)), sum(map(len, units))
        per_char = bar.total / max(1, chunk_chars + unit_chars)
        self.step = (per_char * chunk_chars / max(1, len(chunks)), per_char * unit_chars / max(1, len(units)))
        self.counted = 0

    def update(self, n: int = 1) -> None:
        in_chunks = max(0, min(n, self.first - self.counted))
        if in_chunks:
            self.bar.update(in_chunks * self.step[0])
            if self.counted + in_chunks == self.first:  # the chunks are done: the units' pace begins
                self.bar.new_pace()
        if n > in_chunks:
            self.bar.update((n - in_chunks) * self.step[1])
        self.counted += n

    def __enter__(self) -> ByLength:
        self.bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.__exit__(*exc)
