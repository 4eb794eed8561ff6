"""Modern (2024-2026 style) heavy article pages whose article text is known: a TUNING set for the extractor.

    python benchmarks/modern_pages.py PROSE_DIR OUT_DIR [--pages 400] [--seed 1] [--part tune|holdout]

PROSE_DIR holds real, openly licensed article texts (articles.jsonl, recipes.jsonl:
written by benchmarks/modern_prose.py, see its docstring). Each page puts one of those articles into
the markup of one of ten families of how articles were published in 2024-26 (Next.js
news, WordPress block theme, Substack, Medium, Ghost, a publisher with a OneTrust
dialog, a live blog, a docs/tech blog, a recipe blog, a local paper with a paywall),
with what surrounds articles there: consent dialogs, mega-menus, share bars, ad slots,
"Read more" links, pull quotes, figures, newsletter forms, author cards, comments,
and card grids of other articles whose teasers are real prose too. The DOMs are big
as real ones are: inline CSS and JS bundles, SVG sprites, JSON state holding the
article again (__NEXT_DATA__, _preloads, __APOLLO_STATE__, JSON-LD articleBody).

The truth of a page is the article body as a reader reads it, block by block, one
block (paragraph, in-body heading, list item, blockquote paragraph, code block) a
line: never the title, standfirst, captions, ads, "Read more" links, pull quotes,
embeds, cards, comments or anything else around it. It is written from the same
blocks the page was rendered from, so it is exact by construction.

--part picks the articles: a fixed third of them (by a hash of the article id) is
kept for "holdout", the rest is "tune", so two sets built with different parts share
no article, not even in their teaser cards. Everything is drawn from random.Random
seeded by --seed (and the family, site and page), so a run is reproducible byte for byte.

Writes OUT_DIR/pages/NNNN.html.gz, OUT_DIR/truth.jsonl (file, url, title, template,
lang, article, source, bytes, truth) and OUT_DIR/README.txt. load_generated(OUT_DIR) reads them as
extract_sets.ScoredPage for the benchmarks (extract_sets --generated OUT_DIR).
"""

import argparse
import datetime
import gzip
import hashlib
import html
import json
import random
import re
import statistics
import unicodedata
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Callable

from extract_sets import ScoredPage

PARTS = ("tune", "holdout")
# A sentence ends at . ! or ? (perhaps closing a quote) before a capital: good enough to cut teasers.
SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"”’)]))\s+(?=[\"“‘(]?[A-ZÀ-ÖØ-Þ0-9])")

# ---------------------------------------------------------------- prose


@dataclass(frozen=True)
class Article:
    id: str
    source: str
    lang: str
    title: str
    date: str
    author: str
    summary: str
    blocks: tuple  # ("p", text) ("h", text) ("ul"/"ol", items) ("quote", paragraphs) ("code", text)

    @cached_property
    def sentences(self) -> list[str]:
        """Its paragraphs' sentences, for teasers, captions and comments elsewhere."""
        found = []
        for kind, value in self.blocks:
            if kind == "p":
                found.extend(s for s in SENTENCE_END.split(value) if 6 <= len(s.split()) <= 45)
        return found or [self.title]

    @cached_property
    def text_blocks(self) -> int:
        return sum(kind != "h" for kind, _ in self.blocks)


def part_of(article_id: str) -> str:
    """The fixed part an article belongs to: a third is held out, by a hash that no seed changes."""
    return "holdout" if int(hashlib.sha1(article_id.encode()).hexdigest()[:8], 16) % 3 == 0 else "tune"


def load_prose(folder: Path, part: str) -> tuple[list[Article], list[dict]]:
    articles = []
    for line in (folder / "articles.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        if part_of(item["id"]) == part:
            blocks = tuple((kind, tuple(value) if isinstance(value, list) else value) for kind, value in item["blocks"])
            articles.append(Article(item["id"], item["source"], item["lang"], item["title"], item["date"],
                                    item["author"], item["summary"], blocks))
    recipes = [json.loads(line) for line in (folder / "recipes.jsonl").read_text(encoding="utf-8").splitlines()]
    return articles, [r for i, r in enumerate(recipes) if (i % 3 == 0) == (part == "holdout")]  # a third held out


def truth_text(blocks) -> str:
    """The reader's text of the blocks: one paragraph, heading, list item or code block a line."""
    lines = []
    for kind, value in blocks:
        lines.extend(value if kind in ("ul", "ol", "quote") else [value])
    return "\n".join(lines)


# ---------------------------------------------------------------- words the sites use

LABELS = {
    "en": dict(read_more="Read more", related="Related", most_read="Most read", recommended="Recommended for you",
               more_from="More from", share="Share", subscribe="Subscribe", sign_in="Sign in", search="Search",
               menu="Menu", comments="Comments", reply="Reply", advertisement="Advertisement",
               continues="Story continues below advertisement", min_read="min read", by="By", updated="Updated",
               follow="Follow", accept="Accept all", reject="Reject all", manage="Manage preferences",
               cookie_title="We value your privacy",
               cookie_text=("We and our {n} partners store and access information on your device, such as cookies, "
                            "and process personal data such as unique identifiers and browsing data to show you "
                            "personalised ads and content, measure how ads and content perform, understand our "
                            "audiences and improve our products. You can accept, reject or choose which purposes "
                            "and partners you allow, and change your mind at any time under Privacy settings."),
               newsletter="Get our morning briefing",
               newsletter_text="The day's essential stories, explained, in your inbox before breakfast.",
               email="Enter your email address",
               fine_print=("By signing up you agree to our Terms of Use and Privacy Policy. "
                           "You can unsubscribe at any time."),
               paywall="Subscribe to continue reading",
               paywall_text="Get unlimited digital access for $1 a week for the first six months. Cancel anytime.",
               already="Already a subscriber?", photo="Photo", listen="Listen to this article",
               home="Home", next="Next", previous="Previous", latest="Latest", trending="Trending now",
               sponsored="Sponsored", show_more="Show more", copyright="All rights reserved.",
               bio="{name} is a {role} at {site}, covering {beat}. Before that {they} worked for a decade in regional"
                   " news.",
               they=("she", "he", "they"),
               roles=("senior reporter", "correspondent", "staff writer", "editor"),
               footer=("About us", "Contact", "Careers", "Advertise with us", "Privacy policy", "Cookie policy",
                       "Terms of use", "Accessibility", "Sitemap", "RSS feeds", "Newsletters", "Corrections",
                       "Editorial standards", "Help center", "Gift subscriptions", "Do not sell my information"),
               sections=("News", "World", "Politics", "Business", "Technology", "Science", "Health", "Sport",
                         "Culture", "Opinion", "Lifestyle", "Travel", "Food", "Climate", "Local", "Video"),
               topics=("Elections", "Markets", "Artificial intelligence", "Space", "Energy", "Housing", "Courts",
                       "Transport", "Education", "Weather", "Football", "Tennis", "Film", "Music", "Books",
                       "Startups", "Crypto", "Gadgets", "Cybersecurity", "Wildlife", "Oceans", "Europe",
                       "Americas", "Asia", "Africa", "Middle East", "Obituaries", "Podcasts", "Puzzles",
                       "Travel deals"),
               reactions=("Great piece, thanks.", "This is exactly what I was looking for.", "Well said.",
                          "I had no idea about this.", "Thanks for writing this up!", "Shared with my team.")),
    "de": dict(read_more="Lesen Sie auch", related="Mehr zum Thema", most_read="Meistgelesen",
               recommended="Empfohlen für Sie", more_from="Mehr von", share="Teilen", subscribe="Abonnieren",
               sign_in="Anmelden", search="Suche", menu="Menü", comments="Kommentare", reply="Antworten",
               advertisement="Anzeige", continues="Weiter nach der Anzeige", min_read="Min. Lesezeit", by="Von",
               updated="Aktualisiert", follow="Folgen", accept="Alle akzeptieren", reject="Alle ablehnen",
               manage="Einstellungen verwalten", cookie_title="Wir respektieren Ihre Privatsphäre",
               cookie_text=("Wir und unsere {n} Partner speichern Informationen auf Ihrem Gerät und greifen darauf zu, "
                            "etwa Cookies, und verarbeiten personenbezogene Daten wie eindeutige Kennungen und "
                            "Nutzungsdaten, um Ihnen personalisierte Anzeigen und Inhalte zu zeigen, deren Wirkung "
                            "zu messen und unsere Angebote zu verbessern. Sie können zustimmen, ablehnen oder "
                            "einzelne Zwecke wählen und Ihre Entscheidung jederzeit unter Datenschutz ändern."),
               newsletter="Unser Morgen-Newsletter",
               newsletter_text="Die wichtigsten Nachrichten des Tages, verständlich erklärt, vor dem Frühstück.",
               email="Ihre E-Mail-Adresse",
               fine_print=("Mit der Anmeldung akzeptieren Sie unsere Nutzungsbedingungen und Datenschutzerklärung. "
                           "Sie können sich jederzeit abmelden."),
               paywall="Jetzt weiterlesen mit Abo",
               paywall_text="Alle Artikel für 1 € pro Woche in den ersten sechs Monaten. Jederzeit kündbar.",
               already="Schon Abonnent?", photo="Foto", listen="Artikel anhören", home="Startseite",
               next="Weiter", previous="Zurück", latest="Neueste", trending="Gerade beliebt", sponsored="Anzeige",
               show_more="Mehr anzeigen", copyright="Alle Rechte vorbehalten.",
               bio="{name} ist {role} bei {site} und berichtet über {beat}. Zuvor arbeitete {they} zehn Jahre im"
                   " Lokaljournalismus.",
               they=("sie", "er"),
               roles=("Redakteurin", "Korrespondent", "Reporterin", "Ressortleiter"),
               footer=("Über uns", "Kontakt", "Karriere", "Werben", "Datenschutz", "Cookie-Einstellungen", "AGB",
                       "Barrierefreiheit", "Sitemap", "RSS", "Newsletter", "Korrekturen", "Leitlinien", "Hilfe",
                       "Abo verschenken", "Impressum"),
               sections=("Nachrichten", "Welt", "Politik", "Wirtschaft", "Technik", "Wissen", "Gesundheit", "Sport",
                         "Kultur", "Meinung", "Leben", "Reise", "Essen", "Klima", "Lokales", "Video"),
               topics=("Wahlen", "Börse", "Künstliche Intelligenz", "Raumfahrt", "Energie", "Wohnen", "Justiz",
                       "Verkehr", "Bildung", "Wetter", "Fußball", "Tennis", "Film", "Musik", "Bücher", "Start-ups",
                       "Kryptowährungen", "Gadgets", "IT-Sicherheit", "Tiere", "Meere", "Europa", "Amerika", "Asien",
                       "Afrika", "Nahost", "Nachrufe", "Podcasts", "Rätsel", "Reiseangebote"),
               reactions=("Guter Artikel, danke.", "Sehr informativ!", "Gut auf den Punkt gebracht.",
                          "Das wusste ich noch nicht.", "Danke für die Zusammenfassung!")),
    "fr": dict(read_more="À lire aussi", related="Sur le même sujet", most_read="Les plus lus",
               recommended="Recommandé pour vous", more_from="Plus de", share="Partager", subscribe="S'abonner",
               sign_in="Se connecter", search="Rechercher", menu="Menu", comments="Commentaires", reply="Répondre",
               advertisement="Publicité", continues="La suite après cette publicité", min_read="min de lecture",
               by="Par", updated="Mis à jour", follow="Suivre", accept="Tout accepter", reject="Tout refuser",
               manage="Paramétrer", cookie_title="Nous respectons votre vie privée",
               cookie_text=("Avec nos {n} partenaires, nous stockons et accédons à des informations sur votre "
                            "appareil, comme les cookies, et traitons des données personnelles telles que des "
                            "identifiants uniques pour vous proposer des publicités et contenus personnalisés, en "
                            "mesurer la performance et améliorer nos services. Vous pouvez accepter, refuser ou "
                            "choisir les finalités, et modifier vos choix à tout moment dans Confidentialité."),
               newsletter="Notre lettre du matin",
               newsletter_text="L'essentiel de l'actualité, expliqué, dans votre boîte avant le petit-déjeuner.",
               email="Votre adresse e-mail",
               fine_print=("En vous inscrivant, vous acceptez nos conditions d'utilisation et notre politique de "
                           "confidentialité. Désinscription possible à tout moment."),
               paywall="Abonnez-vous pour lire la suite",
               paywall_text="Accès illimité pour 1 € par semaine pendant six mois. Sans engagement.",
               already="Déjà abonné ?", photo="Photo", listen="Écouter cet article", home="Accueil",
               next="Suivant", previous="Précédent", latest="Dernières infos", trending="Tendances",
               sponsored="Contenu sponsorisé", show_more="Voir plus", copyright="Tous droits réservés.",
               bio="{name} est {role} à {site} et couvre {beat}. Auparavant, {they} a travaillé dix ans dans la presse"
                   " régionale.",
               they=("elle", "il"),
               roles=("journaliste", "correspondante", "rédacteur en chef adjoint", "reporter"),
               footer=("Qui sommes-nous", "Contact", "Recrutement", "Publicité", "Confidentialité", "Cookies", "CGU",
                       "Accessibilité", "Plan du site", "Flux RSS", "Newsletters", "Rectificatifs", "Charte",
                       "Aide", "Offrir un abonnement", "Mentions légales"),
               sections=("Actualités", "Monde", "Politique", "Économie", "Technologie", "Sciences", "Santé", "Sport",
                         "Culture", "Opinions", "Société", "Voyage", "Cuisine", "Climat", "Régions", "Vidéos"),
               topics=("Élections", "Bourse", "Intelligence artificielle", "Espace", "Énergie", "Logement", "Justice",
                       "Transports", "Éducation", "Météo", "Football", "Tennis", "Cinéma", "Musique", "Livres",
                       "Start-up", "Cryptomonnaies", "High-tech", "Cybersécurité", "Animaux", "Océans", "Europe",
                       "Amériques", "Asie", "Afrique", "Proche-Orient", "Nécrologie", "Podcasts", "Jeux", "Bons plans"),
               reactions=("Excellent article, merci.", "Très instructif !", "Bien résumé.",
                          "Je ne savais pas.", "Merci pour cet éclairage !")),
    "es": dict(read_more="Lee también", related="Relacionado", most_read="Lo más leído",
               recommended="Recomendado para ti", more_from="Más de", share="Compartir", subscribe="Suscríbete",
               sign_in="Iniciar sesión", search="Buscar", menu="Menú", comments="Comentarios", reply="Responder",
               advertisement="Publicidad", continues="Sigue leyendo tras la publicidad", min_read="min de lectura",
               by="Por", updated="Actualizado", follow="Seguir", accept="Aceptar todo", reject="Rechazar todo",
               manage="Configurar", cookie_title="Valoramos tu privacidad",
               cookie_text=("Nosotros y nuestros {n} socios almacenamos información en tu dispositivo y accedemos a "
                            "ella, como las cookies, y tratamos datos personales como identificadores únicos para "
                            "mostrarte anuncios y contenidos personalizados, medir su rendimiento y mejorar nuestros "
                            "productos. Puedes aceptar, rechazar o elegir los fines y cambiar de opinión cuando "
                            "quieras en Privacidad."),
               newsletter="Nuestro boletín matinal",
               newsletter_text="Las noticias esenciales del día, explicadas, en tu correo antes del desayuno.",
               email="Tu correo electrónico",
               fine_print=("Al suscribirte aceptas nuestras condiciones de uso y la política de privacidad. "
                           "Puedes darte de baja cuando quieras."),
               paywall="Suscríbete para seguir leyendo",
               paywall_text="Acceso ilimitado por 1 € a la semana durante seis meses. Cancela cuando quieras.",
               already="¿Ya eres suscriptor?", photo="Foto", listen="Escuchar este artículo", home="Inicio",
               next="Siguiente", previous="Anterior", latest="Última hora", trending="Tendencias",
               sponsored="Patrocinado", show_more="Ver más", copyright="Todos los derechos reservados.",
               bio="{name} es {role} en {site} y cubre {beat}. Antes trabajó diez años en prensa regional.",
               they=("ella", "él"),
               roles=("redactora", "corresponsal", "periodista", "editor"),
               footer=("Quiénes somos", "Contacto", "Empleo", "Publicidad", "Privacidad", "Cookies",
                       "Condiciones de uso", "Accesibilidad", "Mapa del sitio", "RSS", "Boletines", "Fe de errores",
                       "Normas editoriales", "Ayuda", "Regala una suscripción", "Aviso legal"),
               sections=("Noticias", "Internacional", "Política", "Economía", "Tecnología", "Ciencia", "Salud",
                         "Deportes", "Cultura", "Opinión", "Estilo", "Viajes", "Gastronomía", "Clima", "Local",
                         "Vídeo"),
               topics=("Elecciones", "Mercados", "Inteligencia artificial", "Espacio", "Energía", "Vivienda",
                       "Tribunales", "Transporte", "Educación", "Tiempo", "Fútbol", "Tenis", "Cine", "Música",
                       "Libros", "Startups", "Criptomonedas", "Gadgets", "Ciberseguridad", "Animales", "Océanos",
                       "Europa", "América", "Asia", "África", "Oriente Próximo", "Obituarios", "Pódcasts",
                       "Pasatiempos", "Ofertas de viaje"),
               reactions=("Gran artículo, gracias.", "Muy interesante.", "Bien explicado.",
                          "No lo sabía.", "¡Gracias por compartir!")),
}
HTML_LANG_ATTR = re.compile(r'<html lang="([^"]+)"')
HTML_LANG = {"en": ("en", "en-US", "en-GB"), "de": ("de", "de-DE"), "fr": ("fr", "fr-FR"), "es": ("es", "es-ES")}
FIRST_NAMES = {
    "en": ("Maya", "Daniel", "Priya", "Tom", "Aisha", "Lucas", "Hannah", "Omar", "Grace", "Ethan", "Chloe", "Samuel"),
    "de": ("Anna", "Jonas", "Lea", "Felix", "Miriam", "Lukas", "Sophie", "Tobias", "Katrin", "Jan"),
    "fr": ("Camille", "Julien", "Léa", "Nicolas", "Chloé", "Mathieu", "Inès", "Antoine", "Manon", "Hugo"),
    "es": ("Lucía", "Pablo", "María", "Javier", "Carmen", "Diego", "Sofía", "Andrés", "Elena", "Marta"),
}
LAST_NAMES = {
    "en": ("Patel", "Okafor", "Nguyen", "Fischer", "Hughes", "Romero", "Kowalski", "Bennett", "Shah", "Larsen"),
    "de": ("Müller", "Schneider", "Weber", "Becker", "Hoffmann", "Schäfer", "Koch", "Richter", "Wolf", "Krause"),
    "fr": ("Martin", "Bernard", "Dubois", "Moreau", "Laurent", "Lefèvre", "Roux", "Fournier", "Girard", "Mercier"),
    "es": ("García", "Fernández", "López", "Martínez", "Sánchez", "Romero", "Navarro", "Torres", "Ruiz", "Ortega"),
}
SYLLABLES = ("ad", "vo", "tra", "lu", "mi", "nex", "qua", "ri", "zen", "po", "ly", "ca", "dex", "sol", "ta", "vi",
             "mo", "ber", "ko", "ra", "fin", "el", "op", "tix", "sca", "lo", "gra", "um", "ix")
COMPANY_SUFFIXES = ("Ltd", "GmbH", "Inc.", "SAS", "S.L.", "AB", "B.V.", "LLC", "Media", "Analytics", "Technologies")
PURPOSES = (
    ("Store and/or access information on a device",
     "Cookies, device or similar online identifiers together with other information can be stored or read on your "
     "device to recognise it each time it connects to an app or to a website, for one or several of the purposes"
     " presented here."),
    ("Use limited data to select advertising",
     "Advertising presented to you on this service can be based on limited data, such as the website or app you are "
     "using, your non-precise location, your device type or which content you are interacting with."),
    ("Create profiles for personalised advertising",
     "Information about your activity on this service, such as forms you submit and content you look at, can be stored "
     "and combined with other information about you to build or improve a profile used for personalised advertising."),
    ("Measure advertising performance",
     "Information regarding which advertising is presented to you and how you interact with it can be used to "
     "determine how well an advert has worked for you or other users and whether the goals of the advertising were "
     "reached."),
    ("Measure content performance",
     "Information regarding which content is presented to you and how you interact with it can be used to determine "
     "whether the non-advertising content reached its intended audience and matched your interests."),
    ("Understand audiences through statistics or combinations of data from different sources",
     "Reports can be generated based on the combination of data sets regarding your interactions and those of other "
     "users with advertising or non-advertising content to identify common characteristics."),
    ("Develop and improve services",
     "Information about your activity on this service, such as your interaction with ads or content, can be very "
     "helpful to improve products and services and to build new products and services based on user interactions."),
    ("Ensure security, prevent and detect fraud, and fix errors",
     "Your data can be used to monitor for and prevent unusual and possibly fraudulent activity, and to ensure that "
     "systems and processes work properly and securely."),
    ("Deliver and present advertising and content",
     "Certain information such as an IP address or device capabilities is used to ensure the technical compatibility "
     "of the content or advertising, and to facilitate the transmission of the content or ad to your device."),
)
# Cookie audit rows as consent plugins list them (name, duration, description).
COOKIE_ROWS = (("_ga", "2 years", "Google Analytics sets this cookie to calculate visitor, session and campaign data."),
               ("_gid", "1 day", "Stores information on how visitors use the website and builds an analytics report."),
               ("_fbp", "3 months", "Facebook sets this cookie to display ads on Facebook or other sites."),
               ("IDE", "1 year 24 days", "Google DoubleClick reports the user's actions after viewing an ad."),
               ("test_cookie", "15 minutes", "Set to determine whether the user's browser supports cookies."),
               ("__cf_bm", "30 minutes", "Cloudflare sets this cookie to support Cloudflare Bot Management."),
               ("cookieyes-consent", "1 year", "Remembers the user's consent choices for later visits."))


def labels(lang: str) -> dict:
    return LABELS.get(lang, LABELS["en"])


# ---------------------------------------------------------------- small HTML helpers


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def attr(text: str) -> str:
    return html.escape(text, quote=True)


def slugify(text: str, words: int = 8) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_text.lower())[:words]) or "story"


