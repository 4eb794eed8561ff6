"""Pages a crawler gets instead of an article, and an article not in English.

Modelled on what real sites serve: a bot check in the style of Cloudflare's, a
consent wall in the style of the big publishers' (the page is the prompt; the
article is behind it), a login wall, and a German news story.
"""

import html


def _page(title: str, body: str, lang: str = "en") -> bytes:
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f'<meta name="robots" content="noindex"></head><body>{body}</body></html>').encode("utf-8")


def captcha_page(host: str) -> bytes:
    return _page("Just a moment...", f"""
<div class="main-wrapper" role="main"><div class="main-content">
<h1 class="zone-name-title">{host}</h1>
<h2 id="challenge-running">Verify you are human by completing the action below.</h2>
<div id="challenge-stage"><input type="checkbox"> <span>I'm not a robot</span></div>
<p id="challenge-body-text">{host} needs to review the security of your connection before proceeding.
Please enable JavaScript and cookies to continue.</p>
</div></div>
<div class="footer"><p>Ray ID: 8a1f2c3d4e5f6a7b</p><p>Performance &amp; security by Cloudflare</p></div>""")


def cookie_wall_page(site: str) -> bytes:
    partners = ", ".join(f"Partner {n}" for n in range(1, 13))
    return _page(f"{site} is part of the {site} family of brands", f"""
<div class="consent-overlay"><main class="consent-form">
<h1>{site} is part of the {site} family of brands</h1>
<p>The sites and apps that we own and operate, including {site}, use cookies and similar technologies
to provide our sites and apps to you, authenticate your identity and keep our services secure.</p>
<p>If you click 'Accept all', we and our partners, including {partners}, will also store and/or access
information on your device and use your personal data for personalised advertising and content,
ad and content measurement, audience research and services development.</p>
<p>If you do not want us and our partners to use cookies and personal data for these purposes,
click 'Reject all'. You can withdraw your consent or change your choices at any time by clicking on
the 'Privacy and cookie settings' link on our sites and apps.</p>
<p>To customise your choices, click 'Manage privacy settings'. Find out more about how we use your
personal data in our privacy policy and cookie policy.</p>
<div class="actions"><button>Accept all</button><button>Reject all</button>
<a href="/consent/manage">Manage privacy settings</a></div>
</main></div>""")


def login_wall_page(site: str) -> bytes:
    return _page(f"Log in | {site}", f"""
<header><a href="/">{html.escape(site)}</a></header>
<main><div class="auth-card">
<h1>Log in to continue reading</h1>
<p>This story is for members only. Log in to your {html.escape(site)} account, or create an account
to keep reading: it takes less than a minute and is free.</p>
<form action="/session" method="post">
<label>Email or username <input name="login"></label>
<label>Password <input type="password" name="password"></label>
<button>Log in</button></form>
<p><a href="/password/reset">Forgot your password?</a> New here? <a href="/register">Create an account</a>.</p>
</div></main>""")


GERMAN_STORY = (
    "Neuer Radweg entlang der Elbe soll im Frühjahr fertig werden",
    [
        "Der Stadtrat hat am Dienstag beschlossen, den geplanten Radweg entlang der Elbe bis zum Frühjahr "
        "fertigzustellen. Die Arbeiten hatten sich wegen eines Streits über die Finanzierung um fast zwei "
        "Jahre verzögert, und viele Anwohner hatten kaum noch damit gerechnet.",
        "Nach Angaben der Verwaltung kostet der erste Abschnitt rund vier Millionen Euro. Ein großer Teil "
        "davon kommt aus einem Förderprogramm des Landes, den Rest trägt die Stadt selbst. Kritiker im Rat "
        "bemängelten, dass die Kosten seit der ersten Schätzung deutlich gestiegen seien.",
        "Die Bürgermeisterin sprach dennoch von einem wichtigen Schritt für den Verkehr in der Stadt. Wer "
        "morgens mit dem Rad zur Arbeit fahre, müsse bislang lange Umwege über die Hauptstraße in Kauf "
        "nehmen, wo es immer wieder zu gefährlichen Situationen komme.",
        "Auch der örtliche Fahrradclub begrüßte die Entscheidung. Man habe jahrelang für eine sichere "
        "Verbindung zwischen den Stadtteilen gekämpft, sagte ein Sprecher. Nun komme es darauf an, dass der "
        "Zeitplan auch wirklich eingehalten werde und die Beleuchtung rechtzeitig installiert sei.",
        "Im Sommer sollen weitere Abschnitte folgen. Dann ist auch eine neue Brücke für Fußgänger und "
        "Radfahrer geplant, über deren Gestaltung die Bürger im Herbst abstimmen dürfen.",
    ],
)


def german_article_page(site: str) -> bytes:
    title, paragraphs = GERMAN_STORY
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return _page(f"{title} | {site}", f"""
<header><a href="/">{html.escape(site)}</a><nav><a href="/lokales">Lokales</a> <a href="/sport">Sport</a></nav></header>
<main><article><h1>{html.escape(title)}</h1>{body}</article></main>
<footer>&copy; {html.escape(site)}. Alle Rechte vorbehalten.</footer>""", lang="de")
