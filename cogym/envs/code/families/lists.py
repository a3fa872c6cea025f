"""List operations: rotate, window aggregates, differences, chunks, dedupe, k-th, merge."""

from __future__ import annotations

import random

from cogym.envs.code.families.base import Draft, Family, function_prompt, int_list, ordinal, source


def _rotate_list(rng: random.Random) -> Draft:
    """Rotate a list k places left or right."""
    k = rng.randint(1, 9)
    left = rng.random() < 0.5
    direction = "left" if left else "right"
    shown = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    cut = k % len(shown) if left else -k % len(shown)
    signature = "def rotate(items: list[int]) -> list[int]"
    prompt = function_prompt(
        signature,
        f"Return a new list holding the elements of `items` rotated {k} places to the "
        f"{direction}: for example {shown} becomes {shown[cut:] + shown[:cut]}.",
        "Rotating a list by its length leaves it unchanged, so only the number of places "
        "modulo the length matters. An empty list gives an empty list.",
    )
    solution = source(
        """
        def rotate(items: list[int]) -> list[int]:
            if not items:
                return []
            cut = $sign$k % len(items)
            return items[cut:] + items[:cut]
        """,
        sign="" if left else "-",
        k=k,
    )
    return Draft(
        prompt,
        solution,
        lambda r: [int_list(r, 12, -50, 50, min_len=1)],
        edge_inputs=([[]], [[7]], [list(range(1, k + 1))]),
        entry_point="rotate",
        signature=signature,
    )


def _window_aggregate(rng: random.Random) -> Draft:
    """Sum, maximum or minimum of every window of w consecutive elements."""
    w = rng.randint(2, 6)
    name, what = rng.choice([("sum", "sum"), ("max", "maximum"), ("min", "minimum")])
    signature = "def window_aggregate(items: list[int]) -> list[int]"
    prompt = function_prompt(
        signature,
        f"For every run of {w} consecutive elements of `items` (the windows starting at "
        f"index 0, 1, ..., len(items) - {w}), compute the {what} of the window. Return "
        "these values in order of the window's start.",
        f"When `items` has fewer than {w} elements there is no window: return an empty list.",
    )
    solution = source(
        """
        def window_aggregate(items: list[int]) -> list[int]:
            return [$name(items[i : i + $w]) for i in range(len(items) - $w + 1)]
        """,
        name=name,
        w=w,
    )
    return Draft(
        prompt,
        solution,
        lambda r: [int_list(r, 14, -20, 20, min_len=w)],
        edge_inputs=([[]], [list(range(w - 1))], [[5] * w]),
        entry_point="window_aggregate",
        signature=signature,
    )


def _pairwise_differences(rng: random.Random) -> Draft:
    """Differences (or absolute differences) between elements d apart."""
    d = rng.randint(1, 5)
    absolute = rng.random() < 0.5
    formula = f"abs(items[i + {d}] - items[i])" if absolute else f"items[i + {d}] - items[i]"
    signature = "def differences(items: list[int]) -> list[int]"
    prompt = function_prompt(
        signature,
        f"Return the list whose i-th element is `{formula}`, for i = 0, 1, ..., "
        f"len(items) - {d + 1}.",
        f"When `items` has at most {d} elements, return an empty list.",
    )
    solution = source(
        """
        def differences(items: list[int]) -> list[int]:
            return [$formula for i in range(len(items) - $d)]
        """,
        formula=formula,
        d=d,
    )
    return Draft(
        prompt,
        solution,
        lambda r: [int_list(r, 12, -100, 100, min_len=d + 1)],
        edge_inputs=([[]], [list(range(d))], [list(range(d + 1))]),
        entry_point="differences",
        signature=signature,
    )


def _chunk_list(rng: random.Random) -> Draft:
    """Split a list into chunks of k, optionally padding the last one."""
    k = rng.randint(2, 6)
    pad = rng.choice([None, *range(10)])
    if pad is None:
        last = f"When the length is not a multiple of {k}, the last chunk is shorter."
    else:
        last = f"When the last chunk is shorter than {k}, pad it at the end with {pad}s."
    signature = "def chunk(items: list[int]) -> list[list[int]]"
    prompt = function_prompt(
        signature,
        f"Split `items` into consecutive chunks of {k} elements, keeping their order, and "
        f"return the list of chunks. {last}",
        "An empty list has no chunks and gives an empty list.",
    )
    padding = (
        ""
        if pad is None
        else f"\n    if chunks:\n        chunks[-1] += [{pad}] * ({k} - len(chunks[-1]))"
    )
    solution = source(
        """
        def chunk(items: list[int]) -> list[list[int]]:
            chunks = [items[i : i + $k] for i in range(0, len(items), $k)]$padding
            return chunks
        """,
        k=k,
        padding=padding,
    )
    return Draft(
        prompt,
        solution,
        lambda r: [int_list(r, 15, 10, 99, min_len=1)],
        edge_inputs=([[]], [[1]], [list(range(k))]),
        entry_point="chunk",
        signature=signature,
    )


