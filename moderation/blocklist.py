"""Caption blocklist that sees through accents, l33tspeak, stretched letters and spacing.

Matching is on whole words of the normalised text, so "Scunthorpe" stays clean, while
"C0NN4RD", "côññard", "coooonnard" and "c o n n a r d" all match "connard".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class _Word:
    """A word of the normalised text (repeats collapsed) and where it lies in the original."""

    text: str
    start: int
    end: int


def _letters(text: str) -> list[tuple[str, int]]:
    """`normalise`'s steps one character at a time: each resulting character with the index
    of the original character it came from, so a match can be shown where it was written."""
    plain = [
        (c, i)
        for i, ch in enumerate(text)
        for c in unicodedata.normalize("NFKD", ch.lower())
        if not unicodedata.combining(c)
    ]
    alnum = re.compile(r"[a-z0-9]")
    out = []
    for k, (c, i) in enumerate(plain):
        inner = 0 < k < len(plain) - 1 and all(alnum.match(plain[j][0]) for j in (k - 1, k + 1))
        if c in "!|" and inner:
            c = "i"
        out.append((c.translate(LEET), i))
    return out


def _words(text: str) -> list[_Word]:
    """The normalised words of `text`, each with its span in `text` (end exclusive)."""
    words: list[_Word] = []
    run: list[tuple[str, int]] = []
    for c, i in [*_letters(text), (" ", -1)]:
        if "a" <= c <= "z" and len(c) == 1:
            run.append((c, i))
            continue
        if run:
            letters = "".join(c for c, _ in run)
            words.append(_Word(_REPEATS.sub(r"\1", letters), run[0][1], run[-1][1] + 1))
        run = []
    return words


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

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where blocked phrases were written in `text` (start, end exclusive), in order and
        merged, so the moderator's page can highlight the very words that raised the flag."""
        words = _words(text)
        found: list[tuple[int, int]] = []
        for phrase in self._phrases:
            size = len(phrase.split())
            for k in range(len(words) - size + 1):
                if " ".join(w.text for w in words[k : k + size]) == phrase:
                    found.append((words[k].start, words[k + size - 1].end))
        found += [span for span, glued in _letter_runs(words) if glued in self._phrases]
        return _merged(found)


def _letter_runs(words: list[_Word]) -> list[tuple[tuple[int, int], str]]:
    """Runs of single letters ("c o n n a r d"), glued as `_joined_letters` glues them."""
    runs: list[tuple[tuple[int, int], str]] = []
    run: list[_Word] = []
    for word in [*words, None]:
        if word is not None and len(word.text) == 1:
            run.append(word)
            continue
        if len(run) > 1:
            glued = _REPEATS.sub(r"\1", "".join(w.text for w in run))
            runs.append(((run[0].start, run[-1].end), glued))
        run = []
    return runs


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
