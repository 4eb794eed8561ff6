"""Fetch: Links -> Pages, live with requests or from WARC files.

client fetches one URL within every bound, netguard refuses private addresses,
robots reads robots.txt, crawl schedules threads per host, deadline stops slow
reads, outcomes logs each fetch for resumable runs, warc reads and writes WARC.
"""
