"""Real-looking English and Spanish text for the benchmark's data, built from the project's own documents.

The source documents (../shared/seeds) and the demo fixtures (fixtures/news, events,
observatory; the Spanish halves of the news) give a few hundred real sentences per language.
A word-level Markov chain (two words of context) trained on them writes new sentences
with the same vocabulary and rhythm, so the full-text search and the pages see text like the
bloc's own: "public procurement", "contratación pública", committee names, countries…

Sentences are sorted by the taxonomy's topics (keywords below), and a document draws most
of its sentences from its own topics: without that, a few hundred source sentences spread
over 70,000 documents would put every common term in half of them, and a search would
match far more than it does on a real portal. A sentence that names several topics is
left out, so that one topic's words stay in its own documents.

Everything is drawn from a seeded random generator: the same seed gives the same text.
"""

import json
import random
import re
from collections import defaultdict
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT.parent / "shared" / "seeds"
FIXTURES = ROOT / "fixtures"

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"“¿¡A-ZÁÉÍÓÚÑ0-9])")
_HEADER_LINE = re.compile(r"^[a-z_]+:\s")
#: Words a title does not end on.
_WEAK_WORDS = (
    "a an and as at by for from in into of on or the to with its their this that "
    "al con de del el en la las lo los para por que se su sus un una y e o"
)
_WEAK_ENDINGS = frozenset(_WEAK_WORDS.split())


def _sentences(text: str) -> list[str]:
    found = []
    for paragraph in re.split(r"\n\s*\n|\n", text):
        paragraph = paragraph.strip().lstrip("-•* ").strip()
        if len(paragraph) < 25 or _HEADER_LINE.match(paragraph):
            continue
        for sentence in _SENTENCE_END.split(paragraph):
            sentence = " ".join(sentence.split())
            if 6 <= len(sentence.split()) <= 60:
                found.append(sentence)
    return found


def _fixture_parts(path: Path) -> tuple[dict[str, list[str]], str, str]:
    """(header values, English body, Spanish body) of a fixture file ("key: value" lines, ---)."""
    header, _, bodies = path.read_text(encoding="utf-8").partition("\n---\n")
    english, _, spanish = bodies.partition("\n--- es ---\n")
    values = defaultdict(list)
    for line in header.splitlines():
        key, sep, value = line.partition(":")
        if sep and value.strip():
            values[key.strip()].append(value.strip())
    return values, english, spanish


def load_corpus() -> dict[str, dict[str, list[str]]]:
    """{"en": {"sentences": [...], "titles": [...]}, "es": {...}} from the documents on disk."""
    corpus = {lang: {"sentences": [], "titles": []} for lang in ("en", "es")}
    if SEEDS.is_dir():
        for path in sorted(SEEDS.glob("*.txt")):
            corpus["en"]["sentences"] += _sentences(path.read_text(encoding="utf-8"))
    for folder in ("news", "events", "observatory/publications", "observatory/observatories"):
        for path in sorted((FIXTURES / folder).glob("*.txt")):
            values, english, spanish = _fixture_parts(path)
            corpus["en"]["sentences"] += _sentences(english)
            corpus["es"]["sentences"] += _sentences(spanish)
            for key, lang in (("lead", "en"), ("summary", "en"), ("abstract", "en"), ("lead_es", "es")):
                for value in values.get(key, []):
                    corpus[lang]["sentences"] += _sentences(value)
            corpus["en"]["titles"] += values.get("title", [])
            corpus["es"]["titles"] += values.get("title_es", [])
    taxonomy = FIXTURES / "taxonomy.json"
    if taxonomy.is_file():
        data = json.loads(taxonomy.read_text(encoding="utf-8"))
        for row in data.get("bodies", []) + data.get("topics", []):
            corpus["en"]["sentences"] += _sentences(row.get("description") or "")
            corpus["es"]["sentences"] += _sentences(row.get("description_es") or "")
    for lang in corpus:
        corpus[lang]["sentences"] = sorted(set(corpus[lang]["sentences"]))
        corpus[lang]["titles"] = sorted(set(corpus[lang]["titles"]))
    return corpus


