"""One Beam PTransform module per stage, each a thin wrapper over the stage's rules in webtext/.

links (posts -> links), fetch (links -> pages; columnar: Common Crawl's
columnar index joined, rebuild: a recipe's links and captures), extract
(pages -> documents), dedup (documents -> unique documents), decontaminate
(and overlap, the n-gram lookups it shares with the overlap report), shards.
A stage uses the forms every runner runs alike (pipelines/neutral.py), the
counters (pipelines/counters.py) and the kept tables (pipelines/tables.py);
it never imports a runner's module (tests/test_layers.py).
"""
