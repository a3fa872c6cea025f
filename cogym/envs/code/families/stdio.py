"""Stdin/stdout programs: number statistics, islands, word counts, grid transforms, a ledger."""

from __future__ import annotations

import random

from cogym.envs.code.families.base import (
    Draft,
    Family,
    int_list,
    io_prompt,
    quoted,
    source,
    word,
)

STATS = {
    "min": ("the smallest value", "min(values)"),
    "max": ("the largest value", "max(values)"),
    "sum": ("the sum of the values", "sum(values)"),
    "range": ("the largest value minus the smallest", "max(values) - min(values)"),
    "evens": ("how many values are even", "sum(1 for v in values if v % 2 == 0)"),
    "mean": (
        "the mean rounded down to an integer (toward minus infinity, like Python's //)",
        "sum(values) // len(values)",
    ),
}


def _numbers_input(values: list[int]) -> str:
    """Write a count line and one value per line."""
    return "".join(f"{line}\n" for line in [len(values), *values])


def _number_stats(rng: random.Random) -> Draft:
    """Print a drawn list of statistics of N integers, each with a label."""
    names = rng.sample(sorted(STATS), rng.randint(2, 4))
    glue = rng.choice([": ", "=", " "])
    lines = "; ".join(f"`{name}{glue}X` where X is {STATS[name][0]}" for name in names)
    prompt = io_prompt(
        "Read a list of integers and print some statistics about it.",
        "the first line holds an integer N (1 <= N <= 1000); each of the next N lines "
        "holds one integer between -1000000 and 1000000.",
        f"print {len(names)} lines, in this order: {lines}.",
    )
    entries = "\n".join(f'        "{name}": {STATS[name][1]},' for name in names)
    solution = source(
        """
        import sys


        def main() -> None:
            tokens = sys.stdin.read().split()
            count = int(tokens[0])
            values = [int(token) for token in tokens[1 : 1 + count]]
            stats = {
        $entries
            }
            for name, value in stats.items():
                print(f"{name}$glue{value}")


        main()
        """,
        entries=entries,
        glue=glue,
    )
    return Draft(
        prompt,
        solution,
        lambda r: _numbers_input(int_list(r, 12, -1000, 1000, min_len=1)),
        edge_inputs=(_numbers_input([5]), _numbers_input([-3, -4])),
    )


TERRAINS = (("#", "."), ("1", "0"), ("X", "o"), ("@", "-"))
NEIGHBOURS = {
    4: ("up, down, left and right", "[(-1, 0), (1, 0), (0, -1), (0, 1)]"),
    8: (
        "in all 8 directions, diagonals included",
        "[(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if dy or dx]",
    ),
}


def _grid_input(rng: random.Random, land: str, water: str) -> str:
    """Draw a land/water grid with its size line."""
    rows, cols = rng.randint(1, 8), rng.randint(1, 8)
    density = rng.choice([0.3, 0.4, 0.5, 0.6])
    lines = [
        "".join(land if rng.random() < density else water for _ in range(cols)) for _ in range(rows)
    ]
    return f"{rows} {cols}\n" + "".join(f"{line}\n" for line in lines)


