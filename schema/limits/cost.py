"""Query cost: what a document may ask of the database, known before any field runs.

The model is the one the large public GraphQL APIs publish (GitHub's node limit, Shopify's
calculated cost): a scalar or enum is free, an object costs 1, a mutation costs 10, and a list
costs its length times the cost of one item, so nested lists multiply. A connection costs 1 plus
`first` times the cost of one node (its edges and page info are wrappers, free); a plain list is
counted at its `first` argument or, without one, at `DEFAULT_LIST_SIZE`. Sizes are capped at the
largest page the API serves. Fragments on the concrete types of an interface or union count
the most expensive type, not their sum. Introspection is free: it never reaches the database,
and the introspection limits bound it (schema/limits/validation.py). A fragment is compiled once
per place it can be spread into (a page or not), however often it is spread, so the work is
linear in the document and not in its expansion.

The extension that refuses and charges requests by cost is in schema/limits/budget.py. A document's
cost is compiled once into a small plan (a constant, or a tree whose sizes wait
for the request's variables) and kept in an LRU beside the parser cache; a request then costs
a dictionary look-up and, when `first` is a variable, a walk of the plan.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    is_leaf_type,
)

from schema.core.relay import MAX_PAGE_SIZE

OBJECT_COST = 1
MUTATION_COST = 10
DEFAULT_LIST_SIZE = 10
FIRST = "first"
_COMPOSITE = (GraphQLObjectType, GraphQLInterfaceType, GraphQLUnionType)


@dataclass(frozen=True, slots=True)
class Size:
    """A list's length: a variable's value when the request gives one, else `default`."""

    variable: str | None
    default: int

    def resolve(self, variables: Mapping[str, Any]) -> int:
        value = variables.get(self.variable) if self.variable else None
        if isinstance(value, int) and not isinstance(value, bool):
            return _clamp(value)
        return self.default


@dataclass(frozen=True, slots=True)
class Scaled:
    size: Size
    each: Plan


@dataclass(frozen=True, slots=True)
class Total:
    parts: tuple[Plan, ...]


@dataclass(frozen=True, slots=True)
class Costliest:
    choices: tuple[Plan, ...]


Plan = int | Scaled | Total | Costliest


def evaluate(plan: Plan, variables: Mapping[str, Any]) -> int:
    """A plan's cost for a request's variables. A fragment spread many times is one shared
    part of its plan, worked out once (a tree walk would take as long as the expansion)."""
    done: dict[int, int] = {}

    def cost(part: Plan) -> int:
        if isinstance(part, int):
            return part
        found = done.get(id(part))
        if found is not None:
            return found
        if isinstance(part, Scaled):
            value = part.size.resolve(variables) * cost(part.each)
        elif isinstance(part, Total):
            value = sum(cost(p) for p in part.parts)
        else:
            value = max((cost(choice) for choice in part.choices), default=0)
        done[id(part)] = value
        return value

    return cost(plan)


def _clamp(value: int) -> int:
    return min(max(value, 0), MAX_PAGE_SIZE)


def _total(parts: list[Plan]) -> Plan:
    constant = sum(p for p in parts if isinstance(p, int))
    rest = tuple(p for p in parts if not isinstance(p, int))
    if not rest:
        return constant
    return Total((constant, *rest) if constant else rest)


def _costliest(choices: list[Plan]) -> Plan:
    if all(isinstance(c, int) for c in choices):
        return max((c for c in choices if isinstance(c, int)), default=0)
    return Costliest(tuple(choices))


def _scaled(size: Size, each: Plan) -> Plan:
    if isinstance(each, int) and (each == 0 or size.variable is None):
        return size.default * each
    return Scaled(size, each)


def _is_connection(named: object) -> bool:
    return (
        isinstance(named, GraphQLObjectType)
        and named.name.endswith("Connection")
        and "edges" in named.fields
    )


def _is_wrapper(named: GraphQLObjectType | GraphQLInterfaceType) -> bool:
    """Edges and page info are parts of their connection's page, not rows of their own."""
    return named.name.endswith("Edge") or named.name == "PageInfo"


