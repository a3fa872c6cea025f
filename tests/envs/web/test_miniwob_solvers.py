"""The scripted MiniWoB++ solvers plan from the goal and the page text alone.

Played through the env in a real Chromium, each scores 1.0: benchmarks/web_baselines.py
checks every solver on several seeds, and tests/test_web_baselines.py runs it tiny.
"""

from __future__ import annotations

import pytest

from cogym.core.errors import InvalidArgumentError
from cogym.envs.web.miniwob_solvers import SOLVERS, MiniWoBScriptAgent
from cogym.envs.web.miniwob_tasks import ELEMENT_TASKS

SAID = 'Enter the username "kasie" and the password "blFd" into the text fields and press login.'
LOGIN = f"""Goal: {SAID}

URL: /miniwob/login-user.html
Title: Login User Task
[1] text '{SAID}'
  [2] text 'username'
  [3] text 'password'
[4] label 'Username'
[5] textbox '' value=''
[6] label 'Password'
[7] textbox '' value=''
[8] button 'Login'"""

CHECKBOXES = """Goal: Select UtK, SeVM and click Submit.

URL: /miniwob/click-checkboxes.html
[1] text 'Select UtK, SeVM and click Submit.'
[2] checkbox 'blFdc1' checked
[3] checkbox 'Siflm'
[4] checkbox 'UtK'
[5] checkbox 'SeVM' checked
[6] button 'Submit'"""


def play(agent: MiniWoBScriptAgent, first: str, turns: int) -> list[str]:
    agent.reset()
    return [agent.act(first if turn == 0 else "URL: /later", {}) for turn in range(turns)]


def test_login_fills_the_box_after_each_label_then_presses_login():
    actions = play(MiniWoBScriptAgent("login-user"), LOGIN, 4)
    assert actions == ['fill("5", "kasie")', 'fill("7", "blFd")', 'click("8")', "noop()"]


def test_checkboxes_tick_the_named_untick_the_others_and_submit():
    actions = play(MiniWoBScriptAgent("click-checkboxes"), CHECKBOXES, 4)
    assert actions == ['uncheck("2")', 'check("4")', 'click("6")', "noop()"]


def test_nothing_to_select_only_unticks_and_submits():
    page = CHECKBOXES.replace("UtK, SeVM", "nothing")
    actions = play(MiniWoBScriptAgent("click-checkboxes"), page, 3)
    assert actions == ['uncheck("2")', 'uncheck("5")', 'click("6")']


def test_a_new_episode_plans_again_from_its_own_page():
    agent = MiniWoBScriptAgent("click-checkboxes")
    play(agent, CHECKBOXES, 1)
    assert play(agent, CHECKBOXES.replace("checked", ""), 2) == ['check("4")', 'check("5")']


def test_every_solver_is_for_an_element_task_and_unknown_ones_are_refused():
    assert set(SOLVERS) <= set(ELEMENT_TASKS) and len(SOLVERS) >= 6
    with pytest.raises(InvalidArgumentError, match="no scripted solver for 'drag-box'"):
        MiniWoBScriptAgent("drag-box")


def test_a_goal_it_cannot_read_or_a_missing_goal_is_an_error():
    with pytest.raises(InvalidArgumentError, match="does not read as"):
        play(MiniWoBScriptAgent("click-button"), "Goal: Do a dance.\n[1] button 'ok'", 1)
    with pytest.raises(InvalidArgumentError, match="first observation"):
        play(MiniWoBScriptAgent("click-button"), "URL: /x\n[1] button 'ok'", 1)
