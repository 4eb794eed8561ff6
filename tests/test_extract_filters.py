"""The pieces after trafilatura: charsets, cleaning, gates, language."""

import pytest

from webtext.extract.charset import decode_html
from webtext.extract.clean import clean_text, repair_unicode
from webtext.extract.language import Language, identify_language, is_kept, parse_languages
from webtext.extract.walls import wall_reason
from webtext.sample.prose import article
from webtext.sample.unwanted import GERMAN_STORY

RUSSIAN = "Городской совет во вторник решил достроить велосипедную дорожку вдоль реки к весне."
JAPANESE = "市議会は火曜日、川沿いの自転車道を春までに完成させることを決めた。"


def _html(text: str, head: str = "") -> str:
    return f"<html><head>{head}</head><body><p>{text}</p></body></html>"


@pytest.mark.parametrize("encoding, text", [
    ("cp1251", RUSSIAN * 3), ("koi8-r", RUSSIAN * 3), ("shift_jis", JAPANESE * 3), ("cp1250", "Zażółć gęślą jaźń, łódź. " * 10),
])
def test_undeclared_legacy_charsets_are_recognised(encoding, text):
    assert text in decode_html(_html(text).encode(encoding))


def test_a_declared_charset_is_used_unless_the_bytes_are_utf8():
    cyrillic = _html(RUSSIAN).encode("cp1251")
    assert RUSSIAN in decode_html(cyrillic, "text/html; charset=windows-1251")
    assert RUSSIAN in decode_html(_html(RUSSIAN, head='<meta charset="windows-1251">').encode("cp1251"))
    utf8 = _html(RUSSIAN, head='<meta charset="windows-1251">').encode("utf-8")
    assert RUSSIAN in decode_html(utf8, "text/html; charset=windows-1251")  # valid UTF-8 wins over both claims
    assert decode_html(b"\xef\xbb\xbf" + _html("caf\u00e9").encode()).startswith("<html>")  # a BOM is read, not kept


def test_a_utf8_page_with_a_stray_byte_stays_utf8():
    text = "Grüße aus Köln, wo die Straßen breit sind und die Brücken alt. " * 20
    body = _html(text).encode("utf-8").replace(b"Stra", b"Stra\x96", 1)  # one cp1252 dash pasted in
    decoded = decode_html(body, "text/html; charset=utf-8")
    assert decoded.count("\ufffd") == 1 and decoded.count("Grüße aus Köln") == 20


def test_only_whole_advertisement_lines_are_removed():
    text = "First paragraph.\nAdvertisement\n- Anzeige -\nStory continues below advertisement\nThe advertisement ran for weeks."
    assert clean_text(text) == "First paragraph.\nThe advertisement ran for weeks."


def test_unicode_repair_fixes_mojibake_and_leaves_good_text_alone():
    assert repair_unicode("itâ€™s the cafÃ© on the ﬁrst ﬂoor") == "it’s the café on the first floor"
    for good in ("“Curly” quotes — and dashes", "Grüße aus Köln", "全角の文字：ＡＢＣ", "x < y &amp; z"):
        assert repair_unicode(good) == good


def test_an_article_about_cookies_or_logins_is_not_a_wall():
    story = " ".join(article(3).paragraphs)
    about_cookies = ("Regulators said sites must let readers reject all cookies as easily as they accept them. " * 3 + "\n" + story)
    assert wall_reason("Cookie rules tighten", about_cookies) is None
    short_note = "Members only: the club's log in page moved. Sign in to continue reading the newsletter."
    chatter = "\n".join([short_note] + [f"Paragraph {n} of the club's history, from its founding to today." for n in range(12)])
    assert wall_reason("Club news", chatter) is None


def test_a_gate_with_no_text_is_known_by_its_title():
    assert wall_reason("Just a moment...", "") == "captcha"
    assert wall_reason("Attention Required! | Cloudflare", "") == "captcha"
    assert wall_reason("Daily Ledger", "") is None


def test_languages_are_identified_with_their_probability():
    english = identify_language(" ".join(article(1).paragraphs))
    assert english.code == "en" and english.score > 0.9
    assert identify_language("\n".join(GERMAN_STORY[1])).code == "de"
    assert identify_language(RUSSIAN).code == "ru"


def test_which_languages_are_kept():
    assert parse_languages("en") == {"en"} and parse_languages(" en, DE ") == {"en", "de"}
    assert parse_languages("all") is None
    with pytest.raises(ValueError):
        parse_languages(" , ")
    assert is_kept(Language("en", 0.9), {"en"}, 0.65)
    assert not is_kept(Language("en", 0.5), {"en"}, 0.65)  # unsure: mixed or garbled text
    assert not is_kept(Language("de", 0.99), {"en"}, 0.65)
    assert is_kept(Language("de", 0.1), None, 0.65)
