"""Bracket matching: is a string balanced, and its longest balanced substring."""

from __future__ import annotations

import itertools
import random

from cogym.envs.code.families.base import LOWER, Draft, Family, function_prompt, quoted, source

PAIRS = ("()", "[]", "{}", "<>")


def _balanced(rng: random.Random, pairs: tuple[str, ...], count: int) -> str:
    """Draw a balanced string of ``count`` bracket pairs of the given kinds."""
    if count == 0:
        return ""
    inside = rng.randint(0, count - 1)
    pair = rng.choice(pairs)
    return (
        pair[0]
        + _balanced(rng, pairs, inside)
        + pair[1]
        + _balanced(rng, pairs, count - 1 - inside)
    )


def _damage(rng: random.Random, text: str, pairs: tuple[str, ...]) -> str:
    """Delete, replace or insert one bracket at random."""
    symbols = "".join(pairs)
    at = rng.randint(0, len(text))
    roll = rng.random()
    if text and roll < 0.4:
        at = min(at, len(text) - 1)
        return text[:at] + text[at + 1 :]
    if text and roll < 0.7:
        at = min(at, len(text) - 1)
        return text[:at] + rng.choice(symbols) + text[at + 1 :]
    return text[:at] + rng.choice(symbols) + text[at:]


def _sprinkle(rng: random.Random, text: str) -> str:
    """Insert a few lower-case letters at random places."""
    chars = list(text)
    for _ in range(rng.randint(0, 4)):
        chars.insert(rng.randint(0, len(chars)), rng.choice(LOWER))
    return "".join(chars)


def _balanced_brackets(rng: random.Random) -> Draft:
    """Say whether the brackets of a string are balanced."""
    subsets = [s for n in range(1, 5) for s in itertools.combinations(PAIRS, n)]
    pairs = rng.choice(subsets)
    with_letters = rng.random() < 0.5
    kinds = ", ".join(pairs)
    content = (
        "lower-case letters, which are ignored"
        if with_letters
        else "nothing else: only these bracket characters"
    )
    first, last = pairs[0], pairs[-1]
    good = first[0] + last + first[1]
    bad = first[0] + last[0] + first[1] + last[1] if len(pairs) > 1 else first[1] + first[0]
    signature = "def is_balanced(text: str) -> bool"
    prompt = function_prompt(
        signature,
        f"`text` holds brackets of the kinds {kinds} and {content}. Return True when the "
        "brackets are balanced: every opening bracket is closed later by the closing "
        "bracket of the same kind, every closing bracket closes one, and pairs nest "
        f"properly ({quoted(good)} is balanced, {quoted(bad)} is not). "
        "Return False otherwise.",
        "The empty string is balanced.",
    )
    solution = source(
        """
        def is_balanced(text: str) -> bool:
            closers = $closers
            stack = []
            for ch in text:
                if ch in closers.values():
                    stack.append(ch)
                elif ch in closers:
                    if not stack or stack.pop() != closers[ch]:
                        return False
            return not stack
        """,
        closers=repr({pair[1]: pair[0] for pair in pairs}),
    )

    def draw(r: random.Random) -> list[str]:
        text = _balanced(r, pairs, r.randint(1, 6))
        if r.random() < 0.5:
            text = _damage(r, text, pairs)
        return [_sprinkle(r, text) if with_letters else text]

    return Draft(
        prompt,
        solution,
        draw,
        edge_inputs=([""], [pairs[0][1] + pairs[0][0]], [pairs[-1][0]]),
        entry_point="is_balanced",
        signature=signature,
    )


REPORTS = {
    "length": ("int", "the length of the longest balanced substring (0 when there is none)"),
    "leftmost": (
        "list[int]",
        "[start, length] of the longest balanced substring, where start is its index in "
        "`text`; if several have that length, the leftmost one. Return [-1, 0] when "
        "there is none",
    ),
    "rightmost": (
        "list[int]",
        "[start, length] of the longest balanced substring, where start is its index in "
        "`text`; if several have that length, the rightmost one. Return [-1, 0] when "
        "there is none",
    ),
}


def _longest_balanced(rng: random.Random) -> Draft:
    """Find the longest balanced substring of a one-kind bracket string."""
    pair = rng.choice(PAIRS)
    report = rng.choice(sorted(REPORTS))
    returns, what = REPORTS[report]
    signature = f"def longest_balanced(text: str) -> {returns}"
    prompt = function_prompt(
        signature,
        f"`text` consists only of the characters {quoted(pair[0])} and {quoted(pair[1])}. "
        "A balanced substring is a non-empty run of consecutive characters in which the "
        f"brackets match up (like {quoted(pair * 2)} or {quoted(pair[0] * 2 + pair[1] * 2)}).",
        f"Return {what}. The empty string has no balanced substring.",
    )
    solution = source(
        """
        def longest_balanced(text: str) -> $returns:
            best_start, best_length = -1, 0
            for start in range(len(text)):
                depth = 0
                for end in range(start, len(text)):
                    depth += 1 if text[end] == $opener else -1
                    if depth < 0:
                        break
                    if depth == 0 and end + 1 - start $beats best_length:
                        best_start, best_length = start, end + 1 - start
            return $result
        """,
        returns=returns,
        opener=repr(pair[0]),
        beats=">=" if report == "rightmost" else ">",
        result="best_length" if report == "length" else "[best_start, best_length]",
    )

    def draw(r: random.Random) -> list[str]:
        return ["".join(r.choice(pair) for _ in range(r.randint(1, 22)))]

    return Draft(
        prompt,
        solution,
        draw,
        edge_inputs=([""], [pair[1] + pair[0]], [pair * 2 + pair[1] + pair * 2]),
        entry_point="longest_balanced",
        signature=signature,
    )


FAMILIES = (
    Family(
        "balanced_brackets",
        "function",
        "are the brackets of a string balanced (several kinds)",
        _balanced_brackets,
    ),
    Family(
        "longest_balanced",
        "function",
        "longest balanced substring: its length or [start, length]",
        _longest_balanced,
    ),
)
