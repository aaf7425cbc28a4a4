"""Hypothesis strategies for fuzzing schedulers built on placement (needs the `hypothesis` extra).

    from placement.testing import expressions, inventories
    @given(expressions(), inventories())
    def test_my_scheduler(expr, inv): ...

Every strategy draws from a small, overlapping vocabulary of attribute names, values and task
groups by default, so expressions and inventories actually meet; pass your own to widen it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st

from ._strategy_table import STRATEGIES
from .instance import Instance, Task
from .inventory import Inventory
from .rules import (
    Binpack,
    DistinctInstance,
    MaxPer,
    MemberOf,
    Random,
    Spread,
    TopologySpread,
)
from .syntax.ast import NOMAD_OPS, And, Comparison, Expression, Not, Op, Or, Subject, SubjectKind
from .syntax.literals import Timestamp, Version

__all__ = [
    "ATTRIBUTE_NAMES",
    "ATTRIBUTE_VALUES",
    "TASK_GROUPS",
    "expressions",
    "comparisons",
    "instances",
    "inventories",
    "ecs_documents",
    "tasks",
    "and_expressions", "or_expressions", "not_expressions", "versions", "timestamps",
    "running_tasks", "member_ofs", "distinct_instances", "max_pers", "topology_spreads", "binpacks",
    "spreads", "randoms",
    "placement_problems",
    "events",
    "services",
]


ATTRIBUTE_NAMES: tuple[str, ...] = (
    "ecs.instance-type", "ecs.availability-zone", "ecs.os-type", "stack", "rack", "cap",
)  # fmt: skip
ATTRIBUTE_VALUES: tuple[str, ...] = (
    "t2.small", "t2.medium", "m5.large", "us-east-1a", "us-east-1b", "us-east-1c", "linux",
    "prod", "dev", "1", "2", "10", "1.5", "", "a b", "and", "it's",
    # read specially by the Nomad operators: versions, sets, floats Go parses and ECS does not
    "1.2.3", "1.3.0-beta.1", "a, b", "1e3", "inf",
)  # fmt: skip
TASK_GROUPS: tuple[str, ...] = ("service:web", "service:db", "family:batch", "databases")
PATTERNS: tuple[str, ...] = ("t2.*", ".*", "us-east-1[ab]", "[0-9]+", "prod|dev", "service:.*", "x")
VERSIONS: tuple[str, ...] = ("1.0.0", "1.9.0", "1.10", "1.14.5", "1.14", "1.70.2", "2")
# Arguments of the Nomad operators (placement extensions): go-version and SemVer constraint
# lists, and values that Nomad's orderings read as integers, floats (inf, hex) or text.
VERSION_CONSTRAINTS: tuple[str, ...] = (
    ">= 1.2, < 1.5", "~> 1.2", "~> 1.2.3", "= 1.0", "!= 2", "> 1.0.0-beta", "1.14.5", "< 10",
)  # fmt: skip
SEMVER_CONSTRAINTS: tuple[str, ...] = (
    ">= 1.0.0-beta.1", "< 2.0.0", "= 1.2.3", ">= 1.2, < 1.5", "!= 1.0.0-rc.1", "1.14.5",
)  # fmt: skip
NOMAD_VALUES: tuple[str, ...] = (
    "1.2.3", "1.3.0-beta.1", "v1.4", "2", "10", "1.5", "1e3", "inf", "NaN", "0x1p4", "a, b", "b",
)  # fmt: skip
_EPOCH_2018 = 1_514_764_800  # 2018-01-01T00:00:00Z


def _versions() -> st.SearchStrategy[Version]:
    return st.sampled_from(VERSIONS).map(lambda v: Version(tuple(int(p) for p in v.split("."))))


def _timestamps() -> st.SearchStrategy[Timestamp]:
    # Whole seconds (the language has no fractions), some at UTC midnight (date-only form).
    seconds = st.integers(_EPOCH_2018, _EPOCH_2018 + 3 * 365 * 86_400)
    days = st.integers(0, 3 * 365).map(lambda d: _EPOCH_2018 + d * 86_400)
    return st.one_of(seconds, days).map(lambda s: Timestamp(s * 1_000_000))


def comparisons(
    attribute_names: Sequence[str] = ATTRIBUTE_NAMES,
    attribute_values: Sequence[str] = ATTRIBUTE_VALUES,
    task_groups: Sequence[str] = TASK_GROUPS,
    *,
    nomad: bool = False,
) -> st.SearchStrategy[Comparison]:
    """Valid comparisons over every subject and every operator it takes.

    ECS's own language by default, so a fuzzed scheduler sees only what ECS accepts;
    `nomad=True` also draws placement's Nomad operators (docs/language.md §14).
    """

    @st.composite
    def draw(data: st.DrawFn) -> Comparison:
        kind = data(st.sampled_from(list(SubjectKind)))
        name = data(st.sampled_from(attribute_names)) if kind is SubjectKind.ATTRIBUTE else None
        subject = Subject(kind, name)
        ops = kind.operators if nomad else kind.operators - NOMAD_OPS
        op = data(st.sampled_from(sorted(ops, key=lambda o: o.value)))
        if op.arity == "none":
            return Comparison(subject, op)
        if op in (Op.MATCHES, Op.NOT_MATCHES, Op.REGEXP):
            return Comparison(subject, op, data(st.sampled_from(PATTERNS)))
        if op is Op.VERSION:
            return Comparison(subject, op, data(st.sampled_from(VERSION_CONSTRAINTS)))
        if op is Op.SEMVER:
            return Comparison(subject, op, data(st.sampled_from(SEMVER_CONSTRAINTS)))
        if op in NOMAD_OPS:  # sets and orderings: any text, often one Nomad reads specially
            either = st.sampled_from(NOMAD_VALUES) | st.sampled_from(attribute_values)
            return Comparison(subject, op, data(either))
        values: st.SearchStrategy[Any]
        if kind is SubjectKind.AGENT_CONNECTED:
            values = st.booleans()
        elif kind is SubjectKind.AGENT_VERSION:
            values = _versions()
        elif kind is SubjectKind.REGISTERED_AT:
            values = _timestamps()
        elif kind is SubjectKind.RUNNING_TASKS_COUNT:
            values = st.integers(0, 6)
        elif kind is SubjectKind.TASK_GROUP:
            values = st.sampled_from(task_groups)
        elif kind is SubjectKind.EC2_INSTANCE_ID:
            values = st.sampled_from(["i-0", "i-1", "i-2", "i-3"])
        else:
            values = st.sampled_from(attribute_values)
        if op.arity == "list":
            return Comparison(subject, op, tuple(data(st.lists(values, min_size=1, max_size=3))))
        return Comparison(subject, op, data(values))

    return draw()


def expressions(
    attribute_names: Sequence[str] = ATTRIBUTE_NAMES,
    attribute_values: Sequence[str] = ATTRIBUTE_VALUES,
    task_groups: Sequence[str] = TASK_GROUPS,
    max_leaves: int = 8,
    *,
    nomad: bool = False,
) -> st.SearchStrategy[Expression]:
    """Valid expression trees (nested `And`/`Or`/`Not` included) over every subject/operator.

    ECS's own language by default, so a fuzzed scheduler sees only what ECS accepts;
    `nomad=True` also draws placement's Nomad operators (docs/language.md §14).
    """
    leaves = comparisons(attribute_names, attribute_values, task_groups, nomad=nomad)

    def extend(children: st.SearchStrategy[Expression]) -> st.SearchStrategy[Expression]:
        operands = st.lists(children, min_size=2, max_size=3).map(tuple)
        return st.one_of(
            operands.map(And), operands.map(Or), children.map(Not)
        )

    return st.recursive(leaves, extend, max_leaves=max_leaves)


def instances(
    attribute_names: Sequence[str] = ATTRIBUTE_NAMES,
    attribute_values: Sequence[str] = ATTRIBUTE_VALUES,
    task_groups: Sequence[str] = TASK_GROUPS,
    arn: st.SearchStrategy[str] | None = None,
) -> st.SearchStrategy[Instance]:
    """Container instances with missing and name-only attributes, tasks, ports and GPUs."""
    # Sub-strategies are built once, not per draw: building and validating them on every draw
    # made generating an inventory of a dozen instances cost ~0.1 s.
    attribute_maps = st.dictionaries(
        st.sampled_from(attribute_names),
        st.one_of(st.none(), st.sampled_from(attribute_values)),
        max_size=len(attribute_names),
    )
    group_maps = st.dictionaries(st.sampled_from(task_groups), st.integers(1, 3), max_size=3)
    stamps = st.one_of(st.none(), _timestamps())
    arns = (
        arn
        if arn is not None
        else st.uuids().map(lambda u: f"arn:aws:ecs:us-east-1:1:container-instance/{u.hex[:12]}")
    )
    ec2_ids = st.one_of(st.none(), st.sampled_from(["i-0", "i-1", "i-2", "i-3"]))
    statuses = st.sampled_from(["ACTIVE", "ACTIVE", "ACTIVE", "DRAINING"])
    connected = st.booleans() | st.just(True)
    versions = st.one_of(st.none(), st.sampled_from((*VERSIONS, "1.x")))
    cpus, memories, gpus = st.integers(0, 4096), st.integers(0, 8192), st.integers(0, 4)
    tcp = st.frozensets(st.sampled_from([22, 80, 443, 8080]), max_size=3)
    udp = st.frozensets(st.sampled_from([53, 8125]), max_size=2)
    extra_tasks = st.integers(0, 2)

    @st.composite
    def draw(data: st.DrawFn) -> Instance:
        attributes = data(attribute_maps)
        groups = data(group_maps)
        stamp = data(stamps)
        return Instance(
            arn=data(arns),
            ec2_instance_id=data(ec2_ids),
            status=data(statuses),
            agent_connected=data(connected),
            agent_version=data(versions),
            registered_at=stamp,
            attributes=attributes,
            cpu=data(cpus),
            memory=data(memories),
            gpus=data(gpus),
            ports=data(tcp),
            udp_ports=data(udp),
            registered_cpu=4096,
            registered_memory=8192,
            running_tasks_count=sum(groups.values()) + data(extra_tasks),
            task_groups=groups,
        )

    return draw()


def inventories(
    min_size: int = 0,
    max_size: int = 12,
    attribute_names: Sequence[str] = ATTRIBUTE_NAMES,
    attribute_values: Sequence[str] = ATTRIBUTE_VALUES,
    task_groups: Sequence[str] = TASK_GROUPS,
) -> st.SearchStrategy[Inventory]:
    """Inventories of `min_size` to `max_size` instances with distinct ARNs."""
    arns = st.integers(0, 10**6).map(lambda i: f"arn:aws:ecs:us-east-1:1:container-instance/{i}")
    return st.lists(
        instances(attribute_names, attribute_values, task_groups, arn=arns),
        min_size=min_size,
        max_size=max_size,
        unique_by=lambda i: i.arn,
    ).map(Inventory.from_instances)


def ecs_documents(
    min_size: int = 0, max_size: int = 12
) -> st.SearchStrategy[tuple[dict[str, Any], dict[str, Any]]]:
    """(DescribeContainerInstances, DescribeTasks) responses, as the API returns them.

    `registeredAt` comes as epoch seconds, ISO 8601 text or a `datetime`, at random.
    """

    @st.composite
    def draw(data: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
        inv = data(inventories(min_size, max_size))
        instances_json = []
        tasks_json = []
        for inst in inv:
            doc = inst.to_ecs()
            if inst.registered_at is not None:
                moment = inst.registered_at.to_datetime()
                doc["registeredAt"] = data(
                    st.sampled_from(
                        [inst.registered_at.micros / 1_000_000, moment.isoformat(), moment]
                    )
                )
            instances_json.append(doc)
            for group, count in inst.task_groups.items():
                for k in range(count):
                    tasks_json.append(
                        {
                            "taskArn": f"{inst.arn}/task/{group}/{k}",
                            "containerInstanceArn": inst.arn,
                            "group": group,
                            "desiredStatus": "RUNNING",
                            "lastStatus": "RUNNING",
                        }
                    )
            if data(st.booleans()):  # a stopped task never counts
                tasks_json.append(
                    {
                        "taskArn": f"{inst.arn}/task/stopped",
                        "containerInstanceArn": inst.arn,
                        "group": "service:stopped",
                        "desiredStatus": "STOPPED",
                        "lastStatus": "RUNNING",
                    }
                )
        return (
            {"containerInstances": instances_json, "failures": []},
            {"tasks": tasks_json, "failures": []},
        )

    return draw()


def tasks(task_groups: Sequence[str] = TASK_GROUPS) -> st.SearchStrategy[Any]:
    """`TaskSpec`s: small CPU/memory demands, sometimes host ports, GPUs or required attributes."""
    from .place.task import TaskSpec

    return st.builds(
        TaskSpec,
        cpu=st.integers(0, 1024),
        memory=st.integers(0, 2048),
        ports=st.frozensets(st.sampled_from([80, 443, 8080]), max_size=2) | st.just(frozenset()),
        udp_ports=st.just(frozenset()) | st.frozensets(st.sampled_from([53]), max_size=1),
        gpus=st.sampled_from([0, 0, 0, 1, 2]),
        group=st.sampled_from(task_groups),
        requires_attributes=st.frozensets(st.sampled_from(["cap", "stack"]), max_size=1)
        | st.just(frozenset()),
    )


# One strategy per public type, so `st.from_type(T)` can draw every one of them (the plugin in
# `_hypothesis_plugin.py` registers these).


def and_expressions(max_leaves: int = 8) -> st.SearchStrategy[And]:
    """`And` nodes of two or three generated operands."""
    return _operands(max_leaves).map(And)


def or_expressions(max_leaves: int = 8) -> st.SearchStrategy[Or]:
    """`Or` nodes of two or three generated operands."""
    return _operands(max_leaves).map(Or)


def not_expressions(max_leaves: int = 8) -> st.SearchStrategy[Not]:
    """`Not` nodes over a generated expression."""
    return expressions(max_leaves=max_leaves).map(Not)


def _operands(max_leaves: int) -> st.SearchStrategy[tuple[Expression, ...]]:
    operand = expressions(max_leaves=max(1, max_leaves // 2))
    return st.lists(operand, min_size=2, max_size=3).map(tuple)


def versions() -> st.SearchStrategy[Version]:
    """Agent versions, with and without a patch part (`1.14`, `1.14.5`, `2`)."""
    return _versions()


def timestamps() -> st.SearchStrategy[Timestamp]:
    """Whole-second UTC timestamps in 2018-2020, some at midnight."""
    return _timestamps()


def running_tasks(task_groups: Sequence[str] = TASK_GROUPS) -> st.SearchStrategy[Task]:
    """RUNNING `Task` records: a group, what they hold, when they started (or None)."""
    serials = st.integers(0, 10**6)
    return st.builds(
        Task,
        arn=serials.map(lambda i: f"arn:aws:ecs:us-east-1:1:task/c/{i}"),
        instance=serials.map(lambda i: f"arn:aws:ecs:us-east-1:1:container-instance/{i}"),
        group=st.sampled_from(task_groups),
        cpu=st.integers(0, 1024),
        memory=st.integers(0, 2048),
        gpus=st.integers(0, 2),
        ports=st.frozensets(st.sampled_from([80, 443, 8080]), max_size=2),
        udp_ports=st.frozensets(st.sampled_from([53]), max_size=1),
        started_at=st.none() | _timestamps(),
    )


def member_ofs(max_leaves: int = 3) -> st.SearchStrategy[MemberOf]:
    """`MemberOf` constraints over generated expressions."""
    return expressions(max_leaves=max_leaves).map(MemberOf)


def distinct_instances() -> st.SearchStrategy[DistinctInstance]:
    """`DistinctInstance()` (it has no parameters)."""
    return st.just(DistinctInstance())


_CAP_FIELDS = ("instanceId", "host", "attribute:ecs.availability-zone", "attribute:rack")


def max_pers(fields: Sequence[str] = _CAP_FIELDS, max_n: int = 4) -> st.SearchStrategy[MaxPer]:
    """`MaxPer` over an instance or an attribute, N from 1 to `max_n`."""
    return st.builds(MaxPer, st.sampled_from(list(fields)), st.integers(1, max_n))


def topology_spreads(
    fields: Sequence[str] = _CAP_FIELDS, max_skew: int = 3, max_domains: int = 4
) -> st.SearchStrategy[TopologySpread]:
    """`TopologySpread` over an instance or an attribute, with small maxSkew and minDomains."""
    return st.builds(
        TopologySpread, st.sampled_from(list(fields)), st.integers(1, max_skew),
        st.integers(1, max_domains),
    )  # fmt: skip


def binpacks() -> st.SearchStrategy[Binpack]:
    """`Binpack` on `cpu` or `memory`."""
    return st.sampled_from(["cpu", "memory"]).map(Binpack)


def spreads(attribute_names: Sequence[str] = ATTRIBUTE_NAMES) -> st.SearchStrategy[Spread]:
    """`Spread` over `instanceId`, `host` or an attribute."""
    fields = [*("instanceId", "host"), *(f"attribute:{name}" for name in attribute_names)]
    return st.sampled_from(fields).map(Spread)


def randoms() -> st.SearchStrategy[Random]:
    """`Random` with no seed or a 32-bit one."""
    return st.builds(Random, st.none() | st.integers(0, 2**32 - 1))


def placement_problems(
    max_instances: int = 10, max_count: int = 12, allow_random: bool = False
) -> st.SearchStrategy[dict[str, Any]]:
    """Whole problems: `dict(inventory=, task=, count=, constraints=, strategy=, seed=)`.

    Pass them straight on: `placement.place(**problem)`. Constraints mix `memberOf` expressions
    (some reading `runningTasksCount` and `task:group`) with `distinctInstance`, `maxPer` and
    `topologySpread`; strategy chains
    mix binpack, spread by instance and by attribute (some instances lacking it), and random
    when `allow_random` is set.
    """
    from .rules import Binpack, DistinctInstance, MemberOf, Random, Spread

    rules: list[st.SearchStrategy[Any]] = [
        st.sampled_from(["cpu", "memory"]).map(Binpack),
        st.sampled_from(
            ["instanceId", "host", "attribute:ecs.availability-zone", "attribute:rack",
             "attribute:stack"]
        ).map(Spread),
    ]
    if allow_random:
        rules.append(st.integers(0, 2**32 - 1).map(Random))
    constraint = st.one_of(
        st.just(DistinctInstance()),
        max_pers(),
        topology_spreads(),
        expressions(max_leaves=3).map(MemberOf),
        st.sampled_from(
            ["runningTasksCount < 4", "not(task:group == service:web)", "task:group exists",
             "attribute:cap exists", "attribute:ecs.availability-zone != us-east-1c"]
        ).map(MemberOf),
    )
    return st.fixed_dictionaries(
        {
            "inventory": inventories(0, max_instances),
            "task": tasks(),
            "count": st.integers(0, max_count),
            "constraints": st.lists(constraint, max_size=2),
            "strategy": st.lists(st.one_of(*rules), max_size=3),
            "seed": st.integers(0, 2**32 - 1),
        }
    )


_ECS_ARN = "arn:aws:ecs:us-east-1:1:"


def _envelope(kind: str, detail: dict[str, Any], serial: int) -> dict[str, Any]:
    """An EventBridge event around `detail`, as EventBridge delivers it."""
    arn = detail.get("taskArn") or detail.get("containerInstanceArn")
    return {
        "version": "0", "id": f"event-{serial}", "detail-type": kind, "source": "aws.ecs",
        "account": "1", "time": "2024-01-01T00:00:00Z", "region": "us-east-1",
        "resources": [arn], "detail": detail,
    }  # fmt: skip


def events(
    max_instances: int = 6, max_events: int = 16, task_groups: Sequence[str] = TASK_GROUPS
) -> st.SearchStrategy[dict[str, Any]]:
    """Event streams for a cluster: `dict(inventory=, events=, end=)`.

    `inventory` is the starting state; `events` are EventBridge `ECS Task State Change` and
    `ECS Container Instance State Change` events (dicts), in a shuffled delivery order with
    duplicates, touching existing and new instances and tasks (deregistrations, stops, moves,
    tasks on instances not known yet, instance documents with and without
    `runningTasksCount`); `end` is the (DescribeContainerInstances, DescribeTasks) pair that
    describes the end point, each ARN at its newest version, listed in the order SEMANTICS.md
    §6 keeps (the starting instances and tasks in their order, then new ones by ARN), so
    `Inventory.from_ecs(*end)` is what any delivery order of `events` must give.
    """

    @st.composite
    def draw(data: st.DrawFn) -> dict[str, Any]:
        inv = data(inventories(0, max_instances))
        start_instances = inv.ids.tolist()
        start_tasks = inv.tasks.arns.tolist()
        new_instances = [f"{_ECS_ARN}container-instance/new-{k}" for k in range(2)]
        instance_pool = start_instances + new_instances
        task_pool = start_tasks + [f"{_ECS_ARN}task/new-{k}" for k in range(3)]
        unknown = f"{_ECS_ARN}container-instance/never-registered"
        history: list[tuple[str, str, dict[str, Any]]] = []
        versions: dict[str, int] = {}
        for _ in range(data(st.integers(0, max_events))):
            if data(st.booleans()):
                arn = data(st.sampled_from(instance_pool))
                doc = data(instances(arn=st.just(arn))).to_ecs()
                status = data(st.sampled_from(["ACTIVE", "ACTIVE", "DRAINING", "INACTIVE",
                                               "DEREGISTERING"]))  # fmt: skip
                doc["status"] = status
                if data(st.booleans()):
                    del doc["runningTasksCount"]  # then it is counted from the tasks
                kind = "ECS Container Instance State Change"
            else:
                arn = data(st.sampled_from(task_pool))
                doc = {
                    "taskArn": arn,
                    "containerInstanceArn": data(st.sampled_from([*instance_pool, unknown])),
                    "group": data(st.sampled_from(task_groups)),
                    "desiredStatus": data(st.sampled_from(["RUNNING", "RUNNING", "STOPPED"])),
                    "lastStatus": "RUNNING",
                    "cpu": str(data(st.integers(0, 512))),
                    "memory": str(data(st.integers(0, 1024))),
                    "containers": [],
                }
                if data(st.booleans()):
                    doc["startedAt"] = data(_timestamps()).to_datetime().isoformat()
                kind = "ECS Task State Change"
            versions[arn] = versions.get(arn, 0) + data(st.integers(1, 3))
            doc["version"] = versions[arn]
            history.append((kind, arn, doc))
        latest: dict[str, dict[str, Any] | None] = {arn: doc for _, arn, doc in history}
        end_instances = []
        removed = {"INACTIVE", "DEREGISTERING"}
        for arn in [*start_instances, *sorted(set(new_instances) - set(start_instances))]:
            last = latest.get(arn)
            if last is None and arn in start_instances:
                end_instances.append(inv[start_instances.index(arn)].to_ecs())
            elif last is not None and last["status"] not in removed:
                end_instances.append({k: v for k, v in last.items() if k != "version"})
        end_tasks = []
        fresh = sorted(set(task_pool) - set(start_tasks))
        for arn in [*start_tasks, *fresh]:
            last = latest.get(arn)
            if last is None and arn in start_tasks:
                end_tasks.append(inv.tasks[start_tasks.index(arn)].to_ecs())
            elif last is not None and last["desiredStatus"] == "RUNNING":
                end_tasks.append({k: v for k, v in last.items() if k != "version"})
        delivered = [_envelope(kind, doc, k) for k, (kind, _, doc) in enumerate(history)]
        if delivered:
            delivered += data(st.lists(st.sampled_from(delivered), max_size=4))  # duplicates
        delivered = data(st.permutations(delivered))
        return {
            "inventory": inv,
            "events": delivered,
            "end": ({"containerInstances": end_instances}, {"tasks": end_tasks}),
        }

    return draw()


def services(task_groups: Sequence[str] = ("web", "api", "db")) -> st.SearchStrategy[Any]:
    """`Service`s read from generated DescribeServices elements (`Service.from_ecs`)."""
    from .ecs.services import Service

    rules = st.one_of(member_ofs(), distinct_instances())
    chain = st.one_of(binpacks(), spreads(), randoms().map(lambda _: Random()))
    provider = st.fixed_dictionaries(
        {"capacityProvider": st.sampled_from(["spot", "on-demand"])},
        optional={"weight": st.integers(0, 1000), "base": st.integers(0, 100_000)},
    )
    percents = {"minimumHealthyPercent": st.integers(0, 100),
                "maximumPercent": st.integers(100, 200)}  # fmt: skip
    element = st.fixed_dictionaries(
        {"serviceName": st.sampled_from(task_groups)},
        optional={
            "taskDefinition": st.just("arn:aws:ecs:us-east-1:123456789012:task-definition/t:1"),
            "desiredCount": st.integers(0, 1000),
            "placementConstraints": st.lists(rules.map(lambda r: r.to_ecs()), max_size=3),
            "placementStrategy": st.lists(chain.map(lambda r: r.to_ecs()), max_size=3),
            "deploymentConfiguration": st.fixed_dictionaries({}, optional=percents),
            "capacityProviderStrategy": st.lists(provider, max_size=2),
            "schedulingStrategy": st.just("REPLICA"),
            "launchType": st.just("EC2"),
        },
    )
    return element.map(Service.from_ecs)


def _register() -> None:
    """Register this module's strategies for `st.from_type`.

    Importing this module is asking for the strategies: they are registered even where
    hypothesis' plugins are off (HYPOTHESIS_NO_PLUGINS) and placement came first.
    """
    import importlib

    here = globals()

    def drawn_by(name: str) -> Any:
        def build(_kind: type) -> Any:
            return here[name]()

        return build

    for module, type_name, name in STRATEGIES:
        kind = getattr(importlib.import_module(module), type_name)
        st.register_type_strategy(kind, drawn_by(name))


_register()