def _dedupe(rng: random.Random) -> Draft:
    """Keep the first or last m occurrences of each value."""
    m = rng.randint(1, 3)
    keep_first = rng.random() < 0.5
    end = "first" if keep_first else "last"
    copies = "occurrence" if m == 1 else f"{m} occurrences"
    signature = "def dedupe(items: list[int]) -> list[int]"
    prompt = function_prompt(
        signature,
        f"Return the elements of `items` in their original order, keeping only the {end} "
        f"{copies} of each value and dropping its other occurrences. Values that occur at "
        f"most {m} time{'s' if m > 1 else ''} are all kept.",
        "An empty list gives an empty list.",
    )
    solution = source(
        """
        def dedupe(items: list[int]) -> list[int]:
            seen = {}
            kept = []
            for value in $order:
                seen[value] = seen.get(value, 0) + 1
                if seen[value] <= $m:
                    kept.append(value)
            return $result
        """,
        order="items" if keep_first else "reversed(items)",
        m=m,
        result="kept" if keep_first else "kept[::-1]",
    )
    return Draft(
        prompt,
        solution,
        lambda r: [int_list(r, 14, 0, 6)],
        edge_inputs=([[]], [[4, 4, 4, 4, 4]]),
        entry_point="dedupe",
        signature=signature,
    )


def _kth_distinct(rng: random.Random) -> Draft:
    """The k-th largest or smallest distinct value, or None."""
    k = rng.randint(1, 4)
    largest = rng.random() < 0.5
    end = "largest" if largest else "smallest"
    extreme = "maximum" if largest else "minimum"
    signature = "def kth_distinct(items: list[int]) -> int | None"
    prompt = function_prompt(
        signature,
        f"Return the {ordinal(k)} {end} distinct value in `items`: equal values count "
        f"once, and the 1st {end} is the {extreme}.",
        f"Return None when `items` has fewer than {k} distinct values (for example when it "
        "is empty).",
    )
    solution = source(
        """
        def kth_distinct(items: list[int]) -> int | None:
            values = sorted(set(items), reverse=$largest)
            return values[$index] if len(values) >= $k else None
        """,
        largest=largest,
        index=k - 1,
        k=k,
    )
    return Draft(
        prompt,
        solution,
        lambda r: [int_list(r, 12, -30, 30)],
        edge_inputs=([[]], [[3] * (k + 2)], [list(range(k))]),
        entry_point="kth_distinct",
        signature=signature,
    )


def _sorted_list(rng: random.Random, descending: bool) -> list[int]:
    """Draw a sorted list of up to 8 small integers."""
    return sorted(int_list(rng, 8, 0, 25), reverse=descending)


def _merge_sorted(rng: random.Random) -> Draft:
    """Merge two sorted lists, maybe dropping duplicates and cutting to a length."""
    descending = rng.random() < 0.5
    unique = rng.random() < 0.5
    limit = rng.choice([None, *range(3, 9)])
    order = "non-increasing" if descending else "non-decreasing"
    holds = (
        "every distinct value of `a` and `b`, each only once"
        if unique
        else "all elements of both lists, duplicates included"
    )
    cut = "" if limit is None else f", cut to its first {limit} elements (or fewer if shorter)"
    signature = "def merge(a: list[int], b: list[int]) -> list[int]"
    prompt = function_prompt(
        signature,
        f"`a` and `b` are each sorted in {order} order and may hold repeated values. "
        f"Return one list in {order} order holding {holds}{cut}.",
        "Either list may be empty. Try to do it in linear time.",
    )
    solution = source(
        """
        def merge(a: list[int], b: list[int]) -> list[int]:
            merged = []
            i = j = 0
            while i < len(a) and j < len(b):
                if a[i] $before b[j]:
                    merged.append(a[i])
                    i += 1
                else:
                    merged.append(b[j])
                    j += 1
            merged += a[i:] + b[j:]$unique$limit
            return merged
        """,
        before=">=" if descending else "<=",
        unique=(
            "\n    merged = [v for n, v in enumerate(merged) if n == 0 or v != merged[n - 1]]"
            if unique
            else ""
        ),
        limit="" if limit is None else f"\n    merged = merged[:{limit}]",
    )
    return Draft(
        prompt,
        solution,
        lambda r: [_sorted_list(r, descending), _sorted_list(r, descending)],
        edge_inputs=([[], []], [[], sorted([2, 2, 5], reverse=descending)]),
        entry_point="merge",
        signature=signature,
    )


FAMILIES = (
    Family("rotate_list", "function", "rotate a list k places left or right", _rotate_list),
    Family(
        "window_aggregate",
        "function",
        "sum, max or min of every window of w consecutive elements",
        _window_aggregate,
    ),
    Family(
        "pairwise_differences",
        "function",
        "differences between elements d positions apart",
        _pairwise_differences,
    ),
    Family("chunk_list", "function", "split a list into chunks of size k", _chunk_list),
    Family("dedupe", "function", "keep the first or last m copies of each value", _dedupe),
    Family(
        "kth_distinct",
        "function",
        "k-th largest or smallest distinct value, or None",
        _kth_distinct,
    ),
    Family(
        "merge_sorted",
        "function",
        "merge two sorted lists (maybe unique, maybe cut)",
        _merge_sorted,
    ),
)
