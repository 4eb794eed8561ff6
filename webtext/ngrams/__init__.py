"""Word n-grams of normalised text, and the sets that hold them: the rules of the train/test
overlap report (python -m webtext.overlap, after the GPT-2 paper's section 4) and of the
decontaminate stage (GPT-3's 13-gram rule, appendix C).

grams turns text into n-grams, their 128-bit hashes and their words' places in the text;
bloom holds hashes in a partitioned Bloom filter sized for a false positive rate, exact in a
sorted set that answers which set an n-gram came from; eval_sets reads the evaluation files;
decontaminate cuts colliding spans out of a document.
"""
