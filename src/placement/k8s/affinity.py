"""Required inter-pod affinity and anti-affinity (`requiredDuringSchedulingIgnoredDuringExecution`).

As the Kubernetes documentation ("Assigning Pods to Nodes: inter-pod affinity and
anti-affinity") and the InterPodAffinity filter read. A term is a `labelSelector` over pods,
the namespaces it looks in, and a `topologyKey`; the pods it counts are those matching it on
nodes that have the key, summed per (key, value) pair over every term of the pod (the filter
keeps one count per topology pair).

* Affinity: a node passes when it has every term's key and each term's pair on it counts a
  pod, where only pods matching *every* term count (the filter's `updateWithAffinityTerms`:
  one pod must satisfy all terms, kubernetes#68173 and #130784, not one pod per term). When no
  pod anywhere matches all the terms, a pod that matches all its own terms may go to any node
  having every key (the first pod of a group with affinity to itself).
* Anti-affinity: a node is refused when, for some term, it has the key and that pair counts a
  pod. A node without the key passes.

The copies placed so far in the same call count as pods where the pod matches the term. The
namespaces: `namespaces` as listed; neither `namespaces` nor `namespaceSelector`: the pod's
own; an empty `namespaceSelector` (`{}`): every namespace; a non-empty one: the namespaces
whose labels match it, together with those listed in `namespaces` (the API's "union"). Their
labels come from `Inventory.from_k8s(..., namespaces=...)`, kept on every node as the reserved
`_k8s/namespaces` (JSON); without them such a term is refused when it is evaluated. Running
pods' own required anti-affinity
(the symmetric check) is kept on their nodes (`_k8s/anti-affinity`) and checked by
`ExistingAntiAffinity`, which every pod carries.
"""

from __future__ import annotations

import functools
import json
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

import attrs
import numpy as np
import numpy.typing as npt

from ..errors import PlacementError, PlacementInputError
from ..rules.base import Bools, Constraint, Ints, TaskLike, ZoneCaps
from ..syntax.ast import Expression
from ..syntax.builders import attribute
from ..text import shown
from .labels import (
    NOTHING,
    SCHEDULING_FIELDS,
    check_fields,
    check_key,
    check_weight,
    selector,
)
from .spread import (
    NAMESPACE,
    fixed_room,
    label_keys,
    label_match,
    objects,
    own_match,
    pod_selector,
    reference_counts,
    with_label_keys,
)

if TYPE_CHECKING:
    from ..instance import Instance, Task
    from ..rules.view import View

__all__ = ["PodAffinity", "PodAntiAffinity", "Term", "AFFINITY_UNSATISFIED", "NAMESPACES",
           "NAMESPACE_NAME",
           "ANTI_AFFINITY_UNSATISFIED", "affinity_rules", "ExistingAntiAffinity",
           "EXISTING_ANTI_AFFINITY", "ANTI_TERMS", "anti_terms"]  # fmt: skip

AFFINITY_UNSATISFIED = "node(s) didn't match pod affinity rules"
"""The failure reason of required pod affinity, as the InterPodAffinity plugin words it."""
ANTI_AFFINITY_UNSATISFIED = "node(s) didn't match pod anti-affinity rules"
"""The failure reason of required pod anti-affinity, as the InterPodAffinity plugin words it."""

_OPEN = 1 << 40  # room for a zone the rule never closes


NAMESPACES = "_k8s/namespaces"
"""The reserved node attribute holding the namespaces' labels (JSON: name -> labels)."""

NAMESPACE_NAME = "kubernetes.io/metadata.name"
"""The label the API server sets on every namespace (its name): a namespace missing from the
namespaces loaded (a pod's, or the incoming pod's) is taken to have this label alone."""

NOT_LOADED = ("namespaceSelector: namespaces' labels are not loaded (give "
              "Inventory.from_k8s(..., namespaces=kubectl get namespaces -o json), "
              "or --k8s-namespaces FILE)")  # fmt: skip


@functools.lru_cache(maxsize=64)
def namespace_table(text: str) -> Mapping[str, Mapping[str, str]]:
    """The namespaces' labels a node's `_k8s/namespaces` value holds."""
    table: Mapping[str, Mapping[str, str]] = json.loads(text)
    return table


def table_text(values: Any) -> str | None:
    """The first `_k8s/namespaces` value among `values` (None: the namespaces are not loaded)."""
    return next((value for value in values if isinstance(value, str)), None)


