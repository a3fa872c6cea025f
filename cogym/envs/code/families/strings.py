"""String transforms: Caesar shift, reversing words, restyling every k-th word, removing letters."""

from __future__ import annotations

import random

from cogym.envs.code.families.base import (
    LETTERS,
    LOWER,
    Draft,
    Family,
    function_prompt,
    quoted,
    source,
    word,
    words,
)

SEPARATORS = (" ", ",", ";", "|", "-", "/")
JOINERS = (" ", ",", ";", "|", "-", "/", " + ", ", ")


def _mixed_text(rng: random.Random) -> str:
    """Draw text of mixed-case words, digits and punctuation, joined by spaces."""
    pieces = []
    for _ in range(rng.randint(1, 6)):
        if rng.random() < 0.2:
            pieces.append(word(rng, 1, 3, "0123456789.,!?-"))
        else:
            pieces.append(word(rng, 1, 8, LETTERS))
    return " ".join(pieces)


def _caesar_shift(rng: random.Random) -> Draft:
    """Shift letters ``k`` places forward or backward."""
    places = rng.randint(1, 25)
    forward = rng.random() < 0.5
    shift = places if forward else 26 - places
    direction = "forward" if forward else "backward"
    signature = "def caesar_shift(text: str) -> str"
    prompt = function_prompt(
        signature,
        f"Shift every ASCII letter of `text` {places} places {direction} in the alphabet, "
        f"wrapping around ({quoted('a')} becomes {quoted(chr(ord('a') + shift))} and "
        f"{quoted('Z')} becomes {quoted(chr(ord('A') + (25 + shift) % 26))}). Upper-case "
        "letters stay upper case and lower-case letters stay lower case.",
        "Every other character (digits, spaces, punctuation) is kept unchanged. "
        "An empty string gives an empty string.",
    )
    solution = source(
        """
        def caesar_shift(text: str) -> str:
            out = []
            for ch in text:
                if "a" <= ch <= "z":
                    out.append(chr((ord(ch) - ord("a") + $shift) % 26 + ord("a")))
                elif "A" <= ch <= "Z":
                    out.append(chr((ord(ch) - ord("A") + $shift) % 26 + ord("A")))
                else:
                    out.append(ch)
            return "".join(out)
        """,
        shift=shift,
    )
    return Draft(
        prompt,
        solution,
        lambda r: [_mixed_text(r)],
        edge_inputs=([""], ["xyz XYZ abc ABC"], ["123 !?"]),
        entry_point="caesar_shift",
        signature=signature,
    )


def _reverse_words(rng: random.Random) -> Draft:
    """Reverse the order of separator-delimited words."""
    sep = rng.choice(SEPARATORS)
    joiner = rng.choice(JOINERS)
    signature = "def reverse_words(text: str) -> str"
    prompt = function_prompt(
        signature,
        f"`text` holds words of lower-case letters separated by single {quoted(sep)} "
        "characters, with no separator at the start or the end. Return the words in "
        f"reverse order, joined by the string {quoted(joiner)}.",
        "An empty string has no words and gives an empty string.",
    )
    solution = source(
        """
        def reverse_words(text: str) -> str:
            if not text:
                return ""
            return $joiner.join(reversed(text.split($sep)))
        """,
        joiner=repr(joiner),
        sep=repr(sep),
    )
    return Draft(
        prompt,
        solution,
        lambda r: [sep.join(words(r, 1, 7))],
        edge_inputs=([""], ["single"]),
        entry_point="reverse_words",
        signature=signature,
    )


WORD_STYLES = {
    "upper": ("in upper case", "word.upper()"),
    "reverse": ("in lower case and spelled backwards", "word.lower()[::-1]"),
    "capitalize": (
        "capitalized (first letter upper case, the rest lower case)",
        "word.capitalize()",
    ),
}


def _every_kth_word(rng: random.Random) -> Draft:
    """Restyle every k-th word and lower-case the others."""
    k = rng.randint(2, 6)
    style = rng.choice(sorted(WORD_STYLES))
    description, expression = WORD_STYLES[style]
    signature = "def every_kth_word(text: str) -> str"
    prompt = function_prompt(
        signature,
        "`text` holds words of ASCII letters separated by single spaces. Number the words "
        f"1, 2, 3, ... from the left. Write each word whose number is a multiple of {k} "
        f"{description}, and every other word in lower case. Return the words joined by "
        "single spaces.",
        "An empty string gives an empty string.",
    )
    solution = source(
        """
        def every_kth_word(text: str) -> str:
            out = []
            for number, word in enumerate(text.split(), start=1):
                if number % $k == 0:
                    out.append($expression)
                else:
                    out.append(word.lower())
            return " ".join(out)
        """,
        k=k,
        expression=expression,
    )
    return Draft(
        prompt,
        solution,
        lambda r: [" ".join(words(r, 1, 3 * k, LETTERS))],
        edge_inputs=([""], ["Hello"]),
        entry_point="every_kth_word",
        signature=signature,
    )


def _remove_letters(rng: random.Random) -> Draft:
    """Remove a drawn set of letters, in either case or lower case only."""
    letters = "".join(sorted(rng.sample(LOWER, rng.randint(2, 6))))
    either_case = rng.random() < 0.5
    listed = ", ".join(letters)
    which = (
        "in either case (upper or lower)"
        if either_case
        else "only where they are lower case (upper-case ones stay)"
    )
    signature = "def remove_letters(text: str) -> str"
    prompt = function_prompt(
        signature,
        f"Return `text` with every occurrence of the letters {listed} removed, {which}. "
        "All other characters keep their order.",
        "An empty string gives an empty string.",
    )
    solution = source(
        """
        def remove_letters(text: str) -> str:
            banned = set($letters)
            return "".join(ch for ch in text if $probe not in banned)
        """,
        letters=repr(letters),
        probe="ch.lower()" if either_case else "ch",
    )
    alphabet = letters + letters.upper() + LETTERS + " .,!"
    return Draft(
        prompt,
        solution,
        lambda r: [word(r, 0, 30, alphabet)],
        edge_inputs=([""], [letters + letters.upper()]),
        entry_point="remove_letters",
        signature=signature,
    )


FAMILIES = (
    Family(
        "caesar_shift",
        "function",
        "shift letters k places forward or backward",
        _caesar_shift,
    ),
    Family(
        "reverse_words",
        "function",
        "reverse the order of separator-delimited words",
        _reverse_words,
    ),
    Family(
        "every_kth_word",
        "function",
        "restyle every k-th word of a sentence",
        _every_kth_word,
    ),
    Family(
        "remove_letters",
        "function",
        "delete a given set of letters from a string",
        _remove_letters,
    ),
)
