"""GPT-2 BPE through tiktoken, built offline from GPT-2's own files."""

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
