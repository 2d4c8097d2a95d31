"""Fit the answer's relevance gate (rag.answer.gate) and write it where the model's profile
reads it: ``src/rag/embed/data/gate-e5-small.json`` (weights, default thresholds, how an index
places its own) and ``e5-small-probes.npy`` (the probe questions' vectors).

    python eval/fit_gate.py measure NAME INDEX QUESTIONS.jsonl [--article] [--out eval/out/gate]
    python eval/fit_gate.py fit --train seed,xquad,iapp [--out eval/out/gate] [--write]
    python eval/fit_gate.py cross [--out eval/out/gate]
    python eval/fit_gate.py calibrate INDEX

``measure`` asks every question of QUESTIONS.jsonl (on-topic, with answers), our own off-topic
training questions (``eval/gate_offtopic_train.json``), the probes (``src/rag/answer/data/
probes.json``) and the 47 off-topic questions of eval/bench_answer.py (``OFF_TOPIC``, kept for
evaluation: never fitted on) of the index INDEX, and keeps each question's gate signals in
``<out>/NAME.jsonl``. ``fit`` fits one logistic regression per question language on the named
sets (on-topic against our off-topic training questions; the probes and ``OFF_TOPIC`` are left
out), places each set's threshold on its probes as ingest does (rag.answer.calibrate), and
prints per set: answerable questions refused, off-topic questions refused (ours and
``OFF_TOPIC``); ``--write`` writes the model. ``cross`` fits on each pair of sets and scores the
third. ``calibrate`` places the gate's thresholds on an index built before the gate had a
calibration (or with other probes, or another gate model), as ingest does, and records them in its
manifest.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path

from rag.config import apply_thread_policy

apply_thread_policy()

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "rag" / "embed" / "data"
GATE_FILE = DATA / "gate-e5-small.json"
PROBE_FILE = DATA / "e5-small-probes.npy"
TERMS_FILE = DATA / "e5-small-probe-terms.npz"
TRAIN_OFF = ROOT / "eval" / "gate_offtopic_train.json"
# How an index places its thresholds (rag.answer.gate.place_threshold): a high quantile of its
# probes' scores plus a margin, within SPREAD of the model's default.
CALIBRATION = {"quantile": 0.98, "margin": 0.5, "spread": 3.0, "min_probes": 20}
C = 1.0  # inverse regularisation of the logistic regressions


def bench_answer():
    spec = importlib.util.spec_from_file_location("bench_answer", ROOT / "eval" / "bench_answer.py")
    mod = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(mod)
    return mod


def off_topic_47() -> list[str]:
    return list(bench_answer().OFF_TOPIC)


def questions(path: Path, article: bool = False) -> list[dict]:
    """The on-topic questions of ``path`` (with, for the article, eval/bench_answer.py's
    ON_TOPIC_MORE), our off-topic training questions and OFF_TOPIC."""
    from rag.answer import question_language

    out = [{"id": f"more-{i}", "question": q, "group": "on", "lang": question_language(q)}
           for i, q in enumerate(bench_answer().ON_TOPIC_MORE if article else [])]
    for line in path.open(encoding="utf-8"):
        if line.strip():
            r = json.loads(line)
            out.append({"id": r.get("id") or r.get("qid"), "question": r["question"], "group": "on",
                        "lang": question_language(r["question"])})
    train = json.loads(TRAIN_OFF.read_text(encoding="utf-8"))
    out += [{"id": f"train-{lang}{i}", "question": q, "group": "train_off", "lang": lang}
            for lang in ("th", "en") for i, q in enumerate(train[lang])]
    out += [{"id": f"off47-{i}", "question": q, "group": "off47", "lang": question_language(q)}
            for i, q in enumerate(off_topic_47())]
    return out


def probe_vectors() -> None:
    """Encode the probes with the default model's query encoder (the search's) and keep them."""
    from rag.answer.gate import probe_texts
    from rag.embed import DEFAULT_MODEL, load_embedder

    texts, _, fingerprint = probe_texts()
    raw = json.loads(GATE_FILE.read_text(encoding="utf-8"))
    if raw.get("probe_fingerprint") == fingerprint and PROBE_FILE.is_file():
        return
    emb = load_embedder(DEFAULT_MODEL)
    vectors = np.stack([emb.encode_queries([t])[0] for t in texts]).astype(np.float16)
    np.save(PROBE_FILE, vectors, allow_pickle=False)
    raw["probe_vectors"], raw["probe_fingerprint"] = PROBE_FILE.name, fingerprint
    GATE_FILE.write_text(json.dumps(raw, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    from rag.embed.profiles import load_gate
    load_gate.cache_clear()


def probe_terms() -> None:
    """Make the English probes' latent terms with the default model's head and keep them, so
    that an ingest's calibration does not encode them again (they were most of its time)."""
    from rag.answer.gate import probe_texts
    from rag.embed import DEFAULT_MODEL, latent_id, latent_terms, load_embedder
    from rag.embed.profiles import load_gate

    texts, langs, fingerprint = probe_texts()
    raw = json.loads(GATE_FILE.read_text(encoding="utf-8"))
    emb = load_embedder(DEFAULT_MODEL)
    head = latent_id(emb)
    if raw.get("probe_fingerprint") == fingerprint and raw.get("probe_terms_head") == head and TERMS_FILE.is_file():
        return
    english = [t for t, lang in zip(texts, langs, strict=True) if lang == "en"]
    rows = [latent_terms(emb).encode_query_latent(t) for t in english]
    offsets = np.cumsum([0] + [len(i) for i, _ in rows]).astype(np.int64)
    np.savez_compressed(TERMS_FILE, texts=np.array(english), offsets=offsets,
                        indices=np.concatenate([i for i, _ in rows]).astype(np.int32),
                        values=np.concatenate([v for _, v in rows]).astype(np.float32))
    raw["probe_terms"], raw["probe_terms_head"] = TERMS_FILE.name, head
    GATE_FILE.write_text(json.dumps(raw, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    load_gate.cache_clear()


def measure(name: str, index: Path, qa: Path, out: Path, article: bool = False) -> None:
    """Every question's gate signals on one index (probes with themselves left out)."""
    from rag.answer.calibrate import gate_for
    from rag.answer.extract import build_pool
    from rag.search import Searcher

    probe_vectors()
    probe_terms()
    searcher = Searcher(index)
    gate = gate_for(searcher, calibrated=False)
    rows = questions(qa, article)
    rows += [{"id": f"probe-{i}", "question": q, "group": "probe", "lang": lang, "probe": i}
             for i, (q, lang) in enumerate(zip(gate.probes.texts, gate.probes.langs, strict=True))]
    out.mkdir(parents=True, exist_ok=True)
    with (out / f"{name}.jsonl").open("w", encoding="utf-8") as f:
        for r in rows:
            res = searcher.search(r["question"], k=5)
            if not res.hits or res.qvec is None:
                continue
            pool = build_pool(res.hits, res.qvec, gate.view.sentence_vectors_of, None)
            skip = frozenset({r["probe"]}) if "probe" in r else frozenset()
            _, _, sig = gate.judge(res.query, res.hits, res.qvec, pool.sims, skip=skip)
            f.write(json.dumps({**r, "signals": sig}, ensure_ascii=False) + "\n")
    print(f"{name}: {len(rows)} questions -> {out / (name + '.jsonl')}", file=sys.stderr)


# ------------------------------------------------------------------ fitting


def load(out: Path, name: str) -> list[dict]:
    return [{**json.loads(line), "set": name} for line in (out / f"{name}.jsonl").open(encoding="utf-8")]


def fit(sets: dict[str, list[dict]], features: list[str], lang: str) -> dict:
    from sklearn.linear_model import LogisticRegression

    rows = [r for rs in sets.values() for r in rs if r["lang"] == lang and r["group"] in ("on", "train_off")]
    x = np.array([[r["signals"][f] for f in features] for r in rows])
    y = np.array([r["group"] == "on" for r in rows])
    # every set weighs the same, and within a set both classes do
    weight = np.ones(len(rows))
    for name in sets:
        for cls in (True, False):
            mask = np.array([r["set"] == name for r in rows]) & (y == cls)
            if mask.any():
                weight[mask] = 1.0 / mask.sum()
    mean, scale = x.mean(0), np.maximum(x.std(0), 1e-3)
    model = LogisticRegression(C=C, max_iter=5000).fit((x - mean) / scale, y, sample_weight=weight * len(rows))
    return {"mean": mean.round(6).tolist(), "scale": scale.round(6).tolist(),
            "coef": model.coef_[0].round(6).tolist(), "intercept": round(float(model.intercept_[0]), 6)}


def score(w: dict, rows: list[dict], features: list[str]) -> np.ndarray:
    if not rows:
        return np.zeros(0)
    x = np.array([[r["signals"][f] for f in features] for r in rows])
    return ((x - np.array(w["mean"])) / np.array(w["scale"])) @ np.array(w["coef"]) + w["intercept"]


def threshold(w: dict, probes: list[dict], features: list[str], default: float) -> float:
    s = score(w, probes, features)
    if len(s) < CALIBRATION["min_probes"]:
        return default
    placed = float(np.quantile(s, CALIBRATION["quantile"])) + CALIBRATION["margin"]
    return float(np.clip(placed, default - CALIBRATION["spread"], default + CALIBRATION["spread"]))


def evaluate(model: dict, sets: dict[str, list[dict]]) -> dict:
    features = model["features"]
    out = {}
    for name, rows in sets.items():
        for lang, w in model["languages"].items():
            mine = [r for r in rows if r["lang"] == lang]
            if not any(r["group"] == "on" for r in mine):
                continue
            t = threshold(w, [r for r in mine if r["group"] == "probe"], features, w["threshold"])
            res = {"threshold": round(t, 3)}
            for group in ("on", "train_off", "off47"):
                s = score(w, [r for r in mine if r["group"] == group], features)
                if len(s):
                    res[group] = f"{int((s < t).sum())}/{len(s)}"
                    if group == "on":
                        res["refused"] = round(float((s < t).mean()), 4)
            out[f"{name}/{lang}"] = res
    return out


def fit_model(sets: dict[str, list[dict]], features: list[str]) -> dict:
    langs = {}
    for lang in ("th", "en"):
        w = fit(sets, features, lang)
        # the default threshold (an index without a calibration): the mean of the sets' own
        ts = [threshold(w, [r for r in rs if r["lang"] == lang and r["group"] == "probe"], features, 0.0)
              for rs in sets.values() if any(r["lang"] == lang and r["group"] == "on" for r in rs)]
        w["threshold"] = round(float(np.mean(ts)), 4) if ts else 0.0
        langs[lang] = w
    return {"features": features, "languages": langs, "calibration": dict(CALIBRATION)}


def calibrate_index(index: Path) -> None:
    """Record the gate's calibration in an existing index's manifest (written beside, then
    swapped in; the index's files are untouched)."""
    import os

    from rag.answer.calibrate import calibrate, open_for_calibration
    from rag.index.format import MANIFEST, MANIFEST_SHA256, manifest_digest

    probe_vectors()
    probe_terms()
    cal = calibrate(open_for_calibration(index)).to_dict()
    path = index / MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["calibration"] = cal
    if MANIFEST_SHA256 in manifest:  # an index that seals its manifest: sealed again
        manifest[MANIFEST_SHA256] = manifest_digest(manifest)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)
    print(json.dumps(cal["thresholds"]), file=sys.stderr)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("command", choices=("measure", "fit", "cross", "calibrate"))
    ap.add_argument("args", nargs="*")
    ap.add_argument("--out", type=Path, default=ROOT / "eval" / "out" / "gate")
    ap.add_argument("--train", default="seed,xquad,iapp")
    ap.add_argument("--test", default="")
    ap.add_argument("--features", default="c1,umax,zc,pmax,cov,dcov,n_abs,f_abs,fgap")
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--article", action="store_true", help="measure: add ON_TOPIC_MORE (questions on the article)")
    a = ap.parse_args()
    if a.command == "measure":
        name, index, qa = a.args
        measure(name, Path(index), Path(qa), a.out, a.article)
        return 0
    if a.command == "calibrate":
        calibrate_index(Path(a.args[0]))
        return 0
    features = a.features.split(",")
    names = a.train.split(",")
    tests = a.test.split(",") if a.test else []
    every = {n: load(a.out, n) for n in dict.fromkeys(names + tests)}
    if a.command == "cross":
        for held in names:
            train = {n: every[n] for n in names if n != held}
            model = fit_model(train, features)
            print(f"fit on {'+'.join(train)}, scored on {held}:", json.dumps(evaluate(model, {held: every[held]})))
        return 0
    model = fit_model({n: every[n] for n in names}, features)
    print(json.dumps(evaluate(model, every), indent=1))
    if a.write:
        raw = json.loads(GATE_FILE.read_text(encoding="utf-8"))
        raw.update(model)
        GATE_FILE.write_text(json.dumps(raw, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {GATE_FILE}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
