"""Reading the command's inputs: files or stdin, JSON, numbers, expressions, inventories.

Every failure here is a `PlacementError` whose message names the option and the file, so the
command prints one `placement: ...` line and exits 1, whatever the input (not UTF-8, nested
100,000 deep, a directory, missing, the wrong JSON type).
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import msgspec

from ..ecs.reserved import UnaccountedPortsWarning
from ..errors import InventoryError, PlacementError
from ..inventory import Inventory
from ..syntax.ast import Expression, SubjectKind
from ..syntax.parser import parse
from ..text import shown
from .render import Output

__all__ = [
    "STDIN", "MAX_COUNT", "read_text", "read_json", "parse_json_option", "parse_count",
    "parse_seed", "parse_expression", "check_one_stdin", "load_inventory", "parse_whole",
    "read_bytes", "load_nomad_inventory", "add_task_group_option", "read_task_group",
    "read_document", "add_k8s_options", "load_k8s_inventory", "read_task_document",
]  # fmt: skip

STDIN = "-"
MAX_COUNT = 1_000_000_000
"""The most copies one command places (far above any cluster's capacity)."""

EXPRESSION_LIMIT = 2000
"""ECS's limit on an expression's length; `--no-limit` lifts it."""


def _describe(path: str) -> str:
    return "stdin" if path == STDIN else repr(path)


def read_bytes(path: str, what: str) -> bytes:
    """The bytes of `path` (`-`: stdin)."""
    try:
        return sys.stdin.buffer.read() if path == STDIN else Path(path).read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise PlacementError(f"cannot read {what} {_describe(path)}: {reason}") from None
    except (AttributeError, ValueError):  # stdin closed or not a byte stream
        raise PlacementError(f"cannot read {what} from stdin") from None


def _decoded(data: bytes, path: str, what: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 1].hex()
        raise PlacementError(
            f"{what} {_describe(path)} is not UTF-8 text (byte 0x{bad} at offset {exc.start})"
        ) from None


def read_text(path: str, what: str) -> str:
    """The UTF-8 text of `path` (`-`: stdin); a leading byte-order mark is dropped."""
    return _decoded(read_bytes(path, what), path, what)


def _loads(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise PlacementError(f"{what} is not JSON: {exc}") from None
    except RecursionError:
        raise PlacementError(f"{what}: JSON nested too deeply to read") from None
    except ValueError as exc:  # an integer past the digit limit (a plain ValueError)
        raise PlacementError(f"{what} is not JSON: {str(exc)[:200]}") from None


def _document(text: str, path: str, what: str, expect: tuple[type, ...]) -> Any:
    document = _loads(text, f"{what} {_describe(path)}")
    if not isinstance(document, expect):
        wanted = " or ".join(_json_type(t()) for t in expect)
        raise PlacementError(
            f"{what} {_describe(path)}: expected {wanted}, got {_json_type(document)}"
        )
    return document


def read_json(path: str, what: str, expect: tuple[type, ...] = (dict, list)) -> Any:
    """The JSON document in `path` (`-`: stdin), which must be one of `expect`'s types."""
    return _document(read_text(path, what), path, what, expect)


def _utf8_json(path: str, what: str) -> bytes:
    """The bytes of `path`, checked as UTF-8 (as `read_text` checks them), without a BOM."""
    data = read_bytes(path, what)
    if not data.isascii():  # ASCII, the usual, is UTF-8; isascii is a fast scan
        _decoded(data, path, what)
        data = data.removeprefix(b"\xef\xbb\xbf")
    return data


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
             int: "a number", float: "a number", type(None): "null"}  # fmt: skip
    return names.get(type(value), type(value).__name__)


def parse_json_option(text: str, option: str) -> Any:
    """`--constraint`/`--strategy`: ECS JSON when it starts with `{`, else the text form."""
    if text.lstrip().startswith("{"):
        return _loads(text, option)
    return text


_WHOLE = re.compile(r"\s*\+?([0-9]{1,30})\s*")


def _whole(text: str, option: str, example: str) -> int:
    m = _WHOLE.fullmatch(text)
    if m is None:
        quoted = text if len(text) <= 40 else text[:40] + "..."
        raise PlacementError(f"{option}: expected a whole number such as {example}, got {quoted!r}")
    return int(m.group(1))


def parse_count(text: str) -> int:
    """`--count`: a whole number of copies, at most MAX_COUNT (`1e20` is refused)."""
    count = _whole(text, "--count", "5")
    if count > MAX_COUNT:
        raise PlacementError(f"--count: at most {MAX_COUNT:,} copies, got {text.strip()}")
    return count


def parse_whole(text: str, option: str, example: str, low: int, high: int) -> int:
    """A whole number from `low` to `high` for `option` (`--limit`, `--min-healthy`, ...)."""
    value = _whole(text, option, example)
    if not low <= value <= high:
        raise PlacementError(f"{option}: expected {low:,} to {high:,}, got {text.strip()}")
    return value


def parse_seed(text: str | None) -> int | None:
    """`--seed`: a non-negative whole number (None when not given)."""
    return None if text is None else _whole(text, "--seed", "42")


def parse_expression(args: argparse.Namespace) -> Expression:
    """The EXPR argument (`-`: read it from stdin), parsed with ECS's length limit."""
    text = args.expression
    if text == STDIN:
        text = read_text(STDIN, "expression").rstrip("\r\n")
    return parse(text, max_length=None if args.no_limit else EXPRESSION_LIMIT)


def check_one_stdin(*values: str | None) -> None:
    """At most one argument can be `-`: stdin can be read once."""
    if sum(value == STDIN for value in values) > 1:
        raise PlacementError("only one argument can read stdin ('-')")


def reads_task_groups(expressions: Sequence[Expression]) -> bool:
    """Whether any of the expressions asks about running tasks' groups."""
    return any(
        leaf.subject.kind is SubjectKind.TASK_GROUP for e in expressions for leaf in e.leaves()
    )


def load_inventory(args: argparse.Namespace, out: Output, *, tasks_matter: bool) -> Inventory:
    """The inventory: `--inventory FILE` (+ `--tasks FILE`), or a live `--cluster`.

    Without `--tasks`, a note on stderr says that running tasks are unknown when
    `tasks_matter` (their groups would change the answer).
    """
    _check_dialect_options(args)
    if getattr(args, "cluster", None):
        from .live import read_cluster

        return read_cluster(args)
    if getattr(args, "nomad_nodes", None):
        out.dialect = "nomad"
        return load_nomad_inventory(args)
    if getattr(args, "k8s_nodes", None):
        out.dialect = "k8s"
        return load_k8s_inventory(args)
    instances = _utf8_json(args.inventory, "inventory")
    tasks = _utf8_json(args.tasks, "tasks") if args.tasks else _carried_tasks(instances)
    if tasks is None and tasks_matter:
        out.note(
            "placement: note: no --tasks given, so running tasks are unknown: task:group, "
            "distinctInstance and spread count none"
        )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UnaccountedPortsWarning)
        inventory = _inventory(args, instances, tasks)
    for warning in caught:  # one line each on stderr (Python's own format takes two)
        if issubclass(warning.category, UnaccountedPortsWarning):
            out.note(f"placement: warning: {warning.message}")
        else:
            warnings.warn_explicit(warning.message, warning.category, warning.filename,
                                   warning.lineno)  # fmt: skip
    return inventory


