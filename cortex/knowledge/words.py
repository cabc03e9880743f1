"""What a word is, for every part of Cortex that matches words: one tokenizer, one stemmer.

The catalog's names, the value index, context search and both planners compare a question's
words with the model's. They agree on what a word is here:

- `text_words(text)`: the lower-cased words of a text, a hyphenated or apostrophed compound as one
  ("pre-sale", "what's"), digits, `%` and `$` kept ("50k", "$1m", "10%");
- `stem(word)`: the Snowball English stem (`snowballstemmer`, the Porter2 algorithm) where it
  only folds inflections (resolve, resolved, resolving: 'resolv'; industry, industries:
  'industri'), the word without its inflectional ending where Porter2 would also strip a
  derivational suffix and make two words one (conversation and conversion stay apart), after
  irregular verb forms are read as their base ("lost" is "lose", "won" is "win") and signs as
  words ("%" is "percent");
- `singular(word)` and `singular_text(text)`: a plural noun's surface singular ("tickets" to
  "ticket", "Accessories" kept), to look values up as they are stored.

Why Snowball rather than rules of our own: four hand-written stemmers had grown in the code,
each disagreeing with the others on some word; Porter2 is the standard, maintained, and the
same on both sides of every comparison, which is all that matching needs.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from typing import Final

import snowballstemmer

__all__ = ["WORD", "singular", "singular_text", "stem", "text_words"]

#: A word: letters and digits, with `%` and `$`, joined by hyphens or apostrophes.
WORD: Final = re.compile(r"[a-z0-9%$]+(?:['’-][a-z0-9]+)*")

#: Irregular forms questions use, to their base: "lose" meets "lost customers".
_IRREGULAR: Final = {
    "lost": "lose", "losing": "lose", "won": "win", "winning": "win", "gave": "give",
    "given": "give", "drove": "drive", "driven": "drive", "driving": "drive", "sold": "sell",
    "bought": "buy", "paid": "pay", "paying": "pay", "grew": "grow", "grown": "grow",
    "spent": "spend", "left": "leave", "held": "hold", "using": "use", "used": "use",
}  # fmt: skip
#: Signs and abbreviations that stand for a word of names.
_SIGNS: Final = {"%": "percent", "pct": "percent"}
_STEMMER: Final = snowballstemmer.stemmer("english")


def text_words(text: str) -> list[str]:
    """The lower-cased words of `text`, in order."""
    return WORD.findall(text.lower())


def _inflection(word: str) -> str:
    """`word` without an inflectional ending: -ies, -s, -ing, -ed, a final -e (so that
    resolve, resolves, resolved and resolving meet at 'resolv')."""
    if len(word) > 3 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if len(word) > 6 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 5 and word.endswith("ed") and not word.endswith("eed"):
        return word[:-2]
    if len(word) > 4 and word.endswith("e") and not word.endswith("ee"):
        return word[:-1]
    return word


#: The plural of an acronym: letters with no vowel, then "s" ("csms", "sdrs", "qbrs").
_ACRONYM_PLURAL = re.compile(r"[b-df-hj-np-tv-xz]{2,}s")


@lru_cache(maxsize=8192)
def stem(word: str) -> str:
    """The stem of one (lower-case) word, the same for all its forms.

    Porter2 also strips derivational suffixes, which would make different words of a model
    one ("conversation" and "conversion" both 'convers'); where it strips more than an
    inflection (its stem is more than two letters shorter than the word without its
    inflectional ending), the word without its inflectional ending is the stem instead."""
    word = word.lower().replace("’", "'")
    if word in _SIGNS:
        return _SIGNS[word]
    word = _IRREGULAR.get(word, word)
    if _ACRONYM_PLURAL.fullmatch(word):  # "csms", "sdrs": Porter2 keeps the s of no-vowel words
        word = word[:-1]
    porter = str(_STEMMER.stemWord(word))
    inflected = _inflection(word)
    shared = len(os.path.commonprefix([porter, inflected]))
    return porter if len(inflected) - shared <= 2 else inflected


def singular(word: str) -> str:
    """A plural noun as its singular, as values are stored: humans -> human; words ending in
    -ss or -ies are kept ("Accessories" still matches as written)."""
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "ies")):
        return word[:-1]
    return word


def singular_text(text: str) -> str:
    """`text` in lower case with each plural noun made singular in place: "discount requests"
    reads "discount request " (a space where the 's' was), so positions stay the same."""
    return WORD.sub(lambda m: singular(m.group()).ljust(len(m.group())), text.lower())