def view_table(view: View) -> str | None:
    """The `_k8s/namespaces` value of the view's inventory (every node holds the same)."""
    column = view.inventory.attributes.get(NAMESPACES)
    return None if column is None else table_text(column.values)


@attrs.frozen
class Term:
    """One `PodAffinityTerm`: the pods it counts (`pods`), its `key`, whether the pod is one.

    A term with a non-empty `namespaceSelector` (`chooser`, over namespaces' labels) holds its
    `labelSelector` (`chosen`), its listed namespaces and the pod's own labels and namespace
    instead: `bound` makes the plain term once the namespaces' labels are known.
    """

    pods: Expression
    key: str
    self_match: bool
    chooser: Expression | None = None
    chosen: Expression = NOTHING
    listed: tuple[str, ...] = ()
    own: tuple[tuple[str, str], ...] = ()
    namespace: str = "default"

    def bound(self, text: str | None, incoming: str | None = None) -> Term:
        """The plain term, its namespaces chosen from `text` (a `_k8s/namespaces` value).

        `incoming`: the namespace of the pod the term is checked against, when that pod is
        not the term's own (a namespace not loaded has only its `NAMESPACE_NAME` label).
        """
        if self.chooser is None:
            return self
        if text is None:
            raise PlacementInputError(NOT_LOADED)
        return _bind(self, text, incoming)


@functools.lru_cache(maxsize=1024)
def _bind(term: Term, text: str, incoming: str | None) -> Term:
    table = dict(namespace_table(text))
    for name in (term.namespace, incoming):
        if name is not None:
            table.setdefault(name, {NAMESPACE_NAME: name})
    assert term.chooser is not None  # `Term.bound` asks only for these
    names = set(term.listed)
    names.update(name for name, labels in table.items() if label_match(term.chooser, labels))
    pods = term.chosen & attribute(NAMESPACE).in_(sorted(names)) if names else NOTHING
    return Term(pods, term.key, own_match(pods, dict(term.own), term.namespace))


_Method = TypeVar("_Method", bound=Callable[..., Any])


def _on_view(method: _Method) -> _Method:
    """`method` asked of the rule with its terms bound to the view's namespaces (`_at`)."""

    @functools.wraps(method)
    def bound(self: _Terms, view: View, *args: Any) -> Any:
        return method(self._at(view_table(view)), view, *args)

    return cast(_Method, bound)


def _on_instances(method: _Method) -> _Method:
    """`method` asked of the rule with its terms bound to the instances' namespaces."""

    @functools.wraps(method)
    def bound(self: _Terms, instances: Sequence[Instance], *args: Any) -> Any:
        text = table_text(inst.attributes.get(NAMESPACES) for inst in instances)
        return method(self._at(text), instances, *args)

    return cast(_Method, bound)


