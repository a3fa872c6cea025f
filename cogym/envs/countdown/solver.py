"""Exhaustive Countdown solver: depth-first search over multisets of values.

A state is the multiset of values still available. A step replaces two of them with
their sum, difference, product or quotient; failed states are remembered by their
sorted values, so each multiset is searched once however it was reached. Values stay
Python ints while integral; only inexact divisions make a :class:`~fractions.Fraction`.

For a positive target and positive numbers the search keeps every intermediate value
non-negative. That loses nothing: by induction over an expression tree, the absolute
value of every subexpression can be computed from the same numbers with non-negative
intermediates (``|a+b|`` and ``|a-b|`` are ``|a|+|b|`` or the larger minus the smaller,
``|a*b| = |a|*|b|``, ``|a/b| = |a|/|b|``), so a positive target reached any way is
reached this way. Zero is made only where it can matter: when every number must be used
(``7 + (3-3)*4`` absorbs three of them) or when it is the target. For a target of zero
or below the search takes both signs.

Two passes keep the common case fast: the first allows whole-number intermediates only,
which finds most solutions at int speed; the second adds fractions and settles the rest.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from fractions import Fraction
from itertools import combinations

from cogym.core.errors import InvalidArgumentError

Value = int | Fraction
# A leaf is a given number; a node is (operator, left, right).
ExprTree = int | tuple[str, "ExprTree", "ExprTree"]

_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}


def format_expression(tree: ExprTree) -> str:
    """Write an expression tree with only the parentheses it needs.

    :param tree: a number, or ``(operator, left, right)`` with operator in ``+-*/``.
    :return: the expression, e.g. ``"8/(3-8/3)"``.
    """
    if isinstance(tree, int):
        return str(tree)
    op, left, right = tree
    text_left, text_right = format_expression(left), format_expression(right)
    precedence = _PRECEDENCE[op]
    if not isinstance(left, int) and _PRECEDENCE[left[0]] < precedence:
        text_left = f"({text_left})"
    if not isinstance(right, int) and (
        _PRECEDENCE[right[0]] < precedence or (_PRECEDENCE[right[0]] == precedence and op in "-/")
    ):
        text_right = f"({text_right})"
    return f"{text_left}{op}{text_right}"


def _divide(numerator: Value, denominator: Value) -> Value:
    """Divide exactly, returning an int when the quotient is whole."""
    if type(numerator) is int and type(denominator) is int and numerator % denominator == 0:
        return numerator // denominator
    quotient = Fraction(numerator, denominator)
    return quotient.numerator if quotient.denominator == 1 else quotient


def _combinations(
    a: Value, ta: ExprTree, b: Value, tb: ExprTree, *, signed: bool, allow_zero: bool, whole: bool
) -> list[tuple[Value, ExprTree]]:
    """List what one operation makes from two values and their trees.

    :param a: the smaller value; ``ta`` is its tree.
    :param b: the larger (or equal) value; ``tb`` is its tree.
    :param signed: also make negative values (``a - b``).
    :param allow_zero: also make zero (``b - b``), needed only when every number must be
        used or the target is zero.
    :param whole: make whole numbers only (skip inexact divisions).
    :return: ``(value, tree)`` pairs.
    """
    out: list[tuple[Value, ExprTree]] = [(a + b, ("+", tb, ta)), (a * b, ("*", tb, ta))]
    if b != a or allow_zero:
        out.append((b - a, ("-", tb, ta)))
    if signed and b != a:
        out.append((a - b, ("-", ta, tb)))
    if a and not (whole and b % a):
        out.append((_divide(b, a), ("/", tb, ta)))
    if b and b != a and not (whole and a % b):
        out.append((_divide(a, b), ("/", ta, tb)))
    return out


def _final_step(a: Value, ta: ExprTree, b: Value, tb: ExprTree, target: int) -> ExprTree | None:
    """Return a one-operation tree on ``a <= b`` (trees ``ta``, ``tb``) equal to the target.

    This is the deepest level of the search, where most of the work happens, so it
    compares in integers only: quotients are tested by multiplying back, and fractions
    through their numerators and denominators, without making a Fraction.

    :return: the tree, or ``None`` when no operation hits the target.
    """
    if type(a) is not int or type(b) is not int:
        return _final_step_fractions(a, ta, b, tb, target)
    if a + b == target:
        return ("+", tb, ta)
    if a * b == target:
        return ("*", tb, ta)
    if b - a == target:
        return ("-", tb, ta)
    if a - b == target:
        return ("-", ta, tb)
    if a and b == a * target:
        return ("/", tb, ta)
    if b and a == b * target:
        return ("/", ta, tb)
    return None


def _final_step_fractions(
    a: Value, ta: ExprTree, b: Value, tb: ExprTree, target: int
) -> ExprTree | None:
    """:func:`_final_step` for values of which at least one is a fraction."""
    pa, qa, pb, qb = a.numerator, a.denominator, b.numerator, b.denominator
    scaled = target * qa * qb  # the target over the common denominator
    if pa * qb + pb * qa == scaled:
        return ("+", tb, ta)
    if pa * pb == scaled:
        return ("*", tb, ta)
    if pb * qa - pa * qb == scaled:
        return ("-", tb, ta)
    if pa * qb - pb * qa == scaled:
        return ("-", ta, tb)
    if pa and pb * qa == target * pa * qb:
        return ("/", tb, ta)
    if pb and pa * qb == target * pb * qa:
        return ("/", ta, tb)
    return None


def _pairs(values: tuple[Value, ...]) -> list[tuple[int, int]]:
    """Index pairs ``i < j`` of a sorted tuple, skipping pairs of repeated values."""
    pairs = []
    for i in range(len(values)):
        if i and values[i] == values[i - 1]:
            continue
        for j in range(i + 1, len(values)):
            if j > i + 1 and values[j] == values[j - 1]:
                continue
            pairs.append((i, j))
    return pairs


class _Search:
    """One search pass: the target, the rules, and the memo of failed states.

    A state is a sorted tuple of values with a parallel tuple of their trees.
    ``whole=True`` makes whole-number intermediates only.
    """

    def __init__(self, target: int, *, use_all: bool, signed: bool, whole: bool) -> None:
        self.target = target
        self.use_all = use_all
        self.signed = signed
        self.whole = whole
        self.allow_zero = use_all or target == 0
        self.failed: set[tuple[Value, ...]] = set()

    def run(self, numbers: tuple[int, ...]) -> ExprTree | None:
        """Search from sorted numbers; return a tree that equals the target, or None."""
        if (not self.use_all or len(numbers) == 1) and self.target in numbers:
            return self.target
        return self._search(numbers, numbers)

    def _search(self, values: tuple[Value, ...], trees: tuple[ExprTree, ...]) -> ExprTree | None:
        """Try every pair and operation from this state, depth first."""
        if len(values) < 3:
            if len(values) < 2:
                return None
            return _final_step(values[0], trees[0], values[1], trees[1], self.target)
        if values in self.failed:
            return None
        for i, j in _pairs(values):
            rest = values[:i] + values[i + 1 : j] + values[j + 1 :]
            rest_trees = trees[:i] + trees[i + 1 : j] + trees[j + 1 :]
            for value, tree in self._useful(values[i], trees[i], values[j], trees[j]):
                if value == self.target and not self.use_all:
                    return tree
                k = bisect_left(rest, value)
                found = self._search(
                    (*rest[:k], value, *rest[k:]), (*rest_trees[:k], tree, *rest_trees[k:])
                )
                if found is not None:
                    return found
        self.failed.add(values)
        return None

    def _useful(
        self, a: Value, ta: ExprTree, b: Value, tb: ExprTree
    ) -> list[tuple[Value, ExprTree]]:
        """The results of combining two values that are worth searching further.

        When numbers may be left unused, a result equal to an operand (``x*1``, ``x-0``)
        only wastes a number, so it is dropped.
        """
        made = _combinations(
            a, ta, b, tb, signed=self.signed, allow_zero=self.allow_zero, whole=self.whole
        )
        if self.use_all:
            return made
        return [item for item in made if item[0] != a and item[0] != b]


def _check_arguments(numbers: Sequence[int], target: int, max_numbers: int | None) -> None:
    """Raise :class:`InvalidArgumentError` for arguments the solver cannot take."""
    if not all(type(n) is int and n > 0 for n in numbers):
        raise InvalidArgumentError(f"numbers must be positive integers; got {list(numbers)!r}")
    if type(target) is not int:
        raise InvalidArgumentError(f"target must be an integer; got {target!r}")
    if max_numbers is not None and (type(max_numbers) is not int or max_numbers < 0):
        raise InvalidArgumentError(
            f"max_numbers must be a non-negative integer or None; got {max_numbers!r}"
        )


def _groups(
    numbers: Sequence[int], use_all: bool, max_numbers: int | None
) -> list[tuple[int, ...]]:
    """The sorted groups of numbers to search, in order.

    With ``use_all`` that is all the numbers. Otherwise it is every distinct subset of up
    to ``max_numbers`` of them, smallest first: short solutions, which most targets have,
    are found long before a depth-first search over all numbers would reach them.
    """
    ordered = sorted(numbers)
    if use_all:
        return [tuple(ordered)]
    largest = len(ordered) if max_numbers is None else min(max_numbers, len(ordered))
    return [
        subset
        for size in range(1, largest + 1)
        for subset in dict.fromkeys(combinations(ordered, size))
    ]


def solve(
    numbers: Sequence[int],
    target: int,
    *,
    use_all: bool = False,
    max_numbers: int | None = None,
) -> str | None:
    """Find an expression over the numbers that equals the target.

    The search is exhaustive, so ``None`` means no expression exists. It first allows
    whole-number intermediate values only, then fractions; unless ``use_all`` is set it
    tries subsets of the numbers smallest first, so short answers tend to come first.
    A solvable six-number puzzle typically takes milliseconds and proving one unsolvable
    up to a second or two; many more numbers can take very long.

    :param numbers: the given positive integers; duplicates are separate numbers.
    :param target: the value to reach.
    :param use_all: use every number exactly once (otherwise each at most once).
    :param max_numbers: use at most this many numbers (default: all). Cannot be smaller
        than ``len(numbers)`` together with ``use_all``.
    :return: an expression that :func:`~cogym.envs.countdown.verifier.check_expression`
        accepts as correct, or ``None``.
    """
    _check_arguments(numbers, target, max_numbers)
    if use_all and max_numbers is not None and max_numbers < len(numbers):
        raise InvalidArgumentError(
            f"use_all=True needs all {len(numbers)} numbers, but max_numbers={max_numbers}; "
            "drop one of the two"
        )
    signed = target <= 0
    searches = [
        _Search(target, use_all=use_all, signed=signed, whole=whole) for whole in (True, False)
    ]
    for search in searches:
        for group in _groups(numbers, use_all, max_numbers):
            tree = search.run(group)
            if tree is not None:
                return format_expression(tree)
    return None