_DIALECT_OPTIONS = (
    ("k8s_pods", "--k8s-pods", "k8s_nodes", "--k8s-nodes"),
    ("k8s_namespaces", "--k8s-namespaces", "k8s_nodes", "--k8s-nodes"),
    ("pod", "--pod", "k8s_nodes", "--k8s-nodes"),
    ("nomad_allocations", "--nomad-allocations", "nomad_nodes", "--nomad-nodes"),
    ("task_group", "--task-group", "nomad_nodes", "--nomad-nodes"),
)


def _check_dialect_options(args: argparse.Namespace) -> None:
    """Refuse a Kubernetes or Nomad option beside another system's inventory (a usage error).

    Given there, it would be silently ignored (`--pod` beside `--task-group`, `--k8s-pods`
    beside `--nomad-nodes`). `--pod` and `--task-group` describe the task, so they may also go
    with an ECS inventory, but not together.
    """
    if getattr(args, "pod", None) and getattr(args, "task_group", None):
        args.parser.error("--pod and --task-group: give one")
    k8s, nomad = getattr(args, "k8s_nodes", None), getattr(args, "nomad_nodes", None)
    other = "--k8s-nodes" if k8s else "--nomad-nodes" if nomad else None
    for name, option, source, source_option in _DIALECT_OPTIONS:
        if not getattr(args, name, None) or getattr(args, source, None):
            continue
        if other is not None:
            args.parser.error(f"{option} goes with {source_option}, not {other}")
        if name in ("k8s_pods", "k8s_namespaces", "nomad_allocations"):  # read only there
            args.parser.error(f"{option} goes with {source_option}")