class _Terms(Constraint):
    """What affinity and anti-affinity share: per term and row, the pods counted on its pair."""

    reads_placements: ClassVar[bool] = True
    in_task_definition: ClassVar[bool] = True  # a pod carries it, as memberOf in ECS
    for_daemons: ClassVar[bool] = False

    terms: tuple[Term, ...]  # set by the attrs subclasses
    name: ClassVar[str] = ""
    joint: ClassVar[bool] = False
    """Whether a pod counts only when it matches every term (affinity), else per term."""

    def _at(self, text: str | None) -> Any:
        """The rule with its terms bound to the namespaces' labels (`Term.bound`)."""
        if all(term.chooser is None for term in self.terms):
            return self
        return attrs.evolve(self, terms=tuple(term.bound(text) for term in self.terms))  # type: ignore[misc]

    def _together(self) -> Expression:
        """The pods matching every term (the terms' selectors and namespaces, and-ed)."""
        return functools.reduce(operator.and_, [term.pods for term in self.terms])

    def __str__(self) -> str:
        shown_terms = [f"{t.key}: {t.pods}" if t.chooser is None
                       else f"{t.key}: {t.chosen} in namespaces ({t.chooser})" for t in self.terms]
        return f"{self.name}(" + ", ".join(shown_terms) + ")"  # fmt: skip

    def _pair_counts(self, view: View, task: TaskLike) -> tuple[list[Ints], list[Bools], int]:
        """Per term, each row's pair count (0 without the key) and whether it has the key.

        And the pods counted over every pair (the filter's map of pair counts, summed).
        """
        per_key: dict[str, npt.NDArray[Any]] = {}
        for term in self.terms:
            zones, missing = view.zones(term.key)
            chosen, own = (self._together(), all(t.self_match for t in self.terms)) if (
                self.joint) else (term.pods, term.self_match)  # fmt: skip
            counted: npt.NDArray[Any] = view.matching_count(chosen)
            if own:
                counted = counted + view.unlabelled_count(task.group)
            on = zones != missing
            totals: npt.NDArray[Any] = np.bincount(
                zones[on], weights=counted[on], minlength=missing + 1
            )
            if term.key in per_key:
                totals = totals + per_key[term.key]
            per_key[term.key] = totals
        counts, has = [], []
        total = sum(int(totals.sum()) for totals in per_key.values())
        for term in self.terms:
            zones, missing = view.zones(term.key)
            on = zones != missing
            counts.append(np.where(on, per_key[term.key][zones], 0).astype(np.int64))
            has.append(on)
        return counts, has, total

    def _reference_pairs(
        self, instances: Sequence[Instance], task: TaskLike, tasks: Sequence[Task], joint: bool
    ) -> dict[tuple[str, str], int]:
        """The filter's map of (key, value) pairs to pods counted, one instance at a time.

        `joint` (affinity): a pod counts for every term when it matches all of them;
        otherwise (anti-affinity) for each term it matches. Pairs that count none are left out.
        """
        if joint:
            together = reference_counts([t.pods for t in self.terms],
                                        all(t.self_match for t in self.terms),
                                        instances, task, tasks)  # fmt: skip
            per_term = [together] * len(self.terms)
        else:
            per_term = [reference_counts([t.pods], t.self_match, instances, task, tasks)
                        for t in self.terms]  # fmt: skip
        pairs: dict[tuple[str, str], int] = {}
        for term, counted in zip(self.terms, per_term, strict=True):
            for inst, found in zip(instances, counted, strict=True):
                value = inst.attributes.get(term.key)
                if value is not None and found:
                    pairs[term.key, value] = pairs.get((term.key, value), 0) + found
        return pairs


@attrs.frozen
class PodAffinity(_Terms):
    """Required pod affinity: every term's pair on the node counts a pod (see the module)."""

    reason: ClassVar[str] = AFFINITY_UNSATISFIED
    name: ClassVar[str] = "podAffinity"
    rank: ClassVar[int] = 86
    joint: ClassVar[bool] = True  # the filter counts a pod only when it matches every term

    terms: tuple[Term, ...] = attrs.field(converter=tuple)

    @_on_view
    def excluded(self, view: View, task: TaskLike) -> Bools:
        """Rows lacking a key, or a term's pair without pods (unless no pod matches at all)."""
        counts, has, total = self._pair_counts(view, task)
        every_key = np.logical_and.reduce(has) if has else np.ones(len(view), dtype=bool)
        present = np.logical_and.reduce([c > 0 for c in counts]) if counts else every_key
        if total == 0 and all(term.self_match for term in self.terms):
            refused: Bools = ~every_key  # the first pod of a group with affinity to itself
            return refused
        out: Bools = ~(every_key & present)
        return out

    @_on_instances
    def reference_excluded_among(
        self, instances: Sequence[Instance], task: TaskLike, tasks: Sequence[Task]
    ) -> list[bool]:
        """One node at a time, as the InterPodAffinity filter reads (see the module)."""
        pairs = self._reference_pairs(instances, task, tasks, joint=True)
        first = not pairs and all(term.self_match for term in self.terms)
        out = []
        for inst in instances:
            values = [inst.attributes.get(term.key) for term in self.terms]
            if any(value is None for value in values):
                out.append(True)  # every term's key must be on the node
                continue
            found = all(pairs.get((t.key, str(v)), 0) > 0  # str: v is not None here
                        for t, v in zip(self.terms, values, strict=True))  # fmt: skip
            out.append(not (found or first))
        return out

    @_on_view
    def capacity(self, view: View, task: TaskLike, count: int) -> Ints | None:
        """Fixed for the call unless this is the first pod of a self-affine group."""
        _, _, total = self._pair_counts(view, task)
        if total == 0 and all(term.self_match for term in self.terms):
            return None  # the first copy decides where the others may go (copies count)
        # A copy lands only where its pairs count pods already: no row opens or closes.
        return fixed_room(self, view, task, count)


