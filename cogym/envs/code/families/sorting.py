"""Searching and sorting: binary search variants, sorting words and integers by a key."""

from __future__ import annotations

import random

from cogym.envs.code.families.base import Draft, Family, function_prompt, int_list, source, words


def _binary_search(rng: random.Random) -> Draft:
    """Index of the first or last occurrence in a sorted list, or -1 / insertion point."""
    descending = rng.random() < 0.5
    first = rng.random() < 0.5
    insertion = rng.random() < 0.5
    order = "non-increasing" if descending else "non-decreasing"
    end = "first" if first else "last"
    other = "greater" if descending else "smaller"
    if insertion:
        absent = (
            "return the index at which it would have to be inserted to keep `items` "
            f"sorted, which is the number of elements {other} than `target`"
        )
    else:
        absent = "return -1"
    signature = "def find_index(items: list[int], target: int) -> int"
    prompt = function_prompt(
        signature,
        f"`items` is sorted in {order} order and may hold repeated values. Return the index "
        f"of the {end} occurrence of `target` in `items`. If `target` does not occur, "
        f"{absent}.",
        "`items` may be empty. Aim for O(log n) comparisons.",
    )
    solution = source(
        """
        def find_index(items: list[int], target: int) -> int:
            positions = [i for i, value in enumerate(items) if value == target]
            if positions:
                return positions[$pick]
            return $absent
        """,
        pick=0 if first else -1,
        absent=f"sum(1 for value in items if value {'>' if descending else '<'} target)"
        if insertion
        else "-1",
    )

    def draw(r: random.Random) -> list:
        items = sorted(int_list(r, 12, 0, 20), reverse=descending)
        target = r.choice(items) if items and r.random() < 0.6 else r.randint(-1, 21)
        return [items, target]

    return Draft(
        prompt,
        solution,
        draw,
        edge_inputs=([[], 5], [[7, 7, 7], 7], [sorted([1, 3, 5], reverse=descending), 4]),
        entry_point="find_index",
        signature=signature,
    )


WORD_KEYS = {
    "shortest": ("length, shortest first", "(len(word), word)"),
    "longest": ("length, longest first", "(-len(word), word)"),
    "last_letter": ("last letter, from a to z", "(word[-1], word)"),
}


def _sort_words(rng: random.Random) -> Draft:
    """Sort words by a drawn key with alphabetical ties, maybe dropping duplicates."""
    letter = rng.choice("aeiou")
    keys = {
        **WORD_KEYS,
        "letter_count": (
            f"the number of times the letter {letter} occurs in the word, fewest first",
            f"(word.count({letter!r}), word)",
        ),
    }
    key = rng.choice(sorted(keys))
    what, expression = keys[key]
    unique = rng.random() < 0.5
    duplicates = (
        "Keep only one copy of each word."
        if unique
        else "Keep repeated words: the result has as many words as `words`."
    )
    signature = "def sort_words(words: list[str]) -> list[str]"
    prompt = function_prompt(
        signature,
        f"`words` is a list of non-empty lower-case words. Return them sorted by {what}; "
        f"words that tie are ordered alphabetically. {duplicates}",
        "An empty list gives an empty list.",
    )
    solution = source(
        """
        def sort_words(words: list[str]) -> list[str]:
            return sorted($items, key=lambda word: $expression)
        """,
        items="set(words)" if unique else "words",
        expression=expression,
    )
    return Draft(
        prompt,
        solution,
        lambda r: [words(r, 1, 9, "abcdeinorstu")],
        edge_inputs=([[]], [["bb", "a", "bb", "a"]]),
        entry_point="sort_words",
        signature=signature,
    )


def _int_keys(rng: random.Random) -> dict[str, tuple[str, str]]:
    """The keys ``stable_sort_ints`` can sort by, with a drawn modulus."""
    m = rng.randint(3, 9)
    return {
        "digit_sum": ("the sum of its decimal digits", "sum(int(d) for d in str(value))"),
        "modulo": (f"its remainder modulo {m}", f"value % {m}"),
        "bits": ("the number of 1 bits in its binary form", 'bin(value).count("1")'),
        "last_digit": ("its last decimal digit", "value % 10"),
    }


def _stable_sort_ints(rng: random.Random) -> Draft:
    """Stable sort of non-negative integers by a drawn key."""
    keys = _int_keys(rng)
    key = rng.choice(sorted(keys))
    what, expression = keys[key]
    descending = rng.random() < 0.5
    direction = "largest key first" if descending else "smallest key first"
    signature = "def sort_by_key(items: list[int]) -> list[int]"
    prompt = function_prompt(
        signature,
        "`items` is a list of non-negative integers. The key of a value is "
        f"{what}. Return the values sorted by key, {direction}. The sort is stable: values "
        "with equal keys keep their order from `items`.",
        "An empty list gives an empty list.",
    )
    solution = source(
        """
        def sort_by_key(items: list[int]) -> list[int]:
            return sorted(items, key=lambda value: $sign($expression))
        """,
        sign="-" if descending else "",
        expression=expression,
    )
    return Draft(
        prompt,
        solution,
        lambda r: [int_list(r, 12, 0, 999, min_len=2)],
        edge_inputs=([[]], [[0]], [[10, 1, 100, 1000]]),
        entry_point="sort_by_key",
        signature=signature,
    )


FAMILIES = (
    Family(
        "binary_search",
        "function",
        "first or last index of a value in a sorted list, or -1 / insertion point",
        _binary_search,
    ),
    Family(
        "sort_words",
        "function",
        "sort words by a key with alphabetical tie-break",
        _sort_words,
    ),
    Family(
        "stable_sort_ints",
        "function",
        "stable sort of integers by digit sum, remainder, bit count or last digit",
        _stable_sort_ints,
    ),
)
