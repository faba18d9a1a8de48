"""`nia-qa bench [--out FILE]`: cold build, cold ask, serve start-up and memory, load time, latency, peak RSS.

The cold build runs in this process with a fresh build dir and a fresh cache
(the converted embedding model is reused through a symlink). Serving figures
(load, latency, RSS) come from a child process that only loads and queries, so
its peak RSS is what a server would use. Cold figures (:mod:`app.commands.bench_cold`): the
wall time of `nia-qa ask` in fresh processes (median of ``--cold-runs``) and the time until
`nia-qa serve --workers N` reports ready on a loopback port, with the RSS and PSS of the server and
its workers. Queries are generated from section headings and table titles in both languages,
never from the eval set.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

N_QUERIES = 200
N_ANSWERS = 40
# a path, not an import: app does not import the eval stage (it runs `nia-qa eval` as a child)
DEV_SET = Path(__file__).resolve().parents[2] / "eval" / "data" / "dev.jsonl"
BUILD_KIND = "empty build dir and empty caches (embeddings, tokens, jieba, ONNX export reused with the converted model)"
WARM_BUILD_KIND = (
    "empty build dir, caches warm from the cold build (a fresh clone on a machine that has built)"
)
GOALS = {
    "build_s": 90,
    "fused_p50_ms": 25,
    "answer_p95_ms": 300,
    "rss_mb": 800,
    "cold_ask_median_s": 5,
    "serve_ready_s": 15,
    "serve_total_rss_mb": 1600,
}
_NUMBERING = re.compile(
    r"^\s*(?:第[壹貳參肆伍陸柒捌玖拾]+章|Chapter [IVXL]+|[一二三四五六七八九十]+、|[(（][^)）]{1,4}[)）]|\d+\.|[ivx]+\.)\s*"
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "bench",
        help="measure build time, load time, retrieval/answer latency and memory",
        description="Measure a cold build, pipeline load, retrieval and answer latency (p50/p95) and peak "
        "memory, and write them as one JSON object (--out FILE). --api load-tests POST /api/ask of a "
        "server on loopback instead.",
    )
    p.add_argument("--out", metavar="FILE", help="write the JSON object here (default: stdout)")
    p.add_argument("--queries", type=int, default=N_QUERIES, help=f"retrieval queries (default {N_QUERIES})")
    p.add_argument(
        "--answers", type=int, default=N_ANSWERS, help=f"questions for answer_ms (default {N_ANSWERS})"
    )
    p.add_argument(
        "--cold-runs", type=int, default=3, help="fresh `nia-qa ask` processes timed (default 3; 0 skips)"
    )
    p.add_argument(
        "--serve-workers",
        type=int,
        default=2,
        help="workers of the `nia-qa serve` start-up measured (default 2; 0 skips)",
    )
    p.add_argument(
        "--recall-set",
        metavar="FILE",
        default=str(DEV_SET),
        help="eval set whose retrieval recall@k and answer latency are measured with `nia-qa eval` "
        "against the bench's build (default: the dev set; '' skips)",
    )
    p.add_argument("--serve-phase", metavar="BUILD_DIR", help=argparse.SUPPRESS)
    p.add_argument("--phase", choices=("retrieval", "answer"), default="retrieval", help=argparse.SUPPRESS)
    api = p.add_argument_group("HTTP API load test (--api)")
    api.add_argument(
        "--api", action="store_true", help="load-test POST /api/ask on loopback instead (app.web.loadtest)"
    )
    from app.web.loadtest import add_arguments  # light: httpx + stdlib only

    add_arguments(api)
    p.set_defaults(handler=run)


def bench_queries(ingest: Any, n: int) -> list[str]:
    """``n`` queries, half Chinese half English, from headings and table titles (deterministic)."""
    import random

    zh, en = [], []
    for s in ingest.sections:
        title = _NUMBERING.sub("", s.heading).strip()
        if len(title) >= 4:
            (zh if s.lang == "zh" else en).append(title)
    for t in ingest.tables:
        zh.append(t.title_zh)
        en.append(t.title_en)
    rng = random.Random(2023)
    zh, en = sorted(set(zh)), sorted(set(en))
    rng.shuffle(zh)
    rng.shuffle(en)
    out: list[str] = []
    while len(out) < n and (zh or en):
        for pool in (zh, en):
            if pool and len(out) < n:
                out.append(pool.pop())
    i = 0
    while len(out) < n:  # fewer titles than queries: cycle with a suffix so embeddings are not cached
        out.append(f"{out[i]} 2023")
        i += 1
    return out


def _pct(values: list[float]) -> dict[str, float]:
    import numpy as np

    a = np.asarray(values)
    return {"p50": round(float(np.percentile(a, 50)), 2), "p95": round(float(np.percentile(a, 95)), 2)}


def _time_ms(fn: Any, items: list[str]) -> list[float]:
    out = []
    for q in items:
        t = time.perf_counter()
        fn(q)
        out.append((time.perf_counter() - t) * 1000)
    return out


def _peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM: per address space, so a child started after the build
    does not inherit the build's peak the way ``ru_maxrss`` does across fork+exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _machine() -> dict[str, Any]:
    import psutil

    from index.store import lib_versions

    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "platform": platform.platform(),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "load_avg_1m_at_start": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
        "versions": lib_versions(),
    }


def _serve_phase(build_dir: str, phase: str, n_queries: int, n_answers: int) -> dict[str, Any]:
    """Child process: load what the parent built and time it (``phase``: retrieval or answer).

    Each phase runs alone so its peak RSS is that of one server process (the
    answer pipeline loads its own retriever; measuring both in one process would
    count the model twice).
    """
    import psutil

    from app.settings import Settings
    from ingest.pipeline import load_ingest

    settings = Settings().with_overrides(build_dir=Path(build_dir))
    ingest = load_ingest(settings.ingest_dir)
    queries = bench_queries(ingest, n_queries)
    result: dict[str, Any] = {}
    if phase == "retrieval":
        from index.embedder import Embedder
        from index.store import load_or_build

        t = time.perf_counter()
        embedder = Embedder(settings)
        embedder.warm_up()
        result["model_load_s"] = round(time.perf_counter() - t, 3)
        t = time.perf_counter()
        retriever = load_or_build(settings, progress=False, ingest=ingest, embedder=embedder)
        retriever.warm_up()
        result["load_s"] = round(time.perf_counter() - t, 3)
        for q in queries[:5]:  # warm caches and torch's first-call costs
            retriever.search(q, 8)
        k = settings.top_k
        result["n_queries"] = len(queries)
        result["retrieval_ms"] = {
            "dense": _pct(_time_ms(lambda q: retriever.dense_search(q, k), queries)),
            "sparse": _pct(_time_ms(lambda q: retriever.sparse_search(q, k), queries)),
            "fused": _pct(_time_ms(lambda q: retriever.search(q, k), queries)),
        }
    else:
        from app.pipeline import build_pipeline

        pipeline = build_pipeline(settings, progress=None)
        asks = [q + ("是多少？" if re.search(r"[\u4e00-\u9fff]", q) else "?") for q in queries[:n_answers]]
        pipeline.ask(asks[0])
        result["answer_ms"] = _pct(_time_ms(pipeline.ask, asks))
        result["n_answers"] = len(asks)
    result["rss_mb"] = _peak_rss_mb()
    result["rss_steady_mb"] = round(psutil.Process().memory_info().rss / 2**20, 1)
    return result


def _child(settings: Any, cache: Path, phase: str, args: argparse.Namespace) -> dict[str, Any]:
    from ingest.errors import UserError

    env = {**os.environ, "NIA_QA_CACHE_DIR": str(cache)}
    cmd = [
        sys.executable,
        "-m",
        "app.cli",
        "bench",
        "--serve-phase",
        str(settings.build_dir),
        "--phase",
        phase,
    ]
    cmd += ["--queries", str(args.queries), "--answers", str(args.answers)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise UserError(f"bench {phase} phase failed: {tail}", exit_code=1)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _cold(settings: Any, cache: Path, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """Cold `nia-qa ask` and `nia-qa serve` start-up against the bench's build (see bench_cold)."""
    from app.commands.bench_cold import cold_ask, serve_start

    env = {**os.environ, "NIA_QA_CACHE_DIR": str(cache), "NIA_QA_BUILD_DIR": str(settings.build_dir)}
    out: dict[str, Any] = {}
    if args.cold_runs > 0:
        print(f"bench: timing {args.cold_runs} cold `nia-qa ask` processes ...", file=sys.stderr)
        out["cold_ask"] = cold_ask(env, args.cold_runs)
    if args.serve_workers > 0:
        print(f"bench: starting `nia-qa serve --workers {args.serve_workers}` ...", file=sys.stderr)
        out["serve"] = serve_start(env, args.serve_workers, feedback_db=tmp / "feedback.sqlite3")
    return out