@attrs.frozen
class PodAntiAffinity(_Terms):
    """Required pod anti-affinity: no term's pair on the node counts a pod (see the module)."""

    reason: ClassVar[str] = ANTI_AFFINITY_UNSATISFIED
    name: ClassVar[str] = "podAntiAffinity"
    rank: ClassVar[int] = 87

    terms: tuple[Term, ...] = attrs.field(converter=tuple)

    @_on_view
    def excluded(self, view: View, task: TaskLike) -> Bools:
        """Rows with a term's key whose pair counts a pod."""
        counts, has, _ = self._pair_counts(view, task)
        out: Bools = np.zeros(len(view), dtype=bool)
        for found, on in zip(counts, has, strict=True):
            out |= on & (found > 0)
        return out

    @_on_view
    def capacity(self, view: View, task: TaskLike, count: int) -> Ints | None:
        """Fixed for the call when the pod matches none of its terms."""
        if any(term.self_match for term in self.terms):
            return None
        return fixed_room(self, view, task, count)

    @_on_instances
    def reference_excluded_among(
        self, instances: Sequence[Instance], task: TaskLike, tasks: Sequence[Task]
    ) -> list[bool]:
        """One node at a time: refused where some term's pair on it counts a pod."""
        pairs = self._reference_pairs(instances, task, tasks, joint=False)
        return [
            any(
                (value := inst.attributes.get(term.key)) is not None
                and pairs.get((term.key, value), 0) > 0
                for term in self.terms
            )
            for inst in instances
        ]

    @_on_view
    def zone_caps(self, view: View, task: TaskLike) -> ZoneCaps | None:
        """One self-matching term: each value of its key takes one pod, and only while empty."""
        if len(self.terms) != 1 or not self.terms[0].self_match:
            return None
        term = self.terms[0]
        zones, missing = view.zones(term.key)
        counted = view.matching_count(term.pods) + view.unlabelled_count(task.group)
        totals = np.bincount(zones, weights=counted, minlength=missing + 1)
        room = np.where(totals > 0, 0, 1).astype(np.int64)
        room[missing] = _OPEN  # a node without the key is never refused
        return ZoneCaps(zones, room)



_NAMESPACE = re.compile(r"(?=.{1,63}\Z)[a-z0-9]([-a-z0-9]*[a-z0-9])?")


def _namespaces(
    term: Mapping[str, Any], own: str, where: str
) -> tuple[Expression | None, Expression | None, tuple[str, ...]]:
    """The namespaces a term looks in, three ways.

    A test of `_k8s/namespace` (None: every one); the non-empty `namespaceSelector` over
    namespaces' labels (else None); the names listed beside that selector.
    """
    names = term.get("namespaces")
    chooser = term.get("namespaceSelector")
    if names is not None and not isinstance(names, (list, tuple)):
        raise PlacementInputError(f"{where}.namespaces: expected a list, got {shown(names)}")
    listed = [str(n) for n in names or () if isinstance(n, str) and _NAMESPACE.fullmatch(n)]
    if len(listed) != len(names or ()):
        raise PlacementInputError(
            f"{where}.namespaces: expected namespace names (lowercase DNS labels of at most "
            f"63 characters), got {shown(names)}"
        )
    if chooser is not None:
        if not isinstance(chooser, Mapping):
            raise PlacementInputError(
                f"{where}.namespaceSelector: expected an object, got {shown(chooser)}"
            )
        if not (chooser.get("matchLabels") or chooser.get("matchExpressions")):
            return None, None, ()  # `{}` selects every namespace (listed names add nothing)
        try:
            chosen = selector(chooser)
        except PlacementError as exc:
            raise PlacementInputError(f"{where}.namespaceSelector: {exc}") from exc
        return None, chosen, tuple(sorted(set(listed)))  # the union: see `Term.bound`
    return attribute(NAMESPACE).in_(sorted(set(listed or [own]))), None, ()


_TERM_FIELDS = ("labelSelector", "namespaces", "topologyKey", "namespaceSelector",
                "matchLabelKeys", "mismatchLabelKeys")  # fmt: skip


