/**
 * @generated SignedSource<<2d5e4c3eb4ffc595426de21018009fa8>>
 * @lightSyntaxTransform
 */

/* tslint:disable */
/* eslint-disable */
// @ts-nocheck

import { ReaderFragment } from 'relay-runtime';
export type OrderStatus = "ACCEPTED" | "ASSIGNED" | "CANCELLED" | "COMPLETED" | "EXPIRED" | "IN_PROGRESS" | "RATED" | "SUBMITTED" | "%future added value";
export type ServiceCategory = "CHILD_CARE" | "COMPANIONSHIP" | "ELDERLY_CARE" | "ENVIRONMENTAL" | "ERRANDS" | "EVENT_SUPPORT" | "HOME_REPAIR" | "LEGAL_AID" | "MEDICAL_ESCORT" | "OTHER" | "PSYCHOLOGICAL_SUPPORT" | "TRANSLATION" | "TUTORING" | "%future added value";
export type Urgency = "CRITICAL" | "HIGH" | "LOW" | "NORMAL" | "%future added value";
import { FragmentRefs } from "relay-runtime";
export type OrderCard_order$data = {
  readonly category: ServiceCategory;
  readonly id: string;
  readonly status: OrderStatus;
  readonly urgency: Urgency;
  readonly volunteersNeeded: number;
  readonly windowEnd: string;
  readonly windowStart: string;
  readonly " $fragmentType": "OrderCard_order";
};
export type OrderCard_order$key = {
  readonly " $data"?: OrderCard_order$data;
  readonly " $fragmentSpreads": FragmentRefs<"OrderCard_order">;
};

const node: ReaderFragment = {
  "argumentDefinitions": [],
  "kind": "Fragment",
  "metadata": null,
  "name": "OrderCard_order",
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
  "type": "ServiceOrder",
  "abstractKey": null
};

(node as any).hash = "b0a2656920c74bd1fb51a188bee0b07c";

export default node;
