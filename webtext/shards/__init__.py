"""Shards: unique Documents -> GPT-2 tokens in Arrow shards with a manifest.

tokens builds tiktoken encodings from packaged files, shard_format owns the
shard files, their names, split and the manifest, compare tells two datasets'
shards and documents apart.
"""