def _terms(
    items: Any, labels: Mapping[str, str], namespace: str, where: str
) -> list[Term]:
    """`PodAffinityTerm`s, checked as the API server checks them.

    `matchLabelKeys` / `mismatchLabelKeys` add `key in (value)` / `key notin (value)` for each
    key the pod holding the term (`labels`) has; a key may not be in both lists.
    """
    out = []
    for at, item in objects(items, where):
        check_fields(item, _TERM_FIELDS, at)
        try:
            key = check_key(item.get("topologyKey"), f"{at}.topologyKey")
        except PlacementError as exc:
            raise PlacementInputError(f"{at}: {exc}") from exc
        chosen = pod_selector(item.get("labelSelector"), None, at)
        given = item.get("labelSelector")
        same = label_keys(item.get("matchLabelKeys"), given, f"{at}.matchLabelKeys")
        other = label_keys(item.get("mismatchLabelKeys"), given, f"{at}.mismatchLabelKeys")
        both = sorted(set(same) & set(other))
        if both:
            raise PlacementInputError(
                f"{at}: {shown(both[0])} is in both matchLabelKeys and mismatchLabelKeys"
            )
        chosen = with_label_keys(with_label_keys(chosen, same, labels, same=True),
                                 other, labels, same=False)  # fmt: skip
        spaces, chooser, listed = _namespaces(item, namespace, at)
        if chooser is not None:  # bound to the namespaces' labels when evaluated
            out.append(Term(NOTHING, key, False, chooser=chooser, chosen=chosen, listed=listed,
                            own=_pairs(labels), namespace=namespace))  # fmt: skip
            continue
        pods = chosen if spaces is None else chosen & spaces
        out.append(Term(pods, key, own_match(pods, labels, namespace)))
    return out


def _preferred(items: Any, labels: Mapping[str, str], namespace: str, where: str) -> None:
    """Check `preferredDuringSchedulingIgnoredDuringExecution` items, as the API server does.

    Each has a weight 1..100 and a valid `podAffinityTerm`. Preferred terms only score: they
    never filter, so they are checked, then left out.
    """
    for at, item in objects(items, where):
        check_fields(item, ("weight", "podAffinityTerm"), at)
        check_weight(item.get("weight"), f"{at}.weight")
        term = item.get("podAffinityTerm")
        if term is None:
            raise PlacementInputError(f"{at}.podAffinityTerm is required")
        _terms([term], labels, namespace, f"{at}.podAffinityTerm")


def affinity_rules(
    affinity: Mapping[str, Any], labels: Mapping[str, str], namespace: str, where: str
) -> Sequence[Constraint]:
    """The required `podAffinity` and `podAntiAffinity` terms of a pod's `affinity` as rules."""
    out: list[Constraint] = []
    check_fields(affinity, ("nodeAffinity", "podAffinity", "podAntiAffinity"), where)
    kinds: tuple[tuple[str, Any], ...] = (
        ("podAffinity", PodAffinity), ("podAntiAffinity", PodAntiAffinity)
    )
    for field, rule in kinds:
        block = affinity.get(field)
        if block is None:
            continue
        if not isinstance(block, Mapping):
            raise PlacementInputError(f"{where}.{field}: expected an object, got {shown(block)}")
        check_fields(block, SCHEDULING_FIELDS, f"{where}.{field}")
        preferred = block.get("preferredDuringSchedulingIgnoredDuringExecution")
        if preferred is not None:
            _preferred(preferred, labels, namespace,
                       f"{where}.{field}.preferredDuringSchedulingIgnoredDuringExecution")
        required = block.get("requiredDuringSchedulingIgnoredDuringExecution")
        if required is None:
            continue
        terms = _terms(required, labels, namespace,
                       f"{where}.{field}.requiredDuringSchedulingIgnoredDuringExecution")
        if terms:
            out.append(rule(tuple(terms)))
    return out


# -- existing pods' anti-affinity (the symmetric check) -------------------------------------------

EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules"
"""The failure reason when a running pod's anti-affinity refuses the incoming pod."""

ANTI_TERMS = "_k8s/anti-affinity"
"""The reserved node attribute listing its pods' required anti-affinity terms (JSON)."""


