"""Parsing: integers in text, key-value pairs, postfix expressions, run-length codes."""

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
)

AGGREGATES = {
    "sum": ("int", "the sum of all the integers (0 when there are none)", "sum(numbers)"),
    "max": (
        "int | None",
        "the largest of the integers (None when there are none)",
        "max(numbers) if numbers else None",
    ),
    "count": ("int", "how many integers there are", "len(numbers)"),
}


def _noisy_text(rng: random.Random) -> str:
    """Draw text mixing words, numbers (some with leading zeros) and dashes."""
    pieces = []
    for _ in range(rng.randint(1, 8)):
        roll = rng.random()
        if roll < 0.4:
            pieces.append(str(rng.randint(0, 999)).zfill(rng.choice([1, 1, 3])))
        elif roll < 0.55:
            pieces.append("-" + str(rng.randint(0, 99)))
        else:
            pieces.append(word(rng, 1, 6, LETTERS))
    glue = rng.choice(["", " ", " ", "-", ", "])
    return glue.join(pieces)


def _integers_in_text(rng: random.Random) -> Draft:
    """Sum, maximum or count of the integers written in a text."""
    signed = rng.random() < 0.5
    aggregate = rng.choice(sorted(AGGREGATES))
    returns, what, expression = AGGREGATES[aggregate]
    pattern = "-?[0-9]+" if signed else "[0-9]+"
    sign = (
        "a '-' right before the first digit belongs to the number and makes it negative"
        if signed
        else "a '-' is never part of a number, so every integer is non-negative"
    )
    signature = f"def integers_in_text(text: str) -> {returns}"
    prompt = function_prompt(
        signature,
        "Find the integers written in `text`, left to right: each is a match of the "
        f"regular expression `{pattern}` ({sign}; leading zeros are allowed, so 007 is 7). "
        f"Return {what}.",
        "`text` may be empty.",
    )
    solution = source(
        """
        import re


        def integers_in_text(text: str) -> $returns:
            numbers = [int(token) for token in re.findall(r"$pattern", text)]
            return $expression
        """,
        returns=returns,
        pattern=pattern,
        expression=expression,
    )
    return Draft(
        prompt,
        solution,
        lambda r: [_noisy_text(r)],
        edge_inputs=([""], ["no digits here"], ["a-5b--07c"]),
        entry_point="integers_in_text",
        signature=signature,
    )


DUPLICATES = {
    "first": ("the first value given for it counts", "pass"),
    "last": ("the last value given for it counts", "values[key] = value"),
    "sum": ("its value is the sum of all values given for it", "values[key] += value"),
}


def _parse_pairs(rng: random.Random) -> Draft:
    """Parse ``key=value`` pairs into a sorted list of ``[key, value]``."""
    pair_sep = rng.choice([";", ",", "&", "|"])
    kv_sep = rng.choice(["=", ":"])
    policy = rng.choice(sorted(DUPLICATES))
    rule, update = DUPLICATES[policy]
    keys = sorted({word(rng, 1, 5) for _ in range(5)})
    signature = "def parse_pairs(text: str) -> list[list]"
    prompt = function_prompt(
        signature,
        f"`text` holds items separated by {quoted(pair_sep)}; each item is a key of "
        f"lower-case letters, then {quoted(kv_sep)}, then an integer value (maybe "
        f"negative), for example {quoted(f'ab{kv_sep}3{pair_sep}c{kv_sep}-10')}. There are "
        "no spaces.",
        f"Return a list of [key, value] pairs (key a string, value an int), one per "
        f"distinct key, sorted by key. When a key appears more than once, {rule}. An empty "
        "string has no items and gives an empty list.",
    )
    solution = source(
        """
        def parse_pairs(text: str) -> list[list]:
            values = {}
            for item in text.split($pair_sep) if text else []:
                key, _, raw = item.partition($kv_sep)
                value = int(raw)
                if key not in values:
                    values[key] = value
                else:
                    $update
            return [[key, values[key]] for key in sorted(values)]
        """,
        pair_sep=repr(pair_sep),
        kv_sep=repr(kv_sep),
        update=update,
    )

    def draw(r: random.Random) -> list[str]:
        items = [f"{r.choice(keys)}{kv_sep}{r.randint(-50, 99)}" for _ in range(r.randint(1, 7))]
        return [pair_sep.join(items)]

    return Draft(
        prompt,
        solution,
        draw,
        edge_inputs=([""], [f"{keys[0]}{kv_sep}1{pair_sep}{keys[0]}{kv_sep}2"]),
        entry_point="parse_pairs",
        signature=signature,
    )


def _postfix(rng: random.Random, operands: int, sep: str) -> str:
    """Draw a valid postfix expression over ``operands`` numbers 0-99 and + - *."""
    if operands == 1:
        return str(rng.randint(0, 99))
    left = rng.randint(1, operands - 1)
    return sep.join(
        [
            _postfix(rng, left, sep),
            _postfix(rng, operands - left, sep),
            rng.choice("+-*"),
        ]
    )


