"""What the GPT papers did with the model: GPT-1 fine-tuning, GPT-2 zero-shot evaluation.

A tiny GPT really trained on real shards (the `trained` fixture) is fine-tuned
and evaluated; nothing is mocked.
"""

import json
import math
import random

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import model.evaluate
import model.finetune
from model.checkpoint import load_model
from model.classifier import Classifier, finetune_loss
from model.evaluate import continuation_logprob, evaluate_text, token_nll, windows
from model.finetune import finetuning_lr
from model.finetune_data import DELIM, EXTRACT, START, Example, Task, encode, read_examples
from model.gpt import GPT, GPTConfig
from tests.test_model import PARAGRAPHS
from webtext.shards.tokens import gpt2_encoding

# Two topics, each the words of some of the training paragraphs: countryside and town life.
TOPICS = {"country": (0, 2, 6), "town": (1, 4, 5)}


# Two sentiments, each six words of the paragraphs; the rest of their words are the filler.
SENTIMENTS = {"negative": ("tired", "closed", "narrow", "lose", "wait", "stop"),
              "positive": ("glad", "happy", "fresh", "green", "quiet", "charm")}


def paragraph_words(ids) -> list[str]:
    return " ".join(PARAGRAPHS[i] for i in ids).replace(".", "").replace(",", "").lower().split()


def labelled(count: int, seed: int) -> list[dict]:
    """Twelve words drawn from a topic's paragraphs, labelled with the topic."""
    rng = random.Random(seed)
    words = {topic: paragraph_words(ids) for topic, ids in TOPICS.items()}
    rows = []
    for _ in range(count):
        topic = rng.choice(sorted(TOPICS))
        rows.append({"text": " ".join(rng.sample(words[topic], 12)), "label": topic})
    return rows


def keyword_labelled(count: int, seed: int) -> list[dict]:
    """Twelve other words of the paragraphs with two words of one sentiment placed anywhere, labelled with the sentiment."""
    rng = random.Random(seed)
    filler = sorted(set(paragraph_words(range(len(PARAGRAPHS)))) - {w for words in SENTIMENTS.values() for w in words})
    rows = []
    for _ in range(count):
        sentiment = rng.choice(sorted(SENTIMENTS))
        words = rng.sample(filler, 12)
        for word in rng.sample(SENTIMENTS[sentiment], 2):
            words.insert(rng.randint(0, len(words)), word)
        rows.append({"text": " ".join(words), "label": sentiment})
    return rows


def write_jsonl(path, rows) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


# Fine-tuning -----------------------------------------------------------------


def test_inputs_become_gpt1_token_sequences():
    single = encode(("The river runs.",), 64)
    assert single[0] == START and single[-1] == EXTRACT and gpt2_encoding().decode(single[1:-1]) == "The river runs."
    pair = encode(("A man sleeps.", "Nobody is awake."), 64)
    assert pair.count(DELIM) == 1 and pair[0] == START and pair[-1] == EXTRACT
    long = encode((" ".join(["word"] * 200), "short"), 32)
    assert len(long) == 32 and long[-1] == EXTRACT and gpt2_encoding().decode(long[long.index(DELIM) + 1 : -1]) == "short"


def test_finetuning_a_pretrained_gpt_learns_a_classification_task(trained, tmp_path):
    train = write_jsonl(tmp_path / "train.jsonl", labelled(240, 1))
    val = write_jsonl(tmp_path / "val.jsonl", labelled(100, 2))
    model.finetune.main(["--ckpt", f"{trained}/ckpt.pt", "--train", train, "--val", val, "--out", str(tmp_path / "ft"),
                         "--epochs", "3", "--batch-size", "16", "--lr", "1e-3", "--warmup-fraction", "0.05",
                         "--device", "cpu"])
    log = [json.loads(line) for line in (tmp_path / "ft" / "log.jsonl").read_text().splitlines()]
    assert log[-1]["val_accuracy"] >= 0.9, log  # chance is 0.5
    assert log[-1]["task_loss"] < log[0]["task_loss"]
    saved = torch.load(tmp_path / "ft" / "classifier.pt")
    assert saved["classes"] == ["country", "town"] and saved["finetune_config"]["lm_weight"] == 0.5
    load_model(str(tmp_path / "ft" / "classifier.pt"), "cpu")  # the tuned GPT still loads as a GPT


