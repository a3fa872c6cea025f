import json
import random
import re
from functools import reduce
from math import gcd

import pytest
import sympy
from sympy.parsing.sympy_parser import (
    convert_xor,
    implicit_multiplication_application,
    parse_expr,
    standard_transformations,
)

from cogym.core.errors import InvalidArgumentError
from cogym.envs.math.generator import FAMILIES, MathConfig, generate_task, task_at

SEEDS = range(40)
X, Y = sympy.symbols("x y")
TRANSFORMS = (*standard_transformations, implicit_multiplication_application, convert_xor)

# unit sizes written out again here, in the quantity's base unit, so a wrong factor in
# the generator cannot hide
UNIT_SIZE = {
    "mm": sympy.Rational(1, 1000), "cm": sympy.Rational(1, 100), "m": 1, "km": 1000,
    "mg": sympy.Rational(1, 1000), "g": 1, "kg": 1000, "t": 10**6,
    "mL": sympy.Rational(1, 1000), "cL": sympy.Rational(1, 100), "dL": sympy.Rational(1, 10),
    "L": 1,
    "s": 1, "min": 60, "h": 60 * 60, "day": 24 * 60 * 60,
    "m/s": 1, "km/h": sympy.Rational(1000, 3600),
}  # fmt: skip


def tasks_of(family, difficulty, seeds=SEEDS):
    config = MathConfig(families=(family,), min_difficulty=difficulty, max_difficulty=difficulty)
    return [task_at(config, seed, 0) for seed in seeds]


def parse_number(text):
    """Read one gold number, checking that fractions are in lowest terms."""
    match = re.fullmatch(r"(-?)\\frac\{(\d+)\}\{(\d+)\}", text)
    if match:
        num, den = int(match[2]), int(match[3])
        assert den > 1 and gcd(num, den) == 1, f"{text} is not in lowest terms"
        return sympy.Rational(-num if match[1] else num, den)
    assert re.fullmatch(r"-?\d+", text), f"{text!r} is not an integer or a fraction"
    return sympy.Integer(int(text))


def parse_gold(text):
    """Read a gold answer: a number, a set ``\\{a, b\\}`` (sorted), or a pair ``(x, y)``."""
    if text.startswith("\\{"):
        assert text.endswith("\\}")
        values = [parse_number(part) for part in text[2:-2].split(", ")]
        assert values == sorted(set(values)), f"{text} is not sorted without repeats"
        return set(values)
    if text.startswith("("):
        assert text.endswith(")")
        return tuple(parse_number(part) for part in text[1:-1].split(", "))
    return parse_number(text)


def parse_equation(text):
    """Parse a question's ``lhs = rhs`` into ``lhs - rhs``."""
    left, right = text.split(" = ")
    return parse_expr(left, transformations=TRANSFORMS) - parse_expr(
        right, transformations=TRANSFORMS
    )


def expected_integer_arithmetic(task):
    return sympy.sympify(task["data"]["expression"])


def expected_fraction_arithmetic(task):
    data = task["data"]
    ops = {"+": sympy.Add, "-": lambda a, b: a - b, "*": sympy.Mul, "/": lambda a, b: a / b}
    values = [sympy.Rational(n, d) for n, d in data["fractions"]]
    op = [ops[name] for name in data["operators"]]
    if len(values) == 2:
        result = op[0](*values)
    elif data["grouping"] == "left":
        result = op[1](op[0](values[0], values[1]), values[2])
    else:
        result = op[0](values[0], op[1](values[1], values[2]))
    assert sympy.sympify(data["expression"]) == result
    assert data["expression"] in task["question"]
    return result


def expected_percentages(task):
    data = task["data"]
    percent = sympy.Rational(data.get("percent", 0), 100)
    if data["kind"] == "percent_of":
        return percent * data["whole"]
    if data["kind"] == "percent_whole":
        return data["part"] / percent
    if data["kind"] == "percent_change":
        return (sympy.Integer(data["new"]) - data["old"]) / data["old"] * 100
    assert data["kind"] == "successive_changes"
    factors = [1 + sympy.Rational(change, 100) for change in data["changes"]]
    return reduce(lambda a, b: a * b, factors, sympy.Integer(data["price"]))


