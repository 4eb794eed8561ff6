"""GPT-2 weights in and out (model.convert), and model.evaluate's GPT-2 protocol on a converted model.

No download: a transformers GPT2LMHeadModel with random weights (a small config) is saved
to a temporary folder, converted to a checkpoint and back, and every conversion is
checked by running both networks on the same tokens.
"""

import dataclasses
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
import transformers
from safetensors.torch import load_file, save_file

import model.convert
import model.evaluate
from model.checkpoint import load_model, save_atomically
from model.convert import PROG
from model.evaluate import (continuation, continuation_logprob, evaluate_text, lambada, ptb_detokenize,
                            wikitext_detokenize, word_count)
from model.gpt import GPT, GPTConfig
from webtext.cli import run_command
from webtext.shards.tokens import gpt2_encoding

ROOT = Path(__file__).resolve().parent.parent
# Largest logit difference allowed between the two implementations: in float32 both round
# differently (Conv1D's addmm against Linear, two attention kernels), in float64 barely.
TOLERANCE = {torch.float32: 1e-5, torch.float64: 1e-10}
DTYPES = [pytest.param(torch.float32, id="float32"), pytest.param(torch.float64, id="float64")]


def randomise(module: torch.nn.Module, seed: int) -> None:
    """Every weight random, LayerNorm gains and biases too (1 and 0 would hide a swapped or
    missing tensor), scaled so the logits spread over about ±8 (a standard deviation near 1.6)."""
    generator = torch.Generator().manual_seed(seed)
    gains = {"ln_1.weight": 1.0, "ln_2.weight": 1.0, "ln_f.weight": 2.0}  # the last one widens the logits
    with torch.no_grad():
        for name, p in module.named_parameters():
            centre = next((gain for suffix, gain in gains.items() if name.endswith(suffix)), 0.0)
            p.copy_(centre + 0.1 * torch.randn(p.shape, generator=generator))


@pytest.fixture(scope="module")
def hf_folder(tmp_path_factory) -> Path:
    """A GPT2LMHeadModel with random weights, saved as save_pretrained saves (config.json, model.safetensors)."""
    config = transformers.GPT2Config(n_layer=2, n_head=4, n_embd=64, n_positions=48)
    hf = transformers.GPT2LMHeadModel(config)
    randomise(hf, seed=0)
    folder = tmp_path_factory.mktemp("hf") / "gpt2-small-random"
    hf.save_pretrained(folder)
    return folder


def hf_logits(folder, tokens: torch.Tensor, attention: str = "eager", dtype=torch.float32) -> torch.Tensor:
    hf = transformers.GPT2LMHeadModel.from_pretrained(folder, attn_implementation=attention).to(dtype).eval()
    with torch.no_grad():
        return hf(tokens).logits


def our_logits(ckpt, tokens: torch.Tensor, dtype=torch.float32) -> torch.Tensor:
    with torch.no_grad():
        return load_model(str(ckpt), "cpu").to(dtype)(tokens)[0]


def tokens_for(vocab_size: int, block_size: int) -> torch.Tensor:
    return torch.randint(0, vocab_size, (3, block_size), generator=torch.Generator().manual_seed(1))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("attention", ["eager", "sdpa"])
def test_a_hugging_face_gpt2_converts_to_a_checkpoint_with_the_same_logits(hf_folder, tmp_path, attention, dtype,
                                                                          capsys):
    model.convert.main(["--hf", str(hf_folder), "--out", str(tmp_path / "ckpt")])
    assert "2 layers x 64, 4 heads, context 48, vocabulary 50,257" in capsys.readouterr().out
    tokens = tokens_for(50257, 48)
    theirs = hf_logits(hf_folder, tokens, attention, dtype)
    ours = our_logits(tmp_path / "ckpt" / "ckpt.pt", tokens, dtype)
    assert ours.shape == theirs.shape == (3, 48, 50257)
    assert theirs.std() > 1.0  # logits spread widely, so a mismatch would show
    difference = (ours - theirs).abs().max().item()
    with capsys.disabled():
        print(f"\nHF -> ckpt ({attention}, {dtype}): max logit difference {difference:.2e}")
    assert difference < TOLERANCE[dtype]


