"""The query limits, and validation kept to a bounded amount of work per document.

Every limit refuses with a top-level error carrying an `extensions.code`, before any field runs:

- TOO_MANY_TOKENS: the text (graphql-core's parser stops counting there), and
  QUERY_TOO_DEEP when the parser finds the text nested too deeply for it;
- QUERY_TOO_DEEP, TOO_MANY_ALIASES, TOO_MANY_DIRECTIVES, TOO_MANY_FIELDS: the document with
  its fragments expanded (schema/limits/shape.py), measured in time linear in its text;
- INTROSPECTION_TOO_DEEP: introspection nested more than a client's full introspection
  query nests, or more than three lists deep (graphql-js's MaxIntrospectionDepthRule);
- QUERY_TOO_COMPLEX: a document whose fields would take the overlap check (the
  OverlappingFieldsCanBeMerged rule, quadratic in repeated fields) too long to compare;
- TOO_MANY_VALIDATION_ERRORS: graphql-core stops after 100 errors.

The expanded limits run first and, when one refuses, the specification's rules do not run at
all: the figures already say that the document is too large to validate. Whatever the outcome,
it is kept per document text in a bounded LRU, beside the parser's.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    ValidationContext,
    parse,
)
from graphql.error import GraphQLSyntaxError
from graphql.validation import MaxIntrospectionDepthRule, OverlappingFieldsCanBeMergedRule
from graphql.validation.validate import ValidationAbortedError
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from schema.limits.shape import operation_shapes

# The deepest nesting below `__schema`/`__type` that a full introspection query reaches
# (GraphiQL's and graphql-core's: nine `ofType` inside `fields { type }` inside `types`),
# with room for a client's own fragments.
MAX_INTROSPECTION_DEPTH = 16
# Units of graphql-core's overlap-check budget (its default is 500,000, about 2 s here): one
# unit is about one comparison of two fields, a few microseconds. Real documents spend tens;
# four hundred copies of one field with a sub-selection spend 400,000.
OVERLAP_BUDGET = 20_000


@dataclass(frozen=True)
class QueryLimits:
    max_depth: int
    max_aliases: int
    max_directives: int
    max_fields: int
    max_tokens: int


def _error(message: str, code: str, **extra: Any) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code, **extra})


def limit_errors(document: DocumentNode, limits: QueryLimits) -> list[GraphQLError]:
    """The expanded limits the document breaks, if any."""
    shapes = operation_shapes(document)
    errors = [
        _error(
            f"'{operation.name}' exceeds maximum operation depth of {limits.max_depth}",
            "QUERY_TOO_DEEP",
            maximum=limits.max_depth,
        )
        for operation in shapes
        if operation.shape.depth > limits.max_depth
    ]
    errors += [
        _error(
            f"'{operation.name}' nests introspection {operation.shape.introspection_depth} "
            f"levels deep; at most {MAX_INTROSPECTION_DEPTH} are allowed.",
            "INTROSPECTION_TOO_DEEP",
            maximum=MAX_INTROSPECTION_DEPTH,
        )
        for operation in shapes
        if operation.shape.introspection_depth > MAX_INTROSPECTION_DEPTH
    ]
    aliases = sum(operation.shape.aliases for operation in shapes)
    if aliases > limits.max_aliases:
        errors.append(
            _error(
                f"{aliases} aliases found. Allowed: {limits.max_aliases}",
                "TOO_MANY_ALIASES",
                maximum=limits.max_aliases,
            )
        )
    directives = sum(operation.shape.directives for operation in shapes)
    if directives > limits.max_directives:
        errors.append(
            _error(
                f"{directives} directives found once fragments are expanded. "
                f"Allowed: {limits.max_directives}",
                "TOO_MANY_DIRECTIVES",
                maximum=limits.max_directives,
            )
        )
    fields = sum(operation.shape.fields for operation in shapes)
    if fields > limits.max_fields:
        errors.append(
            _error(
                f"This document selects {fields} fields once its fragments are expanded; at "
                f"most {limits.max_fields} are allowed. Spread each fragment fewer times.",
                "TOO_MANY_FIELDS",
                maximum=limits.max_fields,
            )
        )
    return errors


class BudgetedOverlappingFields(OverlappingFieldsCanBeMergedRule):
    """The specification's rule, with a budget that the event loop can afford."""

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        self.rule_context.remaining_complexity_budget = OVERLAP_BUDGET


