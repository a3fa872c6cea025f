"""Procedural code tasks whose expected outputs come from their own reference solutions.

A task is made by picking a family, letting it draw its parameters (a shift, a modulus,
a separator...) and a set of inputs, and running the family's reference solution on those
inputs. The reference is stored in the task as source text, and that same source is what
is compiled and run here, so the stored solution reproduces every expected output. The
sources are cogym's own, so running them in-process needs no sandbox.
"""

from __future__ import annotations

import builtins
import io
import json
import random
import sys
import types
from collections.abc import Callable
from dataclasses import dataclass
from types import CodeType
from typing import Any

from cogym.core.checks import shown
from cogym.core.config import TaskConfig
from cogym.core.errors import InvalidTaskError
from cogym.core.tasks import sequence
from cogym.envs.code.families import FAMILIES, Draft, Family
from cogym.envs.code.task import KINDS, validate_task

CONFIG_KINDS = (*KINDS, "any")
MAX_EXAMPLES = 10
MAX_TESTS = 50
DRAWS_PER_INPUT = 50

__all__ = ["FAMILIES", "CodeConfig", "build_task", "generate_task", "task_at"]


@dataclass(frozen=True)
class CodeConfig(TaskConfig):
    """Which code tasks to draw.

    :param kind: ``"function"``, ``"io"`` or ``"any"``: the kind of the families to use.
    :param families: family names to draw from (see ``FAMILIES``); empty means every
        family of ``kind``. Each named family must be of ``kind`` unless it is ``"any"``.
    :param num_examples: how many visible examples each task has (0-10).
    :param num_tests: how many hidden tests each task has (1-50), edge cases first.
    """

    kind: str = "any"
    families: tuple[str, ...] = ()
    num_examples: int = 2
    num_tests: int = 10

    def validate(self) -> None:
        """Raise :class:`InvalidArgumentError` saying which field is wrong and what to pass."""
        self.require(
            self.kind in CONFIG_KINDS,
            f"kind must be one of {list(CONFIG_KINDS)}; got {shown(self.kind)}",
        )
        self._validate_families()
        self.require(
            type(self.num_examples) is int and 0 <= self.num_examples <= MAX_EXAMPLES,
            f"num_examples must be an integer 0-{MAX_EXAMPLES}; got {shown(self.num_examples)}",
        )
        self.require(
            type(self.num_tests) is int and 1 <= self.num_tests <= MAX_TESTS,
            f"num_tests must be an integer 1-{MAX_TESTS}; got {shown(self.num_tests)}",
        )

    def _validate_families(self) -> None:
        """Check that ``families`` names known families of the configured kind."""
        names = self.families
        self.require(
            isinstance(names, tuple | list) and all(isinstance(n, str) for n in names),
            f"families must be a tuple of family names; got {shown(names)}",
        )
        unknown = [name for name in names if name not in FAMILIES]
        self.require(
            not unknown,
            f"unknown families {unknown}; valid names are {sorted(FAMILIES)}",
        )
        if self.kind == "any":
            return
        wrong = [name for name in names if FAMILIES[name].kind != self.kind]
        self.require(
            not wrong,
            f"families {wrong} are not of kind {shown(self.kind)}; pass kind='any' or only "
            f"{self.kind} families: {_names_of_kind(self.kind)}",
        )

    def family_names(self) -> list[str]:
        """Return the names a task is drawn from, sorted, after :meth:`validate`."""
        if self.families:
            return sorted(set(self.families))
        return _names_of_kind(self.kind)


def _names_of_kind(kind: str) -> list[str]:
    """Return the sorted names of the families of ``kind`` (every family for ``"any"``)."""
    return sorted(name for name, family in FAMILIES.items() if kind in ("any", family.kind))


def _input_key(value: Any) -> str:
    """Return a canonical text for an input, to spot repeats."""
    return json.dumps(value, sort_keys=True)


def _draw_inputs(
    draft: Draft, rng: random.Random, num_examples: int, num_tests: int
) -> tuple[list[Any], list[Any]]:
    """Draw distinct inputs for the examples and the tests; tests start with edge cases.

    Examples never repeat a test input. When the family runs out of distinct inputs
    (a tiny input space), fewer are returned rather than repeats.

    :param draft: the family instance.
    :param rng: the source of randomness.
    :param num_examples: how many example inputs to draw.
    :param num_tests: how many test inputs to return, edge cases included.
    :return: ``(example inputs, test inputs)``.
    """
    seen: set[str] = set()
    tests: list[Any] = []
    for value in draft.edge_inputs[:num_tests]:
        if _input_key(value) not in seen:
            seen.add(_input_key(value))
            tests.append(value)
    examples: list[Any] = []
    for _ in range(DRAWS_PER_INPUT * (num_examples + num_tests)):
        if len(examples) == num_examples and len(tests) == num_tests:
            break
        value = draft.draw_input(rng)
        if _input_key(value) in seen:
            continue
        seen.add(_input_key(value))
        (examples if len(examples) < num_examples else tests).append(value)
    return examples, tests