def test_a_checkpoint_round_trips_to_the_very_same_tensors(hf_folder, tmp_path):
    model.convert.main(["--hf", str(hf_folder), "--out", str(tmp_path / "ckpt")])
    model.convert.main(["--ckpt", str(tmp_path / "ckpt" / "ckpt.pt"), "--out", str(tmp_path / "hf")])
    before, after = load_file(hf_folder / "model.safetensors"), load_file(tmp_path / "hf" / "model.safetensors")
    assert before.keys() == after.keys()
    assert all(torch.equal(before[name], after[name]) for name in before)
    shape = ("vocab_size", "n_positions", "n_embd", "n_layer", "n_head", "activation_function", "layer_norm_epsilon")
    config_before = json.loads((hf_folder / "config.json").read_text())
    config_after = json.loads((tmp_path / "hf" / "config.json").read_text())
    assert {k: config_after[k] for k in shape} == {k: config_before[k] for k in shape}


def test_older_layouts_convert_too(hf_folder, tmp_path):
    """OpenAI's own uploads: tensors saved from GPT2Model (no "transformer." prefix) with the
    causal-mask buffers beside them, a config with n_ctx only; and weights in two parts."""
    tensors = load_file(hf_folder / "model.safetensors")
    config = json.loads((hf_folder / "config.json").read_text())
    old = tmp_path / "old"
    old.mkdir()
    bare = {name.removeprefix("transformer."): t for name, t in tensors.items()}
    for layer in range(2):
        bare[f"h.{layer}.attn.bias"] = torch.tril(torch.ones(48, 48)).view(1, 1, 48, 48)
        bare[f"h.{layer}.attn.masked_bias"] = torch.tensor(-1e4)
    save_file(bare, old / "model.safetensors", metadata={"format": "pt"})
    (old / "config.json").write_text(json.dumps({**{k: v for k, v in config.items() if k != "n_positions"},
                                                 "n_ctx": 48}))
    parted = tmp_path / "parted"
    parted.mkdir()
    names = sorted(tensors)
    halves = {"model-00001-of-00002.safetensors": names[::2], "model-00002-of-00002.safetensors": names[1::2]}
    for file, part in halves.items():
        save_file({name: tensors[name] for name in part}, parted / file, metadata={"format": "pt"})
    index = {"metadata": {}, "weight_map": {name: file for file, part in halves.items() for name in part}}
    (parted / "model.safetensors.index.json").write_text(json.dumps(index))
    (parted / "config.json").write_text(json.dumps(config))
    tokens = tokens_for(50257, 48)
    expected = hf_logits(hf_folder, tokens)
    for folder in (old, parted):
        model.convert.main(["--hf", str(folder), "--out", str(tmp_path / f"{folder.name}-ckpt")])
        ours = our_logits(tmp_path / f"{folder.name}-ckpt" / "ckpt.pt", tokens)
        assert (ours - expected).abs().max() < TOLERANCE[torch.float32], folder.name


def trained_here(bias: bool, seed: int) -> tuple[GPT, dict]:
    """A GPT of model/gpt.py with the padded vocabulary, random weights, and its checkpoint dict."""
    gpt = GPT(GPTConfig(block_size=40, vocab_size=50304, n_layer=2, n_head=4, n_embd=64, bias=bias)).eval()
    randomise(gpt, seed)
    return gpt, {"model": gpt.state_dict(), "model_config": dataclasses.asdict(gpt.config), "step": 7}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bias", [True, False], ids=["biases", "no biases"])
