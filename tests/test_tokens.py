"""GPT-2 BPE through tiktoken, built offline from GPT-2's own files."""

import random

import pytest
from tiktoken.load import data_gym_to_mergeable_bpe_ranks

from webtext.shards import tokens


def test_gpt2_encodes_as_gpt2_does():
    enc = tokens.gpt2_encoding()
    assert enc.encode_ordinary("Hello world") == [15496, 995]
    # GPT-2's encoder.json: " the" is 262, "<|endoftext|>" is 50256.
    assert enc.encode_ordinary(" the") == [262]
    assert (enc.n_vocab, enc.eot_token) == (50257, 50256)


def test_documents_end_with_endoftext_and_round_trip():
    texts = ["Grüße, 世界! Ünïcödé and emoji 🦀.", "Text that mentions <|endoftext|> literally."]
    encoded = tokens.encode_documents(tokens.gpt2_encoding(), texts)
    for text, ids in zip(texts, encoded):
        assert ids[-1] == 50256 and 50256 not in ids[:-1]
        assert tokens.gpt2_encoding().decode(ids[:-1]) == text


def test_the_packaged_files_are_checked_against_tiktokens_hashes():
    with pytest.raises(ValueError, match="Hash mismatch"):
        data_gym_to_mergeable_bpe_ranks(
            tokens._gpt2_file("vocab.bpe"), tokens._gpt2_file("encoder.json"),
            vocab_bpe_hash="0" * 64, encoder_json_hash=tokens.ENCODER_JSON_SHA256)


def test_unknown_encodings_are_a_clear_error():
    with pytest.raises(ValueError, match="unknown encoding"):
        tokens.get_encoding("gpt5")


@pytest.mark.parametrize("name", ["gpt2", "cl100k_base", "o200k_base"])
def test_counting_at_least_n_tokens_agrees_with_the_full_count(name):
    encoding = tokens.get_encoding(name)
    rng = random.Random(7)
    # Words, digits, contractions, runs of spaces and newlines, CJK: what moves piece boundaries.
    parts = ["the", "Hello", "world", "  ", "\n", "123456", "don't", "naïve", "日本語", "!!", "--", "\t", " ", "x'll"]
    for _ in range(400):
        text = " ".join(rng.choice(parts) for _ in range(rng.randint(0, 600)))
        count = rng.randint(0, 300)
        assert tokens.has_at_least(encoding, text, count) == (len(encoding.encode_ordinary(text)) >= count)
