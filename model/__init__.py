"""A compact GPT-2 trained on webtext token shards; depends on the shard format, never on Beam."""

from model.data import TokenWindows
from model.gpt import GPT, PRESETS, GPTConfig

__all__ = ["GPT", "GPTConfig", "PRESETS", "TokenWindows"]
