"""Word n-grams of normalised text and the Bloom filters that hold them: the rules of the
train/test overlap report (python -m webtext.overlap, after the GPT-2 paper's section 4).

grams turns text into n-grams and their 128-bit hashes, bloom holds hashes in a partitioned
Bloom filter sized for a false positive rate, eval_sets reads the evaluation files.
"""
