"""Numeric sequences: linear recurrences, Collatz, digit sums in a base, counting primes."""

from __future__ import annotations

import math
import random

from cogym.envs.code.families.base import Draft, Family, function_prompt, source

MODULI = (10, 97, 100, 101, 997, 1000, 1009, 10007, 1_000_000_007)


def _linear_recurrence(rng: random.Random) -> Draft:
    """The n-th term of a linear recurrence modulo m."""
    order = rng.randint(2, 3)
    coefficients = [rng.randint(1, 5) for _ in range(order)]
    initial = [rng.randint(0, 5) for _ in range(order)]
    m = rng.choice(MODULI)
    start = "; ".join(f"a({i}) = {value}" for i, value in enumerate(initial))
    rule = " + ".join(f"{c}*a(n-{i})" for i, c in enumerate(coefficients, start=1))
    signature = "def nth_term(n: int) -> int"
    prompt = function_prompt(
        signature,
        f"A sequence is defined by {start}; and a(n) = {rule} for n >= {order}.",
        f"Return a(n) modulo {m} for an integer 0 <= n <= 10000.",
    )
    terms = " + ".join(f"{c} * window[{order - i}]" for i, c in enumerate(coefficients, start=1))
    solution = source(
        """
        def nth_term(n: int) -> int:
            window = [value % $m for value in $initial]
            if n < len(window):
                return window[n]
            for _ in range(n - len(window) + 1):
                window = window[1:] + [($terms) % $m]
            return window[-1]
        """,
        m=m,
        initial=initial,
        terms=terms,
    )
    return Draft(
        prompt,
        solution,
        lambda r: [r.choice([r.randint(0, 30), r.randint(31, 3000)])],
        edge_inputs=([0], [1], [order], [10000]),
        entry_point="nth_term",
        signature=signature,
    )


COLLATZ_QUERIES = {
    "steps": ("the number of steps taken (0 for n = 1)", "steps"),
    "peak": ("the largest value reached, counting n itself", "peak"),
    "total": ("the sum of all values in the sequence, including n and the final 1", "total"),
}


def _collatz(rng: random.Random) -> Draft:
    """A statistic of the Collatz (or shortcut Collatz) sequence from n."""
    shortcut = rng.random() < 0.5
    query = rng.choice(sorted(COLLATZ_QUERIES))
    what, result = COLLATZ_QUERIES[query]
    odd = "(3 * value + 1) // 2" if shortcut else "3 * value + 1"
    odd_text = "(3 * value + 1) / 2" if shortcut else "3 * value + 1"
    signature = "def collatz(n: int) -> int"
    prompt = function_prompt(
        signature,
        "Start from the integer n (1 <= n <= 100000) and repeat one step until the value "
        f"is 1: if the value is even, halve it; if it is odd, replace it by {odd_text}.",
        f"Return {what}.",
    )
    solution = source(
        """
        def collatz(n: int) -> int:
            value, steps, peak, total = n, 0, n, n
            while value != 1:
                value = value // 2 if value % 2 == 0 else $odd
                steps += 1
                peak = max(peak, value)
                total += value
            return $result
        """,
        odd=odd,
        result=result,
    )
    return Draft(
        prompt,
        solution,
        lambda r: [r.randint(2, 100_000)],
        edge_inputs=([1], [2], [27]),
        entry_point="collatz",
        signature=signature,
    )


def _in_base(n: int, base: int) -> str:
    """Write ``n >= 1`` in ``base`` with digits 0-9 and a-f."""
    digits = ""
    while n:
        digits = "0123456789abcdef"[n % base] + digits
        n //= base
    return digits


def _digit_sum_base(rng: random.Random) -> Draft:
    """Digit sum, or repeated digit sum, of n written in base b."""
    base = rng.choice([b for b in range(2, 17) if b != 10])
    repeated = rng.random() < 0.5
    if repeated:
        what = (
            f"Replace n by the sum of its base-{base} digits, again and again, until it is "
            f"less than {base}, and return that value (0 for n = 0)."
        )
        template = """
            def digit_sum(n: int) -> int:
                while n >= $base:
                    total = 0
                    while n:
                        total += n % $base
                        n //= $base
                    n = total
                return n
            """
    else:
        what = f"Return the sum of the digits of n written in base {base} (0 for n = 0)."
        template = """
            def digit_sum(n: int) -> int:
                total = 0
                while n:
                    total += n % $base
                    n //= $base
                return total
            """
    letters = (
        f" The digits a, b, ... of base {base} have the values 10, 11, ..." if base > 10 else ""
    )
    signature = "def digit_sum(n: int) -> int"
    prompt = function_prompt(
        signature,
        f"n is an integer, 0 <= n <= 10**12. {what}{letters}",
        f"For example, 100 is written {_in_base(100, base)} in base {base}.",
    )
    solution = source(template, base=base)
    return Draft(
        prompt,
        solution,
        lambda r: [r.choice([r.randint(0, 999), r.randint(1000, 10**12)])],
        edge_inputs=([0], [base - 1], [base], [10**12]),
        entry_point="digit_sum",
        signature=signature,
    )


def _count_primes(rng: random.Random) -> Draft:
    """Count primes below n, maybe only those in a residue class."""
    m = rng.randint(1, 10)
    r = rng.choice([r for r in range(m) if math.gcd(r, m) == 1]) if m > 1 else 0
    where = "" if m == 1 else f" with p % {m} == {r}"
    signature = "def count_primes(n: int) -> int"
    prompt = function_prompt(
        signature,
        f"Return how many prime numbers p satisfy p < n{where}, for an integer "
        "0 <= n <= 100000. (1 is not prime; 2 is.)",
        "Return 0 when there are none.",
    )
    solution = source(
        """
        def count_primes(n: int) -> int:
            if n < 3:
                return 0
            sieve = bytearray([1]) * n
            sieve[0] = sieve[1] = 0
            for p in range(2, int(n**0.5) + 1):
                if sieve[p]:
                    sieve[p * p :: p] = bytearray(len(range(p * p, n, p)))
            return sum(1 for p in range(n) if sieve[p]$condition)
        """,
        condition="" if m == 1 else f" and p % {m} == {r}",
    )
    return Draft(
        prompt,
        solution,
        lambda rg: [rg.choice([rg.randint(0, 100), rg.randint(101, 5000)])],
        edge_inputs=([0], [2], [3], [10000]),
        entry_point="count_primes",
        signature=signature,
    )


FAMILIES = (
    Family(
        "linear_recurrence",
        "function",
        "n-th term of a linear recurrence modulo m",
        _linear_recurrence,
    ),
    Family(
        "collatz",
        "function",
        "steps, peak or sum of a (shortcut) Collatz sequence",
        _collatz,
    ),
    Family(
        "digit_sum_base",
        "function",
        "digit sum or digital root of n in base b",
        _digit_sum_base,
    ),
    Family(
        "count_primes",
        "function",
        "count primes below n, maybe in a residue class",
        _count_primes,
    ),
)
