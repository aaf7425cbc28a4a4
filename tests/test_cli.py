"""The `placement` command in-process: what each command prints, and the README's promises."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from cli_helpers import EXAMPLES, INSTANCES, ROOT, TASK_DEFINITION, TASKS, inventory

import placement
from placement.cli import main
from placement.cli.render import Output, Style, bar, instance_names, table


def place_args(*extra: str) -> list[str]:
    return ["place", "--inventory", str(INSTANCES), "--tasks", str(TASKS),
            "--task-definition", str(TASK_DEFINITION), *extra]  # fmt: skip


def test_check_prints_the_canonical_form(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "attribute:stack==prod&&not task:group == service:db"]) == 0
    assert capsys.readouterr().out.strip() == (
        "attribute:stack == prod and not(task:group == service:db)"
    )


def test_check_reports_errors_with_a_caret(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "attribute:stack === prod"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("placement: unexpected character '=' at line 1, column 19")
    assert "\n  attribute:stack === prod\n" + " " * 20 + "^" in err


def test_check_length_limit_can_be_lifted(capsys: pytest.CaptureFixture[str]) -> None:
    long = " or ".join(f"attribute:a{i} exists" for i in range(150))
    assert main(["check", long]) == 1
    assert "over the limit of 2000" in capsys.readouterr().err
    assert main(["check", "--no-limit", long]) == 0
    assert capsys.readouterr().out == str(placement.parse(long, max_length=None)) + "\n"


def test_a_10_mb_expression_argument_is_one_clean_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    huge = "attribute:a == b or " * 500_000 + "attribute:a exists"
    for command in (["check", huge], ["filter", huge, "--inventory", str(INSTANCES)],
                    ["explain", huge, "--inventory", str(INSTANCES)]):  # fmt: skip
        assert main(command) == 1
        captured = capsys.readouterr()
        assert captured.out == ""
        assert captured.err.startswith("placement: expression is 10000018 characters long")
        assert len(captured.err) < 2000


def test_demo_places_and_reports_failures(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0  # overfilling is the demo's point, not a failure
    captured = capsys.readouterr()
    placed = re.search(r"placed (\d+) of 36 copies", captured.out)
    assert placed is not None
    assert 0 < int(placed.group(1)) < 36
    assert f"copies {placed.group(1)}-35 ({36 - int(placed.group(1))} copies) fit nowhere" in (
        captured.out
    )
    assert "RESOURCE:CPU" in captured.out
    assert "not enough CPU left" in captured.out
    assert "adds up to 12" in captured.out
    assert "placement demo" in captured.err  # the banner is not part of the results


def test_place_json_is_the_librarys_result(capsys: pytest.CaptureFixture[str]) -> None:
    args = place_args(
        "--count", "5", "--constraint", "distinctInstance",
        "--strategy", '{"type": "spread", "field": "attribute:ecs.availability-zone"}',
        "--strategy", "binpack(memory)", "-o", "json",
    )  # fmt: skip
    assert main(args) == 0
    printed = json.loads(capsys.readouterr().out)
    task = placement.TaskSpec.from_ecs(json.loads(TASK_DEFINITION.read_text()))
    expected = placement.place(
        inventory(), task, 5,
        constraints=[placement.DistinctInstance()],
        strategy=[placement.Spread("attribute:ecs.availability-zone"), placement.Binpack("memory")],
    )  # fmt: skip
    for key, value in expected.to_dict().items():
        if key != "constraints":
            assert printed[key] == value, key
    assert printed["constraints"] == ["memberOf(attribute:ecs.os-type == linux)",
                                      "distinctInstance"]  # fmt: skip
    assert printed["strategy"] == ["spread(attribute:ecs.availability-zone)", "binpack(memory)"]
    assert printed["group"] == "family:web"
    assert sum(z["copies"] for z in printed["zones"]) == 5
    assert sum(z["instances"] for z in printed["zones"]) == 12


def test_place_exit_code_three_and_failure_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(place_args("--count", "100", "-o", "json", "--explain")) == 3
    printed = json.loads(capsys.readouterr().out)
    assert printed["failed"] == 100 - printed["placed"]
    (failure,) = printed["failures"]
    assert failure["index"] == printed["placed"]
    assert failure["count"] == printed["failed"]
    assert sum(failure["reasons"].values()) == 12  # first reason per instance
    explained = printed["explain"]
    assert explained["eligible"] == 0
    assert sum(explained["reasons"].values()) >= 12  # every reason: some count twice
    assert len(explained["instances"]) == 12
    assert explained["member_of"][0]["expression"] == "attribute:ecs.os-type == linux"


def test_place_explain_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(place_args("--count", "100", "--explain")) == 3
    out = capsys.readouterr().out
    assert "each counted under its first reason" in out
    assert "Every reason (an instance counts under each of its reasons)" in out
    assert "i-0000000000000000b  us-east-1c  MemberOf" in out
    assert "After placing, 0 of 12 instances can take one more copy." in out
    assert "11 of 12 instances match attribute:ecs.os-type == linux" in out


def test_place_zone_summary_counts_every_copy(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(place_args("--count", "6")) == 0
    out = capsys.readouterr().out
    zones = re.findall(r"^(us-east-1[abc])\s+(\d+)\s+(\d+)\s+\[", out, re.MULTILINE)
    assert sorted(z for z, _, _ in zones) == ["us-east-1a", "us-east-1b", "us-east-1c"]
    assert sum(int(copies) for _, copies, _ in zones) == 6
    assert all(int(instances) == 4 for _, _, instances in zones)


def test_filter_lists_matching_instances(capsys: pytest.CaptureFixture[str]) -> None:
    expr = "attribute:ecs.instance-type == m5.xlarge"
    assert main(["filter", expr, "--inventory", str(INSTANCES)]) == 0
    out = capsys.readouterr().out
    inv = inventory()
    expected = [i.name for i in inv if i.attributes.get("ecs.instance-type") == "m5.xlarge"]
    assert out.splitlines()[0] == f"{len(expected)} of 12 instances match {expr}"
    assert [line.split()[0] for line in out.splitlines()[2:]] == expected


def test_explain_names_rejected_instances(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "attribute:ecs.os-type == linux", "--inventory", str(INSTANCES)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "11 of 12 instances match attribute:ecs.os-type == linux"
    assert out[2].split() == ["attribute:ecs.os-type", "==", "linux", "1", "i-0000000000000000b"]


def test_filter_without_tasks_notes_task_group_is_unknown(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["filter", "task:group exists", "--inventory", str(INSTANCES)]) == 0
    assert "running tasks are unknown" in capsys.readouterr().err
    assert main(["filter", "attribute:stack exists", "--inventory", str(INSTANCES)]) == 0
    assert capsys.readouterr().err == ""


def test_short_names_are_instance_name() -> None:
    inv = inventory()
    assert instance_names(inv, wide=False) == [inst.name for inst in inv]
    assert instance_names(inv, wide=True) == [inst.arn for inst in inv]
    records = [placement.Instance(arn="arn:aws:ecs:r:1:container-instance/c/abc")]
    assert instance_names(placement.Inventory.from_instances(records), wide=False) == ["abc"]


def test_table_cuts_one_column_to_fit() -> None:
    rows = [["x" * 80, "123", "y" * 30]]
    lines = table(["NAME", "N", "NOTE"], rows, right=(1,), shrink=0, width=100)
    assert max(len(line) for line in lines) == 100
    assert lines[1].split()[0].endswith("...")
    assert "y" * 30 in lines[1]
    assert table(["NAME"], [["x" * 80]], shrink=0, width=None)[1] == "x" * 80


def test_bar_and_style() -> None:
    assert bar(25, 75, 100, width=8) == "[##++++..]"
    assert bar(0, 0, 0, width=4) == "[    ]"
    assert Style(False).red("x") == "x"
    assert Style(True).red("x") == "\x1b[31mx\x1b[0m"


def test_no_color_wins_over_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal:
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert Output("table", Terminal(), Terminal()).style.enabled  # type: ignore[arg-type]
    assert not Output("json", Terminal(), Terminal()).style.enabled  # type: ignore[arg-type]
    monkeypatch.setenv("NO_COLOR", "1")
    assert not Output("table", Terminal(), Terminal()).style.enabled  # type: ignore[arg-type]


def test_readme_commands_are_what_ci_runs() -> None:
    """The README opens with two set-up commands; .ci/run must run exactly those."""
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"```sh\n(.*?)```", readme, re.DOTALL)
    assert block is not None
    commands = [line for line in block.group(1).splitlines() if line.strip()]
    assert len(commands) == 2
    assert commands[0].endswith("placement demo")
    assert "pytest" in commands[1]
    ci = (ROOT / ".ci" / "run").read_text()
    for command in commands:
        assert command in ci


def test_place_with_a_service_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    service = EXAMPLES / "service.json"
    assert main(place_args("--service-file", str(service), "-o", "json")) == 0
    captured = capsys.readouterr()
    printed = json.loads(captured.out)
    described = json.loads(service.read_text())["services"][0]
    running = int(inventory().group_counts("service:web").sum())
    assert printed["requested"] == described["desiredCount"] - running
    assert f"desired 12, running {running}" in captured.err
    assert printed["group"] == "service:web"
    assert printed["strategy"] == ["spread(attribute:ecs.availability-zone)", "binpack(memory)"]
    assert printed["constraints"][-1] == "memberOf(attribute:stack == prod)"
    prod = {str(i.arn) for i in inventory() if i.attributes.get("stack") == "prod"}
    assert {p["instance"] for p in printed["placements"]} <= prod
    described["desiredCount"] = 1e20
    bad = tmp_path / "service.json"
    bad.write_text(json.dumps(described))
    assert main(place_args("--service-file", str(bad))) == 1
    assert "desiredCount must be a whole number" in capsys.readouterr().err
    described["placementStrategy"] = 5
    bad.write_text(json.dumps(described))
    assert main(place_args("--service-file", str(bad), "--count", "1")) == 1
    assert "placementStrategy must be a list" in capsys.readouterr().err