class _Carried(msgspec.Struct):
    tasks: msgspec.Raw = msgspec.Raw(b"null")  # a Raw cannot be in a union; absent is null


def _carried_tasks(instances: bytes) -> bytes | None:
    """The tasks `placement filter -o json` writes beside its instances, None if none.

    Its output is both documents in one object; read back as `--inventory` alone, its tasks
    would be dropped (the next command would see instances running tasks of no group).
    """
    if b'"tasks"' not in instances:  # a fast scan: most inventories never say it
        return None
    try:
        carried = msgspec.json.decode(instances, type=_Carried)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None  # not an object holding a list of tasks: the loaders say what is wrong
    tasks = bytes(carried.tasks)
    return None if tasks == b"null" else tasks


def _inventory(args: argparse.Namespace, instances: bytes, tasks: bytes | None) -> Inventory:
    try:
        # Straight from the bytes: the typed decode, no dict per instance.
        return Inventory.from_ecs_json(instances, tasks)
    except InventoryError:
        # Errors are the slow path: read the documents as `read_json` does, so a file that is
        # not JSON, or not an object or a list, is named; content errors are from_ecs_json's.
        instance_doc = _document(instances.decode(), args.inventory, "inventory", (dict, list))
        if tasks is None:
            return Inventory.from_ecs(instance_doc)
        task_doc = _document(tasks.decode(), args.tasks, "tasks", (dict, list))
        return Inventory.from_ecs(instance_doc, task_doc)


def add_inventory_options(command: argparse.ArgumentParser, *, service: bool = False) -> None:
    """`--inventory FILE [--tasks FILE]` or `--cluster NAME` (+ region and profile)."""
    source = command.add_mutually_exclusive_group(required=True)
    source.add_argument("--inventory", metavar="FILE",
                        help="DescribeContainerInstances JSON ('-': stdin)")  # fmt: skip
    source.add_argument("--cluster", metavar="NAME",
                        help="read a live ECS cluster through boto3 (the 'aws' extra)")  # fmt: skip
    source.add_argument("--nomad-nodes", metavar="FILE",
                        help="Nomad nodes: GET /v1/node/:id objects ('-': stdin)")  # fmt: skip
    add_k8s_options(command, source, pod=service)
    command.add_argument("--tasks", metavar="FILE",
                         help="DescribeTasks JSON: the running tasks ('-': stdin)")  # fmt: skip
    command.add_argument("--nomad-allocations", metavar="FILE",
                         help="with --nomad-nodes: GET /v1/allocations JSON")  # fmt: skip
    if service:
        command.add_argument(
            "--service", metavar="NAME",
            help="with --cluster: take the task definition, constraints, strategy, group and "
                 "desired count from this ECS service",
        )  # fmt: skip
    command.add_argument("--region", help="AWS region for --cluster (default: the AWS config)")
    command.add_argument("--profile", help="AWS profile for --cluster (default: the AWS config)")


def add_constraint_option(
    command: argparse.ArgumentParser,
    help: str = "memberOf(EXPR), distinctInstance, or ECS JSON; repeat for several",
) -> None:
    """`--constraint C`, repeatable."""
    command.add_argument("--constraint", action="append", default=[], metavar="C", help=help)


def add_strategy_option(command: argparse.ArgumentParser) -> None:
    """`--strategy S`, repeatable (a chain, in order)."""
    command.add_argument(
        "--strategy", action="append", default=[], metavar="S",
        help="spread(FIELD), binpack(cpu|memory), random, or ECS JSON; repeat to chain",
    )  # fmt: skip


def add_output_option(command: argparse.ArgumentParser) -> None:
    """`--output/-o table|json|wide`."""
    command.add_argument(
        "-o", "--output", choices=("table", "json", "wide"), default="table",
        help="table (fits 100 columns), json (one document on stdout, full ARNs) or wide "
             "(full ARNs)",
    )  # fmt: skip


def add_expression_arguments(command: argparse.ArgumentParser) -> None:
    """EXPR and `--no-limit`."""
    command.add_argument("expression", metavar="EXPR",
                         help="a cluster query language expression ('-': read stdin)")  # fmt: skip
    command.add_argument("--no-limit", action="store_true",
                         help="lift ECS's 2000-character limit on expressions")  # fmt: skip


