"""The math task families: one function per family, ``(rng, difficulty) -> task body``.

Each family returns ``{"question": str, "answer": str, "data": dict}``. The question is
plain text that asks for the answer in ``\\boxed{}``; the answer is a LaTeX-ish string that
math-verify parses; ``data`` holds the drawn parameters as JSON values, enough to recompute
the answer without reading the question. Values are drawn so that every answer is exact.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from fractions import Fraction
from itertools import pairwise
from typing import Any

Body = dict[str, Any]
Family = Callable[[random.Random, int], Body]

NUMBER_NOTE = (
    "Give your final answer as an integer or a fraction in lowest terms, in \\boxed{}, "
    "for example \\boxed{-3/4}."
)
INTEGER_NOTE = "Give your final answer as an integer in \\boxed{}."

# ---------------------------------------------------------------- formatting


def format_number(value: Fraction | int) -> str:
    """Write a rational number as the gold-answer string.

    :param value: the number.
    :return: ``"42"``, ``"\\frac{3}{4}"`` or ``"-\\frac{3}{4}"`` (lowest terms).
    """
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    sign = "-" if value < 0 else ""
    return f"{sign}\\frac{{{abs(value.numerator)}}}{{{value.denominator}}}"


def format_set(values: list[Fraction]) -> str:
    """Write distinct numbers as a LaTeX set, sorted ascending.

    :param values: the numbers (duplicates are dropped).
    :return: e.g. ``"\\{-2, 3\\}"``.
    """
    return "\\{" + ", ".join(format_number(v) for v in sorted(set(values))) + "\\}"


def format_plain(value: Fraction | int) -> str:
    """Write a rational number for a question: ``"3"``, ``"3/4"`` or ``"-3/4"``."""
    value = Fraction(value)
    return str(value.numerator) if value.denominator == 1 else f"{value}"


def signed_terms(terms: list[tuple[int, str]]) -> str:
    """Write a sum of integer multiples of symbols, such as ``"2x^2 - x + 3"``.

    :param terms: ``(coefficient, symbol)`` pairs; ``""`` is the constant term.
    :return: the sum, leaving out zero terms and unit coefficients; ``"0"`` when empty.
    """
    parts: list[str] = []
    for coef, symbol in terms:
        if coef == 0:
            continue
        size = abs(coef)
        body = symbol if symbol and size == 1 else f"{size}{symbol}"
        if parts:
            parts.append(f"{'-' if coef < 0 else '+'} {body}")
        else:
            parts.append(f"{'-' if coef < 0 else ''}{body}")
    return " ".join(parts) or "0"


def _nonzero(rng: random.Random, low: int, high: int) -> int:
    """Draw an integer from ``[low, high]`` other than 0 (the range must hold one)."""
    while True:
        value = rng.randint(low, high)
        if value:
            return value


# ---------------------------------------------------------------- integer_arithmetic

INT_SIZES = {1: (3, 3, 1, 20), 2: (4, 5, -15, 30), 3: (6, 7, -30, 60)}  # operands, values
INT_LIMIT = 100_000
INT_MAX_FACTOR = 12  # "*" needs one side this small, so products stay mental-math sized


def _int_expression(rng: random.Random, count: int, low: int, high: int) -> tuple[int, str, bool]:
    """Build a random expression over ``count`` integers.

    :param rng: the source of randomness.
    :param count: how many integer operands.
    :param low: the smallest operand.
    :param high: the largest operand.
    :return: ``(value, text, compound)``; compound texts get parentheses when nested.
    """
    if count == 1:
        number = rng.randint(low, high)
        return number, str(number) if number >= 0 else f"({number})", False
    left_count = rng.randint(1, count - 1)
    lv, lt, lc = _int_expression(rng, left_count, low, high)
    rv, rt, rc = _int_expression(rng, count - left_count, low, high)
    ops = ["+", "-"]
    if min(abs(lv), abs(rv)) <= INT_MAX_FACTOR and abs(lv * rv) <= INT_LIMIT:
        ops += ["*", "*"]
    op = rng.choice(ops)
    value = {"+": lv + rv, "-": lv - rv, "*": lv * rv}[op]
    left = f"({lt})" if lc else lt
    right = f"({rt})" if rc else rt
    return value, f"{left} {op} {right}", True


def integer_arithmetic(rng: random.Random, difficulty: int) -> Body:
    """Evaluate a nested expression of integers with ``+ - *`` and parentheses.

    :param rng: the source of randomness.
    :param difficulty: 1-3: 3, 4-5 or 6-7 operands, with negatives from level 2.
    """
    least, most, low, high = INT_SIZES[difficulty]
    value, text, _ = _int_expression(rng, rng.randint(least, most), low, high)
    question = f"Compute the value of {text}. {INTEGER_NOTE}"
    return {"question": question, "answer": str(value), "data": {"expression": text}}


# ---------------------------------------------------------------- fraction_arithmetic

FRACTION_OPS: dict[str, Callable[[Fraction, Fraction], Fraction]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
}


def _fraction(rng: random.Random, max_den: int, signed: bool) -> Fraction:
    """Draw a non-integer fraction with denominator 2..max_den, in lowest terms."""
    while True:
        den = rng.randint(2, max_den)
        num = rng.randint(1, 2 * den - 1)
        if math.gcd(num, den) == 1:
            return Fraction(-num if signed and rng.random() < 0.4 else num, den)


def _fraction_text(value: Fraction) -> str:
    """Write a fraction operand in parentheses, so ``a / (b/c)`` cannot be misread."""
    return f"({value})"


def fraction_arithmetic(rng: random.Random, difficulty: int) -> Body:
    """Combine fractions with ``+ - * /``; the answer is in lowest terms.

    :param rng: the source of randomness.
    :param difficulty: 1: sum or difference of two; 2: any operation on two, signs;
        3: three fractions, two operations, grouped left or right.
    """
    count = 3 if difficulty == 3 else 2
    ops_pool = "+-" if difficulty == 1 else "+-*/"
    while True:
        values = [_fraction(rng, 6 + 3 * difficulty, difficulty > 1) for _ in range(count)]
        ops = [rng.choice(ops_pool) for _ in range(count - 1)]
        grouping = rng.choice(["left", "right"]) if count == 3 else "left"
        texts = [_fraction_text(v) for v in values]
        if count == 2:
            inner = None
            result = FRACTION_OPS[ops[0]](values[0], values[1])
            text = f"{texts[0]} {ops[0]} {texts[1]}"
        elif grouping == "left":
            inner = FRACTION_OPS[ops[0]](values[0], values[1])
            result = FRACTION_OPS[ops[1]](inner, values[2])
            text = f"({texts[0]} {ops[0]} {texts[1]}) {ops[1]} {texts[2]}"
        else:
            inner = FRACTION_OPS[ops[1]](values[1], values[2])
            if inner == 0 and ops[0] == "/":
                continue
            result = FRACTION_OPS[ops[0]](values[0], inner)
            text = f"{texts[0]} {ops[0]} ({texts[1]} {ops[1]} {texts[2]})"
        break
    data = {
        "fractions": [[v.numerator, v.denominator] for v in values],
        "operators": ops,
        "grouping": grouping,
        "expression": text,
    }
    question = f"Compute {text}. {NUMBER_NOTE}"
    return {"question": question, "answer": format_number(result), "data": data}


# ---------------------------------------------------------------- percentages

NICE_PERCENTS = (10, 20, 25, 30, 40, 50, 60, 75, 80, 90)
ITEMS = ("jacket", "bicycle", "laptop", "sofa", "camera", "guitar", "lamp", "tent")


def _percent_of(rng: random.Random, nice: bool) -> Body:
    """``p%`` of ``y`` with an integer result."""
    percent = rng.choice(NICE_PERCENTS) if nice else rng.randint(1, 99)
    step = 100 // math.gcd(percent, 100)
    whole = step * rng.randint(1, max(1, (400 if nice else 2000) // step))
    question = f"What is {percent}% of {whole}? {INTEGER_NOTE}"
    return {
        "question": question,
        "answer": str(percent * whole // 100),
        "data": {"kind": "percent_of", "percent": percent, "whole": whole},
    }


def _percent_change(rng: random.Random) -> Body:
    """The percent change from ``old`` to ``new``, a whole percent."""
    change = _nonzero(rng, -90, 200)
    step = 100 // math.gcd(change, 100)
    old = step * rng.randint(1, max(1, 500 // step))
    new = old * (100 + change) // 100
    item = rng.choice(ITEMS)
    question = (
        f"The price of a {item} changed from ${old} to ${new}. By what percent did the price "
        f"change? Answer with a negative number for a decrease (for example -20 for a 20% "
        f"decrease). {INTEGER_NOTE}"
    )
    return {
        "question": question,
        "answer": str(change),
        "data": {"kind": "percent_change", "old": old, "new": new},
    }


def _percent_whole(rng: random.Random) -> Body:
    """The whole of which ``part`` is ``p%``."""
    percent = rng.choice((5, 8, 12, 15, 20, 25, 30, 40, 45, 60, 75, 120, 125, 150, 250))
    step = 100 // math.gcd(percent, 100)
    whole = step * rng.randint(1, max(1, 2000 // step))
    part = percent * whole // 100
    question = f"{part} is {percent}% of what number? {INTEGER_NOTE}"
    return {
        "question": question,
        "answer": str(whole),
        "data": {"kind": "percent_whole", "percent": percent, "part": part},
    }


def _successive_changes(rng: random.Random) -> Body:
    """The price after two or three successive percent changes, an exact whole amount."""
    count = rng.randint(2, 3)
    changes = [-5 * rng.randint(1, 10) for _ in range(count)]
    if rng.random() < 0.4:
        changes[0] = 5 * rng.randint(1, 10)
    factor = math.prod(Fraction(100 + c, 100) for c in changes)
    for _ in range(200):
        price = 20 * rng.randint(1, 100)
        if (price * factor).denominator == 1:
            break
    else:
        price = 20**count * rng.randint(1, 3)
    steps = []
    for index, change in enumerate(changes):
        verb = "raised" if change > 0 else "reduced"
        target = "the price" if index == 0 else "the new price"
        steps.append(f"{target} is {verb} by {abs(change)}%")
    item = rng.choice(ITEMS)
    question = (
        f"A {item} costs ${price}. First {steps[0]}; then "
        + "; then ".join(steps[1:])
        + f". What is the final price in dollars? {INTEGER_NOTE}"
    )
    return {
        "question": question,
        "answer": format_number(price * factor),
        "data": {"kind": "successive_changes", "price": price, "changes": changes},
    }


def percentages(rng: random.Random, difficulty: int) -> Body:
    """Percent of a number, percent change, whole from part, successive changes.

    :param rng: the source of randomness.
    :param difficulty: 1: round percents of small numbers; 2: any whole percent, or a
        percent change; 3: find the whole, or chain two or three price changes.
    """
    if difficulty == 1:
        return _percent_of(rng, nice=True)
    if difficulty == 2:
        return _percent_of(rng, nice=False) if rng.random() < 0.5 else _percent_change(rng)
    return _percent_whole(rng) if rng.random() < 0.4 else _successive_changes(rng)


# ---------------------------------------------------------------- linear_equation


def linear_equation(rng: random.Random, difficulty: int) -> Body:
    """Solve ``a*x + b = c*x + d`` for ``x``.

    :param rng: the source of randomness.
    :param difficulty: 1: ``a*x + b = d`` with an integer root; 2: ``x`` on both sides,
        integer root; 3: both sides, a root that is not an integer.
    """
    while True:
        a = rng.randint(2, 9) if difficulty == 1 else _nonzero(rng, -12, 12)
        c = 0 if difficulty == 1 else _nonzero(rng, -12, 12)
        if a == c:
            continue
        b = rng.randint(-30, 30)
        if difficulty < 3:
            d = (a - c) * rng.randint(-12 + 12 * (difficulty == 1), 12) + b
        else:
            d = rng.randint(-40, 40)
            if (d - b) % (a - c) == 0:
                continue
        break
    root = Fraction(d - b, a - c)
    left = signed_terms([(a, "x"), (b, "")])
    right = signed_terms([(c, "x"), (d, "")])
    question = f"Solve for x: {left} = {right}. {NUMBER_NOTE}"
    return {
        "question": question,
        "answer": format_number(root),
        "data": {"a": a, "b": b, "c": c, "d": d},
    }


# ---------------------------------------------------------------- linear_system_2x2


def linear_system_2x2(rng: random.Random, difficulty: int) -> Body:
    """Solve two linear equations in ``x`` and ``y`` with one solution; answer ``(x, y)``.

    :param rng: the source of randomness.
    :param difficulty: 1: small positive coefficients, whole non-negative solution;
        2: signed coefficients, whole solution; 3: a solution that is not all integers.
    """
    while True:
        if difficulty == 1:
            a1, b1, a2, b2 = (rng.randint(1, 5) for _ in range(4))
        else:
            a1, b1, a2, b2 = (_nonzero(rng, -9, 9) for _ in range(4))
        det = a1 * b2 - a2 * b1
        if det == 0:
            continue
        if difficulty < 3:
            low = 0 if difficulty == 1 else -10
            x, y = Fraction(rng.randint(low, 10)), Fraction(rng.randint(low, 10))
            c1, c2 = int(a1 * x + b1 * y), int(a2 * x + b2 * y)
        else:
            c1, c2 = rng.randint(-30, 30), rng.randint(-30, 30)
            x, y = Fraction(c1 * b2 - c2 * b1, det), Fraction(a1 * c2 - a2 * c1, det)
            if x.denominator == 1 and y.denominator == 1:
                continue
        break
    first = signed_terms([(a1, "x"), (b1, "y")])
    second = signed_terms([(a2, "x"), (b2, "y")])
    question = (
        f"Solve the system of equations: {first} = {c1} and {second} = {c2}. Give the "
        f"solution as an ordered pair (x, y) in \\boxed{{}}, for example \\boxed{{(2, -1/3)}}, "
        f"using integers or fractions in lowest terms."
    )
    answer = f"({format_number(x)}, {format_number(y)})"
    data = {"a1": a1, "b1": b1, "c1": c1, "a2": a2, "b2": b2, "c2": c2}
    return {"question": question, "answer": answer, "data": data}


# ---------------------------------------------------------------- quadratic_roots


def quadratic_roots(rng: random.Random, difficulty: int) -> Body:
    """Find the real roots of ``(p*x - q)(r*x - s) = 0`` written out as ``a*x^2 + b*x + c``.

    :param rng: the source of randomness.
    :param difficulty: 1: monic, small integer roots; 2: integer roots, leading
        coefficient up to 3 in size; 3: rational roots. About one task in six has a
        double root, whose answer is a one-element set.
    """
    if difficulty == 3:
        p, r = rng.randint(1, 4), rng.randint(2, 5)
        q, s = rng.randint(-9, 9), rng.randint(-9, 9)
    else:
        size = 9 if difficulty == 1 else 12
        p, r, q, s = 1, 1, rng.randint(-size, size), rng.randint(-size, size)
    if rng.random() < 1 / 6:
        r, s = p, q
    a, b, c = p * r, -(p * s + q * r), q * s
    scale = math.gcd(a, b, c)
    if difficulty == 2:
        scale = Fraction(scale, rng.randint(1, 3))
    if difficulty > 1 and rng.random() < 0.3:
        scale = -scale
    a, b, c = (int(coef / scale) for coef in (a, b, c))
    roots = [Fraction(q, p), Fraction(s, r)]
    poly = signed_terms([(a, "x^2"), (b, "x"), (c, "")])
    question = (
        f"Find all real solutions of {poly} = 0. Give them as a set in \\boxed{{}}, for example "
        f"\\boxed{{\\{{-2, 1/3\\}}}}; a repeated root is listed once."
    )
    return {
        "question": question,
        "answer": format_set(roots),
        "data": {"a": a, "b": b, "c": c},
    }


# ---------------------------------------------------------------- gcd_lcm_mod

PRIMES = (5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47)


def _gcd_or_lcm(rng: random.Random, difficulty: int, kind: str) -> Body:
    """The gcd or lcm of numbers that share a common factor."""
    count = 3 if difficulty == 3 else 2
    common = rng.randint(2, 6 * difficulty)
    numbers = [common * rng.randint(1, 8 + 4 * difficulty) for _ in range(count)]
    value = math.gcd(*numbers) if kind == "gcd" else math.lcm(*numbers)
    name = "greatest common divisor" if kind == "gcd" else "least common multiple"
    listed = ", ".join(str(n) for n in numbers[:-1]) + f" and {numbers[-1]}"
    question = f"Find the {name} of {listed}. {INTEGER_NOTE}"
    return {"question": question, "answer": str(value), "data": {"kind": kind, "numbers": numbers}}


def _power_mod(rng: random.Random, difficulty: int) -> Body:
    """``base^exponent mod modulus``."""
    base_max, exp_range, mod_max = {1: (12, (2, 6), 30), 2: (50, (10, 100), 60)}.get(
        difficulty, (999, (100, 10**6), 1000)
    )
    base, exponent = rng.randint(2, base_max), rng.randint(*exp_range)
    modulus = rng.randint(5, mod_max)
    question = (
        f"What is the remainder when {base}^{exponent} is divided by {modulus}? {INTEGER_NOTE}"
    )
    return {
        "question": question,
        "answer": str(pow(base, exponent, modulus)),
        "data": {"kind": "power_mod", "base": base, "exponent": exponent, "modulus": modulus},
    }


def _inverse(rng: random.Random, difficulty: int) -> Body:
    """The inverse of ``a`` modulo ``m``, drawn so that it exists."""
    while True:
        modulus = rng.choice(PRIMES) if difficulty == 2 else rng.randint(10, 200)
        a = rng.randint(2, modulus - 1)
        if math.gcd(a, modulus) == 1:
            break
    question = (
        f"Find the inverse of {a} modulo {modulus}: the integer x with 0 <= x < {modulus} "
        f"such that {a}x leaves remainder 1 when divided by {modulus}. {INTEGER_NOTE}"
    )
    return {
        "question": question,
        "answer": str(pow(a, -1, modulus)),
        "data": {"kind": "inverse", "a": a, "modulus": modulus},
    }


def gcd_lcm_mod(rng: random.Random, difficulty: int) -> Body:
    """Greatest common divisor, least common multiple, modular powers and inverses.

    :param rng: the source of randomness.
    :param difficulty: 1: gcd/lcm of two numbers or a small power; 2: larger numbers, or
        an inverse modulo a prime; 3: three numbers, huge exponents, composite moduli.
    """
    kinds = ["gcd", "lcm", "power_mod"] + ([] if difficulty == 1 else ["inverse"])
    kind = rng.choice(kinds)
    if kind == "power_mod":
        return _power_mod(rng, difficulty)
    if kind == "inverse":
        return _inverse(rng, difficulty)
    return _gcd_or_lcm(rng, difficulty, kind)


# ---------------------------------------------------------------- word_problem

NAMES = (
    "Maya", "Omar", "Lena", "Ravi", "Sofia", "Kenji", "Amara", "Lucas", "Priya", "Tomas",
    "Noor", "Elena", "Kwame", "Hana", "Mateo", "Ingrid", "Yusuf", "Chloe", "Arjun", "Zara",
)  # fmt: skip
GOODS = (
    ("notebook", "notebooks"), ("pen", "pens"), ("apple", "apples"), ("sandwich", "sandwiches"),
    ("ticket", "tickets"), ("comic", "comics"), ("muffin", "muffins"), ("candle", "candles"),
)  # fmt: skip
THINGS = ("stickers", "marbles", "cards", "beads", "stamps", "shells")
BILLS = (5, 10, 20, 50, 100, 200, 500)


def _shopping(rng: random.Random, difficulty: int, name: str) -> Body:
    """Change from the smallest bill that covers some purchases."""
    goods = rng.sample(GOODS, difficulty)
    quantities = [rng.randint(2, 3 + 2 * difficulty) for _ in goods]
    prices = [rng.randint(1, 4 + 4 * difficulty) for _ in goods]
    total = sum(q * p for q, p in zip(quantities, prices, strict=True))
    paid = next(bill for bill in BILLS if bill > total)
    bought = [
        f"{q} {plural} at ${p} each"
        for q, p, (_, plural) in zip(quantities, prices, goods, strict=True)
    ]
    listed = ", ".join(bought[:-1]) + (" and " if len(bought) > 1 else "") + bought[-1]
    question = (
        f"{name} buys {listed}. {name} pays with a ${paid} bill. How many dollars of change "
        f"does {name} get? {INTEGER_NOTE}"
    )
    data = {"template": "shopping", "quantities": quantities, "prices": prices, "paid": paid}
    return {"question": question, "answer": str(paid - total), "data": data}


def _travel(rng: random.Random, difficulty: int, name: str) -> Body:
    """Distance from speeds and times, or the time the rest of a trip takes."""
    legs = 1 if difficulty == 1 else 2
    speeds = [5 * rng.randint(6, 24) for _ in range(legs)]
    hours = [rng.randint(1, 6) for _ in range(legs)]
    if difficulty < 3:
        parts = [f"{h} hours at {v} km/h" for v, h in zip(speeds, hours, strict=True)]
        question = (
            f"{name} drives for {' and then '.join(parts)}. How many kilometres does "
            f"{name} drive in total? {INTEGER_NOTE}"
        )
        data = {"template": "travel", "variant": "distance", "speeds": speeds, "hours": hours}
        answer = sum(v * h for v, h in zip(speeds, hours, strict=True))
        return {"question": question, "answer": str(answer), "data": data}
    total = speeds[0] * hours[0] + speeds[1] * hours[1]
    question = (
        f"{name} has to drive {total} km. {name} drives the first {hours[0]} hours at "
        f"{speeds[0]} km/h and the rest of the way at {speeds[1]} km/h. How many hours does "
        f"the rest of the way take? {INTEGER_NOTE}"
    )
    data = {
        "template": "travel",
        "variant": "remaining_time",
        "total": total,
        "speeds": speeds,
        "hours": hours[:1],
    }
    return {"question": question, "answer": str(hours[1]), "data": data}


def _sharing(rng: random.Random, difficulty: int, name: str) -> Body:
    """Items collected, some given away, the rest shared equally."""
    things = rng.choice(THINGS)
    friends = rng.randint(2, 4 + 2 * difficulty)
    boxes, per_box = (rng.randint(2, 6), rng.randint(5, 12)) if difficulty == 3 else (0, 0)
    given = rng.randint(3, 15) if difficulty > 1 else 0
    bought = boxes * per_box
    least = max(2, -(-(bought - given + 1) // friends))
    share = rng.randint(least, least + 10)
    had = share * friends + given - bought
    story = f"{name} has {had} {things}."
    if boxes:
        story += f" {name} buys {boxes} packs with {per_box} {things} in each pack."
    if given:
        story += f" {name} gives {given} {things} to a cousin."
    question = (
        f"{story} Then {name} shares all the remaining {things} equally among {friends} "
        f"friends. How many {things} does each friend get? {INTEGER_NOTE}"
    )
    data = {
        "template": "sharing",
        "had": had,
        "boxes": boxes,
        "per_box": per_box,
        "given": given,
        "friends": friends,
    }
    return {"question": question, "answer": str(share), "data": data}


def _ages(rng: random.Random, difficulty: int, name: str, other: str) -> Body:
    """Ages now and later, from differences, ratios or a later sum."""
    younger, years = rng.randint(3, 15), rng.randint(2, 12)
    if difficulty == 1:
        gap = rng.randint(2, 30)
        question = (
            f"{name} is {gap} years older than {other}. {other} is {younger} years old. How "
            f"old will {name} be in {years} years? {INTEGER_NOTE}"
        )
        data = {"template": "ages", "variant": "older_by", "gap": gap}
        answer = younger + gap + years
    else:
        times = rng.randint(2, 5)
        if difficulty == 2:
            question = (
                f"{name} is {times} times as old as {other}. {other} is {younger} years old. "
                f"How old will {name} be in {years} years? {INTEGER_NOTE}"
            )
            data = {"template": "ages", "variant": "times", "times": times}
            answer = times * younger + years
        else:
            later_sum = (times + 1) * younger + 2 * years
            question = (
                f"{name} is {times} times as old as {other}. In {years} years, the sum of their "
                f"ages will be {later_sum}. How old is {name} now? {INTEGER_NOTE}"
            )
            data = {
                "template": "ages",
                "variant": "sum_later",
                "times": times,
                "sum": later_sum,
                "years": years,
            }
            return {"question": question, "answer": str(times * younger), "data": data}
    data.update(younger=younger, years=years)
    return {"question": question, "answer": str(answer), "data": data}


def _savings(rng: random.Random, difficulty: int, name: str, other: str) -> Body:
    """Money saved week by week: the amount, the weeks to a goal, or when two savers tie."""
    start, weekly, weeks = rng.randint(0, 50), rng.randint(3, 25), rng.randint(2, 20)
    if difficulty == 1:
        question = (
            f"{name} has ${start} and saves ${weekly} every week. How many dollars will "
            f"{name} have after {weeks} weeks? {INTEGER_NOTE}"
        )
        data = {"template": "savings", "variant": "amount", "start": start, "weekly": weekly,
                "weeks": weeks}  # fmt: skip
        return {"question": question, "answer": str(start + weekly * weeks), "data": data}
    if difficulty == 2:
        goal = start + weekly * weeks
        question = (
            f"{name} has ${start} and saves ${weekly} every week. After how many weeks will "
            f"{name} have exactly ${goal}? {INTEGER_NOTE}"
        )
        data = {"template": "savings", "variant": "weeks_to_goal", "start": start,
                "weekly": weekly, "goal": goal}  # fmt: skip
        return {"question": question, "answer": str(weeks), "data": data}
    slower = rng.randint(1, weekly - 1)
    ahead = start + (weekly - slower) * weeks
    question = (
        f"{name} has ${start} and saves ${weekly} every week. {other} has ${ahead} and saves "
        f"${slower} every week. After how many weeks will they have the same amount of money? "
        f"{INTEGER_NOTE}"
    )
    data = {"template": "savings", "variant": "catch_up", "starts": [start, ahead],
            "weekly": [weekly, slower]}  # fmt: skip
    return {"question": question, "answer": str(weeks), "data": data}


def word_problem(rng: random.Random, difficulty: int) -> Body:
    """Multi-step stories: shopping, travel, sharing, ages and savings, with varied names.

    :param rng: the source of randomness.
    :param difficulty: 1-3: more items, legs or steps, and unknowns further back.
    """
    name, other = rng.sample(NAMES, 2)
    template = rng.choice(("shopping", "travel", "sharing", "ages", "savings"))
    if template == "shopping":
        return _shopping(rng, difficulty, name)
    if template == "travel":
        return _travel(rng, difficulty, name)
    if template == "sharing":
        return _sharing(rng, difficulty, name)
    if template == "ages":
        return _ages(rng, difficulty, name, other)
    return _savings(rng, difficulty, name, other)


# ---------------------------------------------------------------- unit_conversion

UNITS: dict[str, dict[str, int]] = {  # each unit's size in the quantity's smallest unit
    "length": {"mm": 1, "cm": 10, "m": 1000, "km": 1_000_000},
    "mass": {"mg": 1, "g": 1000, "kg": 1_000_000, "t": 1_000_000_000},
    "volume": {"mL": 1, "cL": 10, "dL": 100, "L": 1000},
    "time": {"s": 1, "min": 60, "h": 3600, "day": 86400},
}
UNIT_NAMES = {
    "mm": "millimetres", "cm": "centimetres", "m": "metres", "km": "kilometres",
    "mg": "milligrams", "g": "grams", "kg": "kilograms", "t": "tonnes",
    "mL": "millilitres", "cL": "centilitres", "dL": "decilitres", "L": "litres",
    "s": "seconds", "min": "minutes", "h": "hours", "day": "days",
}  # fmt: skip
SPEEDS = {"km/h": Fraction(5, 18), "m/s": Fraction(1)}  # in metres per second


def _single_conversion(rng: random.Random, difficulty: int) -> Body:
    """One amount from one unit to another of the same quantity."""
    quantity = rng.choice(sorted(UNITS))
    units = list(UNITS[quantity])
    if difficulty == 1:
        index = rng.randint(1, len(units) - 1)
        source, target = units[index], units[index - 1]
        value = rng.randint(1, 25)
    else:
        source, target = rng.sample(units, 2)
        value = rng.randint(1, 5000)
    result = Fraction(value * UNITS[quantity][source], UNITS[quantity][target])
    question = (
        f"Convert {value} {UNIT_NAMES[source]} ({source}) to {UNIT_NAMES[target]} ({target}). "
        f"{NUMBER_NOTE}"
    )
    data = {"kind": "single", "quantity": quantity, "value": value, "from": source, "to": target}
    return {"question": question, "answer": format_number(result), "data": data}


def _mixed_conversion(rng: random.Random) -> Body:
    """An amount in two or three units, such as ``2 h 15 min``, in a single unit."""
    quantity = rng.choice(sorted(UNITS))
    sizes = UNITS[quantity]
    units = list(sizes)
    top = rng.randint(1, len(units) - 1)
    count = min(top + 1, rng.randint(2, 3))
    chosen = units[top - count + 1 : top + 1][::-1]
    parts = [[rng.randint(1, 9), chosen[0]]]
    for bigger, unit in pairwise(chosen):
        parts.append([rng.randint(1, sizes[bigger] // sizes[unit] - 1), unit])
    target = rng.choice(units)
    total = Fraction(sum(v * sizes[u] for v, u in parts), sizes[target])
    amount = " ".join(f"{v} {u}" for v, u in parts)
    question = f"Express {amount} in {UNIT_NAMES[target]} ({target}). {NUMBER_NOTE}"
    data = {"kind": "mixed", "quantity": quantity, "parts": parts, "to": target}
    return {"question": question, "answer": format_number(total), "data": data}


def _speed_conversion(rng: random.Random) -> Body:
    """A speed from km/h to m/s or back."""
    source, target = rng.sample(sorted(SPEEDS), 2)
    value = rng.randint(5, 150) if source == "km/h" else rng.randint(1, 50)
    result = value * SPEEDS[source] / SPEEDS[target]
    question = f"Convert a speed of {value} {source} to {target}. {NUMBER_NOTE}"
    data = {"kind": "speed", "value": value, "from": source, "to": target}
    return {"question": question, "answer": format_number(result), "data": data}


def unit_conversion(rng: random.Random, difficulty: int) -> Body:
    """Metric lengths, masses and volumes, times, and km/h to m/s, answered exactly.

    :param rng: the source of randomness.
    :param difficulty: 1: one step down to the next smaller unit (a whole answer);
        2: between any two units; 3: mixed amounts such as ``2 h 15 min``, or speeds.
    """
    if difficulty < 3:
        return _single_conversion(rng, difficulty)
    return _mixed_conversion(rng) if rng.random() < 0.6 else _speed_conversion(rng)


FAMILIES: dict[str, Family] = {
    "integer_arithmetic": integer_arithmetic,
    "fraction_arithmetic": fraction_arithmetic,
    "percentages": percentages,
    "linear_equation": linear_equation,
    "linear_system_2x2": linear_system_2x2,
    "quadratic_roots": quadratic_roots,
    "gcd_lcm_mod": gcd_lcm_mod,
    "word_problem": word_problem,
    "unit_conversion": unit_conversion,
}
