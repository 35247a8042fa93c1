// An order card that a mutation's payload updates in the normalised store.
declare function graphql(strings: TemplateStringsArray): unknown;

export const OrderCardFragment = graphql`
  fragment OrderCard_order on ServiceOrder {
    id
    status
    category
    urgency
    windowStart
    windowEnd
    volunteersNeeded
  }
`;

export const SubmitOrderMutation = graphql`
  mutation OrderCardSubmitMutation($input: SubmitOrderInput!) {
    submitOrder(input: $input) {
      order {
        ...OrderCard_order
      }
      errors {
        __typename
        field
        message
      }
    }
  }
`;