def hex_id(rng: random.Random, length: int = 8) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(length))


def person(rng: random.Random, lang: str) -> str:
    first, last = FIRST_NAMES.get(lang, FIRST_NAMES["en"]), LAST_NAMES.get(lang, LAST_NAMES["en"])
    return f"{rng.choice(first)} {rng.choice(last)}"


def company(rng: random.Random) -> str:
    name = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
    return f"{name} {rng.choice(COMPANY_SUFFIXES)}"


def words_of(text: str, most: int) -> str:
    """The first words of a text, cut as teasers are, with an ellipsis when cut."""
    words = text.split()
    return text if len(words) <= most else " ".join(words[:most]).rstrip(",;:") + "…"


def inline_markup(rng: random.Random, text: str, domain: str, link_rate: float) -> str:
    """A paragraph's text with some of its words wrapped in links or emphasis: the visible text stays the same."""
    words = text.split(" ")
    if len(words) < 8 or rng.random() > link_rate:
        return esc(text)
    start = rng.randrange(0, len(words) - 4)
    end = start + rng.randint(2, 4)
    wrapped = esc(" ".join(words[start:end]))
    kind = rng.random()
    if kind < 0.7:
        where = f"{rng.choice(('topic', 'tag', 'news'))}/{slugify(words[start], 3)}-{hex_id(rng, 4)}"
        wrapped = f'<a href="https://{domain}/{where}" rel="noopener">{wrapped}</a>'
    else:
        tag = "em" if kind < 0.85 else "strong"
        wrapped = f"<{tag}>{wrapped}</{tag}>"
    return " ".join(filter(None, (esc(" ".join(words[:start])), wrapped, esc(" ".join(words[end:])))))


GO_KEYWORDS = re.compile(r"\b(func|return|if|else|for|range|var|const|type|struct|interface|package|import|go|defer|"
                         r"chan|select|case|switch|map|nil|true|false|err)\b")
CODE_TOKEN = re.compile(r'("[^"\n]*"|`[^`]*`|//[^\n]*|\b\d+\b|' + GO_KEYWORDS.pattern + ")")


def highlight(code: str) -> str:
    """Code with Prism-like token spans (keywords, strings, comments, numbers); its text unchanged."""
    out, last = [], 0
    for found in CODE_TOKEN.finditer(code):
        out.append(esc(code[last:found.start()]))
        token = found.group(0)
        kind = ("comment" if token.startswith("//") else "string" if token[0] in "\"`"
                else "number" if token.isdigit() else "keyword")
        out.append(f'<span class="token {kind}">{esc(token)}</span>')
        last = found.end()
    out.append(esc(code[last:]))
    return "".join(out)


# ---------------------------------------------------------------- bulk a real page carries (per site, reused)

UTILITIES = ("flex", "grid", "block", "hidden", "inline-flex", "items-center", "justify-between", "gap-2", "gap-4",
             "px-4", "py-2", "mt-4", "mb-6", "mx-auto", "max-w-3xl", "max-w-7xl", "text-sm", "text-lg", "text-xl",
             "font-semibold", "font-serif", "leading-7", "tracking-tight", "text-gray-600", "text-neutral-900",
             "dark:text-gray-300", "bg-white", "dark:bg-zinc-900", "rounded-lg", "border-b", "border-gray-200",
             "shadow-sm", "w-full", "h-6", "w-6", "md:grid-cols-3", "lg:flex", "sm:px-6", "lg:px-8", "aspect-video",
             "object-cover", "line-clamp-3", "hover:underline", "focus:outline-none", "transition-colors", "sr-only")
CSS_PROPERTIES = ("display:flex", "align-items:center", "margin:0 auto", "padding:0 1rem", "font-size:1.125rem",
                  "line-height:1.75", "color:var(--color-ink)", "background:var(--surface-1)", "gap:.5rem",
                  "border-bottom:1px solid var(--line)", "grid-template-columns:repeat(auto-fill,minmax(16rem,1fr))",
                  "max-width:72ch", "position:relative", "z-index:10", "overflow:hidden", "text-overflow:ellipsis",
                  "transition:color .2s ease", "font-family:var(--font-serif),Georgia,serif", "width:100%",
                  "aspect-ratio:16/9", "letter-spacing:-.01em", "font-weight:600", "border-radius:.5rem")


def utility_classes(rng: random.Random, count: int) -> str:
    return " ".join(rng.sample(UTILITIES, count))


def css_blob(rng: random.Random, rules: int, prefix: str) -> str:
    """A stylesheet of the size real inline critical CSS reaches: hashed class rules and media queries."""
    out = [":root{" + ";".join(f"--{prefix}-c{i}:#{hex_id(rng, 6)}" for i in range(40)) + "}"]
    for i in range(rules):
        selector = f".{prefix}-{hex_id(rng, 6)}" + (f" .{prefix}-{hex_id(rng, 5)}" if rng.random() < 0.3 else "")
        body = ";".join(rng.sample(CSS_PROPERTIES, rng.randint(2, 6)))
        rule = f"{selector}{{{body}}}"
        out.append(f"@media (min-width:{rng.choice((640, 768, 1024, 1280))}px){{{rule}}}" if i % 7 == 0 else rule)
    return "".join(out)


JS_NAMES = ("useState", "useEffect", "jsx", "jsxs", "Fragment", "createContext", "forwardRef", "memo", "useRef",
            "fetchJSON", "trackEvent", "hydrate", "subscribe", "consentReady", "lazyLoad", "observe", "render")
JS_STRINGS = ("Subscribe", "Sign in", "Something went wrong. Please try again.", "Loading…", "Close", "Share on X",
              "Copy link", "Link copied", "Show more", "data-testid", "aria-expanded", "https://api.example/v2/",
              "paywall:shown", "consent:updated", "newsletter_signup", "article_view", "scroll_depth")


def js_bundle(rng: random.Random, size: int) -> str:
    """Minified-looking webpack/React module code of about `size` characters."""
    parts, total = [], 0
    while total < size:
        module = rng.randint(1000, 99999)
        a, b, c = (rng.choice("abcdefghijklmnopqrstuvwxyz") + rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
                   for _ in range(3))
        body = (f'{module}:function(e,t,n){{"use strict";n.d(t,{{Z:function(){{return {a}}}}});'
                f"var r=n({rng.randint(1000, 9999)}),i=n.n(r),o=n({rng.randint(1000, 9999)});"
                f"function {a}(e){{var t=e.{b},n=(0,r.{rng.choice(JS_NAMES)})(!1),{c}=n[0];"
                f'return(0,o.jsx)("div",{{className:"{utility_classes(rng, 4)}","{rng.choice(JS_STRINGS)}":t,'
                f'children:{c}?(0,o.jsx)("span",{{children:"{rng.choice(JS_STRINGS)}"}}):null}})}}'
                f'var {b}=function(e){{return e&&e.{rng.choice(JS_NAMES)}?e:{{default:e,id:"{hex_id(rng, 10)}"}}}}}}')
        parts.append(body)
        total += len(body) + 1
    return f"(self.webpackChunk_N_E=self.webpackChunk_N_E||[]).push([[{rng.randint(100, 999)}],{{{','.join(parts)}}}]);"


def svg_icon(rng: random.Random, points: int = 6, size: int = 24) -> str:
    path = "M" + " ".join(f"{rng.uniform(0, size):.2f} {rng.uniform(0, size):.2f}" for _ in range(points)) + "z"
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 {size} {size}" '
            f'fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true" focusable="false">'
            f'<path d="{path}"/></svg>')


def svg_sprite(rng: random.Random, symbols: int) -> str:
    inner = "".join(f'<symbol id="icon-{hex_id(rng, 5)}" viewBox="0 0 24 24"><path d="M'
                    + " ".join(f"{rng.uniform(0, 24):.3f},{rng.uniform(0, 24):.3f}" for _ in range(rng.randint(20, 90)))
                    + 'z"/></symbol>' for _ in range(symbols))
    return f'<svg xmlns="http://www.w3.org/2000/svg" style="display:none">{inner}</svg>'


@dataclass
class Site:
    """One publication: its name, domain, navigation and the assets every one of its pages repeats."""
    lang: str
    name: str
    domain: str
    seed: str
    css_rules: int
    js_size: int

    def rng(self, what: str) -> random.Random:
        return random.Random(f"{self.seed}:{self.domain}:{what}")

    @property
    def words(self) -> dict:
        return labels(self.lang)

    @cached_property
    def css(self) -> str:
        return css_blob(self.rng("css"), self.css_rules, self.name[:2].lower())

    @cached_property
    def js(self) -> str:
        return js_bundle(self.rng("js"), self.js_size)

    @cached_property
    def sprite(self) -> str:
        return svg_sprite(self.rng("sprite"), self.rng("sprite-count").randint(20, 80))

    @cached_property
    def vendors(self) -> list[str]:
        rng = self.rng("vendors")
        return [company(rng) for _ in range(rng.randint(150, 850))]

    @cached_property
    def nav(self) -> list[tuple[str, list[str]]]:
        """Sections with their topic links, as mega-menus list them."""
        rng = self.rng("nav")
        words = self.words
        return [(section, rng.sample(words["topics"], rng.randint(6, 16))) for section in words["sections"]]

    def link(self, *parts: str) -> str:
        return f"https://{self.domain}/" + "/".join(slugify(p, 6) for p in parts)


