"""The GPT in model/ (network, data, generation): real torch, real shards of real text, no mocks.

Training, resuming and DDP are in test_model_train.py."""

import dataclasses
import json
import random
from itertools import islice

import pytest
import torch
from numpy.lib.stride_tricks import sliding_window_view
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.utils.flop_counter import FlopCounterMode

from model.data import TokenWindows, stream
from model.gpt import GPT, PRESETS, GPTConfig, KVCache, filter_logits
from webtext import layout
from webtext.records import Document, TokenizedDocument
from webtext.shards.shard_format import FORMAT, iter_documents, shard_bytes, shard_paths, token_array
from webtext.shards.tokens import describe, encode_documents, gpt2_encoding

PARAGRAPHS = [
    "The river runs past the old mill and under the stone bridge before it reaches the town. "
    "In spring the water rises and the meadows along its banks turn green again.",
    "Every morning the baker opens his shop at six, and the smell of fresh bread fills the street. "
    "Children stop on their way to school to buy a roll or a small cake.",
    "The library on the hill was built a hundred years ago. Its reading room has tall windows, "
    "long oak tables and a quiet that visitors remember for years.",
    "Trains leave the station every hour for the city. Most people who work there take the early "
    "train and come home in the evening, tired but glad to see the hills.",
    "On Saturdays there is a market in the square. Farmers sell apples, cheese, eggs and honey, "
    "and a man with a guitar sings old songs near the fountain.",
    "The school has four classrooms, a small garden and a field where the children play football "
    "after lunch. The teachers know every family in the valley.",
    "When winter comes, snow covers the roofs and the roads are closed for days. People light their "
    "fires, read books and wait for the sun to return.",
    "A new bridge is planned for next year, because the old one is too narrow for the buses. "
    "Some people are happy about it, and others say the town will lose its charm.",
]


def documents(count: int, seed: int) -> list[str]:
    """Texts made of the paragraphs in varied order, so the data is real English but learnable."""
    rng = random.Random(seed)
    return ["\n\n".join(rng.sample(PARAGRAPHS, rng.randint(2, 5))) for _ in range(count)]


def write_dataset(root, splits: dict[str, list[list[str]]]) -> str:
    """A dataset folder like the pipeline's: {split: [texts of shard 0, texts of shard 1, ...]}."""
    encoding = gpt2_encoding()
    (root / "shards").mkdir(parents=True)
    entries = []
    for split, shards in splits.items():
        for index, texts in enumerate(shards):
            docs = [
                TokenizedDocument(
                    Document(f"https://example.com/{split}/{index}/{i}", "example.com", "", text, "en",
                             len(text.split()), 3, 3, 1500000000, ["test"]),
                    tokens,
                )
                for i, (text, tokens) in enumerate(zip(texts, encode_documents(encoding, texts)))
            ]
            data, n_docs, n_tokens = shard_bytes(docs)
            name = layout.shard(split, index, len(shards))
            (root / name).write_bytes(data)
            entries.append({"name": name, "split": split, "documents": n_docs, "tokens": n_tokens})
    manifest = {"format": FORMAT, "shards": entries, "tokenizer": describe(encoding)}
    (root / layout.MANIFEST).write_text(json.dumps(manifest))
    return str(root)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> str:
    root = tmp_path_factory.mktemp("data")
    return write_dataset(root, {"train": [documents(40, 1), documents(20, 2)], "val": [documents(10, 3)]})


def small_gpt(**overrides) -> GPT:
    torch.manual_seed(0)
    return GPT(GPTConfig(**{"block_size": 16, "vocab_size": 64, "n_layer": 2, "n_head": 2, "n_embd": 32} | overrides))


# GPT-2's published sizes (50257 tokens); padding the vocabulary to 50304 adds 47 rows of n_embd.
@pytest.mark.parametrize("name, published", [("gpt2", 124_439_808), ("gpt2-medium", 354_823_168),
                                             ("gpt2-large", 774_030_080), ("gpt2-xl", 1_557_611_200)])
