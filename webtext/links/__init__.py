"""Links: Reddit posts (dumps or praw) -> the URLs WebText fetches.

reddit reads Pushshift-format dumps, live lists subreddits through praw, posts
holds the per-post and per-link rules (karma, age, URL blocklists) and merges reposts.
"""
