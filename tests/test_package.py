"""The package as a user installs and imports it: `pip install .` (not only an editable
checkout) gives a working `rag` with its CSS and data, the public API comes from `rag` itself,
and importing it leaves the host program's environment alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

THREAD_VARIABLES = ("OMP_WAIT_POLICY", "OPENBLAS_NUM_THREADS", "TOKENIZERS_PARALLELISM",
                    "GRADIO_ANALYTICS_ENABLED")


def _python(code: str, *, env: dict[str, str] | None = None, cwd: Path | None = None) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                         env=env, cwd=cwd)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def test_importing_rag_sets_no_environment_variable() -> None:
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES}
    code = ("import os, json; before = dict(os.environ); "
            "import rag, rag.api, rag.search, rag.answer, rag.embed, rag.app.chat; "
            "after = dict(os.environ); "
            "print(json.dumps({k: after.get(k) for k in set(before) ^ set(after) | "
            "{k for k in before if before[k] != after.get(k)}}))")
    assert json.loads(_python(code, env=env)) == {}


def test_the_cli_applies_its_thread_policy() -> None:
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES}
    code = ("import os, sys; from rag.app.cli import main; sys.argv = ['rag', 'list', '--index', '/nonexistent']; "
            "main(); print(os.environ['OMP_WAIT_POLICY'], os.environ['OPENBLAS_NUM_THREADS'])")
    assert _python(code, env=env).split() == ["PASSIVE", "1"]


def test_the_public_api_comes_from_rag_itself(article_index: Path) -> None:
    import rag

    assistant = rag.open_index(article_index)
    assert isinstance(assistant, rag.Assistant)
    result = assistant.search("How does China use STAs?", k=3)
    assert isinstance(result, rag.SearchResult) and all(isinstance(h, rag.Hit) for h in result.hits)
    answer = assistant.ask("จีนใช้ STAs อย่างไร")
    assert isinstance(answer, rag.Answer)
    assert "STAs" in rag.render_markdown(answer)
    with pytest.raises(rag.RagError):
        rag.open_index(article_index / "missing")
    assert set(rag.__all__) <= set(dir(rag))
    with pytest.raises(AttributeError):
        rag.no_such_name  # noqa: B018


def test_pip_install_gives_a_working_package(tmp_path: Path) -> None:
    """A non-editable install carries the chat's CSS, the dictionary, the prompt templates and
    the answer gate's data (its weights, the probe questions and their vectors): `rag inspect`
    runs from it and the chat finds its stylesheet."""
    target = tmp_path / "site"
    out = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                          "--target", str(target), str(ROOT)], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    env = {**os.environ, "PYTHONPATH": str(target)}
    code = ("import rag, rag.app.chat as chat, rag.lexical.bilingual as b, rag.embed.profiles as p, "
            "rag.answer.gate as g, rag.generate.prompt as gp; m = p.profile_for(p.DEFAULT_MODEL).gate; "
            "print(rag.__file__); print(chat.CSS_PATH.is_file(), b.DATA.is_file(), g.PROBES.is_file(), "
            "m.stored_probe_vectors(g.probe_texts()[2]) is not None and (p.DATA / m.probe_terms).is_file(), "
            "len(gp.load_templates()) == 4)")
    where, found = _python(code, env=env, cwd=tmp_path).strip().splitlines()
    assert where.startswith(str(target)) and found == "True True True True True"
    inspect = subprocess.run([sys.executable, "-m", "rag", "inspect", str(ROOT / "corpus" / "tech-diplomacy-th.txt"),
                              "--json"], capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)
    assert inspect.returncode == 0, inspect.stderr[-2000:]
    assert len(json.loads(inspect.stdout)["footnotes"]) == 37