def test_gpt2_presets_have_the_published_parameter_counts(name, published):
    with torch.device("meta"):  # shapes only, no memory and no init time
        gpt = GPT(PRESETS[name])
    assert gpt.num_params() == published + 47 * gpt.config.n_embd


def test_gpt1_preset_has_the_papers_117m_parameters_with_its_own_vocabulary():
    with torch.device("meta"):
        gpt1 = GPT(dataclasses.replace(PRESETS["gpt1"], vocab_size=40478))  # GPT-1's BPE
    assert gpt1.config.block_size == 512 and gpt1.config.post_ln
    assert round(gpt1.num_params() / 1e6) == 117


@pytest.mark.parametrize("post_ln", [False, True])
def test_post_ln_normalises_every_block_output_and_pre_ln_does_not(post_ln):
    gpt = small_gpt(post_ln=post_ln).eval()
    outputs = []
    for block in gpt.transformer.h:
        block.register_forward_hook(lambda module, args, out: outputs.append(out))
    gpt(torch.randint(0, 64, (2, 16)))
    normalised = [torch.allclose(out.std(-1, unbiased=False), torch.ones(()), atol=1e-3) for out in outputs]
    assert normalised == [post_ln] * 2
    assert isinstance(gpt.transformer.ln_f, torch.nn.Identity) == post_ln


def test_attention_is_causal():
    gpt = small_gpt().eval()
    idx = torch.randint(0, 64, (2, 16))
    changed = idx.clone()
    changed[:, 10:] = (idx[:, 10:] + 1) % 64
    logits, _ = gpt(idx)
    changed_logits, _ = gpt(changed)
    assert torch.allclose(logits[:, :10], changed_logits[:, :10], atol=1e-6)
    assert not torch.allclose(logits[:, 10:], changed_logits[:, 10:])


@pytest.mark.parametrize("post_ln", [False, True])
def test_kv_cache_gives_the_logits_of_a_full_forward(post_ln):
    gpt = small_gpt(post_ln=post_ln).eval()
    idx = torch.randint(0, 64, (3, 16))
    cache = [KVCache(16) for _ in gpt.transformer.h]
    # A prompt of 5 tokens at once, then one token at a time.
    chunks = [idx[:, :5]] + [idx[:, t : t + 1] for t in range(5, 16)]
    cached = torch.cat([gpt.lm_head(gpt.hidden(chunk, cache)) for chunk in chunks], dim=1)
    assert torch.allclose(cached, gpt(idx)[0], atol=1e-5)
    with pytest.raises(ValueError, match="block_size"):
        gpt.hidden(idx[:, :1], cache)  # 17 positions


def test_kv_cache_takes_several_tokens_only_when_empty():
    gpt = small_gpt()
    cache = [KVCache(16) for _ in gpt.transformer.h]
    gpt.hidden(torch.zeros((1, 3), dtype=torch.long), cache)
    with pytest.raises(ValueError, match="empty cache"):
        gpt.hidden(torch.zeros((1, 2), dtype=torch.long), cache)


def test_cached_generation_matches_recomputing_the_window_past_block_size():
    gpt = small_gpt().eval()
    prompt = torch.randint(0, 64, (2, 3))
    reference = prompt
    for _ in range(40):  # nanoGPT's loop: the whole (cropped) window every token
        logits = gpt(reference[:, -16:])[0][:, -1]
        reference = torch.cat([reference, logits.argmax(-1, keepdim=True)], dim=1)
    assert torch.equal(gpt.generate(prompt, 40, top_k=1), reference)  # top_k=1: greedy


def test_generate_samples_with_top_k_and_top_p():
    gpt = small_gpt(block_size=8)
    out = gpt.generate(torch.zeros((3, 1), dtype=torch.long), max_new_tokens=20, top_k=5, top_p=0.9)
    assert out.shape == (3, 21) and out.max() < 64


