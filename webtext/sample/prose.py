"""News-like articles for the bundled sample, written by a seeded grammar.

Every sentence is a template whose slots are filled from word banks, so two
articles share few word 5-grams (they are not near-duplicates of each other),
while the text still reads as English for a small GPT to learn from.
"""

import random
from typing import NamedTuple

FIRST_NAMES = """Maria James Aisha Tomas Elena David Priya Samuel Lucia Omar Grace Daniel
Hannah Mateo Chloe Ibrahim Nora Victor Leila Arthur Ines Felix Ruth Kwame Sofia Jonah
Amara Lukas Mei Patrick Zara Henry Yusuf Clara Diego Esther Ravi Alice Tariq Julia""".split()
LAST_NAMES = """Okafor Lindqvist Moreau Haddad Brennan Kowalski Tanaka Alvarez Whitfield
Osei Fischer Novak Reyes Castellano Mbeki Sorensen Caldwell Nakamura Petrov Duarte Ashworth
Varga Kimura Adeyemi Holloway Marchetti Quinlan Rosario Albrecht Demir Ferreira Lambert""".split()
TOWNS = """Harlow Bridge, Eastmere, Port Calder, Ashford Vale, Millbrook, North Fenwick,
Saltmarsh, Kestrel Bay, Oakhurst, Riverton, Glenholm, Stonecross, West Larkin, Brackenfield,
Copperton, Fairhaven, Elmstead, Hollins Ford, Marlow Heath, Thornbury, Wexley, Pinecliff""".replace("\n", " ").split(", ")
WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
MONTHS = "January February March April May June July August September October November".split()


class Topic(NamedTuple):
    name: str
    orgs: list  # who acts
    things: list  # what it is about (singular nouns)
    plans: list  # what was announced or decided
    effects: list  # what it changes
    experts: list  # who comments


def _words(text: str) -> list:
    return [w.strip() for w in text.split(";") if w.strip()]


TOPICS = [
    Topic("city",
          _words("the city council; the transit authority; the planning board; the mayor's office; the housing commission"),
          _words("bus network; library branch; housing plan; parking policy; flood barrier; school budget; bike lane; water main"),
          _words("a new zoning rule; a two-year budget; a rent relief fund; a late-night bus route; a tree planting drive"),
          _words("commute times; local rents; property taxes; waiting lists; road repairs; park maintenance"),
          _words("a housing researcher; a transport planner; a neighbourhood organiser; a former councillor")),
    Topic("science",
          _words("a team of biologists; the national observatory; a university lab; a group of geologists; the marine institute"),
          _words("coral reef; comet; bacterial colony; glacier; fossil bed; migratory bird; deep sea vent; telescope array"),
          _words("a ten-year survey; a new imaging method; a field experiment; a public data archive; a sampling campaign"),
          _words("our estimates of sea level; the dating of ancient rocks; models of bird migration; the search for new antibiotics"),
          _words("an astrophysicist; an ecologist; a climate modeller; a microbiologist; a science historian")),
    Topic("technology",
          _words("a small startup; the chip maker; an open-source project; the phone company; a group of security researchers"),
          _words("battery design; encryption library; data centre; mobile app; search engine; home router; compiler; sensor"),
          _words("a free software update; a new privacy setting; a cheaper processor; a bug bounty programme; a repair guide"),
          _words("battery life; download speeds; the cost of storage; how long phones last; the safety of passwords"),
          _words("a software engineer; a privacy advocate; an industry analyst; a hardware reviewer")),
    Topic("sports",
          _words("the home side; the league; the club's owners; the national federation; the youth academy"),
          _words("stadium; transfer window; training camp; penalty shootout; relegation fight; season opener; coaching staff"),
          _words("a new head coach; a three-year contract; cheaper season tickets; a women's team; a scouting network"),
          _words("the league table; ticket sales; player fitness; the club's finances; attendance at away games"),
          _words("a former captain; a sports economist; a veteran commentator; a fitness coach")),
    Topic("health",
          _words("the regional hospital; a network of clinics; the health ministry; a patients' group; the nursing union"),
          _words("vaccine trial; waiting room; night shift; blood bank; nutrition study; ambulance service; sleep clinic"),
          _words("a walk-in clinic; a screening programme; extra night nurses; a free dental service; a hotline for carers"),
          _words("waiting times; recovery rates; the cost of prescriptions; staff burnout; childhood asthma"),
          _words("a family doctor; an epidemiologist; a hospital administrator; a public health nurse")),
    Topic("economy",
          _words("the central bank; a regional manufacturer; the farmers' cooperative; the port authority; small retailers"),
          _words("export market; factory floor; grain harvest; shipping route; interest rate; wage agreement; price index"),
          _words("a new trade agreement; a training scheme for apprentices; a cut in interest rates; a second assembly line"),
          _words("household budgets; the price of bread; factory orders; youth unemployment; savings accounts"),
          _words("an economist; a small business owner; a union representative; a market analyst")),
    Topic("culture",
          _words("the city museum; a touring orchestra; an independent publisher; the film festival; a community theatre"),
          _words("exhibition; debut novel; restored painting; folk song collection; documentary; concert hall; archive"),
          _words("a season of free concerts; a translation prize; a late opening on Fridays; a residency for young painters"),
          _words("visitor numbers; the price of tickets; interest in local history; sales of poetry; the careers of young actors"),
          _words("a curator; a literary critic; a film historian; a music teacher")),
    Topic("environment",
          _words("the river trust; a coalition of farmers; the parks service; the water company; a volunteer group"),
          _words("wetland; wildfire season; recycling plant; drought; salmon run; hedgerow; solar farm; flood plain"),
          _words("a ban on peat cutting; a river clean-up; a seed bank; a new nature reserve; a deposit scheme for bottles"),
          _words("water quality; the number of nesting birds; summer temperatures; landfill volumes; soil erosion"),
          _words("a hydrologist; a conservation officer; a soil scientist; a beekeeper")),
]