def check_live_options(args: argparse.Namespace) -> None:
    """`--tasks`, `--region`, `--profile`, `--service` each go with one input form only."""
    # Usage errors (exit 2, with the usage line), like argparse's own.
    if args.cluster and args.tasks:
        args.parser.error("--tasks goes with --inventory; --cluster reads the running tasks")
    if not args.cluster and (args.region or args.profile):
        args.parser.error("--region and --profile go with --cluster")
    if not args.cluster and getattr(args, "service", None):
        args.parser.error("--service goes with --cluster")


# -- Nomad inputs (docs/nomad.md) ----------------------------------------------------------------


def load_nomad_inventory(args: argparse.Namespace) -> Inventory:
    """`--nomad-nodes FILE [--nomad-allocations FILE]`: `Inventory.from_nomad`."""
    if args.tasks:
        args.parser.error("--tasks goes with --inventory; with --nomad-nodes, give "
                          "--nomad-allocations")  # fmt: skip
    check_one_stdin(args.nomad_nodes, getattr(args, "nomad_allocations", None))
    allocations_file = getattr(args, "nomad_allocations", None)
    inventory: Inventory = load_fast(
        Inventory.from_nomad,
        [(args.nomad_nodes, "Nomad nodes"), (allocations_file, "Nomad allocations")],
        yaml=False,  # Nomad's API speaks JSON only
    )
    return inventory


def add_task_group_option(command: argparse.ArgumentParser) -> None:
    """`--task-group FILE [--nomad-group NAME]`: a Nomad task group, or a job and its group."""
    command.add_argument("--task-group", metavar="FILE",
                         help="a Nomad task group, or a job (nomad job inspect JSON) with "
                              "--nomad-group ('-': stdin)")  # fmt: skip
    command.add_argument("--nomad-group", metavar="NAME",
                         help="with --task-group: the job's task group to place")  # fmt: skip


def read_task_group(args: argparse.Namespace) -> Any:
    """The `TaskSpec` of `--task-group FILE` (and `--nomad-group NAME`)."""
    from ..place.task import TaskSpec

    if args.task_definition:
        args.parser.error("--task-definition and --task-group: give one")
    document = read_json(args.task_group, "task group", (dict,))
    return TaskSpec.from_nomad(document, args.nomad_group)


# -- Kubernetes inputs ---------------------------------------------------------------------------


def read_document(path: str, what: str, expect: tuple[type, ...] = (dict, list)) -> Any:
    """A JSON document, or YAML where PyYAML is installed (text not starting with `{` or `[`).

    YAML is read as Kubernetes reads it (JSON's data model): one document, no repeated key in
    a mapping (kubectl refuses them), timestamps left as text. Errors are one line.
    """
    return _text_document(read_text(path, what), path, what, expect)


def load_fast(
    loader: Any,
    files: Sequence[tuple[str | None, str]],
    yaml: bool = True,
    **named: tuple[str | None, str],
) -> Any:
    """`loader(*inputs, **named inputs)`, JSON files given as their bytes.

    `files` and `named` hold `(path or None, what)` pairs and paths. Given bytes, the Kubernetes
    and Nomad loaders decode only the fields they read (several times faster than decoding
    whole documents). When that load fails, the files are read again as documents and loaded
    once more, so the error names the file as `read_document` does (a failure costs a second
    read, a success none). YAML files are read as documents from the start (`yaml=False`: JSON
    only, as `read_json` reads).
    """
    parse = _text_document if yaml else _document
    paths = [*files, *named.values()]
    raw = [None if path is None else _utf8_json(path, what) for path, what in paths]
    if all(data is None or data.lstrip()[:1] in (b"{", b"[") for data in raw):
        try:
            return _call(loader, raw, len(files), list(named))
        except PlacementError:
            pass  # read as documents below: their errors name the file
    docs = [None if data is None else parse(_decoded(data, path or "", what),
                                             path or "", what, (dict, list))
            for data, (path, what) in zip(raw, paths, strict=True)]  # fmt: skip
    return _call(loader, docs, len(files), list(named))


def _call(loader: Any, inputs: list[Any], positional: int, names: list[str]) -> Any:
    return loader(*inputs[:positional], **dict(zip(names, inputs[positional:], strict=True)))


