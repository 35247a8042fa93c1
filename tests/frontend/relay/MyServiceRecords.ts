// A volunteer's own page: their service records, paged with Relay's standard pagination
// fragment, each with the order it was served on; and an assignment card that an
// acceptAssignment result updates together with its order's card.
declare function graphql(strings: TemplateStringsArray): unknown;

export const MyServiceRecordsQuery = graphql`
  query MyServiceRecordsQuery {
    ...MyServiceRecords_query
  }
`;

export const MyServiceRecordsFragment = graphql`
  fragment MyServiceRecords_query on Query
  @refetchable(queryName: "MyServiceRecordsPaginationQuery")
  @argumentDefinitions(count: { type: "Int" }, cursor: { type: "String" }) {
    myServiceRecords(first: $count, after: $cursor)
      @connection(key: "MyServiceRecords_myServiceRecords") {
      totalCount
      edges {
        node {
          id
          status
          hours
          startedAt
          order {
            id
            category
            address
          }
        }
      }
    }
  }
`;

export const AcceptAssignmentMutation = graphql`
  mutation MyServiceRecordsAcceptMutation($input: AssignmentActionInput!) {
    acceptAssignment(input: $input) {
      assignment {
        id
        status
        organization {
          id
          name
        }
        order {
          id
          status
        }
      }
      errors {
        __typename
        field
        message
      }
    }
  }
`;