class CodedMaxIntrospectionDepth(MaxIntrospectionDepthRule):
    def report_error(self, error: GraphQLError) -> None:
        super().report_error(
            GraphQLError(
                "Introspection may nest `fields`, `interfaces`, `possibleTypes` and "
                "`inputFields` at most three lists deep.",
                error.nodes,
                extensions={"code": "INTROSPECTION_TOO_DEEP"},
            )
        )


def _coded(error: GraphQLError) -> GraphQLError:
    """graphql-core's own refusals to go on, with a code."""
    if not isinstance(error, ValidationAbortedError):
        return error
    if error.message.startswith("Too many validation errors"):
        return _error(error.message, "TOO_MANY_VALIDATION_ERRORS")
    return _error(
        "This document would take too long to validate: it repeats fields or fragments too "
        "often. Select each field once per selection set.",
        "QUERY_TOO_COMPLEX",
    )


_OURS: dict[type[ASTValidationRule], type[ASTValidationRule]] = {
    OverlappingFieldsCanBeMergedRule: BudgetedOverlappingFields,
    MaxIntrospectionDepthRule: CodedMaxIntrospectionDepth,
}


def validation_rules(
    rules: tuple[type[ASTValidationRule], ...],
) -> tuple[type[ASTValidationRule], ...]:
    """The rules strawberry would run, with the overlap check budgeted and introspection's
    list depth bounded with a code."""
    swapped = tuple(_OURS.get(rule, rule) for rule in rules)
    if CodedMaxIntrospectionDepth not in swapped:
        swapped += (CodedMaxIntrospectionDepth,)
    return swapped


class DocumentValidator:
    """Parsing under the token cap, then the limits and validation: each kept per document
    text in a bounded LRU (an unbounded one would keep every distinct document sent)."""

    def __init__(self, limits: QueryLimits, cache_size: int) -> None:
        self.limits = limits
        self.cache_size = cache_size
        self._documents: OrderedDict[str, DocumentNode] = OrderedDict()
        self._results: OrderedDict[str, list[GraphQLError]] = OrderedDict()
        # Validations answered from the cache: bench/ shows whether it is hit at all.
        self.hits = 0

    def parse(self, query: str) -> DocumentNode:
        found = self._documents.get(query)
        if found is not None:
            self._documents.move_to_end(query)
            return found
        try:
            document = parse(query, max_tokens=self.limits.max_tokens)
        except GraphQLSyntaxError as error:
            code = _parser_refusal(error, self.limits.max_tokens)
            if code is not None:
                error.extensions = {**(error.extensions or {}), "code": code}
            raise
        self._documents[query] = document
        if len(self._documents) > self.cache_size:
            self._documents.popitem(last=False)
        return document

    def errors(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        query: str | None,
        rules: tuple[type[ASTValidationRule], ...],
    ) -> list[GraphQLError]:
        if query is None:
            return self._validate(schema, document, rules)
        found = self._results.get(query)
        if found is None:
            found = self._results[query] = self._validate(schema, document, rules)
            if len(self._results) > self.cache_size:
                self._results.popitem(last=False)
        else:
            self.hits += 1
            self._results.move_to_end(query)
        return found

    def _validate(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        rules: tuple[type[ASTValidationRule], ...],
    ) -> list[GraphQLError]:
        refused = limit_errors(document, self.limits)
        if refused:
            return refused
        return [_coded(e) for e in validate_document(schema, document, validation_rules(rules))]


class QueryLimitsExtension(SchemaExtension):
    """Parses and validates through the `DocumentValidator`: in place of strawberry's
    MaxTokensLimiter, ParserCache, QueryDepthLimiter, MaxAliasesLimiter and ValidationCache.
    A parse error raised here reaches the client as a request error, as strawberry's own."""

    def __init__(self, validator: DocumentValidator) -> None:
        self.validator = validator

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is None and context.query:
            context.graphql_document = self.validator.parse(context.query)
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        assert context.graphql_document is not None
        context.pre_execution_errors = self.validator.errors(
            context.schema._schema,
            context.graphql_document,
            context.query,
            context.validation_rules,
        )
        yield


def _parser_refusal(error: GraphQLError, max_tokens: int) -> str | None:
    if not isinstance(error, GraphQLSyntaxError):
        return None
    if error.message.endswith(f"more than {max_tokens} tokens. Parsing aborted."):
        return "TOO_MANY_TOKENS"
    if error.message.endswith("nested too deeply. Parsing aborted."):
        return "QUERY_TOO_DEEP"
    return None
