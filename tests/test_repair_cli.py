"""`--fix` on `place`, `deploy`, `daemon` and `headroom --fix N`, run as a process.

The fixes printed are the library's (`repair`, `repair_deploy`, `repair_daemon`) on the same
problem, computed here in-process; the exit codes stay the commands' own.
"""

from __future__ import annotations

import json
from typing import Any

from cli_helpers import INSTANCES, TASK_DEFINITION, TASKS, inventory
from test_cli_subprocess import assert_clean_failure, run

from placement import TaskSpec, headroom, repair, repair_daemon, repair_deploy

FILES = ["--inventory", str(INSTANCES), "--tasks", str(TASKS)]
RULE = "memberOf(attribute:stack == prod and attribute:ecs.instance-type in [m5.large])"


def _task(group: str | None = None) -> TaskSpec:
    return TaskSpec.from_ecs(json.loads(TASK_DEFINITION.read_text()), group)


def _json(*args: str, code: int) -> Any:
    result = run(*args, "-o", "json")
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    return json.loads(result.stdout)


def test_place_fix_lists_the_repairs_ranked_and_keeps_exit_three() -> None:
    args = ["place", *FILES, "--task-definition", str(TASK_DEFINITION), "--count", "12",
            "--constraint", RULE]  # fmt: skip
    table = run(*args, "--fix")
    assert table.returncode == 3, table.stderr
    assert "Fixes, smallest change first" in table.stdout
    expected = repair(inventory(), _task(), 12, constraints=[RULE])
    assert expected.fixes and expected.fixes[0].kind == "add-values"
    assert "  1. Change `attribute:ecs.instance-type in [m5.large]`" in table.stdout
    document = _json(*args, "--fix", code=3)
    assert document["fixes"] == [fix.to_dict() for fix in expected.fixes]
    assert document["placed"] == expected.placed  # the placement itself is still there
    assert "fixes" not in _json(*args, code=3)  # only asked for


def test_place_fix_with_a_template_adds_instances() -> None:
    args = ["place", *FILES, "--task-definition", str(TASK_DEFINITION), "--count", "40", "--fix",
            "--template", str(INSTANCES)]  # fmt: skip
    document = _json(*args, code=3)
    templates = json.loads(INSTANCES.read_text())
    expected = repair(inventory(), _task(), 40, templates=templates)
    assert document["fixes"] == [fix.to_dict() for fix in expected.fixes]
    assert "add-instances" in [fix["kind"] for fix in document["fixes"]]


def test_place_fix_when_everything_fits_has_no_fixes() -> None:
    args = ["place", *FILES, "--task-definition", str(TASK_DEFINITION), "--count", "2", "--fix"]
    assert _json(*args, code=0)["fixes"] == []
    table = run(*args)
    assert table.returncode == 0 and "Fixes" not in table.stdout


def test_deploy_fix_names_the_instances_to_add() -> None:
    args = ["deploy", *FILES, "--group", "service:web", "--new-task-definition",
            str(TASK_DEFINITION), "--desired-count", "36", "--fix", "--template",
            str(INSTANCES)]  # fmt: skip
    document = _json(*args, code=3)
    assert not document["completed"]
    expected = repair_deploy(inventory(), "service:web", _task("service:web"), desired_count=36,
                             templates=json.loads(INSTANCES.read_text()))  # fmt: skip
    assert expected.fixes and document["fixes"] == [fix.to_dict() for fix in expected.fixes]
    table = run(*args)
    assert table.returncode == 3
    rounds = expected.fixes[0].rounds
    assert f"completes in {rounds} round" in table.stdout


def test_daemon_fix_keeps_its_exit_code() -> None:
    # A daemon too large for most instances: the fix lowers its CPU.
    big = json.loads(TASK_DEFINITION.read_text())
    big["cpu"] = "3000"
    args = ["daemon", *FILES, "--task-definition", "-", "--group", "daemon:log", "--fix"]
    result = run(*args, "-o", "json", stdin=json.dumps(big))
    assert result.returncode == 3, result.stderr
    expected = repair_daemon(inventory(), TaskSpec.from_ecs(big, "daemon:log"))
    assert expected.fixes
    assert json.loads(result.stdout)["fixes"] == [fix.to_dict() for fix in expected.fixes]
    table = run(*args, stdin=json.dumps(big))
    assert table.returncode == 3 and "instances run it" in table.stdout


def test_headroom_fix_n_repairs_headroom_plus_n_copies() -> None:
    args = ["headroom", *FILES, "--task-definition", str(TASK_DEFINITION), "--fix", "5"]
    document = _json(*args, code=0)
    now = headroom(inventory(), _task()).copies
    assert now is not None and document["copies"] == now
    expected = repair(inventory(), _task(), now + 5)
    assert expected.fixes and document["fixes"] == [fix.to_dict() for fix in expected.fixes]
    assert all(fix["placed_before"] == now for fix in document["fixes"])
    table = run(*args)
    assert table.returncode == 0
    assert any(fix.complete for fix in expected.fixes) and "-> 5 more fit" in table.stdout


def test_bad_fix_inputs_fail_cleanly() -> None:
    headroom_args = ["headroom", *FILES, "--task-definition", str(TASK_DEFINITION)]
    assert_clean_failure(run(*headroom_args, "--fix", "many"), "--fix", "many")
    place_args = ["place", *FILES, "--task-definition", str(TASK_DEFINITION), "--count", "40"]
    assert_clean_failure(run(*place_args, "--fix", "--template", str(TASKS)), "template")
