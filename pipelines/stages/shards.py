"""Unique Documents -> GPT-2 tokens -> Arrow shards, deterministic on any runner.

A document's split and shard come from a hash of its URL, and the number of
shards from the split's token total, so the same documents always make the
same files, byte for byte, whatever the worker count or arrival order.
"""

import json
import zlib

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems

from pipelines.counters import count
from pipelines.neutral import Batch, WithValue, only_one
from pipelines.tables import WriteOneFile
from webtext import counts, layout
from webtext.config import Config
from webtext.records import TokenizedDocument
from webtext.shards import shard_format, tokens


class Tokenize(beam.DoFn):
    """Batches of documents through tiktoken; the encoding is built once per worker."""

    def __init__(self, encoding_name: str, threads: int = 1):
        self.encoding_name = encoding_name
        self.threads = threads

    def setup(self):
        self.encoding = tokens.get_encoding(self.encoding_name)

    def process(self, batch):
        encoded = tokens.encode_documents(self.encoding, [doc.text for doc in batch], self.threads)
        for doc, ids in zip(batch, encoded):
            yield TokenizedDocument(doc, ids)


def write_shard(key_and_docs, out: str, dtype) -> dict:
    (split, index, total), docs = key_and_docs
    name = layout.shard(split, index, total)
    data, documents, token_count = shard_format.shard_bytes(docs, dtype)
    with FileSystems.create(FileSystems.join(out, name)) as f:
        f.write(data)
    count(counts.SHARD_DOCUMENTS, documents)
    count(counts.SHARD_TOKENS, token_count)
    count(counts.split_documents(split), documents)
    count(counts.split_tokens(split), token_count)
    return {"name": name, "split": split, "documents": documents, "tokens": token_count,
            "bytes": len(data), "sha256": shard_format.sha256_hex(data)}


def write_index(path: str, infos) -> str:
    data = json.dumps(sorted(infos, key=lambda i: i["name"]), indent=1).encode()
    with FileSystems.create(path) as f:
        f.write(data)
    return path


def assign(doc_and_counts):
    """((split, shard, shards in split), doc): the shard from the URL's hash and the split's shard count."""
    (split, doc), counts = doc_and_counts
    total = counts[split]
    return (split, shard_format.shard_index(doc.document.url, total), total), doc


class WriteShards(beam.PTransform):
    """Writes OUT/shards/*.arrow and OUT/shards/index.json (one entry per shard)."""

    def __init__(self, config: Config, out: str):
        super().__init__()
        self.config = config
        self.out = out
        self.dtype = tokens.token_dtype(tokens.get_encoding(config.encoding))

    def expand(self, docs):
        config = self.config
        tokenized = (
            docs
            | "Batch" >> Batch(lambda doc: zlib.crc32(doc.url.encode()), max_size=256)
            | "Tokenize" >> beam.ParDo(Tokenize(config.encoding, config.tokenize_threads)).with_output_types(TokenizedDocument)
            | "BySplit" >> beam.Map(lambda d: (shard_format.split_of(d.document.url, config.val_fraction), d))
        )
        shard_counts = (
            tokenized
            | "SplitTokens" >> beam.Map(lambda kv: (kv[0], len(kv[1].tokens)))
            | "SumTokens" >> beam.CombinePerKey(sum)
            | "ShardCount" >> beam.Map(lambda kv: (kv[0], shard_format.shard_count(kv[1], config.shard_tokens)))
        )
        all_counts = only_one(shard_counts, "AllCounts", beam.combiners.ToDictCombineFn())
        return (
            tokenized
            | "WithCounts" >> WithValue(all_counts, lambda split_doc: zlib.crc32(split_doc[1].document.url.encode()))
            | "AssignShard" >> beam.Map(assign)
            | "GroupShard" >> beam.GroupByKey()
            | "WriteShard" >> beam.Map(write_shard, out=self.out, dtype=self.dtype)
            | "WriteIndex" >> WriteOneFile(FileSystems.join(self.out, layout.SHARD_INDEX), write_index)
        )