def _count_islands(rng: random.Random) -> Draft:
    """Count islands, or measure the largest, in a land/water grid."""
    land, water = rng.choice(TERRAINS)
    connectivity = rng.choice([4, 8])
    largest = rng.random() < 0.5
    joined, steps = NEIGHBOURS[connectivity]
    answer = (
        "the size (number of cells) of the largest island, or 0 when there is no land"
        if largest
        else "the number of islands"
    )
    prompt = io_prompt(
        f"A map shows land ({quoted(land)}) and water ({quoted(water)}). An island is a "
        "maximal group of land cells in which you can walk between any two cells by "
        f"stepping to neighbouring land cells, where neighbours touch {joined}.",
        "the first line holds R and C (1 <= R, C <= 50) separated by a space; each of the "
        f"next R lines holds C characters, each {quoted(land)} or {quoted(water)}.",
        f"print one integer: {answer}.",
    )
    solution = source(
        """
        import sys


        def main() -> None:
            tokens = sys.stdin.read().split()
            rows, cols = int(tokens[0]), int(tokens[1])
            grid = tokens[2 : 2 + rows]
            seen = [[False] * cols for _ in range(rows)]
            sizes = []
            for r in range(rows):
                for c in range(cols):
                    if grid[r][c] != $land or seen[r][c]:
                        continue
                    seen[r][c] = True
                    stack, size = [(r, c)], 0
                    while stack:
                        y, x = stack.pop()
                        size += 1
                        for dy, dx in $steps:
                            ny, nx = y + dy, x + dx
                            if 0 <= ny < rows and 0 <= nx < cols and not seen[ny][nx]:
                                if grid[ny][nx] == $land:
                                    seen[ny][nx] = True
                                    stack.append((ny, nx))
                    sizes.append(size)
            print($result)


        main()
        """,
        land=repr(land),
        steps=steps,
        result="max(sizes, default=0)" if largest else "len(sizes)",
    )
    return Draft(
        prompt,
        solution,
        lambda r: _grid_input(r, land, water),
        edge_inputs=(f"1 1\n{water}\n", f"2 2\n{land}{water}\n{water}{land}\n"),
    )


FREQUENCY_FORMATS = {
    "word count": 'f"{word} {count}"',
    "word: count": 'f"{word}: {count}"',
    "count word": 'f"{count} {word}"',
}


def _text_input(rng: random.Random) -> str:
    """Draw a few lines of words from a small vocabulary, with case and punctuation."""
    vocabulary = [word(rng, 1, 6) for _ in range(6)]
    lines = []
    for _ in range(rng.randint(1, 4)):
        picked = [rng.choice(vocabulary) for _ in range(rng.randint(1, 8))]
        picked = [w.capitalize() if rng.random() < 0.2 else w for w in picked]
        lines.append(" ".join(w + rng.choice(["", "", "", ",", ".", "!"]) for w in picked))
    return "".join(f"{line}\n" for line in lines)


def _word_frequency(rng: random.Random) -> Draft:
    """Print a word frequency table, most frequent first."""
    layout = rng.choice(sorted(FREQUENCY_FORMATS))
    top = rng.choice([None, *range(3, 9)])
    which = "every word" if top is None else f"the {top} most frequent words (or all if fewer)"
    prompt = io_prompt(
        "Count how often each word occurs in a text. A word is a maximal run of ASCII "
        "letters (a-z, A-Z); case does not matter, so words are compared and printed in "
        "lower case.",
        "any number of lines of text, possibly none.",
        f"for {which}, print one line {quoted(layout)}, ordered by count from highest to "
        "lowest and, for equal counts, alphabetically. Print nothing when there are no "
        "words.",
    )
    solution = source(
        """
        import re
        import sys
        from collections import Counter


        def main() -> None:
            text = sys.stdin.read()
            counts = Counter(word.lower() for word in re.findall("[A-Za-z]+", text))
            ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
            for word, count in ranked$cut:
                print($line)


        main()
        """,
        cut="" if top is None else f"[:{top}]",
        line=FREQUENCY_FORMATS[layout],
    )
    return Draft(
        prompt,
        solution,
        _text_input,
        edge_inputs=("", "b a B A c\n", "... 123 ???\n"),
    )


TRANSFORMS = {
    "clockwise": ("rotated 90 degrees clockwise", "[list(row) for row in zip(*grid[::-1])]"),
    "counterclockwise": (
        "rotated 90 degrees counterclockwise",
        "[list(row) for row in zip(*grid)][::-1]",
    ),
    "transpose": ("transposed (row i becomes column i)", "[list(row) for row in zip(*grid)]"),
    "mirror": ("mirrored left to right (every row reversed)", "[row[::-1] for row in grid]"),
    "flip": ("flipped upside down (the order of the rows reversed)", "grid[::-1]"),
    "half_turn": ("rotated 180 degrees", "[row[::-1] for row in grid[::-1]]"),
}


def _matrix_input(rng: random.Random) -> str:
    """Draw an integer matrix with its size line."""
    rows, cols = rng.randint(1, 5), rng.randint(1, 5)
    lines = [" ".join(str(rng.randint(-9, 99)) for _ in range(cols)) for _ in range(rows)]
    return f"{rows} {cols}\n" + "".join(f"{line}\n" for line in lines)