def test_a_checkpoint_converts_to_a_folder_transformers_loads_with_the_same_logits(tmp_path, bias, dtype, capsys):
    gpt, checkpoint = trained_here(bias, seed=2)
    save_atomically(checkpoint, str(tmp_path / "ckpt.pt"))
    model.convert.main(["--ckpt", str(tmp_path / "ckpt.pt"), "--out", str(tmp_path / "hf")])
    tokens = tokens_for(50304, 40)  # the padded ids too: their rows go out as trained
    theirs = hf_logits(tmp_path / "hf", tokens, dtype=dtype)
    with torch.no_grad():
        ours = gpt.to(dtype)(tokens)[0]
    assert theirs.shape == (3, 40, 50304) and theirs.std() > 1.0
    difference = (ours - theirs).abs().max().item()
    with capsys.disabled():
        print(f"\nckpt -> HF ({'biases' if bias else 'no biases'}, {dtype}): max logit difference {difference:.2e}")
    assert difference < TOLERANCE[dtype]


def test_a_trained_checkpoint_goes_out_with_its_tokenizer(trained, tmp_path):
    model.convert.main(["--ckpt", f"{trained}/ckpt.pt", "--out", str(tmp_path / "hf")])
    tokenizer = transformers.AutoTokenizer.from_pretrained(tmp_path / "hf")
    text = "The river runs past the old mill, doesn't it? 1,234 naïve cafés."
    ids = gpt2_encoding().encode_ordinary(text)
    assert tokenizer(text)["input_ids"] == ids
    tokens = torch.tensor([ids])
    difference = (our_logits(f"{trained}/ckpt.pt", tokens) - hf_logits(tmp_path / "hf", tokens)).abs().max().item()
    assert difference < TOLERANCE[torch.float32]


def test_the_gelu_is_gpt2s_tanh_approximation():
    x = torch.linspace(-12, 12, 100_001)
    ours = torch.nn.GELU(approximate="tanh")(x)  # model/gpt.py's MLP
    assert (transformers.activations.ACT2FN["gelu_new"](x) - ours).abs().max() < 1e-6
    # The exact (erf) GELU differs by up to 4.7e-4: a config asking for it is refused, not approximated.
    assert (F.gelu(x) - ours).abs().max() > 4e-4


def test_converted_gpt2_scores_text_as_the_transformers_model_does(hf_folder, tmp_path):
    model.convert.main(["--hf", str(hf_folder), "--out", str(tmp_path)])
    text = "The library on the hill was built a hundred years ago, and its reading room has tall windows."
    result = evaluate_text(load_model(str(tmp_path / "ckpt.pt"), "cpu"), text, stride=48)
    ids = [50256, *gpt2_encoding().encode_ordinary(text)]
    logits = hf_logits(hf_folder, torch.tensor([ids]))
    nats = F.cross_entropy(logits[0, :-1], torch.tensor(ids[1:]), reduction="sum").item()
    assert result["loss"] == pytest.approx(nats / (len(ids) - 1), rel=1e-5)


# Mistakes: one line, naming the flag and the file, exit status 2 ---------------------------


def mistake(capsys, *args: str) -> str:
    assert run_command(PROG, lambda: model.convert.main(list(args))) == 2
    err = capsys.readouterr().err
    [line] = err.splitlines()
    return line


def write_config(folder: Path, **changes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps({"model_type": "gpt2", "n_layer": 2, **changes}))
    return folder


