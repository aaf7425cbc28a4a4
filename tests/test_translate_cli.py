"""`placement translate` as a process: the rule on stdout, exact and notes, refusals exit 1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from cli_helpers import SRC

from placement import translate
from placement.k8s import node_affinity


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    env.pop("PLACEMENT_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "placement", "translate", *args],
        input=stdin, capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip


def test_ecs_to_k8s_prints_the_selector_then_exact_and_notes() -> None:
    done = run("attribute:env in [prod, qa] and attribute:tier != web", "--to", "k8s")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "env in (prod,qa),tier,tier!=web"
    assert lines[1] == "exact: no"
    assert lines[2].startswith("note: ECS `attribute:tier != web` fails where tier is set")
    assert done.stderr == ""


def test_json_output_is_one_document_that_reads_back() -> None:
    done = run("attribute:a == x or attribute:n > 2", "--to", "k8s", "-o", "json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["to"] == "k8s" and doc["from"] == "ecs" and doc["exact"] is False
    rule: Any = doc["rule"]
    assert rule == translate("attribute:a == x or attribute:n > 2", to="k8s").rule
    assert len(rule["nodeSelectorTerms"]) == 2
    node_affinity(rule)  # placement.k8s reads it


def test_k8s_text_and_json_objects_to_ecs() -> None:
    done = run("env notin (dev), gpu", "--from", "k8s", "--to", "ecs")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[:2] == [
        "not(attribute:env in [dev]) and attribute:gpu exists",
        "exact: yes",
    ]
    assert "also matches nodes without the label" in done.stdout
    term = {"matchExpressions": [{"key": "cores", "operator": "Gt", "values": ["4"]}]}
    done = run(json.dumps({"nodeSelectorTerms": [term]}), "--to", "ecs")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("attribute:cores =~ '[-+]?[0-9]+' and attribute:cores > 4")


def test_rule_from_stdin_and_the_empty_selector() -> None:
    everything = "attribute:_k8s/name exists or attribute:_k8s/name !exists\n"
    done = run("-", "--to", "k8s", stdin=everything)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "''"
    assert "note: `attribute:_k8s/name exists or attribute:_k8s/name !exists` holds on every" in (
        done.stdout
    )


def test_nomad_output_is_a_json_list() -> None:
    done = run("attribute:attr.kernel.name == linux", "--to", "nomad")
    assert done.returncode == 0, done.stderr
    text, _, rest = done.stdout.partition("\nexact: ")
    assert json.loads(text) == [
        {"attribute": "${attr.kernel.name}", "operator": "=", "value": "linux"}
    ]
    assert rest.startswith("yes")


def test_refusal_exits_1_with_one_line_naming_the_part() -> None:
    done = run("attribute:a == x and task:group == web", "--to", "k8s")
    assert done.returncode == 1
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("placement: `task:group == web` cannot be translated")


def test_bad_json_and_usage() -> None:
    done = run("{not json", "--to", "ecs")
    assert done.returncode == 1 and done.stderr.startswith("placement: RULE is not valid JSON")
    assert len(done.stderr.splitlines()) == 1
    assert run("attribute:a == b").returncode == 2  # --to is required
    assert run("attribute:a == b", "--to", "swarm").returncode == 2