#: Topic slug (fixtures/taxonomy.json) → what a sentence about it says, in English or Spanish.
TOPIC_KEYWORDS = {
    "public-procurement": r"procure|purchas|contrataci|compras p[uú]blicas|licitaci|proveedor|supplier",
    "trade-promotion": r"export|promotion agenc|promoci[oó]n|ProChile|ProColombia|PromPer|business roundtable|rueda",
    "investment": r"invest|inversi|portfolio|portafolio|infrastructure|infraestructura",
    "smes": r"\bSMEs?\b|MSME|pyme|mipyme|entrepreneur|emprend",
    "labour-market": r"labou?r|employ|\bjobs?\b|trabaj|empleo|laboral|workers",
    "education": r"teacher|school|educat|docente|escuela|educaci|student|estudiant|universit|academ",
    "gender-equality": r"gender|women|g[eé]nero|mujer",
    "digital-economy": r"digital|cyber|internet|tecnolog|technolog|data protection|datos personales",
    "responsible-business-conduct": (
        r"responsible business|due diligence|debida diligencia|\bNCPs?\b|\bPNC\b|human rights|derechos humanos|\bCER\b"
    ),
    "culture": r"cultur|creative|creativ|arts?\b",
    "environment": r"environment|ambient|sustainab|sostenib|climate|clim[aá]t|waste|pollution|residuo",
    "finance": r"financ|fiscal|\btax|tribut|capital market|mercado de capitales",
    "free-trade": r"trade agreement|tariff|free trade|libre comercio|arancel|acuerdo comercial",
    "external-relations": (
        r"Japan|Singapore|Singapur|OECD|OCDE|European Union|Uni[oó]n Europea|Korea|Canada|observer|observador"
    ),
    "membership-and-accession": r"accession|adhesi[oó]n|candidate|candidat|Ecuador|Costa Rica",
    "regional-integration": r"integration|integraci[oó]n|\bbloc\b|bloque",
}  # fmt: skip
_TOPIC_PATTERNS = {slug: re.compile(pattern, re.IGNORECASE) for slug, pattern in TOPIC_KEYWORDS.items()}
#: Share of a document's sentences drawn from its own topics.
ON_TOPIC = 0.8


def topics_of(sentence: str) -> list[str]:
    return [slug for slug, pattern in _TOPIC_PATTERNS.items() if pattern.search(sentence)]


class MarkovWriter:
    """Sentences in the style of a language's real sentences (a second-order word chain)."""

    def __init__(self, sentences: list[str], titles: list[str], rng: random.Random):
        self.rng = rng
        self.real = sentences
        self.real_titles = titles
        self.chain: dict[tuple[str, str], list[str]] = defaultdict(list)
        self.starts: list[tuple[str, str]] = []
        for sentence in sentences + titles:
            words = sentence.split()
            if len(words) < 3:
                continue
            self.starts.append((words[0], words[1]))
            for a, b, c in zip(words, words[1:], [*words[2:], None], strict=False):
                self.chain[(a, b)].append(c)

    def sentence(self, max_words: int = 45) -> str:
        a, b = self.rng.choice(self.starts)
        words = [a, b]
        while len(words) < max_words:
            following = self.chain.get((a, b))
            if not following:
                break
            c = self.rng.choice(following)
            if c is None:
                break
            words.append(c)
            a, b = b, c
        text = " ".join(words)
        return text if text[-1] in ".!?" else text.rstrip(",;:") + "."

    def title(self) -> str:
        for _ in range(20):
            words = [w.strip('"“”()') for w in self.sentence(max_words=16).rstrip(".").split()]
            words = [w for w in words if w][: self.rng.randint(5, 14)]
            while words and (words[-1].lower() in _WEAK_ENDINGS or words[-1][-1] in ",;:–-"):
                words.pop()
            if len(words) >= 4:
                return " ".join(words)
        return self.rng.choice(self.real_titles or self.real)[:200]