def test_mistakes_are_one_line_naming_the_flag(hf_folder, tmp_path, capsys):
    def says(line: str, *args) -> None:
        assert mistake(capsys, *args).startswith(f"{PROG}: error: {line}")

    out = str(tmp_path / "out")
    says(f"--hf: {tmp_path}/missing: no such folder", "--hf", str(tmp_path / "missing"), "--out", out)
    (tmp_path / "empty").mkdir()
    says(f"--hf: {tmp_path}/empty: no config.json in it", "--hf", str(tmp_path / "empty"), "--out", out)
    llama = write_config(tmp_path / "llama", model_type="llama")
    says(f"--hf: {llama}/config.json: model_type is 'llama', not 'gpt2'", "--hf", str(llama), "--out", out)
    erf = write_config(tmp_path / "erf", activation_function="gelu")
    says(f"--hf: {erf}/config.json: activation_function 'gelu'", "--hf", str(erf), "--out", out)
    eps = write_config(tmp_path / "eps", layer_norm_epsilon=1e-6)
    says(f"--hf: {eps}/config.json: layer_norm_epsilon 1e-06", "--hf", str(eps), "--out", out)
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "pytorch_model.bin").write_bytes(b"")
    no_weights = write_config(tmp_path / "bin")
    says(f"--hf: {no_weights}: no model.safetensors in it (pytorch_model.bin is not read", "--hf", str(no_weights),
         "--out", out)
    # The config says 3 layers; the weights hold 2.
    shallow = write_config(tmp_path / "shallow", n_layer=3, n_embd=64, n_head=4, n_positions=48)
    (shallow / "model.safetensors").write_bytes((hf_folder / "model.safetensors").read_bytes())
    says(f"--hf: {shallow}: weights do not match its config.json: missing: transformer.h.2", "--hf", str(shallow),
         "--out", out)
    says("--out is required", "--hf", str(hf_folder))
    says("one of the arguments --hf --ckpt is required", "--out", out)
    says("argument --ckpt: not allowed with argument --hf", "--hf", str(hf_folder), "--ckpt", "x", "--out", out)
    (tmp_path / "notes.txt").write_text("not a checkpoint\n")
    says(f"--ckpt: {tmp_path}/notes.txt: not a checkpoint", "--ckpt", str(tmp_path / "notes.txt"), "--out", out)
    gpt1 = GPT(GPTConfig(block_size=8, vocab_size=64, n_layer=1, n_head=2, n_embd=16, post_ln=True))
    save_atomically({"model": gpt1.state_dict(), "model_config": dataclasses.asdict(gpt1.config)}, str(tmp_path / "gpt1.pt"))
    says("--ckpt: a GPT-1 (post-LN) checkpoint", "--ckpt", str(tmp_path / "gpt1.pt"), "--out", out)
    assert not (tmp_path / "out").exists()  # every mistake refused before anything was written


def test_converting_over_an_earlier_result_needs_overwrite(hf_folder, tmp_path, capsys):
    out = str(tmp_path / "ckpt")
    model.convert.main(["--hf", str(hf_folder), "--out", out])
    assert mistake(capsys, "--hf", str(hf_folder), "--out", out).endswith(f"--out: {out}/ckpt.pt exists; --overwrite replaces it")
    model.convert.main(["--hf", str(hf_folder), "--out", out, "--overwrite"])


def test_the_command_as_typed_at_a_shell(tmp_path):
    """Help lists every flag with its meaning; abbreviations are refused; no traceback."""
    def command(*args):
        return subprocess.run([sys.executable, "-m", "model.convert", *args], cwd=ROOT, capture_output=True, text=True,
                              timeout=120, check=False)

    done = command("--help")
    assert done.returncode == 0 and all(flag in done.stdout for flag in ("--hf", "--ckpt", "--out", "--overwrite"))
    done = command("--hf", str(tmp_path), "--ou", "x")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.splitlines() == [f"{PROG}: error: unrecognized arguments: --ou x (--help lists every flag)"]


# model.evaluate: GPT-2's protocol -------------------------------------------------------


def test_the_wikitext_detokenizer_undoes_wikitexts_tokenisation():
    tokenised = (" = Robert Boulter = \n \n Robert Boulter is an English film , television and theatre actor . "
                 "He had a guest @-@ starring role in 2000 ( in \" The Bill \" ) , for 1 @,@ 000 @.@ 5 km . \n"
                 " = = Career = = \n The club 's leader spoke . \n")
    assert wikitext_detokenize(tokenised) == (
        " = Robert Boulter =\n\nRobert Boulter is an English film, television and theatre actor. "
        "He had a guest-starring role in 2000 (in \"The Bill\"), for 1,000.5 km.\n"
        "== Career ==\nThe club's leader spoke.\n")


def test_the_ptb_detokenizer_undoes_ptbs_tokenisation():
    assert ptb_detokenize(" the company said it was n't worth $ N million \n the # N spot 's \n") == (
        " the company said it wasn't worth $1 million\nthe #1 spot's\n")


