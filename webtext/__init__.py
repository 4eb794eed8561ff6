"""webtext: build a WebText-style corpus and train a GPT on it.

The library layer: every rule of the dataset lives here as plain functions,
with no Beam and no torch, so it can be unit-tested without a runner.
"""

__version__ = "0.1.0"