class _ProgramSys(types.ModuleType):
    """What ``import sys`` gives a trusted program: its own streams, the real ``sys`` else."""

    def __init__(self, stdin: io.StringIO, stdout: io.StringIO) -> None:
        super().__init__("sys")
        self.stdin = self.__stdin__ = stdin
        self.stdout = self.__stdout__ = stdout

    def __getattr__(self, name: str) -> Any:
        return getattr(sys, name)


def _program_builtins(stdin: io.StringIO, stdout: io.StringIO) -> dict[str, Any]:
    """Return builtins whose ``print``, ``input``, ``open(0)`` and ``sys`` use these streams.

    The streams belong to one run, so programs run at once in many threads never see
    each other's input or output, and nothing touches the process's ``sys.stdout``.

    :param stdin: the run's standard input.
    :param stdout: where the run's output goes.
    """
    program_sys = _ProgramSys(stdin, stdout)

    def print_(
        *values: Any,
        sep: str | None = " ",
        end: str | None = "\n",
        file: Any = None,
        flush: bool = False,
    ) -> None:
        builtins.print(
            *values, sep=sep, end=end, file=stdout if file is None else file, flush=flush
        )

    def input_(prompt: Any = "") -> str:
        stdout.write(str(prompt))
        line = stdin.readline()
        if not line:
            raise EOFError("EOF when reading a line")
        return line[:-1] if line.endswith("\n") else line

    def open_(file: Any, *args: Any, **kwargs: Any) -> Any:
        return stdin if file == 0 else builtins.open(file, *args, **kwargs)

    def import_(
        name: str, globals: Any = None, locals: Any = None, fromlist: Any = (), level: int = 0
    ) -> Any:
        if name == "sys" and level == 0:
            return program_sys
        return builtins.__import__(name, globals, locals, fromlist, level)

    namespace = dict(vars(builtins))
    namespace.update(print=print_, input=input_, open=open_, __import__=import_)
    return namespace


def _run_program(code: CodeType, stdin: str) -> str:
    """Run a trusted program in a fresh namespace with ``stdin`` as standard input.

    :param code: the compiled program.
    :param stdin: the text it reads.
    :return: what it printed.
    """
    captured = io.StringIO()
    streams = _program_builtins(io.StringIO(stdin), captured)
    exec(code, {"__name__": "__main__", "__builtins__": streams})
    return captured.getvalue()


def _json_result(value: Any, family: str) -> Any:
    """Return ``value`` if it survives a JSON round trip unchanged; a family bug otherwise."""
    if json.loads(json.dumps(value)) != value:
        raise InvalidTaskError(
            f"the {family} reference returned {value!r}, which a JSON round trip changes; "
            "references must return lists, dicts with str keys, str, int, bool or None"
        )
    return value


def _reference(family: Family, draft: Draft) -> Callable[[Any], Any]:
    """Compile the draft's reference solution and return a function from input to output.

    :param family: the family (its kind says how the solution is run).
    :param draft: the instance whose ``solution`` source is run.
    """
    code = compile(draft.solution, f"<{family.name} reference>", "exec")
    if family.kind == "io":
        return lambda stdin: _run_program(code, stdin)
    namespace: dict[str, Any] = {"__name__": "__reference__"}
    exec(code, namespace)
    function = namespace[draft.entry_point]
    # The arguments go through JSON first so that a reference cannot alter stored inputs.
    return lambda args: _json_result(function(*json.loads(json.dumps(args))), family.name)


def build_task(
    family: Family, rng: random.Random, num_examples: int = 2, num_tests: int = 10
) -> dict[str, Any]:
    """Draw one task of ``family``: parameters, inputs, and outputs from the reference.

    :param family: the family to draw from.
    :param rng: the only source of randomness.
    :param num_examples: visible examples to make.
    :param num_tests: hidden tests to make, edge cases first.
    :return: a task in the schema of :mod:`cogym.envs.code.task`.
    """
    draft = family.draft(rng)
    example_inputs, test_inputs = _draw_inputs(draft, rng, num_examples, num_tests)
    run = _reference(family, draft)
    task = {
        "kind": family.kind,
        "family": family.name,
        "prompt": draft.prompt,
        "entry_point": draft.entry_point,
        "signature": draft.signature,
        "examples": [{"input": value, "output": run(value)} for value in example_inputs],
        "tests": [{"input": value, "output": run(value)} for value in test_inputs],
        "test_code": None,
        "solution": draft.solution,
    }
    return validate_task(task)


def generate_task(rng: random.Random, config: CodeConfig) -> dict[str, Any]:
    """Pick a family uniformly among those ``config`` allows and draw one of its tasks.

    :param rng: the only source of randomness, so one rng state gives one task.
    :param config: what to draw.
    :return: a task in the schema of :mod:`cogym.envs.code.task`.
    """
    config.validate()
    family = FAMILIES[rng.choice(config.family_names())]
    return build_task(family, rng, config.num_examples, config.num_tests)


#: ``task_at(config, seed, index)``: task ``index`` of the sequence ``seed``.
task_at = sequence(generate_task)