def zero_logit_gpt() -> GPT:
    """Every logit 0: each of the 50,304 ids has probability 1/50304, whatever the context."""
    gpt = GPT(GPTConfig(block_size=16, n_layer=1, n_head=2, n_embd=32)).eval()
    with torch.no_grad():
        gpt.lm_head.weight.zero_()
    return gpt


def test_scores_are_per_unit_of_the_file_as_given():
    text = " the cost was 1 @,@ 000 @.@ 5 dollars . \n it rose . \n"
    detokenized = " the cost was 1,000.5 dollars.\nit rose.\n"
    assert wikitext_detokenize(text) == detokenized
    tokens = len(gpt2_encoding().encode_ordinary(detokenized))
    result = evaluate_text(zero_logit_gpt(), text, stride=8, detokenize="wikitext")
    nats = tokens * math.log(50304)  # every token costs log V
    assert result["tokens"] == tokens and result["words"] == word_count(text) == 13 + 2
    assert result["bytes"] == result["characters"] == len(text)
    assert result["word_perplexity"] == pytest.approx(math.exp(nats / 15))
    assert result["bits_per_character"] == pytest.approx(nats / math.log(2) / len(text))
    assert result["bits_per_byte"] == pytest.approx(nats / math.log(2) / len(text))
    assert result["perplexity"] == pytest.approx(50304)


def test_lambada_scores_the_last_word():
    gpt = zero_logit_gpt()  # every id equally likely, and the greedy choice (ties: the lowest id) is 0, "!"
    passages = ["she looked up at the sky and saw the moon", "he said it twice , very loudly"]
    target_tokens = [len(gpt2_encoding().encode_ordinary(" " + p.rsplit(" ", 1)[1])) for p in passages]
    result = lambada(gpt, passages)
    assert result["items"] == 2 and result["acc"] == 0.0
    assert result["perplexity"] == pytest.approx(math.exp(sum(target_tokens) * math.log(50304) / 2))


def test_a_word_counts_as_predicted_when_each_of_its_tokens_is_the_greedy_choice(trained):
    gpt = load_model(f"{trained}/ckpt.pt", "cpu")
    context = [50256, *gpt2_encoding().encode_ordinary("The river runs past the")]
    greedy = []
    for _ in range(3):
        with torch.no_grad():
            greedy.append(int(gpt(torch.tensor([context + greedy]))[0][0, -1].argmax()))
    logprob, all_greedy = continuation(gpt, context, greedy)
    assert all_greedy and logprob == pytest.approx(continuation_logprob(gpt, context, greedy))
    assert not continuation(gpt, context, greedy[:2] + [(greedy[2] + 1) % 50257])[1]


def test_evaluate_command_takes_a_detokenizer_and_lambada(trained, tmp_path, capsys):
    text = tmp_path / "wiki.test.tokens"
    text.write_text(" = Town = \n \n The river runs past the old mill , under the bridge . \n")
    model.evaluate.main(["--ckpt", f"{trained}/ckpt.pt", "--text", str(text), "--detokenize", "wikitext",
                         "--device", "cpu"])
    result = json.loads(capsys.readouterr().out)
    assert {"word_perplexity", "bits_per_character", "bits_per_byte", "words"} <= result.keys()
    passages = tmp_path / "lambada.jsonl"
    passages.write_text(json.dumps({"text": "The river runs past the old mill and under the stone bridge"}) + "\n")
    model.evaluate.main(["--ckpt", f"{trained}/ckpt.pt", "--lambada", str(passages), "--device", "cpu"])
    assert json.loads(capsys.readouterr().out)["items"] == 1
    for args, says in [(["--data", "x", "--detokenize", "ptb"], "--detokenize is for --text"),
                       (["--lambada", str(text)], f"--lambada: {text}:1: not JSON")]:
        assert run_command("python -m model.evaluate",
                           lambda: model.evaluate.main(["--ckpt", f"{trained}/ckpt.pt", *args])) == 2
        assert says in capsys.readouterr().err
