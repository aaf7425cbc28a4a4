"""The CLI hands Kubernetes and Nomad JSON files to the loaders as bytes (their typed path)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from placement.cli.inputs import load_fast
from placement.errors import PlacementError


def _recorder(fail_on_bytes: bool) -> tuple[list[tuple[Any, ...]], Any]:
    calls: list[tuple[Any, ...]] = []

    def loader(*inputs: Any, **named: Any) -> str:
        calls.append((*inputs, *named.values()))
        if fail_on_bytes and isinstance(inputs[0], bytes):
            raise PlacementError("nodes[0]: bad")
        return "loaded"

    return calls, loader


def test_json_files_go_as_bytes_and_yaml_as_documents(tmp_path: Path) -> None:
    nodes, pods = tmp_path / "nodes.json", tmp_path / "pods.yaml"
    nodes.write_text(json.dumps({"items": []}))
    pods.write_text("items: []\n")
    calls, loader = _recorder(False)
    assert load_fast(loader, [(str(nodes), "--k8s-nodes"), (None, "--k8s-pods")]) == "loaded"
    assert calls == [(b'{"items": []}', None)]
    calls.clear()
    pytest.importorskip("yaml")
    load_fast(loader, [(str(nodes), "--k8s-nodes"), (str(pods), "--k8s-pods")])
    assert calls == [({"items": []}, {"items": []})]  # one YAML file: every file as documents


def test_a_failed_fast_load_is_retried_on_documents_for_the_files_own_error(
    tmp_path: Path,
) -> None:
    nodes = tmp_path / "nodes.json"
    nodes.write_text('[{"metadata": {}}]')
    spaces = tmp_path / "spaces.json"
    spaces.write_text("[]")
    calls, loader = _recorder(True)
    out = load_fast(loader, [(str(nodes), "--k8s-nodes")], namespaces=(str(spaces), "--ns"))
    assert out == "loaded"
    assert calls == [(b'[{"metadata": {}}]', b"[]"), ([{"metadata": {}}], [])]


def test_json_only_inputs_refuse_yaml_naming_the_file(tmp_path: Path) -> None:
    nodes = tmp_path / "nodes.yaml"
    nodes.write_text("- Name: n1\n")
    _, loader = _recorder(False)
    with pytest.raises(PlacementError, match=r"Nomad nodes '.*nodes\.yaml' is not JSON"):
        load_fast(loader, [(str(nodes), "Nomad nodes")], yaml=False)
