"""GPT-3's decontamination (appendix C), as plain functions: where a document's 13-grams
collide with an evaluation text, cut the colliding span out with 200 characters either side.

The paper: "we removed the colliding 13-gram as well as a 200 character window around it,
splitting the original document into pieces ... Pieces less than 200 characters long were
discarded. Documents split into more than 10 pieces were considered contaminated and removed
entirely ... We ignored 13-grams that matched more than 10 training documents" (common
phrases and boilerplate). Its grams are "lowercase, whitespace delimited word[s] with no
punctuation"; here they are the overlap report's words (webtext.ngrams.grams: runs of
letters and digits, lower-cased), so the two commands agree on what an n-gram is.

Choices the paper leaves open, made here:
- Spans: each colliding n-gram's characters, from its first word's first character to its
  last word's last, widened by the margin and clipped to the text; overlapping or touching
  spans merge into one removal.
- Pieces are what the removals leave, stripped of surrounding whitespace; empty ones are no
  pieces. More than max_pieces (counted before short ones are discarded, as the paper counts
  the split) drops the document as "too_many_splits".
- The pieces kept become one document under the same URL, joined by a blank line as
  paragraphs are: the URL stays the key every table joins on, and the train/val split,
  which hashes the URL, keeps a page's pieces in one split (pieces as url#part documents
  could land in both, putting a page's text on both sides of the evaluation).
- "Too little left": nothing kept, or fewer tokens than extraction's --min-tokens (the
  dataset never holds a document extraction would have dropped as too short): "too_short".
"""

from typing import NamedTuple

from webtext.drops import Dropped
from webtext.ngrams import grams
from webtext.ngrams.exact import NgramSet
from webtext.records import Removal

PIECE_SEPARATOR = "\n\n"


class Rule(NamedTuple):
    """GPT-3's numbers, each a Config knob (webtext.config)."""

    n: int = 13
    margin: int = 200
    min_piece_chars: int = 200
    max_pieces: int = 10
    min_tokens: int = 0


class Collision(NamedTuple):
    """An n-gram of a document that an evaluation set holds: at word `position`, in set `label`."""

    position: int
    label: int
    key: bytes  # the n-gram's 128-bit hash: a deterministic key to count its documents by


class Cut(NamedTuple):
    """What removing a document's collisions leaves."""

    spans: list[tuple[int, int]]  # merged, in order
    pieces: list[str]  # every non-empty piece left, in order
    kept: list[str]  # the pieces long enough to keep


def find_collisions(text: str, eval_ngrams: NgramSet, n: int) -> list[Collision]:
    """Every (position, set) at which one of text's n-grams is an evaluation set's."""
    hashes = grams.ngram_hashes(text, n)
    rows, labels = eval_ngrams.matches(hashes)
    return [Collision(row, label, hashes[row].tobytes()) for row, label in zip(rows.tolist(), labels.tolist())]


def removed_spans(words: grams.WordSpans, positions: list[int], rule: Rule, length: int) -> list[tuple[int, int]]:
    """The character spans to remove: each n-gram's, widened by the margin, clipped, merged."""
    spans: list[tuple[int, int]] = []
    for position in sorted(set(positions)):
        start = max(0, words.starts[position] - rule.margin)
        end = min(length, words.ends[position + rule.n - 1] + rule.margin)
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], end))
        else:
            spans.append((start, end))
    return spans


def cut(text: str, words: grams.WordSpans, positions: list[int], rule: Rule) -> Cut:
    spans = removed_spans(words, positions, rule, len(text))
    bounds = [0, *(edge for span in spans for edge in span), len(text)]
    pieces = [text[a:b].strip() for a, b in zip(bounds[::2], bounds[1::2])]
    pieces = [piece for piece in pieces if piece]
    return Cut(spans, pieces, [piece for piece in pieces if len(piece) >= rule.min_piece_chars])


def kept_text(done: Cut, rule: Rule, count_tokens) -> str | Dropped:
    """The document's text after the cut, or Dropped("too_many_splits" | "too_short")."""
    if len(done.pieces) > rule.max_pieces:
        return Dropped("too_many_splits")
    text = PIECE_SEPARATOR.join(done.kept)
    if not text or count_tokens(text) < rule.min_tokens:
        return Dropped("too_short")
    return text


def removals(url: str, words: grams.WordSpans, done: Cut, collisions: list[Collision], names: list[str],
             rule: Rule, outcome: str) -> list[Removal]:
    """A row per (span, eval set colliding in it), in the order of the text, then of the sets."""
    rows = []
    for start, end in done.spans:
        inside = [c for c in sorted(collisions) if start <= words.starts[c.position] < end]
        for label in sorted({c.label for c in inside}):
            of_set = [c for c in inside if c.label == label]
            first = " ".join(words.words[of_set[0].position : of_set[0].position + rule.n])
            rows.append(Removal(url, names[label], first, len(of_set), start, end, end - start, outcome))
    return rows