def expected_linear_equation(task):
    d = task["data"]
    equation = d["a"] * X + d["b"] - (d["c"] * X + d["d"])
    shown = re.search(r"Solve for x: (.*?)\. ", task["question"])[1]
    assert sympy.expand(parse_equation(shown) - equation) == 0
    (root,) = sympy.solve(equation, X)
    return root


def expected_linear_system_2x2(task):
    d = task["data"]
    equations = [d["a1"] * X + d["b1"] * Y - d["c1"], d["a2"] * X + d["b2"] * Y - d["c2"]]
    shown = re.search(r"equations: (.*) and (.*?)\. Give", task["question"])
    for text, equation in zip(shown.groups(), equations, strict=True):
        assert sympy.expand(parse_equation(text) - equation) == 0
    (solution,) = sympy.linsolve(equations, X, Y)
    return tuple(solution)


def expected_quadratic_roots(task):
    d = task["data"]
    poly = d["a"] * X**2 + d["b"] * X + d["c"]
    shown = re.search(r"solutions of (.*?)\. Give", task["question"])[1]
    assert sympy.expand(parse_equation(shown) - poly) == 0
    return set(sympy.solve(poly, X))


def expected_gcd_lcm_mod(task):
    d = task["data"]
    if d["kind"] == "gcd":
        return sympy.igcd(*d["numbers"])
    if d["kind"] == "lcm":
        return sympy.ilcm(*d["numbers"])
    if d["kind"] == "power_mod":
        return sympy.Integer(pow(d["base"], d["exponent"], d["modulus"]))
    assert d["kind"] == "inverse"
    return sympy.mod_inverse(d["a"], d["modulus"])


def expected_word_problem(task):
    d = task["data"]
    template, variant = d["template"], d.get("variant")
    if template == "shopping":
        return d["paid"] - sum(q * p for q, p in zip(d["quantities"], d["prices"], strict=True))
    if template == "travel" and variant == "distance":
        return sum(v * h for v, h in zip(d["speeds"], d["hours"], strict=True))
    if template == "travel":
        (v1, v2), (h1,) = d["speeds"], d["hours"]
        return sympy.Rational(d["total"] - v1 * h1, v2)
    if template == "sharing":
        return sympy.Rational(d["had"] + d["boxes"] * d["per_box"] - d["given"], d["friends"])
    if template == "ages":
        if variant == "older_by":
            return d["younger"] + d["gap"] + d["years"]
        if variant == "times":
            return d["times"] * d["younger"] + d["years"]
        a, b = sympy.symbols("a b")
        solution = sympy.solve([a - d["times"] * b, a + b + 2 * d["years"] - d["sum"]], [a, b])
        return solution[a]
    assert template == "savings"
    if variant == "amount":
        return d["start"] + d["weekly"] * d["weeks"]
    if variant == "weeks_to_goal":
        return sympy.Rational(d["goal"] - d["start"], d["weekly"])
    (s1, s2), (w1, w2) = d["starts"], d["weekly"]
    return sympy.Rational(s2 - s1, w1 - w2)


def expected_unit_conversion(task):
    d = task["data"]
    if d["kind"] == "mixed":
        amount = sum(value * UNIT_SIZE[unit] for value, unit in d["parts"])
    else:
        amount = d["value"] * sympy.sympify(UNIT_SIZE[d["from"]])
    return sympy.sympify(amount) / UNIT_SIZE[d["to"]]


EXPECTED = {
    "integer_arithmetic": expected_integer_arithmetic,
    "fraction_arithmetic": expected_fraction_arithmetic,
    "percentages": expected_percentages,
    "linear_equation": expected_linear_equation,
    "linear_system_2x2": expected_linear_system_2x2,
    "quadratic_roots": expected_quadratic_roots,
    "gcd_lcm_mod": expected_gcd_lcm_mod,
    "word_problem": expected_word_problem,
    "unit_conversion": expected_unit_conversion,
}
INTEGER_FAMILIES = {"integer_arithmetic", "percentages", "gcd_lcm_mod", "word_problem"}


def test_every_family_has_an_independent_check():
    assert set(FAMILIES) == set(EXPECTED)


