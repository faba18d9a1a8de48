"""The int8 e5 query encoder as an ONNX Runtime session, so answering a question never imports torch.

>>> export_query_encoder(st_model, out_dir, identity)   # at build time, from the loaded int8 model
>>> enc = OnnxQueryEncoder(out_dir, manifest, threads=1)  # ~0.2 s, no torch
>>> enc.encode("query: 112年入出境人次是多少？")           # (384,) float32, L2-normalised

The graph is written by hand from the weights of the torch model that :mod:`index.embedder`
quantised (``BertModel`` + mean pooling + normalise), and reproduces its arithmetic rather than
re-quantising: every Linear is ``MatMulInteger`` over the same per-channel int8 weights and
scales, and its input is quantised the way torch's dynamic int8 Linear (fbgemm) does it: one
asymmetric uint8 scale per call over the whole input with the range reduced to 0..127. Query
vectors therefore match the torch encoder's to ~1e-5 cosine, so the passage vectors of an index
built with torch stay comparable (checked in ``tests/index/test_query_encoder.py``).

The block-int8 word-embedding table (96 MB codes + 12 MB scales) is not in the graph: the rows of
a question's tokens are read with ``os.pread`` (a few hundred bytes each), so the table costs no
resident memory and worker processes share it through the page cache.

Files of ``out_dir``: ``model.onnx``, ``word_codes.i8`` (rows x dim int8), ``word_scales.f32``
(rows x dim/32 float32), ``embeddings.npz`` (position rows, token-type row 0), ``tokenizer.json``
and ``manifest.json`` (identity, sizes, dim, prompts, max_seq_length, tokenizer), and for a Unigram
(sentencepiece) tokenizer its vocabulary as SQLite (``vocab.sqlite3``, ``tokenizer-lean.json``; see
:mod:`index.unigram`): loading ``tokenizer.json`` with ``tokenizers`` took ~1 s and ~290 MB per
process. Written to a temp dir and renamed into place.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import threading
import uuid
from pathlib import Path
from typing import Any

import numpy as np

EXPORT_FORMAT = "nia-qa-query-onnx/2"  # 2: the lean Unigram tokenizer (index.unigram)
MANIFEST = "manifest.json"
MODEL_FILE = "model.onnx"
CODES_FILE = "word_codes.i8"
SCALES_FILE = "word_scales.f32"
EMBEDDINGS_FILE = "embeddings.npz"
TOKENIZER_FILE = "tokenizer.json"
OPSET = 17
ACT_QMAX = 127  # torch's dynamic int8 Linear quantises activations to 0..127 (reduce_range)


class QueryEncoderUnavailable(Exception):
    """The exported encoder is missing, stale, or cannot be loaded (the caller falls back to torch)."""


def supports_export(model: Any) -> str | None:
    """Why ``model`` (a loaded, int8-quantised SentenceTransformer) cannot be exported; None if it can."""
    try:
        auto = model[0].auto_model
        modules = [type(m).__name__ for m in model]
        pooling = model[1]
    except (AttributeError, IndexError, TypeError):
        return "not a sentence-transformers model"
    if getattr(auto.config, "model_type", None) != "bert":
        return f"model type {getattr(auto.config, 'model_type', None)!r} (only BERT is exported)"
    if modules[1:] != ["Pooling", "Normalize"]:
        return f"modules {modules} (only Transformer + Pooling + Normalize are exported)"
    if getattr(pooling, "pooling_mode", None) not in ("mean", ("mean",)):
        return f"pooling {getattr(pooling, 'pooling_mode', None)!r} (only mean pooling is exported)"
    if getattr(model[0], "do_lower_case", False):
        return "the model lower-cases its input (not exported)"
    if getattr(pooling, "include_prompt", True) is not True:
        return "pooling leaves the prompt out (not exported)"
    table = auto.get_input_embeddings()
    if not hasattr(table, "codes") or not hasattr(table, "scales"):
        return "word embeddings are not block int8"
    if getattr(auto.config, "position_embedding_type", "absolute") != "absolute":
        return "position embeddings are not absolute"
    return None


# -- export ---------------------------------------------------------------------------------------


class _Graph:
    """A tiny builder over ``onnx.helper``: named constants and nodes with generated output names."""

    def __init__(self) -> None:
        from onnx import helper, numpy_helper

        self.helper, self.numpy_helper = helper, numpy_helper
        self.nodes: list[Any] = []
        self.inits: list[Any] = []
        self._n = 0

    def const(self, name: str, value: np.ndarray) -> str:
        self.inits.append(self.numpy_helper.from_array(np.asarray(value), name))
        return name

    def op(self, kind: str, *inputs: str, **attrs: Any) -> str:
        self._n += 1
        out = f"{kind.lower()}_{self._n}"
        self.nodes.append(self.helper.make_node(kind, list(inputs), [out], **attrs))
        return out


def _qlinear(g: _Graph, x: str, name: str, linear: Any, c: dict[str, str]) -> str:
    """torch's dynamic int8 Linear: quantise ``x`` to uint8 0..127 (one scale), int8 GEMM, rescale, bias."""
    import onnx

    w = linear.weight()  # per-channel qint8, zero points 0
    codes = w.int_repr().numpy().T.copy()  # [in, out] for MatMulInteger
    w_scale = w.q_per_channel_scales().numpy().astype(np.float32)
    bias = linear.bias().detach().numpy().astype(np.float32)
    f64, f32 = onnx.TensorProto.DOUBLE, onnx.TensorProto.FLOAT
    lo = g.op("Cast", g.op("Min", g.op("ReduceMin", x, keepdims=0), c["zero"]), to=f64)
    hi = g.op("Cast", g.op("Max", g.op("ReduceMax", x, keepdims=0), c["zero"]), to=f64)
    spread = g.op("Div", g.op("Sub", hi, lo), c["qmax64"])  # in double, as fbgemm's qparams
    spread = g.op("Where", g.op("Equal", g.op("Cast", spread, to=f32), c["zero"]), c["tenth64"], spread)
    zp_f = g.op("Clip", g.op("Round", g.op("Neg", g.op("Div", lo, spread))), c["zero64"], c["qmax64"])
    zp = g.op("Cast", zp_f, to=onnx.TensorProto.UINT8)
    scale = g.op("Cast", spread, to=f32)
    # fbgemm's Quantize<uint8_t> (LEGACY): one fma(x, 1/scale, zp) rounded to float, then to nearest even
    inv = g.op("Cast", g.op("Div", c["one"], scale), to=f64)
    t = g.op("Cast", g.op("Add", g.op("Mul", g.op("Cast", x, to=f64), inv), zp_f), to=f32)
    xq = g.op("Cast", g.op("Clip", g.op("Round", t), c["zero"], c["u8max"]), to=onnx.TensorProto.UINT8)
    acc = g.op("MatMulInteger", xq, g.const(f"{name}.codes", codes), zp)
    out_scale = g.op("Mul", scale, g.const(f"{name}.scales", w_scale))
    y = g.op("Mul", g.op("Cast", acc, to=onnx.TensorProto.FLOAT), out_scale)
    return g.op("Add", y, g.const(f"{name}.bias", bias))