def anti_terms(pod: Mapping[str, Any], namespace: str, where: str) -> list[dict[str, Any]]:
    """A running pod's required anti-affinity terms, as stored on its node (checked here).

    A term with a non-empty `namespaceSelector` is kept: `ExistingAntiAffinity` reads it
    where the namespaces' labels are loaded, and leaves it out elsewhere. The pod's own values
    of the term's `matchLabelKeys`/`mismatchLabelKeys` are stored with it (`labels`).
    """
    spec = pod.get("spec")
    affinity = spec.get("affinity") if isinstance(spec, Mapping) else None
    block = affinity.get("podAntiAffinity") if isinstance(affinity, Mapping) else None
    required = block.get("requiredDuringSchedulingIgnoredDuringExecution") if isinstance(
        block, Mapping) else None  # fmt: skip
    if not required:
        return []
    out = []
    for at, item in objects(required, f"{where}.spec.affinity.podAntiAffinity.required"
                                      "DuringSchedulingIgnoredDuringExecution"):  # fmt: skip
        # The pod's own values of its match/mismatchLabelKeys go with the term.
        mine = _label_map(pod)
        wanted = [*(item.get("matchLabelKeys") or ()), *(item.get("mismatchLabelKeys") or ())]
        kept = {key: mine[key] for key in wanted if isinstance(key, str) and key in mine}
        _terms([item], kept, namespace, at.rsplit("[", 1)[0])  # checked now, read later
        entry: dict[str, Any] = {"term": dict(item), "namespace": namespace}
        if kept:
            entry["labels"] = kept
        out.append(entry)
    return out


def _label_map(pod: Mapping[str, Any]) -> dict[str, str]:
    metadata = pod.get("metadata")
    labels = metadata.get("labels") if isinstance(metadata, Mapping) else None
    if not isinstance(labels, Mapping):
        return {}
    return {str(k): v for k, v in labels.items() if isinstance(v, str)}


@functools.lru_cache(maxsize=256)
def _stored(text: str) -> tuple[Term, ...]:
    """The terms a node's `_k8s/anti-affinity` value holds (each bound to its pod's namespace)."""
    return tuple(
        term
        for entry in json.loads(text)
        for term in _terms([entry["term"]], entry.get("labels", {}), entry["namespace"],
                           "stored term")
    )


def _pairs(labels: Any) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(dict(labels).items()))


@attrs.frozen
class ExistingAntiAffinity(Constraint):
    """Running pods' required anti-affinity against the incoming pod (the symmetric check).

    A node is refused when a pod with a term the incoming pod matches runs on a node with the
    term's key and the same value (the incoming pod's labels and namespace are held here).
    """

    reason: ClassVar[str] = EXISTING_ANTI_AFFINITY
    rank: ClassVar[int] = 88
    in_task_definition: ClassVar[bool] = True  # a pod carries it, as memberOf in ECS

    labels: tuple[tuple[str, str], ...] = attrs.field(converter=_pairs)
    namespace: str = "default"

    def excluded(self, view: View, task: TaskLike) -> Bools:
        """Rows sharing a key value with a pod whose anti-affinity term matches this pod."""
        out: Bools = np.zeros(len(view), dtype=bool)
        column = view.inventory.attributes.get(ANTI_TERMS)
        if column is None:
            return out
        labels = dict(self.labels)
        spaces = view_table(view)
        forbidden: dict[str, set[str]] = {}
        for code, text in enumerate(column.values):
            keys = {t.key for t in self._readable(_stored(text), spaces)
                    if own_match(t.pods, labels, self.namespace)}  # fmt: skip
            for key in keys:
                values = view.attribute(key)[column.codes == code]
                forbidden.setdefault(key, set()).update(v for v in values if v is not None)
        for key, values in forbidden.items():
            out |= np.isin(view.attribute(key), np.array(sorted(values), dtype=object))
        return out

    def reference_excluded(self, instances: Sequence[Instance], task: TaskLike) -> list[bool]:
        """One node at a time: the key values each node's stored terms forbid to this pod."""
        labels = dict(self.labels)
        spaces = table_text(inst.attributes.get(NAMESPACES) for inst in instances)
        forbidden: set[tuple[str, str]] = set()
        for inst in instances:
            text = inst.attributes.get(ANTI_TERMS)
            if text is None:
                continue
            for term in self._readable(_stored(text), spaces):
                value = inst.attributes.get(term.key)
                if value is not None and own_match(term.pods, labels, self.namespace):
                    forbidden.add((term.key, value))
        return [
            any((key, value) in forbidden for key, value in inst.attributes.items())
            for inst in instances
        ]

    def _readable(self, terms: Sequence[Term], spaces: str | None) -> list[Term]:
        """The terms bound to the namespaces' labels.

        Without them, those needing them are left out (a running pod's terms are not the
        incoming pod's to refuse).
        """
        return [term.bound(spaces, self.namespace) for term in terms
                if term.chooser is None or spaces is not None]  # fmt: skip

    def __str__(self) -> str:
        return "existingPodsAntiAffinity"