@pytest.mark.parametrize("difficulty", [1, 2, 3])
@pytest.mark.parametrize("family", sorted(EXPECTED))
def test_gold_answer_matches_an_independent_sympy_computation(family, difficulty):
    for task in tasks_of(family, difficulty):
        assert task["family"] == family and task["difficulty"] == difficulty
        expected = EXPECTED[family](task)
        gold = parse_gold(task["answer"])
        if isinstance(gold, set):
            assert gold == {sympy.nsimplify(root) for root in expected}, task
        elif isinstance(gold, tuple):
            assert gold == tuple(expected), task
        else:
            assert gold == sympy.nsimplify(expected), task
        if family in INTEGER_FAMILIES:
            assert gold.is_integer, task


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_question_is_plain_text_that_asks_for_a_boxed_answer(family):
    for task in tasks_of(family, 3, range(10)):
        assert "\\boxed" in task["question"]
        assert task["question"].isascii()
        assert set(task) == {"family", "difficulty", "question", "answer", "data"}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_each_family_gives_varied_questions(family):
    config = MathConfig(families=(family,))
    questions = {task_at(config, seed, 0)["question"] for seed in SEEDS}
    assert len(questions) >= 20


def test_same_seed_gives_the_same_task_and_data_is_json():
    config = MathConfig()
    for seed in range(30):
        task = task_at(config, seed, 2)
        assert task == task_at(config, seed, 2)
        assert json.loads(json.dumps(task)) == task
    assert generate_task(random.Random(7), config) == generate_task(random.Random(7), config)


def test_task_at_is_a_pure_function_of_seed_and_index():
    config = MathConfig()
    forward = [task_at(config, 3, index) for index in range(20)]
    backward = [task_at(config, 3, index) for index in reversed(range(20))]
    assert forward == backward[::-1]
    assert task_at(config, 3, 0) != task_at(config, 4, 0)


def test_default_config_draws_every_family_and_difficulty():
    tasks = [task_at(MathConfig(), seed, 0) for seed in range(300)]
    assert {task["family"] for task in tasks} == set(FAMILIES)
    assert {task["difficulty"] for task in tasks} == {1, 2, 3}


def test_difficulty_range_is_respected():
    config = MathConfig(families=("word_problem", "percentages"), min_difficulty=2)
    tasks = [task_at(config, seed, 0) for seed in range(100)]
    assert {task["difficulty"] for task in tasks} == {2, 3}
    assert {task["family"] for task in tasks} == {"word_problem", "percentages"}
    pinned = MathConfig(min_difficulty=1, max_difficulty=1)
    assert {task_at(pinned, seed, 0)["difficulty"] for seed in range(50)} == {1}


def test_higher_difficulties_reach_answers_the_lower_ones_never_need():
    assert all("frac" not in t["answer"] for t in tasks_of("linear_equation", 2))
    assert all("frac" in t["answer"] for t in tasks_of("linear_equation", 3))
    assert any(t["answer"].count(",") == 0 for t in tasks_of("quadratic_roots", 1, range(80)))
    assert any("frac" in t["answer"] for t in tasks_of("quadratic_roots", 3))


def test_word_problems_cover_five_templates_with_many_names():
    tasks = [task_at(MathConfig(families=("word_problem",)), seed, 0) for seed in range(100)]
    assert {t["data"]["template"] for t in tasks} == {
        "shopping", "travel", "sharing", "ages", "savings",
    }  # fmt: skip
    names = {t["question"].split()[0] for t in tasks}
    assert len(names) >= 10


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"families": ("algebra", "percentages", "calculus")}, "['algebra', 'calculus']"),
        ({"families": "percentages"}, "tuple of family names"),
        ({"families": (3,)}, "tuple of family names"),
        ({"min_difficulty": 0}, "min_difficulty must be an integer 1-3"),
        ({"max_difficulty": 4}, "max_difficulty must be an integer 1-3"),
        ({"max_difficulty": 2.0}, "max_difficulty must be an integer 1-3"),
        ({"min_difficulty": 3, "max_difficulty": 2}, "must not exceed"),
    ],
)
def test_invalid_config_is_rejected_with_a_clear_message(kwargs, message):
    config = MathConfig(**kwargs)
    with pytest.raises(InvalidArgumentError, match=re.escape(message)):
        config.validate()
    with pytest.raises(InvalidArgumentError):
        task_at(config, 0, 0)


def test_unknown_family_message_lists_the_known_ones():
    with pytest.raises(InvalidArgumentError, match="quadratic_roots"):
        MathConfig(families=("nope",)).validate()
