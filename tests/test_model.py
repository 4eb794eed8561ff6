"""The GPT in model/: real torch, real shards of real text, no mocks."""

import json
import random

from numpy.lib.stride_tricks import sliding_window_view
import pytest
import torch

import model.sample
import model.train
from model.data import TokenWindows
from model.gpt import GPT, PRESETS, GPTConfig, filter_logits
from webtext.records import Document, TokenizedDocument
from webtext.shards import FORMAT, MANIFEST, shard_bytes, shard_name, shard_paths, token_array
from webtext.tokens import describe, encode_documents, gpt2_encoding

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
            name = shard_name(split, index, len(shards))
            (root / name).write_bytes(data)
            entries.append({"name": name, "split": split, "documents": n_docs, "tokens": n_tokens})
    manifest = {"format": FORMAT, "shards": entries, "tokenizer": describe(encoding)}
    (root / MANIFEST).write_text(json.dumps(manifest))
    return str(root)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> str:
    root = tmp_path_factory.mktemp("data")
    return write_dataset(root, {"train": [documents(40, 1), documents(20, 2)], "val": [documents(10, 3)]})


@pytest.fixture(scope="module")
def trained(dataset, tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("gpt-out")
    args = ["--data", dataset, "--out", str(out), "--steps", "40", "--batch-size", "8", "--block-size", "64",
            "--lr", "3e-3", "--warmup-steps", "5", "--log-interval", "5", "--eval-interval", "20",
            "--eval-batches", "2", "--device", "cpu"]
    model.train.main(args)
    return str(out)


def test_gpt2_preset_has_124m_parameters():
    with torch.device("meta"):  # shapes only, no memory and no init time
        gpt2 = GPT(PRESETS["gpt2"])
    # GPT-2 small: 124,439,808 with 50257 tokens; padding to 50304 adds 47 rows of 768.
    assert gpt2.num_params() == 124_439_808 + 47 * 768


def test_training_lowers_the_loss(trained):
    events = [json.loads(line) for line in open(f"{trained}/log.jsonl")]
    train_losses = [e["train_loss"] for e in events if "train_loss" in e]
    val_losses = [e["val_loss"] for e in events if "val_loss" in e]
    assert train_losses[0] > 10.0  # ln(50304) = 10.83 for an untrained model
    assert train_losses[-1] < 6.0
    assert len(val_losses) == 2 and val_losses[-1] < 6.5


def test_checkpoint_loads_and_samples(trained, capsys):
    checkpoint = torch.load(f"{trained}/ckpt.pt")
    assert checkpoint["step"] == 40
    assert checkpoint["model_config"]["block_size"] == 64
    assert checkpoint["train_config"]["lr"] == 3e-3
    assert "state" in checkpoint["optimizer"]
    capsys.readouterr()
    model.sample.main(["--ckpt", f"{trained}/ckpt.pt", "--prompt", "The river", "--max-new-tokens", "20",
                       "--num-samples", "2", "--device", "cpu"])
    text = capsys.readouterr().out
    assert text.startswith("The river") and len(text) > len("The river") + 20


def test_training_without_val_data_skips_evaluation(tmp_path, capsys):
    data = write_dataset(tmp_path / "data", {"train": [documents(10, 4)]})
    model.train.main(["--data", data, "--out", str(tmp_path / "out"), "--steps", "2", "--batch-size", "2",
                      "--block-size", "32", "--eval-interval", "1", "--device", "cpu"])
    assert "skipping evaluation" in capsys.readouterr().out
    assert (tmp_path / "out" / "ckpt.pt").exists()


def test_windows_come_from_the_shards(dataset):
    windows = TokenWindows(dataset, "train", block_size=32, seed=0)
    # Every window of 33 tokens that each shard holds, (starts, 33).
    shard_windows = [sliding_window_view(token_array(p), 33) for p in shard_paths(dataset, "train")]
    x, y = windows.batch(16)
    assert x.shape == y.shape == (16, 32) and x.dtype == y.dtype == torch.int64
    assert torch.equal(x[:, 1:], y[:, :-1])
    for row in torch.cat([x, y[:, -1:]], dim=1).numpy():
        assert any((w == row).all(axis=1).any() for w in shard_windows)


def test_windows_are_reproducible(dataset):
    a, b, c = (TokenWindows(dataset, "train", 32, seed=s) for s in (7, 7, 8))
    xa, xb, xc = a.batch(8)[0], b.batch(8)[0], c.batch(8)[0]
    assert torch.equal(xa, xb) and not torch.equal(xa, xc)


def test_windows_refuse_a_split_too_small(dataset, tmp_path):
    tokens = len(token_array(shard_paths(dataset, "val")[0]))
    TokenWindows(dataset, "val", block_size=tokens - 1, seed=0).batch(2)  # exactly one window fits
    with pytest.raises(ValueError, match="block_size"):
        TokenWindows(dataset, "val", block_size=tokens, seed=0)
    empty = write_dataset(tmp_path / "data", {"train": [documents(2, 5)]})
    with pytest.raises(ValueError, match="no 'val' shards"):
        TokenWindows(empty, "val", block_size=8, seed=0)


def test_attention_is_causal():
    torch.manual_seed(0)
    gpt = GPT(GPTConfig(block_size=16, vocab_size=64, n_layer=2, n_head=2, n_embd=32)).eval()
    idx = torch.randint(0, 64, (2, 16))
    changed = idx.clone()
    changed[:, 10:] = (idx[:, 10:] + 1) % 64
    logits, _ = gpt(idx)
    changed_logits, _ = gpt(changed)
    assert torch.allclose(logits[:, :10], changed_logits[:, :10], atol=1e-6)
    assert not torch.allclose(logits[:, 10:], changed_logits[:, 10:])


def test_generate_runs_past_the_block_size():
    torch.manual_seed(0)
    gpt = GPT(GPTConfig(block_size=8, vocab_size=64, n_layer=1, n_head=2, n_embd=16))
    out = gpt.generate(torch.zeros((3, 1), dtype=torch.long), max_new_tokens=20, top_k=5, top_p=0.9)
    assert out.shape == (3, 21)


def test_filter_logits_keeps_top_k_and_nucleus():
    logits = torch.log(torch.tensor([[0.5, 0.3, 0.15, 0.05]]))
    kept = lambda filtered: torch.isfinite(filtered)[0].tolist()  # noqa: E731
    assert kept(filter_logits(logits, top_k=2)) == [True, True, False, False]
    assert kept(filter_logits(logits, top_p=0.7)) == [True, True, False, False]
    assert kept(filter_logits(logits, top_p=0.1)) == [True, False, False, False]
