// A dispatcher's volunteer list: Relay's standard pagination fragment on the root query.
declare function graphql(strings: TemplateStringsArray): unknown;

export const VolunteerListQuery = graphql`
  query VolunteerListQuery($district: ID) {
    ...VolunteerList_query @arguments(district: $district)
  }
`;

export const VolunteerListFragment = graphql`
  fragment VolunteerList_query on Query
  @refetchable(queryName: "VolunteerListPaginationQuery")
  @argumentDefinitions(
    count: { type: "Int", defaultValue: 20 }
    cursor: { type: "String" }
    district: { type: "ID" }
  ) {
    volunteers(first: $count, after: $cursor, filter: { district: $district })
      @connection(key: "VolunteerList_volunteers") {
      totalCount
      edges {
        node {
          id
          ...VolunteerCard_volunteer
        }
      }
    }
  }
`;

export const VolunteerCardFragment = graphql`
  fragment VolunteerCard_volunteer on Volunteer @refetchable(queryName: "VolunteerCardRefetchQuery") {
    id
    realName
    starLevel
    totalHours
    registeredAt
    district {
      id
      name
    }
  }
`;
