"""What a document would ask for once its fragments are expanded, found in time linear in the
document: the depth, aliases, directives and fields that the query limits bound.

A fragment may be spread many times, and a fragment that spreads another twice doubles it:
thirty such fragments are a kilobyte of text and a billion fields. A walk that expands every
spread (strawberry's depth and alias limiters) takes as long as that expansion. Here each
fragment is summarised once, after the fragments it spreads, and a spread adds its fragment's
summary: the figures are those of the full expansion, and the work is that of reading the text.

A spread that closes a cycle of fragments, or names no fragment, adds nothing: the document is
invalid either way, and validation, which runs after these limits, says why.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

# The roots of introspection; `__typename` is a plain leaf and asks nothing of the schema.
INTROSPECTION_ROOTS = frozenset({"__schema", "__type"})


@dataclass(frozen=True, slots=True)
class Shape:
    """The figures of a selection set as if every fragment in it were written out.

    `depth` counts the levels of nested selections as strawberry's QueryDepthLimiter does
    (introspection fields not descended into); `introspection_depth` is the deepest nesting
    below `__schema` or `__type`, which `depth` leaves out."""

    depth: int = 0
    introspection_depth: int = 0
    aliases: int = 0
    directives: int = 0
    fields: int = 0


EMPTY = Shape()


@dataclass(frozen=True, slots=True)
class OperationShape:
    name: str
    shape: Shape


class _Summaries:
    def __init__(self, document: DocumentNode) -> None:
        self.fragments: dict[str, FragmentDefinitionNode] = {}
        for definition in document.definitions:
            if isinstance(definition, FragmentDefinitionNode):
                self.fragments.setdefault(definition.name.value, definition)
        self.done: dict[str, Shape] = {}
        for name in self._order():
            fragment = self.fragments[name]
            inner = self.selection_set(fragment.selection_set)
            # A fragment's own directives apply wherever it is spread.
            self.done[name] = _plus(inner, Shape(directives=len(fragment.directives or ())))

    def _order(self) -> list[str]:
        """Fragments after every fragment they spread (a spread closing a cycle is left out),
        without recursion: a long chain of fragments must not reach Python's recursion limit."""
        order: list[str] = []
        state: dict[str, bool] = {}  # False while on the path, True once placed
        for root in self.fragments:
            if root in state:
                continue
            state[root] = False
            stack = [(root, iter(_spreads(self.fragments[root].selection_set)))]
            while stack:
                name, pending = stack[-1]
                spread = next(pending, None)
                if spread is None:
                    stack.pop()
                    state[name] = True
                    order.append(name)
                elif spread in self.fragments and spread not in state:
                    state[spread] = False
                    stack.append((spread, iter(_spreads(self.fragments[spread].selection_set))))
        return order

    def selection_set(self, selection_set: SelectionSetNode | None) -> Shape:
        depth = introspection = aliases = directives = fields = 0
        for selection in selection_set.selections if selection_set else ():
            directives += len(selection.directives or ())
            if isinstance(selection, FieldNode):
                fields += 1
                aliases += selection.alias is not None
                inner = self.selection_set(selection.selection_set)
                directives += inner.directives
                fields += inner.fields
                aliases += inner.aliases
                if selection.name.value in INTROSPECTION_ROOTS:
                    # Its whole subtree, introspection or not, is the introspection depth.
                    if selection.selection_set is not None:
                        nested = 1 + max(inner.depth, inner.introspection_depth)
                        introspection = max(introspection, nested)
                    continue
                if selection.name.value.startswith("__"):
                    continue
                introspection = max(introspection, inner.introspection_depth)
                if selection.selection_set is not None:
                    depth = max(depth, 1 + inner.depth)
                continue
            if isinstance(selection, InlineFragmentNode):
                inner = self.selection_set(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                inner = self.done.get(selection.name.value, EMPTY)
            else:
                continue
            depth = max(depth, inner.depth)
            introspection = max(introspection, inner.introspection_depth)
            aliases += inner.aliases
            directives += inner.directives
            fields += inner.fields
        return Shape(depth, introspection, aliases, directives, fields)


def _spreads(selection_set: SelectionSetNode | None) -> list[str]:
    """The names of the fragments spread anywhere in a selection set."""
    names: list[str] = []
    pending = [selection_set] if selection_set else []
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FragmentSpreadNode):
                names.append(selection.name.value)
            elif isinstance(selection, FieldNode | InlineFragmentNode) and selection.selection_set:
                pending.append(selection.selection_set)
    return names


def _plus(a: Shape, b: Shape) -> Shape:
    return Shape(
        max(a.depth, b.depth),
        max(a.introspection_depth, b.introspection_depth),
        a.aliases + b.aliases,
        a.directives + b.directives,
        a.fields + b.fields,
    )


def operation_shapes(document: DocumentNode) -> list[OperationShape]:
    """The expanded figures of every operation of a document (all of them: the document is
    validated as a whole, whichever operation a request then runs)."""
    summaries = _Summaries(document)
    shapes = []
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        own = len(definition.directives or ()) + sum(
            len(variable.directives or ()) for variable in definition.variable_definitions or ()
        )
        shape = _plus(summaries.selection_set(definition.selection_set), Shape(directives=own))
        name = definition.name.value if definition.name else "anonymous"
        shapes.append(OperationShape(name, shape))
    return shapes
