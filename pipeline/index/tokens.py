"""Search tokens for Chinese and for model numbers, on both sides of the full-text index.

SQLite's FTS5 tokenizers split Chinese badly (`unicode61` keeps a whole run of Chinese as
one token; `trigram` needs three characters), so the text is tokenised here and handed
to FTS5 as space-separated tokens:

- Chinese (and Japanese, Korean): every two-character window (毛重净重 -> 毛重 重净 净重),
  in the `words` column, and every single character in the `chars` column, so that a
  one-character search works too and a longer word is a phrase of its windows;
- letters and digits: each word, lower-cased after NFKC (full-width ＨＴ２０２０ is HT2020),
  its letter and digit parts (ht2020 -> ht, 2020), and the joined form of a model number
  written with separators (HT-2020, HT 2020, ht/2020 -> ht2020), so that a model is
  found however it is written on either side.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["VERSION", "index_columns", "match_expression", "normalise", "page_matches",
           "snippet_pattern", "terms"]

VERSION = 1  # of the tokens: kept token columns of another version are made again

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af"
_RUNS = re.compile(rf"[{_CJK}]+|[a-z0-9]+(?:[-_/.][a-z0-9]+)*")
_PARTS = re.compile(r"[a-z]+|[0-9]+")
_LETTERS_THEN_DIGITS = re.compile(r"\b([a-z]{1,6})\s+([0-9][a-z0-9]*)\b")


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


_SEPARATORS = re.compile(r"[-_/.]")


def _alnum_tokens(run: str) -> list[str]:
    if run.isalpha() or run.isdigit():  # most words: the word itself
        return [run]
    pieces = _SEPARATORS.split(run)
    tokens = []
    for piece in pieces:
        tokens.append(piece)
        if not (piece.isalpha() or piece.isdigit()):
            parts = _PARTS.findall(piece)
            if len(parts) > 1:
                tokens.extend(parts)
    if len(pieces) > 1:
        tokens.append("".join(pieces))
    return tokens


def index_columns(text: str) -> tuple[str, str]:
    """(words, chars): the two token columns of one page's text."""
    text = normalise(text)
    words: list[str] = []
    chars: list[str] = []
    for run in _RUNS.findall(text):
        if run[0].isascii():
            words.extend(_alnum_tokens(run))
        else:
            chars.extend(run)
            words.extend(run[i : i + 2] for i in range(max(1, len(run) - 1)))
    words.extend(a + b for a, b in _LETTERS_THEN_DIGITS.findall(text))
    return " ".join(words), " ".join(chars)


def terms(query: str) -> list[str]:
    """The query as its search terms: a model number written any way is one term."""
    text = normalise(query)
    text = _LETTERS_THEN_DIGITS.sub(r"\1\2", text)
    return [re.sub(r"[-_/.]", "", run) if run[0].isascii() else run
            for run in _RUNS.findall(text)]


def match_expression(query: str) -> str:
    """An FTS5 MATCH expression: every term must be on the page."""
    parts = []
    for term in terms(query):
        if term.isascii():
            parts.append(f'words:"{term}"')
        elif len(term) == 1:
            parts.append(f'chars:"{term}"')
        else:
            windows = " ".join(term[i : i + 2] for i in range(len(term) - 1))
            parts.append(f'words:"{windows}"')
    return " AND ".join(parts)


def page_matches(query: str, words: str, chars: str) -> bool:
    """Whether a page's token columns answer the query as `match_expression` would in the
    text index (for a few pages, where reading them is quicker than the index)."""
    spaced, singles = f" {words} ", set(chars.split())
    for term in terms(query):
        if term.isascii():
            if f" {term} " not in spaced:
                return False
        elif len(term) == 1:
            if term not in singles:
                return False
        elif f" {' '.join(term[i:i + 2] for i in range(len(term) - 1))} " not in spaced:
            return False
    return True


def snippet_pattern(query: str) -> re.Pattern[str] | None:
    """A pattern that finds the query's first term in the page text, as written there."""
    found = terms(query)
    if not found:
        return None
    term = found[0]
    if term.isascii():
        pieces = _PARTS.findall(term)
        body = r"[-_/.\s]?".join(re.escape(p) for p in pieces)
    else:
        body = re.escape(term)
    return re.compile(body, re.IGNORECASE)