def _grid_transform(rng: random.Random) -> Draft:
    """Rotate, transpose, mirror or flip an integer matrix."""
    transform = rng.choice(sorted(TRANSFORMS))
    what, expression = TRANSFORMS[transform]
    sep = rng.choice([" ", ","])
    separator = "single spaces" if sep == " " else "commas (no spaces)"
    prompt = io_prompt(
        f"Read a matrix of integers and print it {what}.",
        "the first line holds R and C (1 <= R, C <= 20) separated by a space; each of the "
        "next R lines holds C integers separated by single spaces.",
        f"print the resulting matrix, one row per line, values separated by {separator}.",
    )
    solution = source(
        """
        import sys


        def main() -> None:
            tokens = sys.stdin.read().split()
            rows, cols = int(tokens[0]), int(tokens[1])
            grid = [tokens[2 + r * cols : 2 + (r + 1) * cols] for r in range(rows)]
            result = $expression
            for row in result:
                print($sep.join(row))


        main()
        """,
        expression=expression,
        sep=repr(sep),
    )
    return Draft(
        prompt,
        solution,
        _matrix_input,
        edge_inputs=("1 1\n7\n", "1 3\n1 2 3\n"),
    )


def _ledger_input(rng: random.Random) -> str:
    """Draw a list of deposits and withdrawals with its count line."""
    lines = [
        f"{rng.choice(['deposit', 'withdraw', 'withdraw'])} {rng.randint(1, 300)}"
        for _ in range(rng.randint(1, 12))
    ]
    return f"{len(lines)}\n" + "".join(f"{line}\n" for line in lines)


def _bank_ledger(rng: random.Random) -> Draft:
    """Apply deposits and withdrawals with a fee and an overdraft limit."""
    start = rng.randrange(0, 201, 10)
    fee = rng.choice([0, 1, 2, 5])
    limit = rng.choice([0, 50, 100, 200, 500])
    floor = "0" if limit == 0 else f"-{limit}"
    fee_text = "" if fee == 0 else f" plus a fee of {fee}"
    prompt = io_prompt(
        f"An account starts with balance {start}. A deposit of X adds X. A withdrawal of X "
        f"takes X{fee_text} from the balance, unless that would leave the balance below "
        f"{floor}: then the withdrawal is rejected and the balance does not change.",
        "the first line holds N (0 <= N <= 1000); each of the next N lines is "
        f"{quoted('deposit X')} or {quoted('withdraw X')} with an integer 1 <= X <= 1000.",
        "print two lines: the final balance, then the number of rejected withdrawals.",
    )
    solution = source(
        """
        import sys


        def main() -> None:
            tokens = sys.stdin.read().split()
            count = int(tokens[0])
            balance, rejected = $start, 0
            for n in range(count):
                action, amount = tokens[1 + 2 * n], int(tokens[2 + 2 * n])
                if action == "deposit":
                    balance += amount
                elif balance - amount - $fee >= $floor:
                    balance -= amount + $fee
                else:
                    rejected += 1
            print(balance)
            print(rejected)


        main()
        """,
        start=start,
        fee=fee,
        floor=floor,
    )
    return Draft(
        prompt,
        solution,
        _ledger_input,
        edge_inputs=("0\n", f"1\nwithdraw {start + limit + 1}\n"),
    )


FAMILIES = (
    Family(
        "io_number_stats",
        "io",
        "read N integers, print labelled statistics",
        _number_stats,
    ),
    Family(
        "io_count_islands",
        "io",
        "count islands or the largest island in a grid (4- or 8-connected)",
        _count_islands,
    ),
    Family(
        "io_word_frequency",
        "io",
        "print a word frequency table, most frequent first",
        _word_frequency,
    ),
    Family(
        "io_grid_transform",
        "io",
        "rotate, transpose, mirror or flip a matrix",
        _grid_transform,
    ),
    Family(
        "io_bank_ledger",
        "io",
        "apply deposits and withdrawals with a fee and an overdraft limit",
        _bank_ledger,
    ),
)
