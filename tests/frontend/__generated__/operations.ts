/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
/** What happened to an issue. */
export type CivicEventType =
  | 'CIVIC_ISSUE_CLOSED_UNRESOLVED'
  | 'CIVIC_ISSUE_DISPATCHED'
  | 'CIVIC_ISSUE_FILED'
  | 'CIVIC_ISSUE_MARKED_DUPLICATE'
  | 'CIVIC_ISSUE_NOT_FILED'
  | 'CIVIC_ISSUE_PHOTOS_ADDED'
  | 'CIVIC_ISSUE_RECTIFICATION_STARTED'
  | 'CIVIC_ISSUE_RECTIFIED'
  | 'CIVIC_ISSUE_REOPENED'
  | 'CIVIC_ISSUE_REPORTED'
  | 'CIVIC_ISSUE_VERIFIED';

/** Where a civic issue is: REPORTED, then FILED (a case, 立案), NOT_FILED or DUPLICATE; a filed case is DISPATCHED to its department, RECTIFYING, RECTIFIED (with an after photo), then VERIFIED, or reopened back to DISPATCHED; CLOSED_UNRESOLVED is a closure that is not a fix. */
export type CivicStatus =
  | 'CLOSED_UNRESOLVED'
  | 'DISPATCHED'
  | 'DUPLICATE'
  | 'FILED'
  | 'NOT_FILED'
  | 'RECTIFIED'
  | 'RECTIFYING'
  | 'REPORTED'
  | 'VERIFIED';

/** Why dispatch refused. */
export type DispatchErrorCode =
  | 'ALREADY_RATED'
  | 'ASSIGNMENT_NOT_FOUND'
  | 'CALLER_REQUIRED'
  | 'CENTER_NOT_FOUND'
  | 'ILLEGAL_TRANSITION'
  | 'INVALID_ADDRESS'
  | 'INVALID_DESCRIPTION'
  | 'INVALID_HOURS'
  | 'INVALID_LOCATION'
  | 'INVALID_PHONE'
  | 'INVALID_RATING'
  | 'INVALID_VOLUNTEER_COUNT'
  | 'INVALID_WINDOW'
  | 'NOTE_TOO_LONG'
  | 'NOTHING_TO_ASSIGN'
  | 'NOT_YOUR_ASSIGNMENT'
  | 'NO_COVERING_CENTER'
  | 'ORDER_ALREADY_ASSIGNED'
  | 'ORDER_NOT_FOUND'
  | 'ORGANIZATION_NOT_FOUND'
  | 'RECORD_ALREADY_DECIDED'
  | 'RECORD_NOT_FOUND'
  | 'TOO_MANY_VOLUNTEERS'
  | 'UNKNOWN_COMMUNITY'
  | 'UNKNOWN_DISTRICT'
  | 'VOLUNTEER_BUSY'
  | 'VOLUNTEER_NOT_ACTIVE'
  | 'VOLUNTEER_NOT_FOUND';

/** What happened. */
export type DispatchEventType =
  | 'ASSIGNMENT_ACCEPTED'
  | 'ASSIGNMENT_DECLINED'
  | 'ORDER_ASSIGNED'
  | 'ORDER_CANCELLED'
  | 'ORDER_COMPLETED'
  | 'ORDER_ESCALATED'
  | 'ORDER_EXPIRED'
  | 'ORDER_RATED'
  | 'ORDER_STARTED'
  | 'ORDER_SUBMITTED'
  | 'RECORD_CONFIRMED'
  | 'RECORD_CORRECTION_REQUESTED'
  | 'RECORD_REJECTED'
  | 'VOLUNTEER_CHECKED_OUT';

/** A map point. */
export type GeoPointInput = {
  /** Latitude in degrees. */
  lat: number;
  /** Longitude in degrees. */
  lng: number;
};

/** Where an order is in its life. */
export type OrderStatus =
  | 'ACCEPTED'
  | 'ASSIGNED'
  | 'CANCELLED'
  | 'COMPLETED'
  | 'EXPIRED'
  | 'IN_PROGRESS'
  | 'RATED'
  | 'SUBMITTED';

/** Kind of help asked for. */
export type ServiceCategory =
  | 'CHILD_CARE'
  | 'COMPANIONSHIP'
  | 'ELDERLY_CARE'
  | 'ENVIRONMENTAL'
  | 'ERRANDS'
  | 'EVENT_SUPPORT'
  | 'HOME_REPAIR'
  | 'LEGAL_AID'
  | 'MEDICAL_ESCORT'
  | 'OTHER'
  | 'PSYCHOLOGICAL_SUPPORT'
  | 'TRANSLATION'
  | 'TUTORING';

/** What a volunteer can do. */
export type Skill =
  | 'CHILD_CARE'
  | 'CIVIC_SUPERVISION'
  | 'CULTURAL_PERFORMANCE'
  | 'DISASTER_RELIEF'
  | 'DRIVING'
  | 'ELDERLY_CARE'
  | 'ENVIRONMENTAL'
  | 'EVENT_SUPPORT'
  | 'FIRST_AID'
  | 'HOME_REPAIR'
  | 'IT_SUPPORT'
  | 'LEGAL_AID'
  | 'MEDICAL'
  | 'PSYCHOLOGICAL_SUPPORT'
  | 'SIGN_LANGUAGE'
  | 'TRAFFIC_GUIDANCE'
  | 'TRANSLATION'
  | 'TUTORING';

/** A need for help, submitted with one tap. */
export type SubmitOrderInput = {
  /** Where. */
  address: string;
  /** Dispatchers: a phone caller. */
  callerName?: string;
  /** Dispatchers: their phone. */
  callerPhone?: string;
  /** Kind of help. */
  category: ServiceCategory;
  /** Community. */
  community?: string | number | null | undefined;
  /** What is needed (2-2000). */
  description: string;
  /** District of the address. */
  district: string | number;
  /** Map point of the address. */
  location: GeoPointInput;
  /** Skills needed. */
  requiredSkills?: Array<Skill>;
  /** Urgency. */
  urgency?: Urgency;
  /** 1-50. */
  volunteersNeeded?: number;
  /** Help wanted until (max 24 h later). */
  windowEnd: string;
  /** Help wanted from. */
  windowStart: string;
};

/** How soon help is needed. */
export type Urgency =
  | 'CRITICAL'
  | 'HIGH'
  | 'LOW'
  | 'NORMAL';

export type SubmitOrderMutationVariables = Exact<{
  input: SubmitOrderInput;
}>;


export type SubmitOrderMutation = { submitOrder: { order: { id: string, status: OrderStatus, windowStart: string, windowEnd: string } | null, errors: Array<{ code: DispatchErrorCode, field: string | null, message: string }> } };

export type VolunteerRowFragment = { id: string, realName: string, starLevel: number, totalHours: string, registeredAt: string, district: { id: string, name: string } };

export type VolunteerPageQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  district?: string | number | null | undefined;
}>;


export type VolunteerPageQuery = { volunteers: { totalCount: number, edges: Array<{ cursor: string, node: { id: string, realName: string, starLevel: number, totalHours: string, registeredAt: string, district: { id: string, name: string } } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type WallFeedSubscriptionVariables = Exact<{
  center: string | number;
  after?: string | null | undefined;
}>;


export type WallFeedSubscription = { dispatchFeed:
    | { __typename: 'CivicIssueEvent', eventType: CivicEventType, issueStatus: CivicStatus, civicIssueId: string, cursor: string, occurredAt: string }
    | { __typename: 'DispatchEvent', type: DispatchEventType, status: OrderStatus, orderId: string, cursor: string, occurredAt: string }
   };