def test_finetuning_with_the_defaults_learns_a_keyword_task(trained, tmp_path):
    # Issue 18: a linear probe on the frozen [extract] states reads the keywords (0.86 with these 320
    # examples), but the paper's recipe stayed at chance (task loss 0.69, 0.67 at this seed; the
    # sample's GPT: benchmarks/finetune_keyword.py).
    train = write_jsonl(tmp_path / "train.jsonl", keyword_labelled(320, 1))
    val = write_jsonl(tmp_path / "val.jsonl", keyword_labelled(100, 2))
    model.finetune.main(["--ckpt", f"{trained}/ckpt.pt", "--train", train, "--val", val, "--out", str(tmp_path / "ft"),
                         "--device", "cpu"])
    log = [json.loads(line) for line in (tmp_path / "ft" / "log.jsonl").read_text().splitlines()]
    assert log[-1]["val_accuracy"] >= 0.9, log
    assert log[-1]["task_loss"] < 0.5 * log[0]["task_loss"], log
    saved = torch.load(tmp_path / "ft" / "classifier.pt")
    assert saved["finetune_config"]["lr"] == pytest.approx(3e-3 / 4)  # a quarter of the fixture's pretraining peak
    assert saved["standardize"]["running_mean"].shape == (128,)  # what inference needs to read the state as W_y did


def test_the_head_reads_a_standardised_state(trained):
    rows = keyword_labelled(40, 3)
    task = Task([Example((r["text"],), r["label"]) for r in rows], sorted(SENTIMENTS), 64, False)
    classifier = Classifier(load_model(f"{trained}/ckpt.pt", "cpu"), 2)
    classifier.calibrate(task, 16, "cpu")
    classifier.eval()
    standardised = classifier.standardize(classifier.states(task.batches(list(range(40)), "cpu"))[0])
    assert standardised.mean(0).abs().max() < 1e-3 and torch.allclose(standardised.std(0), torch.ones(128), atol=0.02)
    classifier.train()  # a batch of one has no spread of its own: the running statistics standardise it
    assert torch.isfinite(classifier(task.batches([0], "cpu"), lm=False)[0]).all()
    # The paper fine-tuned at a quarter of its pretraining peak; weights converted from elsewhere say none.
    assert finetuning_lr({"train_config": {"lr": 1e-3}}) == 2.5e-4 and finetuning_lr({"model": {}}) == 6.25e-5


def test_the_auxiliary_lm_loss_is_in_the_objective_and_its_gradient(trained):
    rows = labelled(8, 3)
    task = Task([Example((r["text"],), r["label"]) for r in rows], ["country", "town"], 64, False)
    classifier = Classifier(load_model(f"{trained}/ckpt.pt", "cpu"), 2).eval()  # eval: no dropout
    batches = task.batches(list(range(8)), "cpu")

    def loss_and_grads(lm_weight):
        classifier.zero_grad()
        loss, task_loss, lm_loss = finetune_loss(classifier, batches, lm_weight)
        loss.backward()
        grads = {name: p.grad.clone() for name, p in classifier.named_parameters()}
        return loss.item(), task_loss, lm_loss, grads

    loss_0, task_0, lm_0, grads_0 = loss_and_grads(0.0)
    loss_half, task_half, lm_half, grads_half = loss_and_grads(0.5)
    assert loss_0 == pytest.approx(task_0) and loss_half == pytest.approx(task_half + 0.5 * lm_half)
    assert lm_half > 1.0  # a real language-modelling loss, not a zero term
    # W_y never sees the LM loss; the transformer does.
    assert torch.equal(grads_0["head.weight"], grads_half["head.weight"])
    assert not torch.allclose(grads_0["gpt.transformer.h.0.attn.c_attn.weight"],
                              grads_half["gpt.transformer.h.0.attn.c_attn.weight"])


def test_pairs_from_csv_and_symmetric_inputs(trained, tmp_path):
    path = tmp_path / "pairs.csv"
    path.write_text('text_a,text_b,label\n"The cat sleeps.","A cat is asleep.",same\n"The bus left.","It rained.",different\n')
    examples = read_examples(str(path))
    assert examples[0].texts == ("The cat sleeps.", "A cat is asleep.") and examples[1].label == "different"
    task = Task(examples, ["different", "same"], 64, symmetric=True)
    forward, backward = task.sequences
    assert gpt2_encoding().decode(backward[0][1 : backward[0].index(DELIM)]) == "A cat is asleep."
    classifier = Classifier(load_model(f"{trained}/ckpt.pt", "cpu"), 2).eval()
    logits, _ = classifier(task.batches([0, 1], "cpu"))
    assert logits.shape == (2, 2)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "no label here"}\n')
    with pytest.raises(ValueError, match="row 1"):
        read_examples(str(bad))