class _Compiler:
    def __init__(self, schema: GraphQLSchema, document: DocumentNode, operation: Any) -> None:
        self.schema = schema
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.variable_defaults: dict[str, int] = {}
        # A fragment's plan where it is spread depends only on the page it is spread in and
        # the base cost of objects: compiled once per pair, however often it is spread.
        self.spreads: dict[tuple[str, Size | None, int], Plan] = {}
        for definition in operation.variable_definitions or ():
            default = definition.default_value
            if isinstance(default, IntValueNode):
                self.variable_defaults[definition.variable.name.value] = _clamp(int(default.value))

    def operation(self, operation: OperationDefinitionNode) -> Plan:
        root = self.schema.get_root_type(operation.operation)
        if root is None:
            return 0
        base = MUTATION_COST if operation.operation == OperationType.MUTATION else OBJECT_COST
        return self.selections(root, operation.selection_set, None, base)

    def selections(
        self,
        parent: GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType,
        selection_set: SelectionSetNode | None,
        page: Size | None,
        base: int = OBJECT_COST,
    ) -> Plan:
        """Fields and fragments that always apply are added up; fragments on one concrete
        type of an abstract parent are alternatives, of which the costliest counts."""
        always: list[Plan] = []
        per_type: dict[str, list[Plan]] = {}
        abstract = isinstance(parent, GraphQLInterfaceType | GraphQLUnionType)
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                always.append(self.field(parent, selection, page, base))
                continue
            if isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is None:
                    continue
                type_name = fragment.type_condition.name.value
                target = self.schema.get_type(type_name)
                if not isinstance(target, _COMPOSITE):
                    continue
                key = (selection.name.value, page, base)
                plan = self.spreads.get(key)
                if plan is None:
                    plan = self.spreads[key] = self.selections(
                        target, fragment.selection_set, page, base
                    )
                if abstract and isinstance(target, GraphQLObjectType):
                    per_type.setdefault(type_name, []).append(plan)
                else:
                    always.append(plan)
                continue
            if isinstance(selection, InlineFragmentNode):
                condition: str | None = (
                    selection.type_condition.name.value if selection.type_condition else None
                )
                inner = selection.selection_set
            else:
                continue
            target = self.schema.get_type(condition) if condition else parent
            if not isinstance(target, _COMPOSITE):
                continue
            plan = self.selections(target, inner, page, base)
            if abstract and isinstance(target, GraphQLObjectType) and condition:
                per_type.setdefault(condition, []).append(plan)
            else:
                always.append(plan)
        if per_type:
            always.append(_costliest([_total(plans) for plans in per_type.values()]))
        return _total(always)

    def field(
        self,
        parent: GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType,
        node: FieldNode,
        page: Size | None,
        base: int,
    ) -> Plan:
        name = node.name.value
        if name.startswith("__") or isinstance(parent, GraphQLUnionType):
            return 0
        definition = parent.fields.get(name)
        if definition is None:
            return 0
        output = definition.type
        if isinstance(output, GraphQLNonNull):
            output = output.of_type
        named = get_named_type(output)
        if is_leaf_type(named) or not isinstance(
            named, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType
        ):
            return 0
        own = 0 if not isinstance(named, GraphQLUnionType) and _is_wrapper(named) else base
        inner_page = self.size(node, definition.args) if _is_connection(named) else None
        each = _total([own, self.selections(named, node.selection_set, inner_page)])
        if not isinstance(output, GraphQLList):
            return each
        return _scaled(page or self.size(node, definition.args), each)

    def size(self, node: FieldNode, arguments: Mapping[str, Any]) -> Size:
        """The `first` a field is given, or the default its schema declares."""
        declared = arguments.get(FIRST)
        default = DEFAULT_LIST_SIZE
        if declared is not None and isinstance(declared.default_value, int):
            default = _clamp(declared.default_value)
        for argument in node.arguments or ():
            if argument.name.value != FIRST:
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                return Size(None, _clamp(int(value.value)))
            if isinstance(value, VariableNode):
                variable = value.name.value
                return Size(variable, self.variable_defaults.get(variable, default))
        return Size(None, default)


def compile_cost(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None = None
) -> Plan:
    """The cost plan of the operation a request would run (validation has passed)."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    if len(operations) != 1:
        return 0
    return _Compiler(schema, document, operations[0]).operation(operations[0])


class CostAnalysis:
    """Cost plans per (document text, operation), bounded like the parser cache."""

    def __init__(self, maximum: int, cache_size: int) -> None:
        self.maximum = maximum
        self.cache_size = cache_size
        self._plans: OrderedDict[tuple[str, str | None], Plan] = OrderedDict()

    def cost(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        query: str | None,
        operation_name: str | None,
        variables: Mapping[str, Any] | None,
    ) -> int:
        if query is None:
            plan = compile_cost(schema, document, operation_name)
        else:
            key = (query, operation_name)
            found = self._plans.get(key)
            if found is None:
                found = self._plans[key] = compile_cost(schema, document, operation_name)
                if len(self._plans) > self.cache_size:
                    self._plans.popitem(last=False)
            else:
                self._plans.move_to_end(key)
            plan = found
        return plan if isinstance(plan, int) else evaluate(plan, variables or {})
