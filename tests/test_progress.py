"""Progress a person can read: a bar in a terminal, one line per tenth of the work in a log.

The log mode is checked through the real CLI (stderr to a pipe, as in CI): a few plain lines
with chunks and time left, no carriage-return redraws.
"""

from __future__ import annotations

import io
import random
from pathlib import Path

from conftest import run_rag

from rag.progress import ByLength, Progress, clock


class Clock:
    """A clock the test moves by hand, so the time left is known."""

    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_a_log_gets_one_line_per_tenth_with_the_time_left() -> None:
    out, now = io.StringIO(), Clock()
    with Progress(258, label="embedding 3 documents", unit="chunks", stream=out, scale=258 / 3096,
                  now=now) as bar:
        for _ in range(3096 // 8):
            now.t += 0.25
            bar.update(8)
    lines = out.getvalue().splitlines()
    assert "\r" not in out.getvalue()
    assert len(lines) == 10, lines  # 10 % ... 90 %, then the end
    assert lines[0].startswith("embedding 3 documents: 26/258 chunks (10%), 0:10 spent, about 1:27 left"), lines[0]
    assert lines[4].startswith("embedding 3 documents: 129/258 chunks (50%)"), lines[4]
    assert lines[-1] == "embedding 3 documents: 258/258 chunks (100%), 1:37 spent"


def test_an_ingest_bar_counts_characters_and_reads_the_units_at_their_own_pace() -> None:
    # 16 chunks of 1,024 characters at a second each, then 128 units of 128 at 32 a second: half
    # the characters each. Counted by texts, the chunks' end showed 16/144 = 11 % and 2:08 left.
    out, now = io.StringIO(), Clock()
    with ByLength(Progress(16, label="embedding 2 documents", unit="chunks", stream=out, now=now),
                  ["ก" * 1024] * 16, ["ข" * 128] * 128) as bar:
        for _ in range(16):
            now.t += 1.0
            bar.update(1)
        for _ in range(128 // 8):
            now.t += 0.25
            bar.update(8)
    lines = out.getvalue().splitlines()
    assert "embedding 2 documents: 8/16 chunks (50%), 0:16 spent, about 0:16 left" in lines, lines
    # a second into the units: their own pace (2 chunks' worth a second), 3 s left, not the whole run's 10 s
    assert "embedding 2 documents: 10/16 chunks (62%), 0:17 spent, about 0:03 left" in lines, lines
    assert lines[-1] == "embedding 2 documents: 16/16 chunks (100%), 0:20 spent"


def test_a_terminal_gets_a_bar_with_count_and_time_left() -> None:
    out = io.StringIO()
    with Progress(40, label="embedding 1 document", unit="chunks", stream=out, tty=True) as bar:
        for _ in range(4):
            bar.update(10)
    text = out.getvalue()
    assert "embedding 1 document" in text and "40/40" in text and "chunks" in text and "left" in text
    assert "%)" not in text  # not the log's lines


def test_clock_reads_minutes_and_hours() -> None:
    assert [clock(s) for s in (0, 59.6, 61, 3600, 7325)] == ["0:00", "1:00", "1:01", "1:00:00", "2:02:05"]


def test_ingest_into_a_log_writes_a_few_plain_lines(tmp_path: Path) -> None:
    rnd = random.Random(5)
    words = "การทูต เทคโนโลยี ความร่วมมือ นโยบาย เศรษฐกิจ ภูมิภาค supply chain diplomacy".split()
    for name in ("a", "b"):
        body = "\n\n".join(f"## ส่วนที่ {i}\n\n" + " ".join(rnd.choice(words) for _ in range(120)) + "."
                           for i in range(6))
        (tmp_path / f"{name}.md").write_text(f"# {name}\n\n{body}\n", encoding="utf-8")
    r = run_rag("ingest", str(tmp_path / "a.md"), str(tmp_path / "b.md"), "--index", str(tmp_path / "index"))
    assert r.returncode == 0, r.stderr
    assert "\r" not in r.stderr
    bars = [line for line in r.stderr.splitlines() if line.startswith("embedding 2 documents: ")]
    assert 2 <= len(bars) <= 10, r.stderr
    assert bars[-1].split(" (")[1].startswith("100%"), bars[-1]
    assert all(" chunks (" in line for line in bars), bars
    reading = [line for line in r.stderr.splitlines() if line.startswith("reading: ")]
    assert reading and reading[-1].startswith("reading: 2/2 documents (100%)"), r.stderr
