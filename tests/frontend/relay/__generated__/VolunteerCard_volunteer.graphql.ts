/**
 * @generated SignedSource<<064c94e7f94c014abe8614a9fc39bb05>>
 * @lightSyntaxTransform
 */

/* tslint:disable */
/* eslint-disable */
// @ts-nocheck

import { ReaderFragment } from 'relay-runtime';
import { FragmentRefs } from "relay-runtime";
export type VolunteerCard_volunteer$data = {
  readonly district: {
    readonly id: string;
    readonly name: string;
  };
  readonly id: string;
  readonly realName: string;
  readonly registeredAt: string;
  readonly starLevel: number;
  readonly totalHours: string;
  readonly " $fragmentType": "VolunteerCard_volunteer";
};
export type VolunteerCard_volunteer$key = {
  readonly " $data"?: VolunteerCard_volunteer$data;
  readonly " $fragmentSpreads": FragmentRefs<"VolunteerCard_volunteer">;
};

import VolunteerCardRefetchQuery_graphql from './VolunteerCardRefetchQuery.graphql';

const node: ReaderFragment = (function(){
var v0 = {
  "alias": null,
  "args": null,
  "kind": "ScalarField",
  "name": "id",
  "storageKey": null
};
return {
  "argumentDefinitions": [],
  "kind": "Fragment",
  "metadata": {
    "refetch": {
      "connection": null,
      "fragmentPathInResult": [
        "node"
      ],
      "operation": VolunteerCardRefetchQuery_graphql,
      "identifierInfo": {
        "identifierField": "id",
        "identifierQueryVariableName": "id"
      }
    }
  },
  "name": "VolunteerCard_volunteer",
  "selections": [
    (v0/*:: as any*/),
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "realName",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "starLevel",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "totalHours",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "registeredAt",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "concreteType": "District",
      "kind": "LinkedField",
      "name": "district",
      "plural": false,
      "selections": [
        (v0/*:: as any*/),
        {
          "alias": null,
          "args": null,
          "kind": "ScalarField",
          "name": "name",
          "storageKey": null
        }
      ],
      "storageKey": null
    }
  ],
  "type": "Volunteer",
  "abstractKey": null
};
})();

(node as any).hash = "7937307044804444c24dd497b3b3e443";

export default node;
