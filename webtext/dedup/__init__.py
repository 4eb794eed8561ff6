"""Dedup: Documents -> unique Documents.

duplicates holds the rules (normalised-text key, which copy is kept, LSH shape,
candidate pairs, clusters); minhash computes signatures in numpy batches.
"""
