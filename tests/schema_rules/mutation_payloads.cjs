// The project's mutation convention (DESIGN.md §3), as a graphql-schema-linter rule: every
// mutation takes one non-null `input` (or nothing at all: an action with nothing to say, such
// as issueCalendarFeed, since a GraphQL input object needs at least one field) and returns a
// non-null payload object whose `errors` is a non-null list of non-null problems.
const { ValidationError } = require("graphql-schema-linter/lib/validation_error");
const { isInputObjectType, isNonNullType, isListType, isObjectType, getNamedType } = require("graphql");

const RULE = "mutation-payloads";

function MutationPayloads(context) {
  return {
    Document: {
      leave() {
        const mutation = context.getSchema().getMutationType();
        if (!mutation) return;
        for (const field of Object.values(mutation.getFields())) {
          const where = [field.astNode];
          const args = field.args;
          if (args.length === 0) {
            // nothing to parse
          } else if (args.length !== 1 || args[0].name !== "input") {
            context.reportError(new ValidationError(RULE, `Mutation \`${field.name}\` must take exactly one argument, \`input\`.`, where));
          } else if (!isNonNullType(args[0].type) || !isInputObjectType(args[0].type.ofType)) {
            context.reportError(new ValidationError(RULE, `The \`input\` of \`${field.name}\` must be a non-null input object.`, where));
          }
          const payload = isNonNullType(field.type) ? field.type.ofType : null;
          if (!payload || !isObjectType(payload)) {
            context.reportError(new ValidationError(RULE, `Mutation \`${field.name}\` must return a non-null payload object.`, where));
            continue;
          }
          const errors = payload.getFields().errors;
          const ok =
            errors &&
            isNonNullType(errors.type) &&
            isListType(errors.type.ofType) &&
            isNonNullType(errors.type.ofType.ofType);
          if (!ok) {
            context.reportError(new ValidationError(RULE, `The payload \`${payload.name}\` of \`${field.name}\` must have \`errors: [<Domain>Error!]!\`.`, where));
            continue;
          }
          const problem = getNamedType(errors.type);
          const fields = problem.getFields ? problem.getFields() : {};
          if (!fields.message || !fields.field || !fields.code) {
            context.reportError(new ValidationError(RULE, `The error type \`${problem.name}\` of \`${field.name}\` must carry \`code\`, \`field\` and \`message\`.`, where));
          }
        }
      },
    },
  };
}

module.exports = { MutationPayloads };