def _eval_rpn(rng: random.Random) -> Draft:
    """Evaluate a postfix expression and reduce it modulo m."""
    m = rng.choice([7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 97, 101, 997, 1009])
    sep = rng.choice([" ", ",", ";"])
    signature = "def eval_rpn(expression: str) -> int"
    prompt = function_prompt(
        signature,
        "`expression` is a valid postfix (Reverse Polish) expression whose tokens are "
        f"separated by single {quoted(sep)} characters. Each token is a non-negative "
        "integer or one of the operators +, - and *; `a b -` means a minus b.",
        "Evaluate it with exact integer arithmetic and return the result modulo "
        f"{m}, as a number from 0 to {m - 1} (like Python's % operator, also for negative "
        "results). An expression may be a single number.",
    )
    solution = source(
        """
        def eval_rpn(expression: str) -> int:
            stack = []
            for token in expression.split($sep):
                if token in ("+", "-", "*"):
                    right = stack.pop()
                    left = stack.pop()
                    if token == "+":
                        stack.append(left + right)
                    elif token == "-":
                        stack.append(left - right)
                    else:
                        stack.append(left * right)
                else:
                    stack.append(int(token))
            return stack[0] % $m
        """,
        sep=repr(sep),
        m=m,
    )
    return Draft(
        prompt,
        solution,
        lambda r: [_postfix(r, r.randint(2, 7), sep)],
        edge_inputs=(["42"], [sep.join(["3", "10", "-"])], ["0"]),
        entry_point="eval_rpn",
        signature=signature,
    )


def _runs(rng: random.Random, alphabet: str, max_runs: int) -> list[tuple[str, int]]:
    """Draw maximal runs: consecutive runs use different characters."""
    runs: list[tuple[str, int]] = []
    for _ in range(rng.randint(1, max_runs)):
        choices = [ch for ch in alphabet if not runs or ch != runs[-1][0]]
        runs.append((rng.choice(choices), rng.choice([1, 1, 2, 3, 4, rng.randint(5, 12)])))
    return runs


def _rle(runs: list[tuple[str, int]], count_first: bool, omit_ones: bool) -> str:
    """Write runs in the run-length format the family describes."""
    pieces = []
    for ch, count in runs:
        number = "" if omit_ones and count == 1 else str(count)
        pieces.append(number + ch if count_first else ch + number)
    return "".join(pieces)


def _rle_format(rng: random.Random) -> tuple[bool, bool, str]:
    """Draw a run-length format and describe it: ``(count_first, omit_ones, text)``."""
    count_first = rng.random() < 0.5
    omit_ones = rng.random() < 0.5
    order = (
        "its length in decimal followed by the character"
        if count_first
        else "the character followed by its length in decimal"
    )
    ones = (
        " A run of length 1 is written as the character alone."
        if omit_ones
        else " Every run carries its length, even a run of length 1."
    )
    sample = [("a", 3), ("b", 1), ("c", 12)]
    code = _rle(sample, count_first, omit_ones)
    example = f" For example {quoted('aaab' + 'c' * 12)} is written {quoted(code)}."
    text = (
        "In the run-length code used here, every maximal run of equal characters is "
        f"written as {order}.{ones}{example}"
    )
    return count_first, omit_ones, text


def _rle_encode(rng: random.Random) -> Draft:
    """Run-length encode a string of lower-case letters."""
    count_first, omit_ones, description = _rle_format(rng)
    alphabet = "".join(sorted(rng.sample(LOWER, rng.randint(2, 4))))
    signature = "def rle_encode(text: str) -> str"
    prompt = function_prompt(
        signature,
        description,
        f"Return the run-length code of `text`, a string made of the letters "
        f"{', '.join(alphabet)}. An empty string gives an empty string.",
    )
    number = 'str(count) if count > 1 else ""' if omit_ones else "str(count)"
    piece = "number + ch" if count_first else "ch + number"
    solution = source(
        """
        def rle_encode(text: str) -> str:
            pieces = []
            i = 0
            while i < len(text):
                ch = text[i]
                count = 1
                while i + count < len(text) and text[i + count] == ch:
                    count += 1
                number = $number
                pieces.append($piece)
                i += count
            return "".join(pieces)
        """,
        number=number,
        piece=piece,
    )
    return Draft(
        prompt,
        solution,
        lambda r: ["".join(ch * count for ch, count in _runs(r, alphabet, 8))],
        edge_inputs=([""], ["z"], ["q" * 11]),
        entry_point="rle_encode",
        signature=signature,
    )


def _rle_decode(rng: random.Random) -> Draft:
    """Decode a run-length code back into the string."""
    count_first, omit_ones, description = _rle_format(rng)
    alphabet = "".join(sorted(rng.sample(LOWER, rng.randint(2, 5))))
    signature = "def rle_decode(code: str) -> str"
    prompt = function_prompt(
        signature,
        description,
        f"`code` is the run-length code of a string made of the letters "
        f"{', '.join(alphabet)}; return that string. An empty code gives an empty string.",
    )
    pattern = "([0-9]*)([a-z])" if count_first else "([a-z])([0-9]*)"
    pair = "number, ch" if count_first else "ch, number"
    solution = source(
        """
        import re


        def rle_decode(code: str) -> str:
            pieces = []
            for $pair in re.findall(r"$pattern", code):
                pieces.append(ch * int(number or "1"))
            return "".join(pieces)
        """,
        pair=pair,
        pattern=pattern,
    )
    return Draft(
        prompt,
        solution,
        lambda r: [_rle(_runs(r, alphabet, 7), count_first, omit_ones)],
        edge_inputs=([""], [_rle([(alphabet[0], 1)], count_first, omit_ones)]),
        entry_point="rle_decode",
        signature=signature,
    )


FAMILIES = (
    Family(
        "integers_in_text",
        "function",
        "sum, max or count of the integers in a text",
        _integers_in_text,
    ),
    Family(
        "parse_pairs",
        "function",
        "parse key=value pairs into a sorted list, resolving duplicates",
        _parse_pairs,
    ),
    Family("eval_rpn", "function", "evaluate a postfix expression modulo m", _eval_rpn),
    Family("rle_encode", "function", "run-length encode a string", _rle_encode),
    Family("rle_decode", "function", "decode a run-length code", _rle_decode),
)
