// Chinese and English labels of the wall, and the two helpers that put them on the page.

export const STATUS = {
  SUBMITTED: ['待派单', 'Submitted'],
  ASSIGNED: ['已派单', 'Assigned'],
  ACCEPTED: ['已接单', 'Accepted'],
  IN_PROGRESS: ['服务中', 'In progress'],
  COMPLETED: ['已完成', 'Completed'],
  RATED: ['已评价', 'Rated'],
  CANCELLED: ['已取消', 'Cancelled'],
  EXPIRED: ['已过期', 'Expired'],
};

export const EVENT = {
  ORDER_SUBMITTED: ['新订单', 'New order'],
  ORDER_ASSIGNED: ['已派单', 'Assigned'],
  ASSIGNMENT_ACCEPTED: ['志愿者接单', 'Accepted'],
  ASSIGNMENT_DECLINED: ['志愿者婉拒', 'Declined'],
  ORDER_STARTED: ['开始服务', 'Service started'],
  VOLUNTEER_CHECKED_OUT: ['志愿者签退', 'Checked out'],
  ORDER_COMPLETED: ['服务完成', 'Completed'],
  ORDER_RATED: ['居民评价', 'Rated'],
  ORDER_CANCELLED: ['订单取消', 'Cancelled'],
  ORDER_EXPIRED: ['订单过期', 'Expired'],
  ORDER_ESCALATED: ['订单上报', 'Escalated'],
  RECORD_CONFIRMED: ['时长确认', 'Hours confirmed'],
  RECORD_REJECTED: ['时长驳回', 'Hours rejected'],
  RECORD_CORRECTION_REQUESTED: ['申请更正时长', 'Hours correction asked'],
};

export const CATEGORY = {
  ELDERLY_CARE: ['助老服务', 'Elderly care'],
  CHILD_CARE: ['儿童关爱', 'Child care'],
  MEDICAL_ESCORT: ['就医陪护', 'Medical escort'],
  HOME_REPAIR: ['家居维修', 'Home repair'],
  TUTORING: ['课业辅导', 'Tutoring'],
  COMPANIONSHIP: ['陪伴关怀', 'Companionship'],
  ERRANDS: ['代办跑腿', 'Errands'],
  LEGAL_AID: ['法律援助', 'Legal aid'],
  PSYCHOLOGICAL_SUPPORT: ['心理疏导', 'Psychological support'],
  TRANSLATION: ['翻译服务', 'Translation'],
  ENVIRONMENTAL: ['环境保护', 'Environmental'],
  EVENT_SUPPORT: ['活动保障', 'Event support'],
  OTHER: ['其他', 'Other'],
};

export const CIVIC_STATUS = {
  REPORTED: ['待受理', 'Reported'],
  FILED: ['已立案', 'Filed'],
  NOT_FILED: ['不予立案', 'Not filed'],
  DUPLICATE: ['重复', 'Duplicate'],
  DISPATCHED: ['已派遣', 'Dispatched'],
  RECTIFYING: ['整改中', 'Rectifying'],
  RECTIFIED: ['已整改', 'Rectified'],
  VERIFIED: ['已核查', 'Verified'],
  CLOSED_UNRESOLVED: ['未解决结案', 'Closed unresolved'],
};

export const CIVIC_EVENT = {
  CIVIC_ISSUE_REPORTED: ['城管上报', 'Civic issue reported'],
  CIVIC_ISSUE_FILED: ['案件立案', 'Case filed'],
  CIVIC_ISSUE_NOT_FILED: ['不予立案', 'Not filed'],
  CIVIC_ISSUE_MARKED_DUPLICATE: ['重复上报', 'Duplicate'],
  CIVIC_ISSUE_DISPATCHED: ['案件派遣', 'Case dispatched'],
  CIVIC_ISSUE_RECTIFICATION_STARTED: ['开始整改', 'Rectification started'],
  CIVIC_ISSUE_RECTIFIED: ['整改完成', 'Rectified'],
  CIVIC_ISSUE_VERIFIED: ['核查通过', 'Fix verified'],
  CIVIC_ISSUE_REOPENED: ['案件重开', 'Case reopened'],
  CIVIC_ISSUE_CLOSED_UNRESOLVED: ['未解决结案', 'Closed unresolved'],
  CIVIC_ISSUE_PHOTOS_ADDED: ['补充照片', 'Photos added'],
};