def _layer_norm(g: _Graph, x: str, name: str, ln: Any) -> str:
    gamma = g.const(f"{name}.weight", ln.weight.detach().numpy().astype(np.float32))
    beta = g.const(f"{name}.bias", ln.bias.detach().numpy().astype(np.float32))
    return g.op("LayerNormalization", x, gamma, beta, axis=-1, epsilon=float(ln.eps))


def build_graph(model: Any) -> Any:
    """The ONNX model: input ``embeddings`` [1, L, dim] (word + type + position rows), output ``embedding`` [1, dim]."""
    import onnx

    auto = model[0].auto_model
    cfg = auto.config
    dim, heads = int(cfg.hidden_size), int(cfg.num_attention_heads)
    head_dim = dim // heads
    g = _Graph()
    c = {
        "zero": g.const("c.zero", np.array(0.0, np.float32)),
        "zero64": g.const("c.zero64", np.array(0.0, np.float64)),
        "qmax64": g.const("c.qmax64", np.array(float(ACT_QMAX), np.float64)),
        "tenth64": g.const("c.tenth64", np.array(0.1, np.float64)),
        "u8max": g.const("c.u8max", np.array(255.0, np.float32)),
        "half": g.const("c.half", np.array(0.5, np.float32)),
        "one": g.const("c.one", np.array(1.0, np.float32)),
        "sqrt2": g.const("c.sqrt2", np.array(np.sqrt(2.0), np.float32)),
        "scaling": g.const("c.scaling", np.array(head_dim**-0.5, np.float32)),
        "eps": g.const("c.eps", np.array(1e-12, np.float32)),
        "split": g.const("c.split", np.array([0, -1, heads, head_dim], np.int64)),
        "merge": g.const("c.merge", np.array([0, -1, dim], np.int64)),
    }
    h = _layer_norm(g, "embeddings", "emb.ln", auto.embeddings.LayerNorm)
    for i, layer in enumerate(auto.encoder.layer):
        att = layer.attention.self

        def split(t: str) -> str:
            return g.op("Transpose", g.op("Reshape", t, c["split"]), perm=[0, 2, 1, 3])

        q = split(_qlinear(g, h, f"l{i}.q", att.query, c))
        k = split(_qlinear(g, h, f"l{i}.k", att.key, c))
        v = split(_qlinear(g, h, f"l{i}.v", att.value, c))
        scores = g.op("Mul", g.op("MatMul", q, g.op("Transpose", k, perm=[0, 1, 3, 2])), c["scaling"])
        ctx = g.op("MatMul", g.op("Softmax", scores, axis=-1), v)
        ctx = g.op("Reshape", g.op("Transpose", ctx, perm=[0, 2, 1, 3]), c["merge"])
        attn = _qlinear(g, ctx, f"l{i}.ao", layer.attention.output.dense, c)
        h = _layer_norm(g, g.op("Add", attn, h), f"l{i}.aln", layer.attention.output.LayerNorm)
        mid = _qlinear(g, h, f"l{i}.fi", layer.intermediate.dense, c)
        erf = g.op("Erf", g.op("Div", mid, c["sqrt2"]))  # exact GELU, as BERT's "gelu"
        mid = g.op("Mul", g.op("Mul", mid, c["half"]), g.op("Add", erf, c["one"]))
        out = _qlinear(g, mid, f"l{i}.fo", layer.output.dense, c)
        h = _layer_norm(g, g.op("Add", out, h), f"l{i}.oln", layer.output.LayerNorm)
    pooled = g.op("ReduceMean", h, axes=[1], keepdims=0)
    norm = g.op("Max", g.op("ReduceL2", pooled, axes=[1], keepdims=1), c["eps"])
    g.nodes.append(g.helper.make_node("Div", [pooled, norm], ["embedding"]))
    graph = g.helper.make_graph(
        g.nodes,
        "e5-query-int8",
        [g.helper.make_tensor_value_info("embeddings", onnx.TensorProto.FLOAT, [1, "seq", dim])],
        [g.helper.make_tensor_value_info("embedding", onnx.TensorProto.FLOAT, [1, dim])],
        g.inits,
    )
    proto = g.helper.make_model(graph, opset_imports=[g.helper.make_opsetid("", OPSET)])
    proto.ir_version = 8
    onnx.checker.check_model(proto)
    return proto