class TextPool:
    """Precomputed sentences and titles per language and topic, so that drawing 100,000 bodies is fast.

    Each pool holds the real sentences from the documents and new ones from the chain. A
    sentence that names no topic is "general" (the bloc, its countries, its meetings); a
    document's sentences come from its topics (ON_TOPIC of them) and the general pool.
    """

    def __init__(self, *, seed: int = 2026, sentences_per_language: int = 16000, titles_per_language: int = 3000):
        self.rng = random.Random(seed)
        corpus = load_corpus()
        self.general: dict[str, list[str]] = {}
        self.by_topic: dict[str, dict[str, list[str]]] = {}
        self.titles: dict[str, list[str]] = {}
        self.stats = {}
        for lang, parts in corpus.items():
            if not parts["sentences"]:
                raise RuntimeError(f"No {lang} sentences found in {SEEDS} or {FIXTURES}.")
            writer = MarkovWriter(parts["sentences"], parts["titles"], self.rng)
            sentences = parts["sentences"] + [writer.sentence() for _ in range(sentences_per_language)]
            general, by_topic = [], {slug: [] for slug in TOPIC_KEYWORDS}
            for sentence in sentences:
                found = topics_of(sentence)
                if not found:
                    general.append(sentence)
                elif len(found) == 1:
                    # A sentence on several topics would carry each one's words into the others'
                    # documents (procurement into education…): only single-topic sentences are kept.
                    by_topic[found[0]].append(sentence)
            self.general[lang] = general or sentences
            self.by_topic[lang] = by_topic
            self.titles[lang] = parts["titles"] + [writer.title() for _ in range(titles_per_language)]
            self.stats[lang] = {
                "source_sentences": len(parts["sentences"]),
                "pool": len(sentences),
                "general": len(general),
                "smallest_topic": min(len(pool) for pool in by_topic.values()),
            }

    def _pool(self, lang: str, topics) -> list[list[str]]:
        pools = [self.by_topic[lang].get(slug) for slug in topics or ()]
        return [pool for pool in pools if pool]

    def sentences(self, lang: str, count: int, topics=()) -> list[str]:
        pools = self._pool(lang, topics)
        general = self.general[lang]
        chosen = []
        for _ in range(count):
            pool = self.rng.choice(pools) if pools and self.rng.random() < ON_TOPIC else general
            chosen.append(self.rng.choice(pool))
        return chosen

    def title(self, lang: str, topics=()) -> str:
        """A headline: the start of a sentence on one of the topics (or a chain-made title)."""
        pools = self._pool(lang, topics)
        if not pools:
            return self.rng.choice(self.titles[lang])
        for _ in range(10):
            words = [w.strip('"“”()') for w in self.rng.choice(self.rng.choice(pools)).rstrip(".").split()]
            words = [w for w in words if w][: self.rng.randint(6, 14)]
            while words and (words[-1].lower() in _WEAK_ENDINGS or words[-1][-1] in ",;:–-"):
                words.pop()
            if len(words) >= 4:
                return " ".join(words)
        return self.rng.choice(self.titles[lang])

    def paragraph(self, lang: str, sentences: int, topics=()) -> str:
        return " ".join(self.sentences(lang, sentences, topics))

    def lead(self, lang: str, max_chars: int = 780, topics=()) -> str:
        return self.paragraph(lang, self.rng.randint(1, 2), topics)[:max_chars]

    def html(self, lang: str, paragraphs: int, topics=()) -> str:
        """Simple sanitised HTML, as the rich-text editor stores it: paragraphs, a heading, a list."""
        blocks = []
        for index in range(paragraphs):
            if index and index % 4 == 0:
                blocks.append(f"<h2>{escape(self.title(lang, topics))}</h2>")
            if index == 2 and self.rng.random() < 0.3:
                items = "".join(f"<li>{escape(s)}</li>" for s in self.sentences(lang, 3, topics))
                blocks.append(f"<ul>{items}</ul>")
            blocks.append(f"<p>{escape(self.paragraph(lang, self.rng.randint(2, 5), topics))}</p>")
        return "".join(blocks)
