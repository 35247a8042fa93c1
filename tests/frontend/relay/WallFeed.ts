// The wall's live feed: one subscription over the WallEvent interface, each kind its own panel.
declare function graphql(strings: TemplateStringsArray): unknown;

export const WallFeedSubscription = graphql`
  subscription WallFeedSubscription($center: ID!, $after: String) {
    dispatchFeed(dispatchCenter: $center, after: $after) {
      __typename
      cursor
      occurredAt
      note
      ... on DispatchEvent {
        type
        status
        orderId
      }
      ... on CivicIssueEvent {
        eventType
        issueStatus
        civicIssueId
      }
    }
  }
`;