def export_query_encoder(
    model: Any, out_dir: Path, identity: dict[str, Any], *, prompts: dict[str, str], tokenizer_file: Path
) -> Path:
    """Write the encoder of ``model`` (loaded and int8-quantised) to ``out_dir``, atomically."""
    why = supports_export(model)
    if why:
        raise QueryEncoderUnavailable(why)
    auto = model[0].auto_model
    table = auto.get_input_embeddings()
    emb = auto.embeddings
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_dir.parent / f".{out_dir.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        (tmp / MODEL_FILE).write_bytes(build_graph(model).SerializeToString())
        codes = np.ascontiguousarray(table.codes.numpy(), dtype=np.int8)
        scales = np.ascontiguousarray(table.scales.numpy(), dtype=np.float32)
        codes.tofile(tmp / CODES_FILE)
        scales.astype("<f4").tofile(tmp / SCALES_FILE)
        np.savez(
            tmp / EMBEDDINGS_FILE,
            position=emb.position_embeddings.weight.detach().numpy().astype(np.float32),
            token_type=emb.token_type_embeddings.weight.detach().numpy()[0].astype(np.float32),
        )
        shutil.copyfile(tokenizer_file, tmp / TOKENIZER_FILE)
        from index.unigram import write_lean_tokenizer

        lean = write_lean_tokenizer(tmp / TOKENIZER_FILE, tmp)
        manifest = {
            "format": EXPORT_FORMAT,
            "identity": identity,
            "dim": int(codes.shape[1]),
            "rows": int(codes.shape[0]),
            "block": int(codes.shape[1] // scales.shape[1]),
            "prompts": prompts,
            "max_seq_length": int(model.max_seq_length),
            "tokenizer": "lean-unigram" if lean else "tokenizers",
            "files": {p.name: p.stat().st_size for p in sorted(tmp.iterdir())},
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        if out_dir.exists():
            shutil.rmtree(out_dir, ignore_errors=True)
        os.rename(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir


def read_manifest(out_dir: Path, identity: dict[str, Any]) -> dict[str, Any]:
    """The manifest of an export that matches ``identity`` with every file at its size; else raises."""
    try:
        manifest = json.loads((Path(out_dir) / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise QueryEncoderUnavailable("not exported yet") from exc
    except (OSError, ValueError) as exc:
        raise QueryEncoderUnavailable(f"unreadable manifest ({exc})") from exc
    if manifest.get("format") != EXPORT_FORMAT:
        raise QueryEncoderUnavailable(f"format {manifest.get('format')!r} != {EXPORT_FORMAT!r}")
    if manifest.get("identity") != identity:
        raise QueryEncoderUnavailable("exported from another model, quantisation or library version")
    for name, size in (manifest.get("files") or {}).items():
        p = Path(out_dir) / name
        if not p.is_file() or p.stat().st_size != size:
            raise QueryEncoderUnavailable(f"{name} is missing or truncated")
    return manifest


# -- run time -------------------------------------------------------------------------------------


class OnnxQueryEncoder:
    """Tokenise, look up word rows, run the int8 graph; one text per run (as the torch path encodes a query)."""

    def __init__(self, out_dir: Path, manifest: dict[str, Any], *, threads: int = 1) -> None:
        import onnxruntime as ort

        out_dir = Path(out_dir)
        self.dim: int = int(manifest["dim"])
        self.max_seq_length: int = int(manifest["max_seq_length"])
        self._rows = int(manifest["rows"])
        self._n_scales = self.dim // int(manifest["block"])
        try:
            opts = ort.SessionOptions()
            opts.intra_op_num_threads = max(0, threads)
            opts.inter_op_num_threads = 1
            opts.log_severity_level = 3
            self._session = ort.InferenceSession(
                str(out_dir / MODEL_FILE), sess_options=opts, providers=["CPUExecutionProvider"]
            )
            with np.load(out_dir / EMBEDDINGS_FILE) as data:
                self._position = np.array(data["position"], dtype=np.float32)
                self._token_type = np.array(data["token_type"], dtype=np.float32)
            self._max_tokens = min(self.max_seq_length, len(self._position))
            self._lean: Any = None
            self._tokenizer: Any = None
            if manifest.get("tokenizer") == "lean-unigram":
                from index.unigram import LeanUnigramTokenizer

                self._lean = LeanUnigramTokenizer(out_dir)
            else:
                from tokenizers import Tokenizer

                self._tokenizer = Tokenizer.from_file(str(out_dir / TOKENIZER_FILE))
                self._tokenizer.no_padding()
                self._tokenizer.enable_truncation(max_length=self._max_tokens)
        except Exception as exc:  # any loader error means a bad export: fall back, never crash
            raise QueryEncoderUnavailable(f"cannot load ({type(exc).__name__}: {exc})") from exc
        self._codes = os.open(out_dir / CODES_FILE, os.O_RDONLY)
        self._scales = os.open(out_dir / SCALES_FILE, os.O_RDONLY)
        self._closed = threading.Event()

    def token_ids(self, text: str) -> list[int]:
        """Token ids of ``text`` (prompt already prepended), specials included, truncated."""
        if self._lean is not None:
            return self._lean.encode_ids(text, self._max_tokens)
        return list(self._tokenizer.encode(text).ids)

    def _word_rows(self, ids: list[int]) -> np.ndarray:
        """Block-int8 rows of ``ids`` dequantised exactly as ``index.embedder``'s torch module does."""
        dim, ns = self.dim, self._n_scales
        codes = np.frombuffer(b"".join(os.pread(self._codes, dim, i * dim) for i in ids), dtype=np.int8)
        scales = np.frombuffer(b"".join(os.pread(self._scales, ns * 4, i * ns * 4) for i in ids), dtype="<f4")
        rows = codes.reshape(len(ids), ns, -1).astype(np.float32) * scales.reshape(len(ids), ns, 1)
        return rows.reshape(len(ids), dim)

    def encode(self, text: str) -> np.ndarray:
        """(dim,) float32 unit vector of ``text`` (the caller adds the query prompt)."""
        ids = self.token_ids(text)
        if any(not 0 <= i < self._rows for i in ids):
            raise ValueError("token id outside the embedding table")
        emb = (self._word_rows(ids) + self._token_type) + self._position[: len(ids)]
        (out,) = self._session.run(["embedding"], {"embeddings": emb[None, :, :]})
        return np.asarray(out[0], dtype=np.float32)

    def close(self) -> None:
        if not self._closed.is_set():
            self._closed.set()
            os.close(self._codes)
            os.close(self._scales)
            if self._lean is not None:
                self._lean.close()

    def __del__(self) -> None:
        with contextlib.suppress(OSError, AttributeError):
            self.close()
