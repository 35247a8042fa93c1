/**
 * @generated SignedSource<<79a455e1a6d795e14084c7ecac28ddac>>
 * @lightSyntaxTransform
 */

/* tslint:disable */
/* eslint-disable */
// @ts-nocheck

import { ConcreteRequest } from 'relay-runtime';
import { FragmentRefs } from "relay-runtime";
export type ServiceCategory = "CHILD_CARE" | "COMPANIONSHIP" | "ELDERLY_CARE" | "ENVIRONMENTAL" | "ERRANDS" | "EVENT_SUPPORT" | "HOME_REPAIR" | "LEGAL_AID" | "MEDICAL_ESCORT" | "OTHER" | "PSYCHOLOGICAL_SUPPORT" | "TRANSLATION" | "TUTORING" | "%future added value";
export type Skill = "CHILD_CARE" | "CIVIC_SUPERVISION" | "CULTURAL_PERFORMANCE" | "DISASTER_RELIEF" | "DRIVING" | "ELDERLY_CARE" | "ENVIRONMENTAL" | "EVENT_SUPPORT" | "FIRST_AID" | "HOME_REPAIR" | "IT_SUPPORT" | "LEGAL_AID" | "MEDICAL" | "PSYCHOLOGICAL_SUPPORT" | "SIGN_LANGUAGE" | "TRAFFIC_GUIDANCE" | "TRANSLATION" | "TUTORING" | "%future added value";
export type Urgency = "CRITICAL" | "HIGH" | "LOW" | "NORMAL" | "%future added value";
export type SubmitOrderInput = {
  address: string;
  callerName?: string;
  callerPhone?: string;
  category: ServiceCategory;
  community?: string | null | undefined;
  description: string;
  district: string;
  location: GeoPointInput;
  requiredSkills?: ReadonlyArray<Skill>;
  urgency?: Urgency;
  volunteersNeeded?: number;
  windowEnd: string;
  windowStart: string;
};
export type GeoPointInput = {
  lat: number;
  lng: number;
};
export type OrderCardSubmitMutation$variables = {
  input: SubmitOrderInput;
};
export type OrderCardSubmitMutation$data = {
  readonly submitOrder: {
    readonly errors: ReadonlyArray<{
      readonly __typename: "DispatchError";
      readonly field: string | null | undefined;
      readonly message: string;
    }>;
    readonly order: {
      readonly " $fragmentSpreads": FragmentRefs<"OrderCard_order">;
    } | null | undefined;
  };
};
export type OrderCardSubmitMutation = {
  response: OrderCardSubmitMutation$data;
  variables: OrderCardSubmitMutation$variables;
};

const node: ConcreteRequest = (function(){
var v0 = [
  {
    "defaultValue": null,
    "kind": "LocalArgument",
    "name": "input"
  }
],
v1 = [
  {
    "kind": "Variable",
    "name": "input",
    "variableName": "input"
  }
],
v2 = {
  "alias": null,
  "args": null,
  "concreteType": "DispatchError",
  "kind": "LinkedField",
  "name": "errors",
  "plural": true,
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
      "name": "field",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "message",
      "storageKey": null
    }
  ],
  "storageKey": null
};
return {
  "fragment": {
    "argumentDefinitions": (v0/*:: as any*/),
    "kind": "Fragment",
    "metadata": null,
    "name": "OrderCardSubmitMutation",
    "selections": [
      {
        "alias": null,
        "args": (v1/*:: as any*/),
        "concreteType": "OrderPayload",
        "kind": "LinkedField",
        "name": "submitOrder",
        "plural": false,
        "selections": [
          {
            "alias": null,
            "args": null,
            "concreteType": "ServiceOrder",
            "kind": "LinkedField",
            "name": "order",
            "plural": false,
            "selections": [
              {
                "args": null,
                "kind": "FragmentSpread",
                "name": "OrderCard_order"
              }
            ],
            "storageKey": null
          },
          (v2/*:: as any*/)
        ],
        "storageKey": null
      }
    ],
    "type": "Mutation",
    "abstractKey": null
  },
  "kind": "Request",
  "operation": {
    "argumentDefinitions": (v0/*:: as any*/),
    "kind": "Operation",
    "name": "OrderCardSubmitMutation",
    "selections": [
      {
        "alias": null,
        "args": (v1/*:: as any*/),
        "concreteType": "OrderPayload",
        "kind": "LinkedField",
        "name": "submitOrder",
        "plural": false,
        "selections": [
          {
            "alias": null,
            "args": null,
            "concreteType": "ServiceOrder",
            "kind": "LinkedField",
            "name": "order",
            "plural": false,
            "selections": [
              {
                "alias": null,
                "args": null,
                "kind": "ScalarField",
                "name": "id",
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
                "name": "category",
                "storageKey": null
              },
              {
                "alias": null,
                "args": null,
                "kind": "ScalarField",
                "name": "urgency",
                "storageKey": null
              },
              {
                "alias": null,
                "args": null,
                "kind": "ScalarField",
                "name": "windowStart",
                "storageKey": null
              },
              {
                "alias": null,
                "args": null,
                "kind": "ScalarField",
                "name": "windowEnd",
                "storageKey": null
              },
              {
                "alias": null,
                "args": null,
                "kind": "ScalarField",
                "name": "volunteersNeeded",
                "storageKey": null
              }
            ],
            "storageKey": null
          },
          (v2/*:: as any*/)
        ],
        "storageKey": null
      }
    ]
  },
  "params": {
    "cacheID": "a55151bb9635cfc60d100c9190d9f700",
    "id": null,
    "metadata": {},
    "name": "OrderCardSubmitMutation",
    "operationKind": "mutation",
    "text": "mutation OrderCardSubmitMutation(\n  $input: SubmitOrderInput!\n) {\n  submitOrder(input: $input) {\n    order {\n      ...OrderCard_order\n      id\n    }\n    errors {\n      __typename\n      field\n      message\n    }\n  }\n}\n\nfragment OrderCard_order on ServiceOrder {\n  id\n  status\n  category\n  urgency\n  windowStart\n  windowEnd\n  volunteersNeeded\n}\n"
  }
};
})();

(node as any).hash = "3eb90f9f53a27dc78ecad129234602d9";

export default node;