# Evaluation ------------------------------------------------------------------


def zero_logit_gpt() -> GPT:
    """Every logit 0: each of the 50,304 ids has probability 1/50304, whatever the context."""
    gpt = GPT(GPTConfig(block_size=16, n_layer=1, n_head=2, n_embd=32)).eval()
    with torch.no_grad():
        gpt.lm_head.weight.zero_()  # tied with the token embedding: logits = hidden @ 0
    return gpt


def test_bits_per_byte_by_hand():
    result = evaluate_text(zero_logit_gpt(), "hello world", stride=8)
    # "hello world" is 2 GPT-2 tokens ("hello", " world") and 11 bytes, each token costs log2(50304) bits.
    assert result["tokens"] == 2 and result["bytes"] == 11
    assert result["bits_per_byte"] == pytest.approx(2 * math.log2(50304) / 11)  # 2.8397
    assert result["perplexity"] == pytest.approx(50304)


def test_sliding_windows_score_every_token_once_with_the_context_they_promise():
    spans = windows(n_targets=40, block=16, stride=4)
    scored = [j for _, first, end in spans for j in range(first, end)]
    assert scored == list(range(40))
    assert all(end - start <= 16 for start, _, end in spans)
    assert all(first - start >= 16 - 4 for start, first, _ in spans if start > 0)  # context of block - stride
    # Each token's loss equals the model's own prediction from its window's context.
    gpt = GPT(GPTConfig(block_size=16, n_layer=1, n_head=2, n_embd=32)).eval()
    tokens = np.random.default_rng(0).integers(0, 50257, 41)
    nll = token_nll(gpt, tokens, stride=4)
    for start, first, end in spans[-3:]:
        with torch.no_grad():
            logits, _ = gpt(torch.tensor(tokens[start:end])[None])
        direct = F.cross_entropy(logits[0], torch.tensor(tokens[start + 1 : end + 1]), reduction="none")
        assert np.allclose(nll[first:end], direct[first - start :].numpy(), atol=1e-5)


def test_text_the_model_was_trained_on_has_lower_perplexity_than_the_same_words_shuffled(trained):
    gpt = load_model(f"{trained}/ckpt.pt", "cpu")
    text = "\n\n".join(PARAGRAPHS[:4])
    words = text.split()
    random.Random(0).shuffle(words)
    seen, shuffled = evaluate_text(gpt, text, stride=32), evaluate_text(gpt, " ".join(words), stride=32)
    assert seen["perplexity"] < 0.5 * shuffled["perplexity"], (seen, shuffled)
    assert seen["bits_per_byte"] < shuffled["bits_per_byte"]


def test_zero_shot_multiple_choice_prefers_the_true_continuation(trained, tmp_path, capsys):
    items = []
    for i, paragraph in enumerate(PARAGRAPHS):
        first, second = paragraph.split(". ", 1)
        scrambled = second.split()
        random.Random(i).shuffle(scrambled)
        items.append({"context": first + ".", "choices": [" " + " ".join(scrambled), " " + second], "answer": 1})
    path = write_jsonl(tmp_path / "choices.jsonl", items)
    model.evaluate.main(["--ckpt", f"{trained}/ckpt.pt", "--choices", path, "--device", "cpu"])
    result = json.loads(capsys.readouterr().out)
    assert result["items"] == len(PARAGRAPHS) and result["acc"] >= 0.75 and result["acc_norm"] >= 0.75


def test_a_continuations_likelihood_is_the_sum_of_its_token_likelihoods(trained):
    gpt = load_model(f"{trained}/ckpt.pt", "cpu")
    encoding = gpt2_encoding()
    context, continuation = [encoding.eot_token, *encoding.encode_ordinary("The river")], encoding.encode_ordinary(" runs past")
    nll = token_nll(gpt, np.array(context + continuation), stride=64)
    assert continuation_logprob(gpt, context, continuation) == pytest.approx(-nll[-len(continuation) :].sum(), rel=1e-5)


def test_evaluate_reads_the_validation_shards(trained, dataset, capsys):
    model.evaluate.main(["--ckpt", f"{trained}/ckpt.pt", "--data", dataset, "--device", "cpu"])
    result = json.loads(capsys.readouterr().out)
    assert result["tokens"] > 1000 and 1.0 < result["perplexity"] < 50304 and result["bits_per_byte"] > 0