# Site names by family, in FAMILIES' order: two English sites a family, one in each other language.
SITE_NAMES = {
    "en": ("The Daily Meridian", "Metro Standard", "Northfield Post", "Civic Current", "Open Margin",
           "The Signal Desk", "Field Notes Weekly", "The Long Read Club", "Wavelength", "The Quiet Quarter",
           "Brightwater Times", "Harbor Ledger", "Lakeshore Herald", "The Valley Courier", "Stackwise", "Commit Log",
           "The Kettle & Crumb", "Slow Kitchen Diaries", "Pine County Gazette", "Riverbend Record"),
    "de": ("Tagesblick", "Stadtgespräch", "Feldnotizen", "Lesezeit Magazin", "Leise Seiten", "Rheinkurier",
           "Nordwest Echo", "Quelltext Journal", "Küchenliebe", "Stadtanzeiger Online"),
    "fr": ("Le Fil Info", "Carnets du Jour", "La Lettre du Dimanche", "Longues Lectures", "Horizon Actu",
           "Le Quotidien du Matin", "L'Écho des Régions", "Code et Café", "La Cuisine de Margaux", "La Dépêche Claire"),
    "es": ("El Faro Digital", "Cuaderno Abierto", "La Carta Semanal", "Lecturas Largas", "Crónica Global",
           "El Diario Abierto", "La Voz del Puerto", "Código Fuente", "La Cocina de Marta", "Noticias del Sur"),
}


# ---------------------------------------------------------------- the page being built


@dataclass
class Page:
    """One page being built: its article, its site, what it may show of other articles, and its own dice."""
    rng: random.Random
    site: Site
    article: Article
    others: list[Article]
    recipe: dict | None
    date: datetime.datetime
    url: str
    author: str
    used: int = 0  # how many of `others` the page has shown already

    @property
    def words(self) -> dict:
        return self.site.words  # a site speaks its articles' language

    def other(self) -> Article:
        """The next article for a card or teaser: each shows once a page, until they run out."""
        article = self.others[self.used % len(self.others)]
        self.used += 1
        return article

    def sentence(self) -> str:
        return self.rng.choice(self.other().sentences)

    def when(self, hours_before: float = 0) -> datetime.datetime:
        return self.date - datetime.timedelta(hours=hours_before)

    def image_url(self, width: int, slug: str) -> str:
        asset = hashlib.sha1(slug.encode()).hexdigest()[:12]  # one image, whatever width is asked for
        return (f"https://cdn.{self.site.domain}/images/{asset}/{width}x{width * 9 // 16}/"
                f"{slug}.jpg?auto=webp&quality=75&fit=crop&crop=faces,entropy")


