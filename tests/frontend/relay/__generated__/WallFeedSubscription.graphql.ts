/**
 * @generated SignedSource<<5a1d013c2b64f20e37c53166fa4f5dcb>>
 * @lightSyntaxTransform
 */

/* tslint:disable */
/* eslint-disable */
// @ts-nocheck

import { ConcreteRequest } from 'relay-runtime';
export type CivicEventType = "CIVIC_ISSUE_CLOSED_UNRESOLVED" | "CIVIC_ISSUE_DISPATCHED" | "CIVIC_ISSUE_FILED" | "CIVIC_ISSUE_MARKED_DUPLICATE" | "CIVIC_ISSUE_NOT_FILED" | "CIVIC_ISSUE_PHOTOS_ADDED" | "CIVIC_ISSUE_RECTIFICATION_STARTED" | "CIVIC_ISSUE_RECTIFIED" | "CIVIC_ISSUE_REOPENED" | "CIVIC_ISSUE_REPORTED" | "CIVIC_ISSUE_VERIFIED" | "%future added value";
export type CivicStatus = "CLOSED_UNRESOLVED" | "DISPATCHED" | "DUPLICATE" | "FILED" | "NOT_FILED" | "RECTIFIED" | "RECTIFYING" | "REPORTED" | "VERIFIED" | "%future added value";
export type DispatchEventType = "ASSIGNMENT_ACCEPTED" | "ASSIGNMENT_DECLINED" | "ORDER_ASSIGNED" | "ORDER_CANCELLED" | "ORDER_COMPLETED" | "ORDER_ESCALATED" | "ORDER_EXPIRED" | "ORDER_RATED" | "ORDER_STARTED" | "ORDER_SUBMITTED" | "RECORD_CONFIRMED" | "RECORD_CORRECTION_REQUESTED" | "RECORD_REJECTED" | "VOLUNTEER_CHECKED_OUT" | "%future added value";
export type OrderStatus = "ACCEPTED" | "ASSIGNED" | "CANCELLED" | "COMPLETED" | "EXPIRED" | "IN_PROGRESS" | "RATED" | "SUBMITTED" | "%future added value";
export type WallFeedSubscription$variables = {
  after?: string | null | undefined;
  center: string;
};
export type WallFeedSubscription$data = {
  readonly dispatchFeed: {
    readonly __typename: string;
    readonly civicIssueId?: string;
    readonly cursor: string;
    readonly eventType?: CivicEventType;
    readonly issueStatus?: CivicStatus;
    readonly note: string;
    readonly occurredAt: string;
    readonly orderId?: string;
    readonly status?: OrderStatus;
    readonly type?: DispatchEventType;
  };
};
export type WallFeedSubscription = {
  response: WallFeedSubscription$data;
  variables: WallFeedSubscription$variables;
};

const node: ConcreteRequest = (function(){
var v0 = {
  "defaultValue": null,
  "kind": "LocalArgument",
  "name": "after"
},
v1 = {
  "defaultValue": null,
  "kind": "LocalArgument",
  "name": "center"
},
v2 = [
  {
    "alias": null,
    "args": [
      {
        "kind": "Variable",
        "name": "after",
        "variableName": "after"
      },
      {
        "kind": "Variable",
        "name": "dispatchCenterId",
        "variableName": "center"
      }
    ],
    "concreteType": null,
    "kind": "LinkedField",
    "name": "dispatchFeed",
    "plural": false,
    "selections": [
      {
        "alias": null,
        "args": null,
        "kind": "ScalarField",
        "name": "__typename",
        "storageKey": null
      },
      {
        "alias": null,
        "args": null,
        "kind": "ScalarField",
        "name": "cursor",
        "storageKey": null
      },
      {
        "alias": null,
        "args": null,
        "kind": "ScalarField",
        "name": "occurredAt",
        "storageKey": null
      },
      {
        "alias": null,
        "args": null,
        "kind": "ScalarField",
        "name": "note",
        "storageKey": null
      },
      {
        "kind": "InlineFragment",
        "selections": [
          {
            "alias": null,
            "args": null,
            "kind": "ScalarField",
            "name": "type",
            "storageKey": null
          },
          {
            "alias": null,
            "args": null,
            "kind": "ScalarField",
            "name": "status",
            "storageKey": null
          },
          {
            "alias": null,
            "args": null,
            "kind": "ScalarField",
            "name": "orderId",
            "storageKey": null
          }
        ],
        "type": "DispatchEvent",
        "abstractKey": null
      },
      {
        "kind": "InlineFragment",
        "selections": [
          {
            "alias": null,
            "args": null,
            "kind": "ScalarField",
            "name": "eventType",
            "storageKey": null
          },
          {
            "alias": null,
            "args": null,
            "kind": "ScalarField",
            "name": "issueStatus",
            "storageKey": null
          },
          {
            "alias": null,
            "args": null,
            "kind": "ScalarField",
            "name": "civicIssueId",
            "storageKey": null
          }
        ],
        "type": "CivicIssueEvent",
        "abstractKey": null
      }
    ],
    "storageKey": null
  }
];
return {
  "fragment": {
    "argumentDefinitions": [
      (v0/*:: as any*/),
      (v1/*:: as any*/)
    ],
    "kind": "Fragment",
    "metadata": null,
    "name": "WallFeedSubscription",
    "selections": (v2/*:: as any*/),
    "type": "Subscription",
    "abstractKey": null
  },
  "kind": "Request",
  "operation": {
    "argumentDefinitions": [
      (v1/*:: as any*/),
      (v0/*:: as any*/)
    ],
    "kind": "Operation",
    "name": "WallFeedSubscription",
    "selections": (v2/*:: as any*/)
  },
  "params": {
    "cacheID": "ad77c45849ead467b8d1f6394d0930c1",
    "id": null,
    "metadata": {},
    "name": "WallFeedSubscription",
    "operationKind": "subscription",
    "text": "subscription WallFeedSubscription(\n  $center: ID!\n  $after: String\n) {\n  dispatchFeed(dispatchCenterId: $center, after: $after) {\n    __typename\n    cursor\n    occurredAt\n    note\n    ... on DispatchEvent {\n      type\n      status\n      orderId\n    }\n    ... on CivicIssueEvent {\n      eventType\n      issueStatus\n      civicIssueId\n    }\n  }\n}\n"
  }
};
})();

(node as any).hash = "860301eb7998f60b0211d495e5c91811";

export default node;
