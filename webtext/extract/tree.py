"""A page's text as one lxml tree, parsed once for the title and every trafilatura pass.

Parsed as trafilatura.utils.load_html parses a decoded page (its repairs, its
parser settings, its test for text that is not HTML), with two differences that
leave every output on trafilatura's 990 evaluation pages as it was and cost less:
how lxml picks each element's class, and what is taken out before any pass. Then
one that changes what trafilatura sees: paragraphs written as <div>s are made <p>s.
"""

from lxml import etree, html
from trafilatura.utils import is_dubious_html, repair_faulty_html

# trafilatura's parser settings. lxml.html's own element lookup is a Python method
# called each time Python touches an element (711,060 calls on 300 evaluation pages,
# 7% of the time in trafilatura); one class for every element, chosen in C, gives
# the same HtmlElement (form fields lose classes of their own that trafilatura never
# uses), and trafilatura ran 10% faster.
PARSER = html.HTMLParser(collect_ids=False, default_doctype=False, encoding="utf-8",
                         remove_comments=True, remove_pis=True)
PARSER.set_element_class_lookup(etree.ElementDefaultClassLookup(
    element=html.HtmlElement, comment=html.HtmlComment, pi=html.HtmlProcessingInstruction, entity=html.HtmlEntity))

# Never text, wherever trafilatura looks: a modern page carries much of its weight in
# them (a framework's state as JSON, icon sprites), and every pass would copy and
# search them again. JSON-LD stays: trafilatura's baseline reads its articleBody.
NEVER_TEXT = ("style", "svg")
KEPT_SCRIPT_TYPE = "application/ld+json"

# Pages built with components (React, Vue) often write a paragraph as a <div> of
# running text. trafilatura's precise pass reads <p>s, and on such a page took the
# newsletter box and the teaser cards around the article (which are <p>s) for the
# article: on the generated modern pages (benchmarks/modern_pages.py) it found none
# of the article on 10 of 40 such pages. A <div> holding only inline markup and at
# least this much text is a paragraph in all but name, as a browser shows it. F1 with
# 1, 40 and 100 characters: generated .9625, .9630, .9620 (.9480 without), its second
# set .9595, .9600, .9569 (.9328), trafilatura's 990 pages .9221, .9258, .9272 (.9258).
PARAGRAPH_DIV_CHARS = 100
INLINE = frozenset("a abbr b bdi bdo br cite code data dfn em font i img kbd mark q s samp small span strong sub sup time u "
                   "var wbr".split())


def parse_html(text: str) -> html.HtmlElement | None:
    """The page as a tree, or None when it is not HTML that lxml can read."""
    beginning = text[:50].lower()
    text = repair_faulty_html(text, beginning)
    tree = _parsed(text)
    if tree is None or len(tree) < 1:
        tree = _parsed(text.encode("utf-8", "surrogatepass"))
    if tree is not None and is_dubious_html(beginning) and len(tree) < 2:
        return None
    return tree


def _parsed(markup: str | bytes) -> html.HtmlElement | None:
    try:
        return html.fromstring(markup, parser=PARSER)
    except Exception:  # lxml refuses some markup (an encoding declaration in a str, an empty document)
        return None


def prune_never_text(tree: html.HtmlElement) -> html.HtmlElement:
    """tree without its scripts (but JSON-LD), styles and inline SVG; their tails are kept."""
    for script in list(tree.iter("script")):
        if (script.get("type") or "").strip().lower() != KEPT_SCRIPT_TYPE:
            script.drop_tree()
    etree.strip_elements(tree, *NEVER_TEXT, with_tail=False)
    return tree


def paragraphs_by_name(tree: html.HtmlElement) -> html.HtmlElement:
    """tree with each <div> that holds only inline markup and PARAGRAPH_DIV_CHARS of text made a <p>."""
    for div in tree.iter("div"):
        if all(child.tag in INLINE for child in div) and _own_text_length(div) >= PARAGRAPH_DIV_CHARS:
            div.tag = "p"
    return tree


def _own_text_length(div: html.HtmlElement) -> int:
    """The length of the div's text and its children's tails (enough to tell a paragraph from a label)."""
    return len((div.text or "").strip()) + sum(len(child.tail or "") for child in div)