def test_flops_per_token_is_what_torch_counts():
    gpt = small_gpt(block_size=64, vocab_size=512, n_embd=64, n_head=4)
    idx = torch.randint(0, 512, (2, 64))
    with sdpa_kernel(SDPBackend.MATH), FlopCounterMode(display=False) as counter:  # attention as matmuls
        gpt(idx, idx)[1].backward()
    counted = counter.get_total_flops() / idx.numel()
    # The formula also counts 6 FLOPs per bias and LayerNorm weight, which are not matmuls.
    assert counted < gpt.flops_per_token() < 1.02 * counted


def test_filter_logits_keeps_top_k_and_nucleus():
    logits = torch.log(torch.tensor([[0.5, 0.3, 0.15, 0.05]]))
    kept = lambda filtered: torch.isfinite(filtered)[0].tolist()  # noqa: E731
    assert kept(filter_logits(logits, top_k=2)) == [True, True, False, False]
    assert kept(filter_logits(logits, top_p=0.7)) == [True, True, False, False]
    assert kept(filter_logits(logits, top_p=0.1)) == [True, False, False, False]


def test_windows_come_from_the_shards(dataset):
    windows = TokenWindows(dataset, "train", block_size=32, seed=0)
    # Every window of 33 tokens that each shard holds, (starts, 33).
    shard_windows = [sliding_window_view(token_array(p), 33) for p in shard_paths(dataset, "train")]
    x, y = windows.batch(16, index=0)
    assert x.shape == y.shape == (16, 32) and x.dtype == y.dtype == torch.int64
    assert torch.equal(x[:, 1:], y[:, :-1])
    for row in torch.cat([x, y[:, -1:]], dim=1).numpy():
        assert any((w == row).all(axis=1).any() for w in shard_windows)


def test_document_windows_start_where_documents_start(dataset):
    windows = TokenWindows(dataset, "train", block_size=32, seed=0, documents=True)
    openings = {tuple(doc["tokens"][:8]) for doc in iter_documents(dataset, "train")}
    x, _ = windows.batch(32, index=0)
    assert all(tuple(row[:8]) in openings for row in x.tolist())
    # Plain windows start anywhere: most rows do not open a document.
    plain, _ = TokenWindows(dataset, "train", block_size=32, seed=0).batch(32, index=0)
    assert sum(tuple(row[:8]) in openings for row in plain.tolist()) < 16


def test_a_batch_depends_on_its_seed_and_index_only(dataset):
    a, b, c = (TokenWindows(dataset, "train", 32, seed=s) for s in (7, 7, 8))
    assert torch.equal(a.batch(8, 5)[0], b.batch(8, 5)[0])
    assert not torch.equal(a.batch(8, 5)[0], a.batch(8, 6)[0])
    assert not torch.equal(a.batch(8, 5)[0], c.batch(8, 5)[0])


def test_prefetched_stream_yields_the_batches_of_its_indices_in_order(dataset):
    windows = TokenWindows(dataset, "train", 32, seed=0)
    streamed = list(islice(stream(windows, 4, first=3, stride=2, device=torch.device("cpu")), 3))
    for (x, y), index in zip(streamed, (3, 5, 7)):
        expected_x, expected_y = windows.batch(4, index)
        assert torch.equal(x, expected_x) and torch.equal(y, expected_y)


def test_windows_refuse_a_split_too_small(dataset, tmp_path):
    tokens = len(token_array(shard_paths(dataset, "val")[0]))
    TokenWindows(dataset, "val", block_size=tokens - 1, seed=0).batch(2, 0)  # exactly one window fits
    with pytest.raises(ValueError, match="block_size"):
        TokenWindows(dataset, "val", block_size=tokens, seed=0)
    TokenWindows(dataset, "val", block_size=tokens - 1, seed=0, documents=True).batch(2, 0)  # the first
    with pytest.raises(ValueError, match="block_size"):
        TokenWindows(dataset, "val", block_size=tokens, seed=0, documents=True)
    empty = write_dataset(tmp_path / "data", {"train": [documents(2, 5)]})
    with pytest.raises(ValueError, match="no 'val' shards"):
        TokenWindows(empty, "val", block_size=8, seed=0)
