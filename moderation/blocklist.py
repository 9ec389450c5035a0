"""Caption blocklist that sees through accents, l33tspeak, stretched letters and spacing.

Matching is on whole words of the normalised text, so "Scunthorpe" stays clean, while
"C0NN4RD", "côññard", "coooonnard" and "c o n n a r d" all match "connard".
"""

from __future__ import annotations

import re
import unicodedata
from importlib import resources

LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "@": "a",
     "$": "s", "€": "e", "+": "t"}
)  # fmt: skip
# "!" and "|" read as "i" only inside a word ("b!tch"), not as punctuation ("connard!").
_INNER_I = re.compile(r"(?<=[a-z0-9])[!|](?=[a-z0-9])")
_NON_WORD = re.compile(r"[^a-z]+")
_REPEATS = re.compile(r"(.)\1+")


def normalise(text: str) -> str:
    """Lowercase ASCII letters and single spaces: accents off, leet decoded, runs collapsed."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = _INNER_I.sub("i", plain).translate(LEET)
    words = _NON_WORD.sub(" ", plain).split()
    return " ".join(_REPEATS.sub(r"\1", word) for word in words)


def _joined_letters(words: list[str]) -> list[str]:
    """Runs of single letters ("c o n n a r d") glued back into words."""
    glued, run = [], []
    for word in [*words, ""]:
        if len(word) == 1:
            run.append(word)
            continue
        if len(run) > 1:
            glued.append(_REPEATS.sub(r"\1", "".join(run)))
        run = []
    return glued


def builtin_terms() -> list[str]:
    folder = resources.files("moderation") / "blocklists"
    terms: list[str] = []
    for name in ("fr.txt", "en.txt"):
        for line in (folder / name).read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                terms.append(line.strip())
    return terms


class Blocklist:
    def __init__(self, terms: list[str]) -> None:
        self._phrases = {normalise(t) for t in terms if normalise(t)}

    def matches(self, caption: str) -> list[str]:
        """The blocked phrases found in `caption` (normalised), for the moderator's badge."""
        text = normalise(caption)
        if not text:
            return []
        words = text.split()
        padded = f" {text} "
        glued = set(_joined_letters(words))
        return sorted(p for p in self._phrases if f" {p} " in padded or p in glued)