def _text_document(text: str, path: str, what: str, expect: tuple[type, ...]) -> Any:
    """`read_document`'s reading of `text`, the contents of `path`."""
    if text.lstrip()[:1] in ("{", "[") or not text.strip():
        return _document(text, path, what, expect)
    try:
        yaml: Any = importlib.import_module("yaml")  # optional: PyYAML
    except ImportError:
        raise PlacementError(
            f"{what} {_describe(path)} is not JSON; reading YAML needs PyYAML, which is not "
            "installed (pip install pyyaml), or give the file as JSON (kubectl get -o json)"
        ) from None
    try:
        document = yaml.load(text, Loader=_yaml_loader(yaml))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = " ".join(str(exc.problem or exc.context or "invalid").split())
        if "expected a single document" in str(exc.context):
            problem = "holds several documents (---); give one"
        raise PlacementError(f"{what} {_describe(path)} is not valid YAML: {problem}{at}") from None
    except yaml.YAMLError as exc:
        problem = " ".join(str(exc).split())[:200]
        raise PlacementError(f"{what} {_describe(path)} is not valid YAML: {problem}") from None
    except RecursionError:
        raise PlacementError(f"{what} {_describe(path)}: YAML nested too deeply to read") from None
    if not isinstance(document, expect):
        wanted = " or ".join(_json_type(t()) for t in expect)
        raise PlacementError(f"{what} {_describe(path)}: expected {wanted}, got "
                             f"{_json_type(document)}")  # fmt: skip
    return document


_LOADERS: dict[int, Any] = {}


def _yaml_loader(yaml: Any) -> Any:
    """PyYAML's SafeLoader, refusing repeated keys and keeping timestamps as text (built once)."""
    loader = _LOADERS.get(id(yaml))
    if loader is not None:
        return loader

    class Loader(yaml.SafeLoader):  # type: ignore[misc]
        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            seen: set[Any] = set()
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue  # `<<: *base`: its keys may be overridden, as YAML allows
                key = self.construct_object(key_node, deep=True)
                try:
                    repeated = key in seen
                except TypeError:  # an unhashable key: SafeLoader's own error names it
                    break
                if repeated:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"key {shown(key)} appears twice in a mapping",
                        key_node.start_mark,
                    )  # fmt: skip
                seen.add(key)
            return super().construct_mapping(node, deep=deep)

    # JSON has no timestamps: `creationTimestamp: 2024-01-01T00:00:00Z` stays text, as
    # Kubernetes' YAML-to-JSON conversion keeps it.
    Loader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    _LOADERS[id(yaml)] = Loader
    return Loader


def add_k8s_options(
    command: argparse.ArgumentParser, source: argparse._MutuallyExclusiveGroup, *, pod: bool
) -> None:
    """`--k8s-nodes FILE [--k8s-pods FILE]` as an inventory source; `--pod FILE` with `pod`."""
    source.add_argument(
        "--k8s-nodes", metavar="FILE",
        help="kubectl get nodes -o json (or YAML): a Kubernetes inventory",
    )  # fmt: skip
    command.add_argument(
        "--k8s-pods", metavar="FILE", help="with --k8s-nodes: kubectl get pods -A -o json (or YAML)"
    )
    command.add_argument(
        "--k8s-namespaces", metavar="FILE",
        help="with --k8s-nodes: kubectl get namespaces -o json (or YAML), for pod affinity "
             "terms' namespaceSelector",
    )  # fmt: skip
    if pod:
        command.add_argument(
            "--pod", metavar="FILE",
            help="a Pod, or a Deployment/StatefulSet/Job... with its pod template (JSON or YAML), "
                 "instead of --task-definition",
        )  # fmt: skip


def load_k8s_inventory(args: argparse.Namespace) -> Inventory:
    """`--k8s-nodes FILE [--k8s-pods FILE] [--k8s-namespaces FILE]` as an inventory."""
    if args.tasks:
        raise PlacementError("--tasks reads ECS tasks: with --k8s-nodes, give --k8s-pods")
    spaces_file = getattr(args, "k8s_namespaces", None)
    check_one_stdin(args.k8s_nodes, args.k8s_pods, getattr(args, "pod", None), spaces_file)
    inventory: Inventory = load_fast(
        Inventory.from_k8s,
        [(args.k8s_nodes, "--k8s-nodes"), (args.k8s_pods, "--k8s-pods")],
        namespaces=(spaces_file, "--k8s-namespaces"),
    )
    return inventory


def read_task_document(args: argparse.Namespace) -> Any:
    """The task's document: `--pod FILE` (Kubernetes, JSON or YAML) or `--task-definition`."""
    if getattr(args, "pod", None):
        if args.task_definition:
            raise PlacementError("--pod and --task-definition: give one")
        document = read_document(args.pod, "--pod", (dict,))
        # A bare pod (no `kind`) is a Pod: say so, so the task reader knows the dialect.
        return document if "kind" in document else {"kind": "Pod", **document}
    return read_json(args.task_definition, "task definition", (dict,))