def _later_figures(settings: Any, cache: Path, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """A second build into an empty dir with the now warm caches, and recall with `nia-qa eval`."""
    from app.commands.bench_cold import eval_recall, timed_build

    env = {**os.environ, "NIA_QA_CACHE_DIR": str(cache), "NIA_QA_BUILD_DIR": str(settings.build_dir)}
    print("bench: `nia-qa build` into an empty build dir with warm caches ...", file=sys.stderr)
    out: dict[str, Any] = {
        "build_warm_cache": {**timed_build(env, tmp / "build-warm"), "kind": WARM_BUILD_KIND}
    }
    if args.recall_set:
        print(
            f"bench: recall and answer latency with `nia-qa eval --questions {args.recall_set}` ...",
            file=sys.stderr,
        )
        out["recall"] = eval_recall(env, Path(args.recall_set), tmp / "eval")
    return out


def headline(report: dict[str, Any]) -> dict[str, Any]:
    """The figures the speed goals are about, from one bench report, with whether each meets its goal.

    A figure the run did not measure (``--cold-runs 0``, ``--serve-workers 0``, ``--recall-set ''``)
    is None and its goal is not judged.
    """
    serve = report.get("serve") or {}
    recall = report.get("recall") or {}
    figures: dict[str, Any] = {
        "cold_ask_median_s": (report.get("cold_ask") or {}).get("median_s"),
        "serve_ready_s": serve.get("ready_s"),
        "serve_total_rss_mb": serve.get("total_rss_mb"),
        "serve_process_rss_mb": (
            [serve["server"]["rss_mb"], *(w["rss_mb"] for w in serve.get("workers", []))] if serve else None
        ),
        "build_s": report.get("build_s"),
        "build_warm_cache_s": (report.get("build_warm_cache") or {}).get("wall_s"),
        "answer_p50_ms": (report.get("answer_ms") or {}).get("p50"),
        "answer_p95_ms": (report.get("answer_ms") or {}).get("p95"),
        "fused_p50_ms": report["retrieval_ms"]["fused"]["p50"],
        "rss_mb": report.get("rss_mb"),
        "recall_at_10": recall.get("recall@10"),
    }
    met = {
        name: figures[name] <= goal
        for name, goal in GOALS.items()
        if name in figures and figures[name] is not None
    }
    return {**figures, "goals_met": met}


def run(args: argparse.Namespace) -> int:
    if args.api:
        from app.web.loadtest import run_from_args

        return run_from_args(args)
    if args.serve_phase:
        print(json.dumps(_serve_phase(args.serve_phase, args.phase, args.queries, args.answers)))
        return 0

    from app.settings import Settings

    base = Settings()
    machine = _machine()
    with tempfile.TemporaryDirectory(prefix="nia-qa-bench-") as tmp:
        tmp_path = Path(tmp)
        cache = tmp_path / "cache"
        cache.mkdir()
        # reuse the converted model (conversion is a one-off per machine, not part of a build)
        from index.embedder import Embedder

        Embedder(base).resolve()  # converts once if needed, into the user cache
        if base.models_dir.exists():
            os.symlink(base.models_dir, cache / "models")
        settings = base.with_overrides(build_dir=tmp_path / "build", cache_dir=cache)

        from index.store import ensure_index
        from ingest.pipeline import run_ingest

        t0 = time.perf_counter()
        ingest = run_ingest(settings.corpus_path, settings.ingest_dir)
        ingest_s = time.perf_counter() - t0
        embedder = Embedder(settings)
        embedder.model  # noqa: B018 - the passage model (queries may run on the ONNX export)
        model_s = time.perf_counter() - t0 - ingest_s
        ensure_index(settings, progress=False, ingest=ingest, embedder=embedder, load=False)
        index_s = time.perf_counter() - t0 - ingest_s - model_s
        from app.pipeline import sentence_vectors

        # as `nia-qa build` does: the table labels too, or the answer phase would load torch to encode them
        sentence_vectors(embedder, ingest.sections, settings, tables=ingest.tables)
        build_s = time.perf_counter() - t0
        build_rss = _peak_rss_mb()
        print(f"bench: cold build {build_s:.1f}s; timing queries in a fresh process ...", file=sys.stderr)

        serve = _child(settings, cache, "retrieval", args)
        answer: dict[str, Any] = {}
        if args.answers > 0 and importlib.util.find_spec("app.pipeline") is not None:
            print("bench: timing answers in a fresh process ...", file=sys.stderr)
            answer = _child(settings, cache, "answer", args)
        cold = _cold(settings, cache, args, tmp_path)
        later = _later_figures(settings, cache, args, tmp_path)

    report: dict[str, Any] = {
        "build_s": round(build_s, 2),
        "build_kind": BUILD_KIND,
        "build_breakdown_s": {
            "ingest": round(ingest_s, 2),
            "model_load": round(model_s, 2),
            "index": round(index_s, 2),
            "sentence_vectors": round(build_s - ingest_s - model_s - index_s, 2),
        },
        "n_chunks": len(ingest.chunks),
        "load_s": serve["load_s"],
        "model_load_s": serve["model_load_s"],
        "n_queries": serve["n_queries"],
        "retrieval_ms": serve["retrieval_ms"],
        **({"answer_ms": answer["answer_ms"], "n_answers": answer["n_answers"]} if answer else {}),
        "rss_mb": max(serve["rss_mb"], answer.get("rss_mb", 0.0)),
        "rss_detail_mb": {
            "retrieval_peak": serve["rss_mb"],
            "retrieval_steady": serve["rss_steady_mb"],
            **({"answer_peak": answer["rss_mb"], "answer_steady": answer["rss_steady_mb"]} if answer else {}),
            "build_peak": build_rss,
        },
        **cold,
        **later,
        "model": settings.embedding_model,
        "embedding_quantize": settings.embedding_quantize,
        "query_encoder": getattr(settings, "query_encoder", "torch"),
        "goals": GOALS,
        "machine": {**machine, "load_avg_1m_at_end": round(os.getloadavg()[0], 2)},
    }
    report = {"headline": headline(report), **report}
    text = json.dumps(report, ensure_ascii=False, indent=2)
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp_out = out.with_name(f".{out.name}.tmp")
        tmp_out.write_text(text + "\n", encoding="utf-8")
        os.replace(tmp_out, out)
        print(f"bench: wrote {out}", file=sys.stderr)
    else:
        print(text)
    return 0