export const ACTIVITY_EVENT = {
  ACTIVITY_PUBLISHED: ['活动发布', 'Activity published'],
  ACTIVITY_SUBMITTED: ['活动报审', 'Activity submitted'],
  ACTIVITY_RETURNED: ['活动退回', 'Activity returned'],
  ACTIVITY_CLOSED: ['活动结束', 'Activity closed'],
  ACTIVITY_CANCELLED: ['活动取消', 'Activity cancelled'],
  SIGN_UP_REQUESTED: ['报名待审', 'Sign-up requested'],
  SIGN_UP_CONFIRMED: ['报名成功', 'Signed up'],
  SIGN_UP_WAITLISTED: ['候补报名', 'Waitlisted'],
  SIGN_UP_PROMOTED: ['候补转正', 'Promoted'],
  SIGN_UP_CANCELLED: ['取消报名', 'Sign-up cancelled'],
  SIGN_UP_REJECTED: ['报名未通过', 'Sign-up rejected'],
  SIGN_UP_REMOVED: ['移出活动', 'Removed'],
  TRAINING_COMPLETED: ['培训结业', 'Training completed'],
};

// The 18 categories of organisations and their activities.
export const ACTIVITY_CATEGORY = {
  PARTY_MEMBER: ['党员志愿', 'Party members'],
  COMMUNITY: ['社区志愿', 'Community'],
  PUBLIC_SAFETY: ['平安志愿', 'Public safety'],
  CULTURE: ['文化志愿', 'Culture'],
  SCIENCE_POPULARISATION: ['科普志愿', 'Science'],
  PUBLIC_HEALTH: ['卫生健康', 'Public health'],
  NEIGHBOURHOOD_WATCH: ['邻里守望', 'Neighbourhood watch'],
  CIVILISED_TRAFFIC: ['文明交通', 'Civilised traffic'],
  ENVIRONMENTAL: ['环境保护', 'Environmental'],
  ELDERLY_CARE: ['助老服务', 'Elderly care'],
  YOUTH_AND_CHILDREN: ['青少年关爱', 'Youth and children'],
  DISABILITY_SUPPORT: ['助残服务', 'Disability support'],
  POVERTY_RELIEF: ['扶贫济困', 'Poverty relief'],
  EMERGENCY_RESCUE: ['应急救援', 'Emergency rescue'],
  EDUCATION: ['教育志愿', 'Education'],
  LEGAL_AID: ['法律援助', 'Legal aid'],
  LARGE_EVENTS: ['大型活动', 'Large events'],
  CIVIC_SUPERVISION: ['文明监督', 'Civic supervision'],
};

export const URGENCY = {
  LOW: ['一般', 'Low'],
  NORMAL: ['普通', 'Normal'],
  HIGH: ['紧急', 'Urgent'],
  CRITICAL: ['特急', 'Critical'],
};

export const STATE = {
  connecting: ['正在连接', 'Connecting'],
  live: ['实时', 'Live'],
  reconnecting: ['正在重新连接', 'Reconnecting'],
  credential: ['凭证无效', 'Credential rejected'],
  setup: ['未配置', 'Not set up'],
};

const UNKNOWN = ['—', '—'];

// A label pair as the page shows it: Chinese, then English in a smaller span.
export function bilingual(element, [zh, en] = UNKNOWN) {
  const english = document.createElement('span');
  english.lang = 'en';
  english.textContent = en;
  element.replaceChildren(document.createTextNode(`${zh} `), english);
  return element;
}

export function labelOf(table, key) {
  return table[key] ?? [key ?? '—', key ?? '—'];
}

const ZONE = 'Asia/Shanghai';
const timeFormat = new Intl.DateTimeFormat('zh-CN', {
  timeZone: ZONE, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
});
const shortTime = new Intl.DateTimeFormat('zh-CN', {
  timeZone: ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
});
const dateFormat = new Intl.DateTimeFormat('zh-CN', {
  timeZone: ZONE, year: 'numeric', month: 'long', day: 'numeric', weekday: 'long',
});
const dayMonth = new Intl.DateTimeFormat('zh-CN', { timeZone: ZONE, month: 'long', day: 'numeric' });
// en-CA formats a date as YYYY-MM-DD.
const isoDay = new Intl.DateTimeFormat('en-CA', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit' });
const hourFormat = new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, hour: '2-digit', hourCycle: 'h23' });

// Huizhou time whatever the screen's own zone is set to.
export const clockTime = (date) => timeFormat.format(date);
export const hourMinute = (date) => shortTime.format(date);
export const longDate = (date) => dateFormat.format(date);
export const shortDate = (date) => dayMonth.format(date);
export const cityDay = (date) => isoDay.format(date);
export const cityHour = (date) => Number(hourFormat.format(date)) % 24;
