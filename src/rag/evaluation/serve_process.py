"""`rag serve` as a child process: start it on a free local port, wait for it, stop it.

The chat tests, the load test (`eval/load_test.py`) and the cold-start measure of `rag bench`
all need a real server in its own process, since that is what a user runs; one helper keeps
their start-up, readiness check and shutdown the same.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO

# Settings of the parent that must not leak into a server it starts for a measurement or a
# test: a login would stop the probes, a fault hook would break the server on purpose.
_DROPPED = ("RAG_AUTH", "RAG_FAULT")


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def listening(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The parent's environment, offline and without telemetry, minus `_DROPPED`, plus `extra`."""
    env = {**os.environ, "HF_HUB_OFFLINE": os.environ.get("HF_HUB_OFFLINE", "1"),
           "GRADIO_ANALYTICS_ENABLED": "False", "TOKENIZERS_PARALLELISM": "false"}
    for name in _DROPPED:
        env.pop(name, None)
    env.update(extra or {})
    return env


def start(index_dir: Path, port: int, log: IO[bytes] | IO[str], *,
          env: Mapping[str, str] | None = None, cwd: Path | None = None, args: Sequence[str] = ()) -> subprocess.Popen:
    """`rag serve --index INDEX_DIR` on 127.0.0.1:PORT (plus ``args``), its output going to `log`."""
    return subprocess.Popen(
        [sys.executable, "-m", "rag", "serve", "--index", str(index_dir), "--host", "127.0.0.1",
         "--port", str(port), *args],
        stdout=log, stderr=subprocess.STDOUT, env=child_env(env), cwd=cwd,
    )


def stop(proc: subprocess.Popen, timeout: float = 20) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def wait_ready(proc: subprocess.Popen, url: str, log: Path, timeout: float = 300) -> None:
    """Return once the server's page answers 200; if it exits or never answers, the error
    carries what it printed (written to `log`)."""
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"rag serve exited with {proc.returncode}:\n{log.read_text(encoding='utf-8')}")
        try:
            with urllib.request.urlopen(url + "/", timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"rag serve did not answer in {timeout:.0f} s:\n{log.read_text(encoding='utf-8')}")
        time.sleep(0.5)


@contextmanager
def serving(index_dir: Path, log: Path, *, env: Mapping[str, str] | None = None,
            cwd: Path | None = None, timeout: float = 300, args: Sequence[str] = ()) -> Iterator[str]:
    """A server until the block ends; yields its URL once its page answers 200 (`wait_ready`)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with log.open("w", encoding="utf-8") as out:
        proc = start(index_dir, port, out, env=env, cwd=cwd, args=args)
    try:
        wait_ready(proc, url, log, timeout)
        yield url
    finally:
        stop(proc)