def iso(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def human_date(moment: datetime.datetime) -> str:
    return moment.strftime("%B %-d, %Y")


def script_json(value) -> str:
    """JSON safe inside a <script> element."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")


# ---------------------------------------------------------------- pieces that surround articles


def head(page: Page, extra: str = "", inline_css: bool = True) -> str:
    """<head> as publishers fill it: meta for every network, preloads, trackers, inline critical CSS."""
    article, site = page.article, page.site
    description = article.summary or words_of(article.sentences[0], 28)
    image = page.image_url(1200, slugify(article.title, 5))
    metas = [
        '<meta charset="utf-8">', '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(article.title)} | {esc(site.name)}</title>",
        f'<meta name="description" content="{attr(description)}">', f'<link rel="canonical" href="{page.url}">',
        f'<meta property="og:title" content="{attr(article.title)}">',
        f'<meta property="og:description" content="{attr(description)}">',
        f'<meta property="og:image" content="{image}">', f'<meta property="og:url" content="{page.url}">',
        '<meta property="og:type" content="article">', f'<meta property="og:site_name" content="{attr(site.name)}">',
        '<meta name="twitter:card" content="summary_large_image">',
        f'<meta property="article:published_time" content="{iso(page.date)}">',
        f'<meta name="author" content="{attr(page.author)}">',
        f'<link rel="preconnect" href="https://cdn.{site.domain}">',
        f'<link rel="preload" as="font" type="font/woff2"'
        f' href="https://cdn.{site.domain}/fonts/{hex_id(page.rng, 10)}.woff2" crossorigin>',
        f'<link rel="stylesheet" href="https://cdn.{site.domain}/assets/main.{hex_id(page.rng, 8)}.css">',
        f'<link rel="alternate" type="application/rss+xml" title="{attr(site.name)}"'
        f' href="https://{site.domain}/feed/">',
        "<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}"
        "gtag('consent','default',{ad_storage:'denied',analytics_storage:'denied',wait_for_update:500});"
        f"gtag('js',new Date());gtag('config','G-{hex_id(page.rng, 10).upper()}');</script>",
        f'<script async src="https://www.googletagmanager.com/gtag/js?id=G-{hex_id(page.rng, 10).upper()}"></script>',
    ]
    if inline_css:
        metas.append(f'<style data-critical="true">{site.css}</style>')
    return "<head>" + "".join(metas) + extra + "</head>"


def json_ld(page: Page, kind: str = "NewsArticle", body: str = "", **more) -> str:
    value = {"@context": "https://schema.org", "@type": kind, "headline": page.article.title,
             "datePublished": iso(page.date), "dateModified": iso(page.when(-2)),
             "author": [{"@type": "Person", "name": page.author, "url": page.site.link("author", page.author)}],
             "publisher": {"@type": "Organization", "name": page.site.name,
                           "logo": {"@type": "ImageObject", "url": f"https://cdn.{page.site.domain}/logo.png"}},
             "image": [page.image_url(1200, slugify(page.article.title, 4))], "mainEntityOfPage": page.url,
             "inLanguage": page.article.lang, **more}
    if body:
        value["articleBody"] = body
    return f'<script type="application/ld+json">{script_json(value)}</script>'


def mega_nav(page: Page, classes: str = "site-nav") -> str:
    """Main navigation with a hidden mega-panel per section: topic links and now and then a top story."""
    items = []
    for section, topics in page.site.nav:
        links = "".join(f'<li><a href="{page.site.link(section, topic)}">{esc(topic)}</a></li>' for topic in topics)
        promo = ""
        if page.rng.random() < 0.3:
            other = page.other()
            promo = (f'<div class="nav-promo"><a href="{page.site.link(section, other.title)}">'
                     f'<img src="{page.image_url(320, slugify(other.title, 4))}" alt="" loading="lazy" width="320"'
                     f' height="180">'
                     f"<span>{esc(other.title)}</span></a></div>")
        items.append(f'<li class="nav-item"><a href="{page.site.link(section)}" class="nav-link">{esc(section)}</a>'
                     f'<button class="nav-toggle" aria-expanded="false"'
                     f' aria-label="{attr(section)}">{svg_icon(page.rng, 3, 16)}</button>'
                     f'<div class="mega-panel" hidden><ul class="mega-links">{links}</ul>{promo}</div></li>')
    return f'<nav class="{classes}" aria-label="Main"><ul class="nav-list">{"".join(items)}</ul></nav>'


def site_header(page: Page, classes: str = "site-header", nav_classes: str = "site-nav") -> str:
    words = page.words
    return (f'<header class="{classes}"><a class="skip-link sr-only" href="#main-content">Skip to content</a>'
            f'<div class="masthead"><button class="menu-button" aria-label="{attr(words["menu"])}">{svg_icon(page.rng)}'
            f'<span>{esc(words["menu"])}</span></button>'
            f'<a class="logo" href="https://{page.site.domain}/" aria-label="{attr(page.site.name)}">'
            f'{svg_icon(page.rng, 30, 120)}</a><div class="masthead-actions">'
            f'<a href="https://{page.site.domain}/search" aria-label="{attr(words["search"])}">'
            f'{svg_icon(page.rng)}</a>'
            f'<a class="btn-subscribe" href="https://{page.site.domain}/subscribe">{esc(words["subscribe"])}</a>'
            f'<a class="btn-signin" href="https://{page.site.domain}/login">{esc(words["sign_in"])}</a></div></div>'
            f"{mega_nav(page, nav_classes)}</header>")


def breadcrumbs(page: Page, section: str) -> str:
    words = page.words
    return (f'<nav aria-label="Breadcrumb" class="breadcrumbs"><ol><li>'
            f'<a href="https://{page.site.domain}/">{esc(words["home"])}</a></li>'
            f'<li><a href="{page.site.link(section)}">{esc(section)}</a></li>'
            f'<li aria-current="page">{esc(words_of(page.article.title, 6))}</li></ol></nav>')


def site_footer(page: Page, classes: str = "site-footer") -> str:
    """The footer link farm: corporate links, every section and topic, sister sites, social icons."""
    words, site = page.words, page.site
    corporate = "".join(f'<li><a href="{site.link(label)}">{esc(label)}</a></li>' for label in words["footer"])
    sections = "".join(f'<li><a href="{site.link(section)}">{esc(section)}</a></li>' for section in words["sections"])
    topics = "".join(f'<li><a href="{site.link("topic", topic)}">{esc(topic)}</a></li>'
                     for _, topic_list in site.nav for topic in topic_list)
    network = "".join(f'<li><a href="https://{slugify(name)}.example/">{esc(name)}</a></li>'
                      for name in SITE_NAMES.get(site.lang, SITE_NAMES["en"]) if name != site.name)
    social = "".join(f'<a href="https://{net}.example/{slugify(site.name)}" aria-label="{net}">{svg_icon(page.rng)}</a>'
                     for net in ("x", "facebook", "instagram", "youtube", "linkedin", "tiktok"))
    return (f'<footer class="{classes}"><div class="footer-grid"><ul class="footer-links">{corporate}</ul>'
            f'<ul class="footer-sections">{sections}</ul><ul class="footer-topics">{topics}</ul>'
            f'<ul class="footer-network">{network}</ul></div><div class="footer-social">{social}</div>'
            f'<p class="copyright">© {page.date.year} {esc(site.name)}. {esc(words["copyright"])}</p></footer>')


def share_bar(page: Page, classes: str = "share-bar") -> str:
    nets = ("X", "Facebook", "LinkedIn", "WhatsApp", "Email", "Copy link")
    label = attr(page.words["share"])
    buttons = "".join(f'<button type="button" class="share-{slugify(net)}" aria-label="{label} {net}" '
                      f'data-share="{slugify(net)}">{svg_icon(page.rng)}</button>' for net in nets)
    return f'<div class="{classes}" role="group" aria-label="{label}">{buttons}</div>'


def author_card(page: Page, classes: str = "author-card") -> str:
    words = page.words
    beat = page.rng.choice(words["topics"])
    beat = beat if page.article.lang == "de" else beat.lower()  # German nouns keep their capital
    bio = words["bio"].format(name=page.author, role=page.rng.choice(words["roles"]), site=page.site.name,
                              beat=beat, they=page.rng.choice(words["they"]))
    return (f'<aside class="{classes}">'
            f'<img src="{page.image_url(96, slugify(page.author))}" alt="" width="64" height="64" '
            f'class="avatar" loading="lazy"><div><a class="author-name" href="{page.site.link("author", page.author)}">'
            f'{esc(page.author)}</a><p class="author-bio">{esc(bio)}</p>'
            f'<button class="follow">{esc(words["follow"])}</button>'
            f"</div></aside>")


def newsletter_box(page: Page, classes: str = "newsletter-signup") -> str:
    words = page.words
    return (f'<section class="{classes}" aria-label="{attr(words["newsletter"])}"><h3>{esc(words["newsletter"])}</h3>'
            f'<p>{esc(words["newsletter_text"])}</p>'
            f'<form action="https://{page.site.domain}/api/newsletter" method="post">'
            f'<label class="sr-only" for="nl-{hex_id(page.rng, 4)}">{esc(words["email"])}</label>'
            f'<input type="email" name="email" placeholder="{attr(words["email"])}" required>'
            f'<button type="submit">{esc(words["subscribe"])}</button></form>'
            f'<p class="fine-print">{esc(words["fine_print"])}</p></section>')


def teaser_card(page: Page, classes: str = "card", text: bool = True) -> str:
    """A card for another article: image, section, headline, teaser sentence(s), byline."""
    other = page.other()
    teaser = words_of(" ".join(other.sentences[:2]), page.rng.randint(18, 40)) if text else ""
    section = page.rng.choice(page.words["sections"])
    link = page.site.link(section, other.title)
    return (f'<article class="{classes}"><a href="{link}" class="card-media">'
            f'<img src="{page.image_url(640, slugify(other.title, 4))}" '
            f'alt="" loading="lazy" width="640" height="360"></a><div class="card-body">'
            f'<span class="card-kicker">{esc(section)}</span>'
            f'<h3 class="card-title"><a href="{link}">{esc(other.title)}</a></h3>'
            + (f'<p class="card-teaser">{esc(teaser)}</p>' if teaser else "")
            + f'<span class="card-meta">{esc(person(page.rng, other.lang))} · {page.rng.randint(2, 12)}'
              f' {esc(page.words["min_read"])}</span>'
            f"</div></article>")


def card_grid(page: Page, title: str, count: int, classes: str = "card-grid", card_classes: str = "card",
              text: bool = True) -> str:
    cards = "".join(teaser_card(page, card_classes, text) for _ in range(count))
    return (f'<section class="{classes}"><h2 class="section-title">{esc(title)}</h2>'
            f'<div class="cards">{cards}</div></section>')


def ranked_list(page: Page, title: str, count: int, classes: str = "most-read") -> str:
    items = "".join(f'<li><span class="rank">{i + 1}</span>'
                    f'<a href="{page.site.link("news", other.title)}">{esc(other.title)}</a></li>'
                    for i, other in enumerate(page.other() for _ in range(count)))
    return f'<aside class="{classes}"><h2>{esc(title)}</h2><ol>{items}</ol></aside>'


def comment_text(page: Page) -> str:
    if page.rng.random() < 0.3:
        return page.rng.choice(page.words["reactions"])
    return " ".join(page.sentence() for _ in range(page.rng.randint(1, 3)))


def comment_thread(page: Page, count: int, classes: str = "comments") -> str:
    """Readers' comments, some with replies: real sentences, but not the article."""
    def one(depth: int) -> str:
        user = person(page.rng, page.article.lang)
        answered = depth == 0 and page.rng.random() < 0.3  # replies go one level deep, as most widgets show them
        replies = "".join(one(depth + 1) for _ in range(page.rng.randint(0, 2) if answered else 0))
        return (f'<li class="comment depth-{depth}" id="comment-{hex_id(page.rng, 6)}"><div class="comment-meta">'
                f'<img src="{page.image_url(48, slugify(user))}" alt="" width="32" height="32" loading="lazy">'
                f'<span class="comment-author">{esc(user)}</span>'
                f'<time datetime="{iso(page.when(-page.rng.randint(1, 90)))}">'
                f'{page.rng.randint(1, 23)}h</time></div>'
                f'<div class="comment-body"><p>{esc(comment_text(page))}</p></div><div class="comment-actions">'
                f'<button>{esc(page.words["reply"])}</button><button class="like">'
                f'{svg_icon(page.rng, 4, 16)} {page.rng.randint(0, 250)}</button></div>'
                + (f'<ul class="children">{replies}</ul>' if replies else "") + "</li>")
    items = "".join(one(0) for _ in range(count))
    return (f'<section class="{classes}" id="comments"><h2>{esc(page.words["comments"])} ({count})</h2>'
            f'<ol class="comment-list">{items}</ol></section>')


def ad_slot(page: Page, labelled: bool = True) -> str:
    """A display ad slot as GPT/prebid leave it in the DOM before an ad fills it."""
    slot = f"div-gpt-ad-{page.rng.randint(1000000000000, 9999999999999)}-{page.rng.randint(0, 9)}"
    label = f'<span class="ad-label">{esc(page.words["advertisement"])}</span>' if labelled else ""
    after = ""
    if labelled and page.rng.random() < 0.4:
        after = f'<p class="ad-continue">{esc(page.words["continues"])}</p>'
    return (f'<div class="ad-container ad-inline"'
            f' data-ad-unit="/{page.rng.randint(1000, 99999)}/{slugify(page.site.name)}/article/inline" '
            f'data-sizes="[[300,250],[336,280],[728,90]]" aria-hidden="true">{label}<div id="{slot}"'
            f' style="min-height:250px"></div>'
            f'<script>googletag.cmd.push(function(){{googletag.display("{slot}")}});</script></div>{after}')


def read_more(page: Page, classes: str = "read-more") -> str:
    other = page.other()
    return (f'<p class="{classes}"><strong>{esc(page.words["read_more"])}:</strong> '
            f'<a href="{page.site.link("news", other.title)}">{esc(other.title)}</a></p>')


def related_inline(page: Page) -> str:
    items = "".join(f'<li><a href="{page.site.link("news", o.title)}">{esc(o.title)}</a></li>'
                    for o in (page.other() for _ in range(page.rng.randint(2, 3))))
    return f'<aside class="related-inline"><h4>{esc(page.words["related"])}</h4><ul>{items}</ul></aside>'


def figure(page: Page, classes: str = "figure", caption_classes: str = "caption") -> str:
    """An image with a caption and credit: caption text comes from another article, so it is real prose."""
    caption = words_of(page.sentence(), 24)
    width = page.rng.choice((800, 1024, 1200))
    slug = hex_id(page.rng, 6)
    srcset = ", ".join(f"{page.image_url(w, slug)} {w}w" for w in (320, 640, 960, 1280, 1920))
    return (f'<figure class="{classes}"><picture><source type="image/avif" srcset="{srcset}">'
            f'<img src="{page.image_url(width, slug)}" srcset="{srcset}" sizes="(max-width: 768px) 100vw, 720px" '
            f'alt="" width="{width}" height="{width * 9 // 16}" loading="lazy" decoding="async"></picture>'
            f'<figcaption class="{caption_classes}">{esc(caption)} <span class="credit">{esc(page.words["photo"])}: '
            f"{esc(person(page.rng, 'en'))}/{esc(company(page.rng))}</span></figcaption></figure>")


def pull_quote(page: Page, classes: str = "pull-quote") -> str:
    """A sentence of the article itself, set large: it repeats text, so it is not in the truth twice."""
    sentence = esc(page.rng.choice(page.article.sentences))
    return f'<aside class="{classes}"><blockquote><p>“{sentence}”</p></blockquote></aside>'


def social_embed(page: Page) -> str:
    user = person(page.rng, page.article.lang)
    return (f'<blockquote class="twitter-tweet" data-dnt="true"><p lang="{page.article.lang}" dir="ltr">'
            f'{esc(words_of(page.sentence(), 40))}</p>&mdash; {esc(user)} (@{slugify(user).replace("-", "")}) '
            f'<a href="https://x.example/{slugify(user)}/status/{page.rng.randint(10**17, 10**18)}">'
            f'{human_date(page.when(5))}</a>'
            f'</blockquote><script async src="https://platform.x.example/widgets.js" charset="utf-8"></script>')


def listen_widget(page: Page) -> str:
    return (f'<div class="audio-player" data-provider="polly">'
            f'<button aria-label="{attr(page.words["listen"])}">{svg_icon(page.rng)}'
            f'</button><span>{esc(page.words["listen"])}</span>'
            f'<span class="duration">{page.rng.randint(3, 14)}:{page.rng.randint(10, 59)}</span></div>')


def body_chunks(page: Page, ads: int, read_mores: int, figures: int,
                extras: tuple[Callable[[], str], ...] = ()) -> list[str]:
    """The non-article things a site sets between the article's blocks, shuffled."""
    chunks = ([ad_slot(page) for _ in range(ads)] + [read_more(page) for _ in range(read_mores)]
              + [figure(page) for _ in range(figures)] + [make() for make in extras])
    page.rng.shuffle(chunks)
    return chunks


# ---------------------------------------------------------------- consent dialogs


def purposes_html(classes: str = "purpose") -> str:
    return "".join(f'<div class="{classes}"><h4>{esc(name)}</h4><p>{esc(text)}</p></div>' for name, text in PURPOSES)


def onetrust(page: Page) -> str:
    """OneTrust as it sits in the DOM: banner, preference centre, and the full vendor list."""
    words, rng = page.words, page.rng
    vendors = []
    for name in page.site.vendors:
        purposes = "".join(f"<li>{esc(p)}</li>" for p, _ in rng.sample(PURPOSES, rng.randint(2, 6)))
        interests = "".join(f"<li>{esc(p)}</li>" for p, _ in rng.sample(PURPOSES, rng.randint(0, 4)))
        storage = "".join(f"<li><span>{c}</span><span>{d}</span><span>{esc(t)}</span></li>"
                          for c, d, t in rng.sample(COOKIE_ROWS, rng.randint(1, 4)))
        vendors.append(f'<li class="ot-ven-item">'
                       f'<button class="ot-accordion-header" aria-expanded="false">{esc(name)}</button>'
                       f'<div class="ot-ven-dets">'
                       f'<a href="https://{slugify(name)}.example/privacy" target="_blank">View Privacy Notice</a>'
                       f'<p class="ot-ven-purposes-title">Consent Purposes</p><ul>{purposes}</ul>'
                       f'<p class="ot-ven-purposes-title">Legitimate Interest Purposes</p><ul>{interests}</ul>'
                       f'<p class="ot-ven-purposes-title">Device Storage Disclosure</p>'
                       f'<ul class="ot-ven-storage">{storage}</ul>'
                       f'<p class="ot-ven-disc">Cookie duration: {rng.randint(1, 730)} (days). Uses other forms of'
                       f' storage: {rng.choice(("Yes", "No"))}.</p>'
                       f'<input type="checkbox" class="ot-ven-ctgl" aria-label="{attr(name)}"></div></li>')
    groups = "".join(f'<div class="ot-accordion-layout ot-cat-item" data-optanongroupid="C000{i}">'
                     f'<button aria-expanded="false">{esc(name)}</button>'
                     f'<div class="ot-acc-txt"><p class="ot-category-desc">{esc(text)}</p></div></div>'
                     for i, (name, text) in enumerate(PURPOSES, 1))
    return (f'<div id="onetrust-consent-sdk"><div class="onetrust-pc-dark-filter ot-fade-in"></div>'
            f'<div id="onetrust-banner-sdk" class="otFlat" tabindex="0" role="region" aria-label="Cookie banner">'
            f'<div role="dialog" aria-modal="true" aria-label="{attr(words["cookie_title"])}">'
            f'<div id="onetrust-policy">'
            f'<h2 id="onetrust-policy-title">{esc(words["cookie_title"])}</h2><div id="onetrust-policy-text">'
            f'{esc(words["cookie_text"].format(n=len(page.site.vendors)))} <a'
            f' href="https://{page.site.domain}/cookies">Cookie Policy</a></div></div>'
            f'<div id="onetrust-button-group"><button id="onetrust-pc-btn-handler">{esc(words["manage"])}</button>'
            f'<button id="onetrust-reject-all-handler">{esc(words["reject"])}</button>'
            f'<button id="onetrust-accept-btn-handler">{esc(words["accept"])}</button></div></div></div>'
            f'<div id="onetrust-pc-sdk" class="otPcCenter ot-hide ot-fade-in" role="region" aria-label="Preference'
            f' center">'
            f'<div class="ot-pc-header"><h2 id="ot-pc-title">Privacy Preference Center</h2></div>'
            f'<div id="ot-pc-content" class="ot-pc-scrollbar">'
            f'<div id="ot-pc-desc">{esc(words["cookie_text"].format(n=len(page.site.vendors)))}</div>{groups}</div>'
            f'<section id="ot-pc-lst" class="ot-hide ot-hosts-ui ot-pc-scrollbar">'
            f'<h3 id="ot-lst-title">Vendors List</h3>'
            f'<ul id="ot-ven-lst">{"".join(vendors)}</ul></section></div></div>')


def cookieyes(page: Page) -> str:
    """A WordPress cookie plugin's banner and preference modal with its cookie audit tables."""
    words = page.words
    tables = "".join(f'<div class="cky-accordion"><div class="cky-accordion-item">'
                     f'<button class="cky-accordion-btn">{esc(name)}</button>'
                     f'<div class="cky-accordion-header-des"><p>{esc(text)}</p></div></div>'
                     f'<div class="cky-audit-table"><ul>'
                     + "".join(f'<li class="cky-cookie-des-table"><span>Cookie</span><span>{c}</span>'
                               f'<span>Duration</span><span>{d}</span>'
                               f'<span>Description</span><span>{esc(t)}</span></li>'
                               for c, d, t in page.rng.sample(COOKIE_ROWS, 3))
                     + "</ul></div></div>" for name, text in PURPOSES[:5])
    return (f'<div class="cky-consent-container cky-box-bottom-left" tabindex="0">'
            f'<div class="cky-consent-bar" data-cky-tag="notice">'
            f'<div class="cky-notice">'
            f'<p class="cky-title" role="heading" aria-level="1">{esc(words["cookie_title"])}</p>'
            f'<div class="cky-notice-des"><p>{esc(words["cookie_text"].format(n=page.rng.randint(20, 90)))}</p></div>'
            f'<div class="cky-notice-btn-wrapper">'
            f'<button class="cky-btn cky-btn-customize">{esc(words["manage"])}</button>'
            f'<button class="cky-btn cky-btn-reject">{esc(words["reject"])}</button>'
            f'<button class="cky-btn cky-btn-accept">'
            f'{esc(words["accept"])}</button></div></div></div></div><div class="cky-modal" tabindex="-1">'
            f'<div class="cky-preference-center">'
            f'<div class="cky-preference-header"><span class="cky-preference-title">{esc(words["manage"])}</span></div>'
            f'<div class="cky-preference-body-wrapper">{tables}</div></div></div>')


def didomi(page: Page) -> str:
    words = page.words
    return (f'<div id="didomi-host" data-nosnippet="true" aria-hidden="false">'
            f'<div class="didomi-popup-container" role="dialog">'
            f'<div class="didomi-popup-notice-text" id="didomi-notice-text"><h1>{esc(words["cookie_title"])}</h1>'
            f'<p>{esc(words["cookie_text"].format(n=page.rng.randint(300, 900)))}</p></div>'
            f'<div class="didomi-popup-notice-buttons">'
            f'<button id="didomi-notice-learn-more-button">{esc(words["manage"])}</button>'
            f'<button id="didomi-notice-disagree-button">{esc(words["reject"])}</button>'
            f'<button id="didomi-notice-agree-button">{esc(words["accept"])}</button></div></div></div>')


def sourcepoint(page: Page) -> str:
    """A consent frame: the dialog's text lives in the iframe, only its container is in the page."""
    message = page.rng.randint(100000, 999999)
    return (f'<div id="sp_message_container_{message}" class="sp_message_container"><div class="sp_veil"></div>'
            f'<iframe id="sp_message_iframe_{message}" title="SP Consent Message" '
            f'src="https://cmp.{page.site.domain}/index.html?message_id={message}'
            f'&consentUUID={hex_id(page.rng, 32)}&preload_message=true"'
            f' style="width:100%;height:100%"></iframe></div>')


def quantcast(page: Page) -> str:
    words = page.words
    partners = "".join(f"<li>{esc(name)}</li>" for name in page.site.vendors[:page.rng.randint(40, 120)])
    return (f'<div id="qc-cmp2-container" data-nosnippet><div class="qc-cmp2-summary-section">'
            f'<h2>{esc(words["cookie_title"])}</h2>'
            f'<div class="qc-cmp2-summary-info"><p>{esc(words["cookie_text"].format(n=len(page.site.vendors)))}</p>'
            f'<p>With your agreement, we and our partners use cookies or similar technologies to store, access, '
            f'and process personal data like your visit on this website, IP addresses and cookie identifiers.</p></div>'
            f'<div class="qc-cmp2-summary-buttons"><button mode="secondary">{esc(words["manage"])}</button>'
            f'<button mode="primary">{esc(words["accept"])}</button></div></div><div class="qc-cmp2-partners" hidden>'
            f'<ul>{partners}</ul>{purposes_html("qc-cmp2-purpose")}</div></div>')


# ---------------------------------------------------------------- the article's own blocks


@dataclass(frozen=True)
class Markup:
    """How a site writes the article's blocks: element templates, "{}" standing for the inner HTML."""
    p: str = "<p>{}</p>"
    h: str = "<h2>{}</h2>"
    ul: str = "<ul>{}</ul>"
    ol: str = "<ol>{}</ol>"
    li: str = "<li>{}</li>"
    quote: str = "<blockquote>{}</blockquote>"
    quote_p: str = "<p>{}</p>"
    code: str = "<pre><code>{}</code></pre>"
    links: float = 0.35  # share of paragraphs with an inline link or emphasis


def block_html(page: Page, kind: str, value, markup: Markup) -> str:
    domain = page.site.domain
    if kind == "p":
        return markup.p.format(inline_markup(page.rng, value, domain, markup.links))
    if kind == "h":
        return markup.h.format(esc(value))
    if kind in ("ul", "ol"):
        items = "".join(markup.li.format(inline_markup(page.rng, item, domain, markup.links / 3)) for item in value)
        return (markup.ul if kind == "ul" else markup.ol).format(items)
    if kind == "quote":
        return markup.quote.format("".join(markup.quote_p.format(esc(p)) for p in value))
    return markup.code.format(highlight(value))


def render_blocks(page: Page, blocks, markup: Markup, chunks: list[str] = (), section: str = "") -> str:
    """The article's blocks with the chunks set at random block boundaries, never right after a heading.

    With a section template ("{}" for its blocks) the story is cut at those boundaries into sibling
    containers with the chunks between them, as big publishers cut story bodies around ads and modules.
    """
    rendered = [block_html(page, kind, value, markup) for kind, value in blocks]
    gaps = [i for i in range(2, len(blocks)) if blocks[i - 1][0] != "h"]
    places = sorted(page.rng.sample(gaps, min(len(chunks), len(gaps))))
    out, start = [], 0
    for place, chunk in zip(places, chunks):
        run = "".join(rendered[start:place])
        out += [section.format(run) if section else run, chunk]
        start = place
    run = "".join(rendered[start:])
    return "".join(out + [section.format(run) if section else run])


def document(page: Page, head_html: str, body: str, body_attrs: str = "") -> str:
    lang = page.rng.choice(HTML_LANG.get(page.article.lang, ("en",)))
    return f'<!DOCTYPE html><html lang="{lang}" dir="ltr">{head_html}<body {body_attrs}>{body}</body></html>'


# ---------------------------------------------------------------- the ten families


def byline(page: Page, classes: str = "byline") -> str:
    words = page.words
    minutes = max(1, len(truth_text(page.article.blocks).split()) // 230)
    return (f'<div class="{classes}"><span>{esc(words["by"])} '
            f'<a rel="author" href="{page.site.link("author", page.author)}">{esc(page.author)}</a></span> '
            f'<time datetime="{iso(page.date)}">{human_date(page.date)}</time> '
            f'<span class="updated">{esc(words["updated"])} '
            f'<time datetime="{iso(page.when(-3))}">{page.when(-3):%H:%M}</time></span> '
            f'<span class="read-time">{minutes} {esc(words["min_read"])}</span></div>')


def dek(page: Page, template: str) -> str:
    """The standfirst, where the source gave a summary: shown under the title, not part of the body."""
    return template.format(esc(page.article.summary)) if page.article.summary else ""


def tags(page: Page, classes: str = "tags") -> str:
    chosen = page.rng.sample(page.words["topics"], page.rng.randint(2, 6))
    items = "".join(f'<li><a href="{page.site.link("topic", t)}">{esc(t)}</a></li>' for t in chosen)
    return f'<ul class="{classes}">{items}</ul>'


def headline_links(page: Page, count: int, classes: str) -> str:
    items = "".join(f'<li><a href="{page.site.link("news", o.title)}">{esc(o.title)}</a></li>'
                    for o in (page.other() for _ in range(count)))
    return f'<ul class="{classes}">{items}</ul>'


def body_json(blocks) -> list[dict]:
    """The article as a headless CMS's rich-text JSON, as React sites ship it to the client again."""
    nodes = []
    for kind, value in blocks:
        if kind in ("ul", "ol"):
            nodes.append({"type": "list", "ordered": kind == "ol",
                          "children": [{"type": "list-item", "children": [{"text": item}]} for item in value]})
        elif kind == "quote":
            nodes.append({"type": "blockquote", "children": [{"text": p} for p in value]})
        else:
            kind_name = {"p": "paragraph", "h": "heading", "code": "code"}[kind]
            nodes.append({"type": kind_name, "children": [{"text": value}]})
    return nodes


def teaser_json(page: Page, count: int) -> list[dict]:
    return [{"id": hex_id(page.rng, 12), "headline": o.title, "teaser": words_of(o.sentences[0], 30),
             "url": page.site.link("news", o.title), "image": page.image_url(640, slugify(o.title, 4))}
            for o in (page.other() for _ in range(count))]


def next_data(page: Page) -> str:
    """Pages-router Next.js: the whole page's props, the article body and home-page feeds included."""
    a, rng = page.article, page.rng
    navigation = [{"label": s, "href": page.site.link(s),
                   "children": [{"label": t, "href": page.site.link(s, t)} for t in ts]} for s, ts in page.site.nav]
    slots = [{"id": f"slot-{i}", "sizes": [[300, 250], [728, 90]], "targeting": {"pos": i, "kw": hex_id(rng)}}
             for i in range(rng.randint(4, 12))]
    article = {"id": hex_id(rng, 24), "slug": slugify(a.title), "headline": a.title, "dek": a.summary,
               "publishedAt": iso(page.date), "authors": [{"name": page.author, "slug": slugify(page.author)}],
               "body": body_json(a.blocks), "wordCount": len(truth_text(a.blocks).split())}
    feeds = {"topStories": teaser_json(page, rng.randint(10, 60)), "latest": teaser_json(page, rng.randint(10, 60))}
    props = {"props": {"pageProps": {"article": article, "related": teaser_json(page, rng.randint(6, 16)),
                                     "feeds": feeds, "navigation": navigation, "ads": {"slots": slots}},
                       "__N_SSG": True},
             "page": "/[section]/[...slug]", "query": {"section": "news", "slug": [slugify(a.title)]},
             "buildId": hex_id(rng, 21), "isFallback": False, "gsp": True, "locale": a.lang, "scriptLoader": []}
    return f'<script id="__NEXT_DATA__" type="application/json">{script_json(props)}</script>'


def next_flight(page: Page) -> str:
    """App-router Next.js: the React Server Components payload, article text inside, pushed in chunks."""
    elements = [["$", {"p": "p", "h": "h2"}.get(kind, "div"), None, {"children": truth_text([(kind, value)])}]
                for kind, value in page.article.blocks]
    tree = ["$", "article", None, {"className": "prose", "children": elements}]
    payload = (f'0:["{hex_id(page.rng, 21)}",[[["",{{"children":["(site)",{{}}]}}],'
               + json.dumps(tree, ensure_ascii=False) + "]]]\n"
               + "1:" + json.dumps({"related": teaser_json(page, page.rng.randint(4, 10))}, ensure_ascii=False) + "\n")
    pieces = [payload[i:i + 4000] for i in range(0, len(payload), 4000)]
    return "".join(f"<script>self.__next_f.push([1,{script_json(piece)}])</script>" for piece in pieces)


NEXT_MARKUP = Markup(
    p='<p class="mb-6 text-lg leading-8 text-neutral-800 dark:text-neutral-200">{}</p>',
    h='<h2 class="mt-10 mb-4 font-serif text-2xl font-bold tracking-tight">{}</h2>',
    ul='<ul class="mb-6 list-disc space-y-2 pl-6 text-lg">{}</ul>',
    ol='<ol class="mb-6 list-decimal space-y-2 pl-6">{}</ol>',
    quote='<blockquote class="my-8 border-l-4 border-red-600 pl-4 font-serif italic">{}</blockquote>',
    code='<pre class="my-6 overflow-x-auto rounded-lg bg-zinc-950 p-4 text-sm text-zinc-100"><code>{}</code></pre>')
NEXT_SECTION = '<div class="StoryBodyCompanionColumn mx-auto max-w-prose"><div>{}</div></div>'
# Some React sites render paragraphs as bare divs: no <p> for an extractor to hold on to.
NEXT_DIV_SOUP = replace(NEXT_MARKUP,
                        p='<div class="text-block mb-6 text-lg leading-8" data-component="paragraph">{}</div>')


def nextjs_article(page: Page, section: str) -> str:
    rng = page.rng
    extras = []
    if rng.random() < 0.4:
        extras.append(lambda: pull_quote(page, "my-10 border-y py-6 text-center text-2xl font-serif"))
    if rng.random() < 0.15:
        extras.append(lambda: social_embed(page))
    chunks = body_chunks(page, rng.randint(1, 4), rng.randint(0, 3), rng.randint(0, 2), tuple(extras))
    markup = NEXT_DIV_SOUP if rng.random() < 0.5 else NEXT_MARKUP
    wrapper = "article" if rng.random() < 0.5 else "div"
    bio = author_card(page, "mt-10 flex gap-4 rounded-lg border p-6") if rng.random() < 0.6 else ""
    return (f'<{wrapper} class="{utility_classes(rng, 3)}" data-article-id="{hex_id(rng, 12)}"><header class="mb-8">'
            f'<a class="text-sm font-semibold uppercase text-red-700"'
            f' href="{page.site.link(section)}">{esc(section)}</a>'
            f'<h1 class="mt-2 font-serif text-4xl font-bold leading-tight">{esc(page.article.title)}</h1>'
            + dek(page, '<p class="mt-4 text-xl text-neutral-600">{}</p>')
            + byline(page, "mt-6 flex items-center gap-3 text-sm text-neutral-500")
            + share_bar(page, "mt-4 flex gap-2") + "</header>"
            + figure(page, "my-8", "mt-2 text-sm text-neutral-500")
            + (listen_widget(page) if rng.random() < 0.3 else "")
            + f'<section name="articleBody" class="article-body {utility_classes(rng, 2)}">'
            + render_blocks(page, page.article.blocks, markup, chunks, NEXT_SECTION if rng.random() < 0.4 else "")
            + "</section>"
            + tags(page, "mt-8 flex flex-wrap gap-2") + bio + f"</{wrapper}>")


def nextjs_news(page: Page):
    """A Next.js/React news site: tailwind div soup, inline SVG, the article again in JSON for hydration."""
    rng, site, words = page.rng, page.site, page.words
    section = rng.choice(words["sections"])
    rail = (ranked_list(page, words["most_read"], rng.randint(5, 10), "rounded-lg border p-4") + ad_slot(page)
            + card_grid(page, words["trending"], rng.randint(3, 6), "mt-8", "flex gap-3", text=False))
    main = (f'<main id="main-content" class="flex-1"><div class="mx-auto max-w-7xl px-4 sm:px-6 lg:px-8">'
            f'{breadcrumbs(page, section)}<div class="grid grid-cols-12 gap-8">'
            f'<div class="col-span-12 lg:col-span-8">{nextjs_article(page, section)}'
            f'{newsletter_box(page, "my-12 rounded-xl bg-neutral-100 p-8")}'
            f'{card_grid(page, words["related"], rng.randint(6, 12), "mt-12", "group flex flex-col gap-3")}'
            f'</div><aside class="col-span-12 lg:col-span-4">{rail}</aside></div></div></main>')
    shell = (f'<div class="flex min-h-screen flex-col">{site_header(page, "sticky top-0 z-40 border-b bg-white")}'
             f'{main}{site_footer(page, "mt-16 bg-neutral-950 text-neutral-300")}</div>')
    if site.rng("router").random() < 0.5:  # a site is on the app router or the pages router, not both
        body = shell + site.sprite + next_flight(page)
    else:
        body = f'<div id="__next">{shell}</div>' + site.sprite + next_data(page)
    body += f"<script>{site.js}</script>" + rng.choice((didomi, sourcepoint, lambda p: ""))(page)
    extra = json_ld(page, body=truth_text(page.article.blocks) if rng.random() < 0.5 else "")
    return document(page, head(page, extra), body, 'class="bg-white antialiased"'), page.article.blocks


WORDPRESS_MARKUP = Markup(h='<h2 class="wp-block-heading">{}</h2>', ul='<ul class="wp-block-list">{}</ul>',
                          ol='<ol class="wp-block-list">{}</ol>',
                          quote='<blockquote class="wp-block-quote">{}</blockquote>',
                          code='<pre class="wp-block-code"><code>{}</code></pre>')


def jetpack_related(page: Page) -> str:
    posts = "".join(f'<div class="jp-relatedposts-post"><h4 class="jp-relatedposts-post-title">'
                    f'<a href="{page.site.link(o.title)}">{esc(o.title)}</a></h4>'
                    f'<p class="jp-relatedposts-post-excerpt">{esc(words_of(o.sentences[0], 25))}</p>'
                    f'<p class="jp-relatedposts-post-context">In "{esc(page.rng.choice(page.words["sections"]))}"</p>'
                    f"</div>" for o in (page.other() for _ in range(page.rng.randint(3, 6))))
    return (f'<div id="jp-relatedposts" class="jp-relatedposts"><h3 class="jp-relatedposts-headline">'
            f'<em>{esc(page.words["related"])}</em></h3>{posts}</div>')


def wordpress_comments(page: Page) -> str:
    comments = comment_thread(page, page.rng.randint(0, 25), "wp-block-comment-template")
    return (f'<div class="wp-block-comments">{comments}'
            f'<div id="respond" class="comment-respond">'
            f'<h3 id="reply-title" class="comment-reply-title">Leave a Reply</h3>'
            f'<form class="comment-form"><p class="comment-notes">Your email address will not be published. '
            f'Required fields are marked *</p><textarea name="comment"></textarea>'
            f'<input type="submit" value="Post Comment"></form></div></div>')


def wordpress_block(page: Page):
    """A WordPress block theme: wp-block-* markup, Jetpack related posts, comments, a cookie plugin's banner."""
    rng, site, words = page.rng, page.site, page.words
    pull = lambda: (f'<figure class="wp-block-pullquote"><blockquote><p>{esc(rng.choice(page.article.sentences))}</p>'
                    f"<cite>{esc(page.author)}</cite></blockquote></figure>")
    extras = (pull,) if rng.random() < 0.4 else ()
    chunks = body_chunks(page, rng.randint(0, 3), rng.randint(0, 2), rng.randint(0, 3), extras)
    chunks = [c.replace('class="figure"', 'class="wp-block-image size-large"')
              .replace('class="caption"', 'class="wp-element-caption"') for c in chunks]
    content = (f'<div class="entry-content wp-block-post-content has-global-padding is-layout-constrained">'
               f'{render_blocks(page, page.article.blocks, WORDPRESS_MARKUP, chunks)}'
               f'<div class="sharedaddy sd-sharing-enabled"><h3 class="sd-title">{esc(words["share"])}:</h3>'
               f'{share_bar(page, "sd-content")}</div>{jetpack_related(page)}</div>')
    wrapper = "article" if rng.random() < 0.3 else "div"
    main = (f'<main class="wp-block-group is-layout-flow" id="main-content">'
            f'<{wrapper} class="wp-block-group alignfull has-global-padding">'
            f'<h1 class="wp-block-post-title">{esc(page.article.title)}</h1><div class="wp-block-group is-layout-flex">'
            f'<div class="wp-block-post-date"><time datetime="{iso(page.date)}">{human_date(page.date)}</time></div>'
            f'<div class="wp-block-post-author-name">'
            f'<a href="{site.link("author", page.author)}">{esc(page.author)}</a>'
            f'</div></div><figure class="wp-block-post-featured-image">'
            f'<img src="{page.image_url(1200, slugify(page.article.title, 4))}" alt="" loading="eager"></figure>'
            f'{content}</{wrapper}><div class="wp-block-group taxonomy-category wp-block-post-terms">'
            f'{tags(page, "wp-block-post-terms__list")}</div>{wordpress_comments(page)}</main>')
    body = (f'<div class="wp-site-blocks"><header class="wp-block-template-part">'
            f'{site_header(page, "wp-block-group", "wp-block-navigation")}</header>{main}'
            f'<footer class="wp-block-template-part"><div class="wp-block-group">'
            f'{headline_links(page, 5, "wp-block-latest-posts__list wp-block-latest-posts")}'
            f'{site_footer(page, "wp-block-group has-small-font-size")}</div></footer></div>'
            f"{cookieyes(page)}<script>{site.js}</script>"
            '<script id="wp-emoji-settings" type="application/json">'
            '{"baseUrl":"https:\\/\\/s.w.org\\/images\\/core\\/emoji\\/15.0.3\\/72x72\\/","ext":".png"}</script>')
    graph = {"@context": "https://schema.org", "@graph": [{"@type": "Article", "headline": page.article.title,
                                                           "datePublished": iso(page.date)}]}
    extra = (f'<style id="global-styles-inline-css">{site.css}</style>'
             f'<script type="application/ld+json" class="yoast-schema-graph">{script_json(graph)}</script>')
    classes = (f'class="post-template-default single single-post postid-{rng.randint(1000, 99999)} '
               f'single-format-standard wp-embed-responsive"')
    return document(page, head(page, extra, inline_css=False), body, classes), page.article.blocks


SUBSTACK_MARKUP = Markup(h='<h2 class="header-anchor-post">{}</h2>', links=0.45)


def substack_widget(page: Page) -> str:
    words, site = page.words, page.site
    return (f'<div class="subscription-widget-wrap-editor" '
            f'data-attrs="{{&quot;url&quot;:&quot;https://{site.domain}/subscribe&quot;}}">'
            f'<div class="subscription-widget show-subscribe"><div class="preamble"><p class="cta-caption">'
            f'Thanks for reading {esc(site.name)}! Subscribe for free to receive new posts and support my work.</p>'
            f'</div>'
            f'<form class="subscription-widget-subscribe">'
            f'<input type="email" class="email-input" placeholder="{attr(words["email"])}">'
            f'<input type="submit" class="button primary" value="{attr(words["subscribe"])}"></form></div></div>')


def substack_preloads(page: Page, body_html: str) -> str:
    """Substack's window._preloads: the post again, its whole body as HTML, in a string JSON.parse reads."""
    post = {"id": page.rng.randint(10**8, 10**9), "title": page.article.title, "subtitle": page.article.summary,
            "slug": slugify(page.article.title), "post_date": iso(page.date), "audience": "everyone",
            "body_html": body_html, "truncated_body_text": truth_text(page.article.blocks)[:280],
            "reactions": {"❤": page.rng.randint(5, 900)}}
    preloads = {"post": post, "pub": {"name": page.site.name, "author_name": page.author},
                "recommendations": teaser_json(page, page.rng.randint(3, 8))}
    return f"<script>window._preloads = JSON.parse({script_json(json.dumps(preloads, ensure_ascii=False))})</script>"


def substack(page: Page):
    """A Substack-like newsletter post: subscribe widgets in the body, comments, the post again in _preloads."""
    rng, site, words = page.rng, page.site, page.words
    chunks = [substack_widget(page) for _ in range(rng.randint(1, 2))]
    chunks += [figure(page, "captioned-image-container", "image-caption") for _ in range(rng.randint(0, 2))]
    rng.shuffle(chunks)
    body_html = render_blocks(page, page.article.blocks, SUBSTACK_MARKUP, chunks)
    post = (f'<article class="typography newsletter-post post"><div class="post-header">'
            f'<h1 class="post-title published">{esc(page.article.title)}</h1>'
            + dek(page, '<h3 class="subtitle">{}</h3>')
            + f'<div class="post-meta">{byline(page, "byline-wrapper")}</div>'
            f'<div class="post-ufi">{share_bar(page, "post-ufi-buttons")}</div></div>'
            f'<div class="available-content"><div dir="auto" class="body markup">{body_html}</div></div>'
            f'<div class="post-footer"><div class="post-ufi">{share_bar(page, "post-ufi-buttons")}</div></div>'
            f'</article>'
            f'<div class="subscribe-footer"><h3>Ready for more?</h3>{substack_widget(page)}</div>'
            f'<div class="single-post-section comments-section"><h3>Discussion about this post</h3>'
            f'{comment_thread(page, rng.randint(3, 30), "comments-page")}</div>')
    recommendations = card_grid(page, words["recommended"], rng.randint(3, 6), "recommendations-list", "recommendation")
    body = (f'<div id="entry"><div id="main" class="main typography use-theme-bg">'
            f'{site_header(page, "main-menu topbar", "nav-links")}'
            f'<div class="container"><div class="single-post-container">{post}{recommendations}</div></div>'
            f'{site_footer(page, "footer-wrap")}</div></div>{substack_preloads(page, body_html)}'
            f"<script>{site.js}</script>")
    return document(page, head(page, json_ld(page)), body), page.article.blocks


def medium_classes(rng: random.Random, count: int) -> str:
    """Medium's atomic CSS: short hashed class names, many on each element."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    return " ".join(rng.choice(letters) + rng.choice(letters) for _ in range(count))


def medium_markup(rng: random.Random) -> Markup:
    paragraph = f'class="pw-post-body-paragraph {medium_classes(rng, 24)}" data-selectable-paragraph=""'
    return Markup(p=f"<p {paragraph}>{{}}</p>", quote_p=f"<p {paragraph}>{{}}</p>",
                  h=f'<h2 class="{medium_classes(rng, 14)} pw-subheading" data-selectable-paragraph="">{{}}</h2>',
                  li=f'<li class="{medium_classes(rng, 20)}" data-selectable-paragraph="">{{}}</li>',
                  quote=f'<blockquote class="{medium_classes(rng, 3)}">{{}}</blockquote>',
                  code=f'<pre class="{medium_classes(rng, 10)}"><span class="{medium_classes(rng, 4)}" '
                       f'data-selectable-paragraph="">{{}}</span></pre>')


def apollo_state(page: Page) -> str:
    """Medium's window.__APOLLO_STATE__: every paragraph of the post again, as a normalised GraphQL cache."""
    post_id = hex_id(page.rng, 12)
    paragraphs = [{"__ref": f"Paragraph:{post_id}_{i}"} for i in range(len(page.article.blocks))]
    state = {"ROOT_QUERY": {"__typename": "Query", f'postResult({{"id":"{post_id}"}})': {"__ref": f"Post:{post_id}"}},
             f"Post:{post_id}": {"__typename": "Post", "id": post_id, "title": page.article.title,
                                 "clapCount": page.rng.randint(10, 20000),
                                 "content": {"bodyModel": {"paragraphs": paragraphs}}}}
    for i, (kind, value) in enumerate(page.article.blocks):
        state[f"Paragraph:{post_id}_{i}"] = {"__typename": "Paragraph", "id": f"{post_id}_{i}",
                                            "name": hex_id(page.rng, 4),
                                            "type": {"p": "P", "h": "H3", "code": "PRE"}.get(kind, "ULI"),
                                            "text": truth_text([(kind, value)]), "markups": []}
    return f"<script>window.__APOLLO_STATE__ = {script_json(state)}</script>"


def medium(page: Page):
    """A Medium-like post: hashed classes, claps and responses, "More from" and "Recommended" cards, Apollo state."""
    rng, site, words = page.rng, page.site, page.words
    mc = lambda count: medium_classes(rng, count)
    chunks = [figure(page, f"{mc(8)} paragraph-image", mc(12)) for _ in range(rng.randint(1, 3))]
    claps = (f'<div class="{mc(6)}"><div class="pw-multi-vote-icon">{svg_icon(rng)}</div>'
             f'<div class="pw-multi-vote-count"><p class="{mc(5)}">{rng.randint(1, 30)}.{rng.randint(0, 9)}K</p></div>'
             f'<div class="pw-responses-count">{svg_icon(rng)}<p>{rng.randint(2, 200)}</p>'
             f'</div>{share_bar(page, mc(3))}</div>')
    article = (f'<article><div class="l"><div class="l"><section><div><div class="{mc(5)}"><div class="ab ca">'
               f'<div class="{mc(8)}"><div><h1 id="{hex_id(rng, 4)}" class="pw-post-title {mc(16)}" '
               f'data-testid="storyTitle">{esc(page.article.title)}</h1></div>'
               + dek(page, f'<h2 class="pw-subtitle-paragraph {mc(14)}">{{}}</h2>')
               + f'<div class="speechify-ignore">{byline(page, mc(6))}{claps}</div>'
               + render_blocks(page, page.article.blocks, medium_markup(rng), chunks)
               + "</div></div></div></div></section></div></div></article>")
    written = (f'<div class="{mc(6)}"><h2>Written by {esc(page.author)}</h2><p>{rng.randint(100, 90000)} followers</p>'
               f'{author_card(page, mc(5))}</div>')
    more_from = f"{words['more_from']} {page.author}"
    footer = "".join(f'<a href="https://{site.domain}/{slugify(x)}">{x}</a>' for x in
                     ("Help", "Status", "About", "Careers", "Press", "Blog", "Privacy", "Terms", "Text to speech"))
    body = (f'<div id="root"><div class="a b c"><div class="{mc(4)}">'
            f'<div class="{mc(6)}">{site_header(page, mc(7), mc(3))}</div><div class="{mc(3)}">{article}</div>'
            f'{written}{comment_thread(page, rng.randint(0, 12), mc(4))}'
            f'{card_grid(page, more_from, 4, mc(4), mc(6))}'
            f'{card_grid(page, words["recommended"], 6, mc(4), mc(6))}<div class="{mc(4)}">{footer}</div></div></div>'
            f'</div>'
            f"{apollo_state(page)}<script>{site.js}</script>")
    extra = f"<style>{site.css}</style>" + json_ld(page, "Article")
    return document(page, head(page, extra, inline_css=False), body), page.article.blocks


def ghost_bookmark(page: Page) -> str:
    """A bookmark card: another article's title and description inside the content, as Ghost embeds links."""
    other = page.other()
    return (f'<figure class="kg-card kg-bookmark-card">'
            f'<a class="kg-bookmark-container" href="{page.site.link(other.title)}">'
            f'<div class="kg-bookmark-content"><div class="kg-bookmark-title">{esc(other.title)}</div>'
            f'<div class="kg-bookmark-description">{esc(words_of(other.sentences[0], 30))}</div>'
            f'<div class="kg-bookmark-metadata"><span class="kg-bookmark-author">{esc(page.site.name)}</span>'
            f'<span class="kg-bookmark-publisher">{esc(person(page.rng, other.lang))}</span></div></div></a></figure>')


def ghost_signup(page: Page) -> str:
    words = page.words
    return (f'<div class="kg-card kg-signup-card kg-width-regular"><div class="kg-signup-card-content">'
            f'<h2 class="kg-signup-card-heading">{esc(words["newsletter"])}</h2>'
            f'<p class="kg-signup-card-subheading">{esc(words["newsletter_text"])}</p>'
            f'<form class="kg-signup-card-form" data-members-form="signup">'
            f'<input class="kg-signup-card-input" type="email" placeholder="{attr(words["email"])}">'
            f'<button class="kg-signup-card-button">{esc(words["subscribe"])}</button></form></div></div>')


def ghost(page: Page):
    """A Ghost (Casper-like) blog: kg-cards in the content, signup cards, "Read more" post cards."""
    rng, site, words = page.rng, page.site, page.words
    chunks = [ghost_bookmark(page) for _ in range(rng.randint(0, 2))]
    chunks += [ghost_signup(page) for _ in range(rng.randint(0, 1))]
    chunks += [figure(page, "kg-card kg-image-card kg-card-hascaption", "") for _ in range(rng.randint(0, 2))]
    rng.shuffle(chunks)
    section = rng.choice(words["sections"])
    article = (f'<article class="article post tag-{slugify(section)}"><header class="article-header gh-canvas">'
               f'<section class="article-tag post-card-tags"><span class="post-card-primary-tag">{esc(section)}</span>'
               f'</section><h1 class="article-title">{esc(page.article.title)}</h1>'
               + dek(page, '<p class="article-excerpt">{}</p>')
               + f'<div class="article-byline">{byline(page, "article-byline-content")}</div>'
                 f'<figure class="article-image">'
               f'<img src="{page.image_url(2000, slugify(page.article.title, 4))}" alt="{attr(page.article.title)}">'
               f'</figure></header><section class="gh-content gh-canvas">'
               + render_blocks(page, page.article.blocks, Markup(), chunks)
               + f'</section><section class="article-comments gh-canvas"><script defer '
               f'src="https://cdn.example/comments-ui.min.js" data-ghost-comments="https://{site.domain}/"></script>'
               f'</section></article>')
    read_more_cards = "".join(teaser_card(page, "post-card keep-ratio") for _ in range(3))
    body = (f'<div class="viewport">{site_header(page, "gh-head outer", "gh-head-menu")}<div class="site-content">'
            f'<main id="site-main" class="site-main">{article}</main></div>'
            f'<aside class="read-more-wrap outer"><div class="read-more inner">'
            f'<h2 class="read-more-title">{esc(words["read_more"])}</h2>'
            f'<div class="read-more-feed">{read_more_cards}</div>'
            f'</div></aside>{site_footer(page, "site-footer outer")}</div>'
            f'<script defer src="https://cdn.example/ghost/portal.min.js" data-ghost="https://{site.domain}/"></script>'
            f"<script>{site.js}</script>")
    html_text = document(page, head(page, json_ld(page, "Article")), body, 'class="post-template has-sans-body"')
    return html_text, page.article.blocks


def arc_content(page: Page) -> str:
    """Arc XP's Fusion.globalContent: the story as content_elements, plus the site's other state."""
    elements = [{"_id": hex_id(page.rng, 26), "type": {"p": "text", "h": "header", "code": "code"}.get(kind, "list"),
                 "content": truth_text([(kind, value)])} for kind, value in page.article.blocks]
    content = {"_id": hex_id(page.rng, 26), "type": "story", "headlines": {"basic": page.article.title},
               "subheadlines": {"basic": page.article.summary}, "content_elements": elements,
               "credits": {"by": [{"name": page.author}]}, "display_date": iso(page.date),
               "taxonomy": {"tags": [{"text": t} for t in page.rng.sample(page.words["topics"], 5)]}}
    cache = {"related-content": teaser_json(page, page.rng.randint(8, 20))}
    return (f"<script>window.Fusion=window.Fusion||{{}};Fusion.globalContent={script_json(content)};"
            f'Fusion.contentCache={script_json(cache)};Fusion.deployment="{page.rng.randint(100, 999)}";</script>')


PUBLISHER_MARKUP = Markup(p='<p class="article-body__paragraph">{}</p>', h='<h2 class="article-body__heading">{}</h2>',
                          ul='<ul class="article-body__list">{}</ul>',
                          quote='<blockquote class="article-body__quote">{}</blockquote>')


# Story-body class names as big publishers' templates use them.
PUBLISHER_BODIES = ("article-body", "article-body-commercial-selector article-body-viewer-selector",
                    "RichTextStoryBody RichTextBody", "c-entry-content", "body__inner-container",
                    "story-text meteredContent")


def publisher_article(page: Page, section: str) -> str:
    rng = page.rng
    extras = [lambda: related_inline(page)]
    if rng.random() < 0.4:
        extras.append(lambda: pull_quote(page))
    if rng.random() < 0.15:
        extras.append(lambda: social_embed(page))
    chunks = body_chunks(page, rng.randint(2, 6), rng.randint(1, 3), rng.randint(0, 3), tuple(extras))
    return (f'<article class="article" itemscope itemtype="https://schema.org/NewsArticle">'
            f'<header class="article-header">'
            f'<a class="kicker" href="{page.site.link(section)}">{esc(section)}</a>'
            f'<h1 itemprop="headline" class="headline">{esc(page.article.title)}</h1>'
            + dek(page, '<div class="standfirst" itemprop="description"><p>{}</p></div>')
            + byline(page, "article-byline") + share_bar(page) + "</header>"
            + figure(page, "article-hero", "article-hero__caption")
            + f'<div class="{rng.choice(PUBLISHER_BODIES)}" itemprop="articleBody" data-component="article-body">'
            + render_blocks(page, page.article.blocks, PUBLISHER_MARKUP, chunks,
                            '<div class="article-body__section" data-component="text-block">{}</div>'
                            if rng.random() < 0.5 else "")
            + "</div>"
            + tags(page, "article-tags") + author_card(page) + "</article>")


def onetrust_news(page: Page):
    """A big publisher's article: OneTrust with its vendor list, ads and "Read more" in the body, rails, comments."""
    rng, site, words = page.rng, page.site, page.words
    section = rng.choice(words["sections"])
    conversation = ""
    if rng.random() < 0.6:
        conversation = (f'<div data-spotim-module="conversation" class="openweb-conversation">'
                        f'{comment_thread(page, rng.randint(5, 40), "ow-comments")}</div>')
    rail = (f'<aside class="rail">{ranked_list(page, words["most_read"], 10)}{ad_slot(page)}'
            f'{card_grid(page, words["latest"], rng.randint(4, 8), "rail-latest", "rail-card", text=False)}'
            f"{ad_slot(page)}</aside>")
    body = (f'<div class="page">{site_header(page)}<div class="trending-bar"><span>{esc(words["trending"])}</span>'
            f'{headline_links(page, rng.randint(4, 8), "trending-list")}</div>'
            f'<main id="main-content" class="layout-article"><div class="layout-grid">{breadcrumbs(page, section)}'
            f'{publisher_article(page, section)}{rail}</div>{conversation}'
            f'{card_grid(page, "More on this story", rng.randint(4, 8), "more-on-story")}'
            f'{card_grid(page, words["recommended"], rng.randint(6, 12), "recommended")}</main>'
            f'{site_footer(page)}</div>{arc_content(page)}<script>{site.js}</script>{onetrust(page)}')
    extra = json_ld(page, body=truth_text(page.article.blocks) if rng.random() < 0.7 else "")
    return document(page, head(page, extra), body, 'class="article-page"'), page.article.blocks


def live_entries(blocks) -> list[list]:
    """The article split into live-blog entries: a heading opens one, else every one to three blocks."""
    entries, sizes = [], (1, 2, 3, 2)  # a fixed rhythm of entry lengths, so the split needs no randomness
    for kind, value in blocks:
        if kind == "h" or not entries or len([b for b in entries[-1] if b[0] != "h"]) >= sizes[len(entries) % 4]:
            entries.append([])
        entries[-1].append((kind, value))
    return entries


def live_entry(page: Page, entry: list, moment: datetime.datetime) -> str:
    markup = Markup(h='<h2 class="block-title">{}</h2>', p='<p class="block-text">{}</p>')
    inner = "".join(block_html(page, kind, value, markup) for kind, value in entry)
    if page.rng.random() < 0.15:
        inner += figure(page, "block-figure")
    return (f'<article class="block" id="block-{hex_id(page.rng, 24)}"><header class="block-header">'
            f'<time class="block-time" datetime="{iso(moment)}">{moment:%H.%M} GMT</time>'
            f'<span class="block-author">{esc(person(page.rng, page.article.lang))}</span></header>'
            f'<div class="block-elements">{inner}</div><footer class="block-footer">{share_bar(page, "block-share")}'
            f"</footer></article>")


def liveblog(page: Page):
    """A live blog: timestamped entries, newest first, each one the article's text; key events and JSON-LD updates."""
    rng, site, words = page.rng, page.site, page.words
    entries = live_entries(page.article.blocks)[::-1]  # newest first, as live pages read
    rendered, updates = [], []
    for number, entry in enumerate(entries):
        moment = page.when(number * rng.uniform(0.1, 0.6))
        rendered.append(live_entry(page, entry, moment))
        if number and rng.random() < 0.3:
            rendered.append(ad_slot(page))
        updates.append({"@type": "BlogPosting", "headline": words_of(truth_text(entry), 10),
                        "datePublished": iso(moment), "articleBody": truth_text(entry)})
    key_events = "".join(f'<li><a href="#block-{hex_id(rng, 24)}"><time>{page.when(i):%H.%M}</time> '
                         f'{esc(words_of(truth_text(entry), 9))}</a></li>'
                         for i, entry in enumerate(entries[:rng.randint(3, 8)]))
    body = (f'{site_header(page)}<main id="main-content" class="liveblog"><div class="liveblog-header">'
            f'<span class="live-badge">LIVE</span><h1>{esc(page.article.title)}</h1>'
            + dek(page, '<div class="standfirst"><p>{}</p></div>') + byline(page) + share_bar(page)
            + f'</div><div class="liveblog-body"><aside class="key-events"><h2>Key events</h2><ul>{key_events}</ul>'
              f'</aside>'
            f'<div class="liveblog-updates" aria-live="polite">'
            f'<button class="new-updates" hidden>{rng.randint(2, 9)} new updates</button>{"".join(rendered)}'
            f'<button class="load-more">{esc(words["show_more"])}</button><nav class="liveblog-pagination">'
            f'<a href="?page=newest">Newest</a><a href="?page=2">{esc(words["previous"])}</a></nav></div>'
            f'{ranked_list(page, words["most_read"], 10)}</div>'
            f'{card_grid(page, words["related"], rng.randint(4, 8))}</main>'
            f"{site_footer(page)}<script>{site.js}</script>{rng.choice((didomi, sourcepoint))(page)}")
    extra = json_ld(page, "LiveBlogPosting", coverageStartTime=iso(page.when(len(entries))), liveBlogUpdate=updates)
    return document(page, head(page, extra), body), tuple(block for entry in entries for block in entry)


def docs_sidebar(page: Page) -> str:
    """A docs sidebar tree: every page title of the section, in collapsed categories."""
    categories = []
    for category in page.rng.sample(page.words["topics"], page.rng.randint(5, 10)):
        links = "".join(f'<li class="menu__list-item"><a class="menu__link" href="{page.site.link("docs", o.title)}">'
                        f"{esc(o.title)}</a></li>" for o in (page.other() for _ in range(page.rng.randint(3, 9))))
        categories.append(f'<li class="menu__list-item menu__list-item--collapsed">'
                          f'<div class="menu__list-item-collapsible">'
                          f'<a class="menu__link menu__link--sublist" href="#">{esc(category)}</a></div>'
                          f'<ul class="menu__list">{links}</ul></li>')
    return (f'<nav aria-label="Docs sidebar" class="menu thin-scrollbar"><ul class="theme-doc-sidebar-menu menu__list">'
            f'{"".join(categories)}</ul></nav>')


def docs_markup(rng: random.Random) -> Markup:
    """Docusaurus code blocks: Prism token spans and a copy button beside the code."""
    copy = (f'<div class="buttonGroup"><button type="button" aria-label="Copy code to clipboard" title="Copy" '
            f'class="clean-btn">{svg_icon(rng)}</button></div>')
    return Markup(h='<h2 class="anchor anchorWithStickyNavbar">{}</h2>',
                  code=f'<div class="language-go codeBlockContainer theme-code-block"><div class="codeBlockContent">'
                       f'<pre tabindex="0" class="prism-code language-go codeBlock thin-scrollbar">'
                       f'<code class="codeBlockLines">{{}}</code></pre>{copy}</div></div>')


def docs_page(page: Page, content: str, toc: str) -> str:
    words = page.words
    pagination = "".join(f'<a class="pagination-nav__link--{side}" href="#"><div class="pagination-nav__sublabel">'
                         f'{esc(label)}</div><div class="pagination-nav__label">{esc(page.other().title)}</div></a>'
                         for side, label in (("prev", words["previous"]), ("next", words["next"])))
    edit = f"https://git.example/{slugify(page.site.name)}/edit/main/docs/{slugify(page.article.title)}.md"
    main = (f'<div class="main-wrapper docsWrapper"><div class="docPage"><aside class="theme-doc-sidebar-container">'
            f'{docs_sidebar(page)}</aside><main class="docMainContainer"><div class="container"><div class="row">'
            f'<div class="col docItemCol">{breadcrumbs(page, "Docs")}<article><div class="theme-doc-markdown markdown">'
            f'<header><h1>{esc(page.article.title)}</h1></header>{content}</div>'
            f'<footer class="theme-doc-footer"><a href="{edit}" class="theme-edit-this-page">Edit this page</a>'
            f'<span class="theme-last-updated">Last updated on <time'
            f' datetime="{iso(page.date)}">{human_date(page.date)}'
            f'</time></span></footer></article><nav class="pagination-nav" aria-label="Docs pages">{pagination}</nav>'
            f'<div class="feedback-widget"><p>Was this page helpful?</p><button>Yes</button><button>No</button></div>'
            f'</div><div class="col col--3"><div class="tableOfContents thin-scrollbar theme-doc-toc-desktop">'
            f'<p>On this page</p><ul class="table-of-contents">{toc}</ul></div></div></div></div></main></div></div>')
    return (f'<div id="__docusaurus">{site_header(page, "navbar navbar--fixed-top", "navbar__items")}{main}'
            f'{site_footer(page, "footer footer--dark")}</div>')


def dev_blog_page(page: Page, content: str, toc: str) -> str:
    related = "".join(f'<li><a href="{page.site.link("blog", o.title)}">{esc(o.title)}</a>'
                      f"<p>{esc(words_of(o.sentences[0], 24))}</p></li>"
                      for o in (page.other() for _ in range(page.rng.randint(3, 5))))
    return (f'{site_header(page)}<main id="main-content" class="container"><article class="post h-entry">'
            f'<header class="post-header"><h1 class="post-title p-name">{esc(page.article.title)}</h1>'
            + dek(page, '<p class="post-summary">{}</p>') + byline(page, "post-meta") + tags(page, "post-tags")
            + f'</header><details class="toc"><summary>Contents</summary><ul>{toc}</ul></details>'
            f'<div class="post-content e-content">{content}</div>'
            f'<footer class="post-footer">{share_bar(page)}{author_card(page)}</footer></article>'
            f'<section class="related-posts"><h2>{esc(page.words["related"])}</h2><ul>{related}</ul></section>'
            f'<section class="giscus"><script src="https://giscus.app/client.js" '
            f'data-repo="{slugify(page.site.name)}/blog" async></script></section></main>{site_footer(page)}')


def techblog_docs(page: Page):
    """A docs site (Docusaurus-like) or a developer blog: code with copy buttons, sidebars, a TOC of the headings."""
    rng = page.rng
    toc = "".join(f'<li><a href="#{slugify(v)}" class="table-of-contents__link">{esc(v)}</a></li>'
                  for k, v in page.article.blocks if k == "h")
    figures = [figure(page, "docs-figure") for _ in range(rng.randint(0, 1))]
    content = render_blocks(page, page.article.blocks, docs_markup(rng), figures)
    shell = docs_page(page, content, toc) if rng.random() < 0.5 else dev_blog_page(page, content, toc)
    body = shell + f"<script>{page.site.js}</script>"
    return document(page, head(page, json_ld(page, "TechArticle")), body), page.article.blocks


RECIPE_MARKUP = Markup(p='<div class="wprm-recipe-summary wprm-block-text-normal"><span>{}</span></div>',
                       h='<h3 class="wprm-recipe-header wprm-block-text-bold">{}</h3>',
                       ul='<ul class="wprm-recipe-ingredients">{}</ul>',
                       ol='<ul class="wprm-recipe-instructions">{}</ul>',
                       li='<li class="wprm-recipe-item"><span class="wprm-recipe-item-text">{}</span></li>', links=0)
NUTRIENTS = (("Calories", "kcal"), ("Carbohydrates", "g"), ("Protein", "g"), ("Fat", "g"), ("Sodium", "mg"),
             ("Fiber", "g"))


def recipe_card(page: Page) -> tuple[str, tuple]:
    """A WP Recipe Maker-style card: its summary, ingredients and steps are read; times, stars and nutrition not."""
    recipe, rng = page.recipe, page.rng
    blocks = tuple([("p", p) for p in recipe["intro"]] + [("h", "Ingredients"), ("ul", tuple(recipe["ingredients"])),
                                                         ("h", "Instructions"), ("ol", tuple(recipe["steps"]))])
    times = "".join(f'<div class="wprm-recipe-time-container"><span class="wprm-recipe-details-label">{label}</span>'
                    f'<span class="wprm-recipe-details">{rng.randint(5, 90)}</span> <span>mins</span></div>'
                    for label in ("Prep Time", "Cook Time", "Total Time"))
    nutrition = "".join(f'<span class="wprm-nutrition-label-text-nutrition-container"><span>{name}: </span>'
                        f'<span class="wprm-nutrition-value">{rng.randint(1, 600)}</span><span>{unit}</span></span>'
                        for name, unit in NUTRIENTS)
    stars = "".join(svg_icon(rng, 5, 16) for _ in range(5))
    tag = slugify(page.site.name).replace("-", "")
    card = (f'<div id="wprm-recipe-container-{rng.randint(1000, 99999)}" class="wprm-recipe-container">'
            f'<div class="wprm-recipe wprm-recipe-template-custom"><div class="wprm-recipe-image">'
            f'<img src="{page.image_url(500, slugify(recipe["title"]))}" alt=""></div>'
            f'<h2 class="wprm-recipe-name wprm-block-text-bold">{esc(recipe["title"])}</h2>'
            f'<div class="wprm-recipe-rating">{stars}<div class="wprm-recipe-rating-details">{rng.uniform(3.8, 5):.1f} '
            f'from {rng.randint(3, 400)} votes</div></div><div class="wprm-recipe-buttons">'
            f'<a class="wprm-recipe-print" href="#">Print Recipe</a><a class="wprm-recipe-pin" href="#">Pin Recipe</a>'
            f'</div>'
            f'{render_blocks(page, blocks, RECIPE_MARKUP)}<div class="wprm-recipe-times-container">{times}</div>'
            f'<h3 class="wprm-recipe-header">Nutrition</h3>'
            f'<div class="wprm-nutrition-label-container">{nutrition}</div>'
            f'<div class="wprm-call-to-action"><span class="wprm-call-to-action-header">Tried this recipe?</span>'
            f'<span class="wprm-call-to-action-text">Mention @{tag} or tag #{tag}!</span></div></div></div>')
    return card, blocks


def raptive_ad(rng: random.Random) -> str:
    return (f'<div class="adthrive-ad adthrive-content adthrive-content-{rng.randint(1, 9)} adthrive-ad-cls" '
            f'data-google-query-id="{hex_id(rng, 20)}" style="min-height:250px">'
            f'<div id="google_ads_iframe_{rng.randint(10**9, 10**10)}__container__"></div></div>')


def recipe_sidebar(page: Page) -> str:
    about = (f'<section class="widget widget_text">'
             f'<h2 class="widget-title">Hi, I\'m {esc(page.author.split()[0])}!</h2>'
             f'<div class="textwidget"><p>Welcome to {esc(page.site.name)}, where I share easy weeknight dinners, '
             f'baking projects and the stories behind them. Grab a cup of coffee and stay a while.</p></div></section>')
    return (f'<aside id="secondary" class="widget-area">{about}<section class="widget">'
            f'{card_grid(page, "Popular recipes", 5, "popular-posts", "popular-post", text=False)}</section>'
            f'{ad_slot(page, labelled=False)}<section class="widget"><form role="search">'
            f'<input type="search" placeholder="{attr(page.words["search"])}"></form></section></aside>')


def recipe_blog(page: Page):
    """A recipe/lifestyle blog: a long story before the recipe card, ads every few paragraphs, a sidebar, comments."""
    rng, site = page.rng, page.site
    chunks = [raptive_ad(rng) for _ in range(max(2, page.article.text_blocks // 3))]
    chunks += [figure(page, "wp-block-image size-full") for _ in range(rng.randint(2, 4))]
    rng.shuffle(chunks)
    card, card_blocks = recipe_card(page)
    content = (f'<div class="wprm-recipe-snippet"><a href="#recipe" class="wprm-recipe-jump">Jump to Recipe</a>'
               f'<a href="#" class="wprm-recipe-print">Print Recipe</a></div><p class="disclosure"><em>This post may '
               f'contain affiliate links. Please read our disclosure policy.</em></p>'
               f'{render_blocks(page, page.article.blocks, WORDPRESS_MARKUP, chunks)}<div id="recipe"></div>{card}')
    main = (f'<div id="primary" class="content-area"><main id="main" class="site-main"><article class="post entry">'
            f'<header class="entry-header">{breadcrumbs(page, "Recipes")}<h1 class="entry-title">'
            f'{esc(page.article.title)}</h1>{byline(page, "entry-meta")}</header>'
            f'<div class="entry-content">{content}</div>'
            f'<footer class="entry-footer">{share_bar(page)}</footer></article>'
            f'{card_grid(page, "You may also like", rng.randint(4, 8), "related-recipes")}'
            f'<div id="comments" class="comments-area">{comment_thread(page, rng.randint(4, 35), "comment-list")}</div>'
            f"</main></div>")
    ld_recipe = {"@context": "https://schema.org", "@type": "Recipe", "name": page.recipe["title"],
                 "recipeIngredient": page.recipe["ingredients"],
                 "recipeInstructions": [{"@type": "HowToStep", "text": s} for s in page.recipe["steps"]],
                 "aggregateRating": {"@type": "AggregateRating", "ratingValue": "4.8", "ratingCount": "112"}}
    body = (f'<div id="page" class="site">{site_header(page)}<div id="content" class="site-content">{main}'
            f'{recipe_sidebar(page)}</div>{site_footer(page)}</div><script>{site.js}</script>{quantcast(page)}')
    extra = json_ld(page, "BlogPosting") + f'<script type="application/ld+json">{script_json(ld_recipe)}</script>'
    html_text = document(page, head(page, extra), body, 'class="single single-post wp-custom-logo"')
    return html_text, page.article.blocks + card_blocks


def paywalled(page: Page) -> tuple:
    """The blocks a hard paywall leaves: the article's first third, at least two paragraphs."""
    shown, text_seen = [], 0
    for block in page.article.blocks:
        shown.append(block)
        text_seen += block[0] != "h"
        if text_seen >= max(2, page.article.text_blocks // 3):
            break
    return tuple(shown)


def paywall_box(page: Page) -> str:
    words, domain = page.words, page.site.domain
    return (f'<div class="subscription-required" id="paywall"><div class="subscriber-only-banner">'
            f'<h2>{esc(words["paywall"])}</h2><p>{esc(words["paywall_text"])}</p><ul class="offer-features">'
            f'<li>Unlimited access to every story</li><li>The e-edition, a digital replica of the print paper</li>'
            f'<li>Breaking news alerts</li></ul><a class="btn btn-primary" href="https://{domain}/subscribe">'
            f'{esc(words["subscribe"])}</a><p>{esc(words["already"])} '
            f'<a href="https://{domain}/login">{esc(words["sign_in"])}</a></p></div></div>')


def local_rail(page: Page) -> str:
    rng = page.rng
    obituaries = "".join(f'<li><a href="{page.site.link("obituaries", name)}">{esc(name)}</a>'
                         f"<p>{esc(words_of(page.sentence(), 20))}</p></li>"
                         for name in (person(rng, page.article.lang) for _ in range(rng.randint(3, 6))))
    return (f'<aside class="col-md-4">{ad_slot(page)}{ranked_list(page, page.words["most_read"], 5)}'
            f'<section class="obituaries"><h2>Obituaries</h2><ul>{obituaries}</ul></section>{newsletter_box(page)}'
            f"</aside>")


def native_ads(page: Page) -> str:
    """Outbrain-style sponsored links: other articles' headlines, as native ads borrow a news look."""
    rng = page.rng
    links = "".join(f'<div class="ob-dynamic-rec-container"><a class="ob-dynamic-rec-link" '
                    f'href="https://{slugify(company(rng))}.example/"><span class="ob-rec-text">{esc(o.title)}</span>'
                    f'<span class="ob-rec-source">{esc(company(rng))}</span></a></div>'
                    for o in (page.other() for _ in range(rng.randint(4, 8))))
    return (f'<div class="OUTBRAIN" data-widget-id="AR_1"><div class="ob-widget-header">{esc(page.words["sponsored"])}'
            f"</div>{links}</div>")


def local_paywall(page: Page):
    """A local paper: weather, a ticker, a hard paywall after the first paragraphs (or a meter), native ads."""
    rng, site, words = page.rng, page.site, page.words
    hard = rng.random() < 0.5
    blocks = paywalled(page) if hard else page.article.blocks
    chunks = [] if hard else body_chunks(page, rng.randint(1, 3), rng.randint(0, 2), rng.randint(0, 1))
    article = (f'<div class="asset-content {"subscriber-premium" if hard else "subscriber-only"}">'
               f'<header class="asset-header"><h1 class="headline"><span class="tnt-headline">{esc(page.article.title)}'
               f'</span></h1>{byline(page, "asset-byline")}{share_bar(page)}</header>'
               f'{figure(page, "asset-photo", "caption-text")}'
               f'<div id="article-body" itemprop="articleBody" class="asset-body">'
               f'{render_blocks(page, blocks, Markup(), chunks)}</div>{paywall_box(page) if hard else ""}'
               f'{tags(page, "asset-tags")}</div>')
    meter = (f'<div class="meter-banner" role="status">You have {rng.randint(1, 4)} free articles left this month. '
             f'<a href="https://{site.domain}/subscribe">{esc(words["subscribe"])}</a></div>')
    weather = (f'<div class="weather-widget"><span class="temp">{rng.randint(20, 95)}°F</span>'
               f"<span>Partly cloudy</span></div>")
    body = (f'{"" if hard else meter}<div id="main-page-container">{weather}{site_header(page, "site-header local")}'
            f'<div class="breaking-news">{ranked_list(page, words["latest"], rng.randint(3, 6), "ticker")}</div>'
            f'<div class="row"><main id="main-content" class="col-md-8">{article}{native_ads(page)}'
            f'{card_grid(page, words["latest"], rng.randint(4, 8), "latest-local")}</main>{local_rail(page)}</div>'
            f"{site_footer(page)}</div><script>{site.js}</script>"
            + (onetrust(page) if rng.random() < 0.3 else quantcast(page)))
    description = page.article.summary or words_of(page.article.sentences[0], 25)
    extra = json_ld(page, isAccessibleForFree=not hard, description=description)
    return document(page, head(page, extra), body), blocks


# ---------------------------------------------------------------- putting pages together


@dataclass(frozen=True)
class Family:
    render: Callable  # Page -> (html, truth blocks)
    accepts: Callable  # Article -> bool: which articles such sites publish
    css_rules: tuple[int, int]  # how much inline CSS and JS its sites carry (ranges, per site)
    js_size: tuple[int, int]
    url: str  # the site's URL pattern


NEWSY = ("wikinews", "letsencrypt-post")
FAMILIES = {
    "nextjs_news": Family(nextjs_news, lambda a: True, (400, 1600), (60_000, 260_000),
                          "https://{domain}/{section}/{y}/{m}/{d}/{slug}"),
    "wordpress_block": Family(wordpress_block, lambda a: True, (900, 2200), (20_000, 70_000),
                              "https://{domain}/{y}/{m}/{slug}/"),
    "substack": Family(substack, lambda a: True, (200, 700), (40_000, 120_000), "https://{domain}/p/{slug}"),
    "medium": Family(medium, lambda a: True, (1500, 3200), (50_000, 160_000), "https://{domain}/@{author}/{slug}-{id}"),
    "ghost": Family(ghost, lambda a: True, (100, 500), (10_000, 40_000), "https://{domain}/{y}/{m}/{slug}/"),
    "onetrust_news": Family(onetrust_news, lambda a: a.source in NEWSY or a.lang != "en", (500, 1300),
                            (80_000, 320_000),
                            "https://{domain}/{section}/{y}/{m}/{d}/{slug}"),
    "liveblog": Family(liveblog, lambda a: a.source in NEWSY and a.text_blocks >= 6, (300, 900), (50_000, 160_000),
                       "https://{domain}/{section}/live/{y}/{m}/{d}/{slug}"),
    "techblog_docs": Family(techblog_docs, lambda a: a.source in ("go-blog", "letsencrypt-docs", "letsencrypt-post"),
                            (400, 1100), (30_000, 110_000), "https://{domain}/{y}/{m}/{slug}"),
    "recipe_blog": Family(recipe_blog, lambda a: a.lang == "en" and a.source != "letsencrypt-docs", (600, 1600),
                          (60_000, 220_000), "https://{domain}/{y}/{m}/{slug}/"),
    "local_paywall": Family(local_paywall, lambda a: a.source in NEWSY and a.text_blocks >= 4, (300, 900),
                            (60_000, 200_000), "https://{domain}/news/local/{y}/{m}/{slug}/article_{id}.html"),
}
FIRST_DAY, LAST_DAY = datetime.datetime(2024, 1, 1), datetime.datetime(2026, 6, 30)


class Sites:
    """Each family has two English sites and one for each other language, made once and reused by their pages."""

    def __init__(self, seed: int):
        self.seed, self.made = seed, {}

    def pick(self, family: str, lang: str, rng: random.Random) -> Site:
        names = SITE_NAMES.get(lang, SITE_NAMES["en"])
        per_family = len(names) // len(FAMILIES)
        index = rng.randrange(per_family)
        key = (family, lang, index)
        if key not in self.made:
            name = names[list(FAMILIES).index(family) * per_family + index]
            sizes = random.Random(f"{self.seed}:{family}:{name}")
            spec = FAMILIES[family]
            self.made[key] = Site(lang, name, slugify(name).replace("-", "") + ".example", str(self.seed),
                                  sizes.randint(*spec.css_rules), sizes.randint(*spec.js_size))
        return self.made[key]


def family_order(rng: random.Random, pages: int) -> list[str]:
    """The families in a shuffled order with equal counts (give or take one)."""
    names = list(FAMILIES)
    order = (names * (pages // len(names) + 1))[:pages]
    rng.shuffle(order)
    return order


def choose_article(family: str, pool: list[Article], usage: dict) -> Article:
    """The family's least used article (in the pool's shuffled order), so articles repeat only once all were used."""
    fits = [a for a in pool if FAMILIES[family].accepts(a)]
    return min(fits, key=lambda a: usage.get(a.id, 0))


def make_page(number: int, family: str, article: Article, pool: list[Article], recipes: list[dict],
              sites: Sites, seed: int, part: str) -> tuple[Page, str, tuple]:
    rng = random.Random(f"{seed}:{part}:{number}")
    site = sites.pick(family, article.lang, rng)
    moment = FIRST_DAY + datetime.timedelta(seconds=rng.randrange(int((LAST_DAY - FIRST_DAY).total_seconds())))
    # Cards and captions come from articles in the page's language first; the small German, French and
    # Spanish pools run out on a busy page, and then English ones follow.
    same = [a for a in pool if a.id != article.id and a.lang == article.lang]
    foreign = [a for a in pool if a.lang != article.lang]
    rng.shuffle(same)
    rng.shuffle(foreign)
    others = same + foreign
    author = article.author if article.author and rng.random() < 0.5 else person(rng, article.lang)
    url = FAMILIES[family].url.format(domain=site.domain, section=slugify(rng.choice(site.words["sections"])),
                                      y=moment.year, m=f"{moment.month:02d}", d=f"{moment.day:02d}",
                                      slug=slugify(article.title), author=slugify(author), id=hex_id(rng, 12))
    page = Page(rng, site, article, others, rng.choice(recipes) if family == "recipe_blog" else None,
                moment, url, author)
    html_text, truth_blocks = FAMILIES[family].render(page)
    return page, html_text, truth_blocks


def generate(prose: Path, out: Path, pages: int, seed: int, part: str) -> list[dict]:
    pool, recipes = load_prose(prose, part)
    rng = random.Random(f"{seed}:{part}")
    rng.shuffle(pool)
    sites, usage, rows = Sites(seed), {}, []
    (out / "pages").mkdir(parents=True, exist_ok=True)
    for number, family in enumerate(family_order(rng, pages), 1):
        article = choose_article(family, pool, usage)
        usage[article.id] = usage.get(article.id, 0) + 1
        page, html_text, truth_blocks = make_page(number, family, article, pool, recipes, sites, seed, part)
        name = f"pages/{number:04d}.html.gz"
        data = html_text.encode("utf-8")
        (out / name).write_bytes(gzip.compress(data, mtime=0))  # mtime 0: the same seed gives the same bytes
        rows.append({"file": name, "url": page.url, "title": article.title, "template": family,
                     "lang": HTML_LANG_ATTR.search(html_text).group(1).lower(), "article": article.id,
                     "source": article.source, "bytes": len(data), "truth": truth_text(truth_blocks)})
    with open(out / "truth.jsonl", "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    (out / "README.txt").write_text(readme(rows, prose, pages, seed, part), encoding="utf-8")
    return rows


def readme(rows: list[dict], prose: Path, pages: int, seed: int, part: str) -> str:
    sizes = sorted(row["bytes"] / 1024 for row in rows)
    counts = {name: sum(row["template"] == name for row in rows) for name in FAMILIES}
    langs = {}
    for row in rows:
        langs[row["lang"][:2]] = langs.get(row["lang"][:2], 0) + 1
    families = "\n".join(f"  {name} ({counts[name]} pages): {' '.join(family.render.__doc__.split())}"
                         for name, family in FAMILIES.items())
    notes = prose / "README.txt"
    source = notes.read_text(encoding="utf-8").strip() if notes.exists() else str(prose)
    return f"""Generated modern article pages with known article text: a TUNING set for the extractor.

Made by benchmarks/modern_pages.py (webtext project):
    python benchmarks/modern_pages.py {prose} OUT_DIR --pages {pages} --seed {seed} --part {part}
{len(rows)} pages; page size median {statistics.median(sizes):.0f} KB, max {max(sizes):.0f} KB (uncompressed);
languages {langs}; {len({row['article'] for row in rows})} distinct articles, all from the "{part}" part of the prose
(a fixed third of the articles, by a hash of their id, is "holdout", the rest "tune": sets of different parts
share no article, not even in teasers).

Files: pages/NNNN.html.gz (gzipped UTF-8 HTML); truth.jsonl, one JSON a line: file, url, title, template
(the family), lang (the page's <html lang>), article (prose id), source, bytes (uncompressed HTML), truth.
Load with benchmarks/modern_pages.py's load_generated(folder), as extract_sets.ScoredPage.

How the truth was made: every page is rendered from one real article's blocks (paragraphs, in-body
headings, list items, blockquote paragraphs, code blocks); the truth is the same blocks' text, one a line,
in the order a reader meets them on the page (a live blog's entries newest first; a recipe blog's story,
then its recipe card's summary, "Ingredients" and "Instructions" with their items; a hard-paywalled page
only the paragraphs shown before the paywall). Inline links and emphasis wrap words without changing the
text. Not in the truth: title, standfirst/subtitle, bylines, dates, captions, ads and their labels,
"Read more"/related links, pull quotes (which repeat an article sentence), embedded posts, bookmark and
signup cards, share bars, author bios, tags, card grids and lists of other articles (whose headlines and
teasers are real sentences of other articles), comments, consent dialogs, navigation, footers, the recipe
card's times, ratings and nutrition, and the copies of the article in JSON (__NEXT_DATA__, the RSC payload,
_preloads, __APOLLO_STATE__, Fusion.globalContent, JSON-LD articleBody) which a reader never sees.

The families (markup written for this generator after how such sites publish in 2024-26):
{families}

Prose:
{source}
"""


def load_generated(folder: Path) -> list[ScoredPage]:
    """A folder this module wrote, as pages with their whole article text as truth."""
    pages = []
    for line in (folder / "truth.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        pages.append(ScoredPage(row["url"], gzip.decompress((folder / row["file"]).read_bytes()),
                                truth=row["truth"], lang=row["lang"]))
    return pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("prose", type=Path, help="folder with articles.jsonl and recipes.jsonl (benchmarks/modern_prose.py)")
    parser.add_argument("out", type=Path)
    parser.add_argument("--pages", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--part", choices=PARTS, default="tune", help="which articles: the tuning ones or the held-out"
                                                                      " third")
    args = parser.parse_args()
    rows = generate(args.prose, args.out, args.pages, args.seed, args.part)
    sizes = [row["bytes"] / 1024 for row in rows]
    print(f"{len(rows)} pages in {args.out}: median {statistics.median(sizes):.0f} KB, max {max(sizes):.0f} KB")


if __name__ == "__main__":
    main()