# Fixed runs of words stay under five, so any 5-gram touches a slot.
SENTENCES = [
    "{Org} said on {day} that {plan} would begin in {month}.",
    "The decision follows {n} months of talks about the {thing} in {town}.",
    "According to {person}, {expert} who has followed the issue for years, {effect} could change within a year.",
    "{Person2} told reporters the {thing} had been \"{adj} but overdue\" for a long time.",
    "Residents of {town} have argued about the {thing} since at least {year}.",
    "Critics say {plan} does too little for {effect}, and that {org} moved too slowly.",
    "Supporters point out that {effect} in {town} improved by about {n} percent after a similar change.",
    "{Person} described the plan as {adj} and said {org} would publish its figures every {month2}.",
    "\"We have never seen anything like the {thing},\" said {person}, {expert}.",
    "The first phase costs roughly {n} thousand and will be paid for by {org}.",
    "Nobody expects {effect} to settle quickly, {person2} said.",
    "In {town}, {n} people signed a letter asking {org} to publish the details of {plan}.",
    "Similar projects in {town2} took {n} years, partly because the {thing} needed repairs first.",
    "{Org} has promised a public meeting in {month} where anyone can ask about {plan}.",
    "Earlier attempts to fix the {thing} stalled when money ran out in {year}.",
    "{Person} said the {adj} part is not the {thing} itself but {effect}.",
    "A survey of {n} households in {town} found most people had heard of {plan}.",
    "Some of the loudest objections came from {expert2} in {town2}, who called the timetable {adj}.",
    "The numbers are {adj}, {person} admitted, but {effect} is moving in the right direction.",
    "For now, {org} says it will watch {effect} closely and report back by {month}.",
    "Records show the {thing} in {town} was last upgraded in {year}.",
    "{Person2}, who lives near the {thing}, said they would wait to see {effect} before judging.",
    "Officials in {town2} have already asked {org} to share what it learns.",
    "Independent checks by {expert2} will start {n} weeks after {plan} goes live.",
    "The {thing} has been a {adj} subject in local elections for more than {n} years.",
    "On {day}, volunteers handed out leaflets explaining {plan} outside the {thing}.",
    "{Person} expects the first results to show up in {effect} by the end of {month}.",
    "What happens next depends largely on {effect}, {expert2} said in an interview.",
]
ADJECTIVES = """ambitious modest overdue careful risky expensive sensible unusual cautious
bold complicated welcome difficult promising fragile hopeful practical controversial""".split()
TITLES = [
    "{Town}: {plan_cap} approved after long debate over {thing}",
    "Why {org} is betting on {plan}",
    "What {plan} means for {effect}",
    "{Town} residents split over the future of the {thing}",
    "{Expert_cap} questions the timetable for {plan}",
]


class Article(NamedTuple):
    title: str
    paragraphs: list

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


def _cap(text: str) -> str:
    return text[0].upper() + text[1:]


def _slots(rng: random.Random, topic: Topic, story: dict = None) -> dict:
    """Fillers for every slot; `story` pins the ones an article keeps throughout."""
    def person():
        return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"

    slots = {
        "org": rng.choice(topic.orgs), "thing": rng.choice(topic.things), "plan": rng.choice(topic.plans),
        "effect": rng.choice(topic.effects), "expert": rng.choice(topic.experts),
        "expert2": rng.choice(topic.experts), "person": person(), "person2": person(),
        "town": rng.choice(TOWNS), "town2": rng.choice(TOWNS), "day": rng.choice(WEEKDAYS),
        "month": rng.choice(MONTHS), "month2": rng.choice(["week", "month", "quarter"]),
        "n": rng.randint(2, 90), "year": rng.randint(1998, 2016), "adj": rng.choice(ADJECTIVES),
    }
    slots.update(story or {})
    slots.update(Org=_cap(slots["org"]), Person=slots["person"], Person2=slots["person2"],
                 Town=slots["town"], plan_cap=_cap(slots["plan"]), Expert_cap=_cap(slots["expert"]))
    return slots


def sentence(rng: random.Random, topic: Topic, story: dict = None) -> str:
    return rng.choice(SENTENCES).format(**_slots(rng, topic, story))


def article(seed: int, paragraphs: tuple = (6, 9)) -> Article:
    """A reproducible article: a title and paragraphs of 3-5 sentences."""
    rng = random.Random(seed)
    topic = rng.choice(TOPICS)
    slots = _slots(rng, topic)
    story = {k: slots[k] for k in ("org", "thing", "plan", "town")}
    title = rng.choice(TITLES).format(**slots)
    body = [" ".join(sentence(rng, topic, story) for _ in range(rng.randint(3, 5)))
            for _ in range(rng.randint(*paragraphs))]
    return Article(title, body)


def edited(original: Article, seed: int, changes: int = 2) -> Article:
    """A near-duplicate: the same story with a few sentences rewritten and a note added."""
    rng = random.Random(seed)
    topic = rng.choice(TOPICS)
    paragraphs = list(original.paragraphs)
    for _ in range(changes):
        i = rng.randrange(len(paragraphs))
        sentences = paragraphs[i].split(". ")
        sentences[rng.randrange(len(sentences))] = sentence(rng, topic).rstrip(".")
        paragraphs[i] = ". ".join(sentences)
    paragraphs.append(f"This story was updated on {rng.choice(WEEKDAYS)} with comments from {rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}.")
    return Article("Updated: " + original.title, paragraphs)
