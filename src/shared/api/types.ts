/**
 * Request and response types of the current Umami API (v3.1 shapes) as Dashi's server answers it
 * (src/server/routes/current/*, shared paths in routes/v1/auth.ts and routes/common.ts). The one
 * `AnalyticsApi` client (client.ts) speaks these; the renderer and tests import them from here.
 *
 * Times in requests are epoch milliseconds; times in responses are ISO strings (or null), as Umami
 * sends them. Nothing here imports node:, electron or vue.
 */

// ---------------------------------------------------------------------------------------------------
// Requests

/** An inclusive range of time in epoch milliseconds. */
export interface DateRange {
  startAt: number
  endAt: number
}

/** Time-series bucket. The server coarsens a unit that would make too many buckets for the range. */
export type DateUnit = 'minute' | 'hour' | 'day' | 'month' | 'year'

/** The previous period: same length just before (`prev`), or the same dates a year earlier (`yoy`). */
export type Compare = 'prev' | 'yoy'

/** The names a filter may have (v3 names; the server also accepts v2's `url` and `host`). */
export const FILTER_NAMES = [
  'path',
  'referrer',
  'title',
  'query',
  'event',
  'hostname',
  'tag',
  'utmSource',
  'utmMedium',
  'utmCampaign',
  'utmContent',
  'utmTerm',
  'os',
  'browser',
  'device',
  'country',
  'region',
  'city',
  'language',
  'distinctId'
] as const
export type FilterName = (typeof FILTER_NAMES)[number]

/** Filter operators the server supports: equals, not equals, contains, does not contain. */
export type FilterOperator = 'eq' | 'neq' | 'c' | 'dnc'

/**
 * Filters in v3 syntax, sent as query parameters: `{ path: 'eq./about', browser: 'neq.firefox' }`.
 * A comma list of values ORs them for `eq`/`neq`. `match: 'any'` ORs the filters themselves.
 */
export type Filters = Record<string, string>

/** Parameters of every ranged analytics request. */
export interface AnalyticsQuery extends DateRange {
  /** IANA zone name; omitted or `utc` → buckets in UTC with ISO labels. */
  timezone?: string
  filters?: Filters
}

export interface StatsQuery extends AnalyticsQuery {
  /** Which period `comparison` covers; `prev` when omitted. */
  compare?: Compare
}

export interface SeriesQuery extends AnalyticsQuery {
  unit?: DateUnit
  /** When given, the reply carries a `compare` series. */
  compare?: Compare
}

/** Metric breakdowns `/metrics` and `/metrics/expanded` know. */
export const METRIC_TYPES = [
  'path',
  'title',
  'query',
  'tag',
  'hostname',
  'referrer',
  'domain',
  'utmSource',
  'utmMedium',
  'utmCampaign',
  'utmContent',
  'utmTerm',
  'browser',
  'os',
  'device',
  'screen',
  'language',
  'country',
  'region',
  'city',
  'distinctId',
  'entry',
  'exit',
  'channel',
  'event'
] as const
export type MetricType = (typeof METRIC_TYPES)[number]

export interface MetricsQuery extends AnalyticsQuery {
  type: MetricType
  /** Rows to return (default 500, at most 100 000). */
  limit?: number
  offset?: number
  /** Only values containing this text. */
  search?: string
}

/** `page` is 1-based; `pageSize` defaults to 20 (at most 1000). */
export interface PageQuery {
  page?: number
  pageSize?: number
  search?: string
}

export interface RangedPageQuery extends AnalyticsQuery, PageQuery {}

// ---------------------------------------------------------------------------------------------------
// Accounts

export type Role = 'admin' | 'user' | 'view-only'

/** A user as the current API shows it (never a password hash). */
export interface User {
  id: string
  username: string
  role: Role
  createdAt: string
}

/** The user object of login and verify: the current fields beside v1's snake_case ones. */
export interface LoginUser extends User {
  isAdmin: boolean
  teams: unknown[]
  user_id: number
  is_admin: boolean
}

export interface LoginResult {
  token: string
  user: LoginUser
}

export interface VerifyResult extends LoginUser {
  /** When the token was issued, in epoch seconds. */
  iat: number
}

export interface MeResult {
  token: string
  user: User & { isAdmin: boolean }
}

/** A row of the admin users list. */
export interface AdminUser extends User {
  updatedAt: string | null
  _count: { websites: number }
}

export interface CreateUserInput {
  username: string
  password: string
  role: Role
  id?: string
}

export interface UpdateUserInput {
  username?: string
  password?: string
  role?: Role
}

// ---------------------------------------------------------------------------------------------------
// Websites

export interface Website {
  id: string
  name: string
  domain: string | null
  /** Set while the share URL `/share/{shareId}` is on; null otherwise. */
  shareId: string | null
  resetAt: string | null
  userId: string
  teamId: null
  createdBy: string
  createdAt: string | null
  updatedAt: string | null
  deletedAt: null
  user: { id: string; username: string }
}

export interface CreateWebsiteInput {
  name: string
  domain: string
  shareId?: string | null
  /** A UUID of the caller's choosing; random when omitted. */
  id?: string
}

export interface UpdateWebsiteInput {
  name?: string
  domain?: string
  /** A new share id turns the share URL on; `null` turns it off (and revokes its tokens). */
  shareId?: string | null
}

/** One page of a list. `search` is echoed back when the request had one. */
export interface Paged<T> {
  data: T[]
  count: number
  page: number
  pageSize: number
  search?: string
}

export interface OkResult {
  ok: true
}

/** What a share URL gives a visitor: the website and a token for `x-umami-share-token`. */
export interface ShareResult {
  websiteId: string
  token: string
  shareId: string
  shareType: number
  parameters: { overview: boolean; events: boolean }
}

// ---------------------------------------------------------------------------------------------------
// Analytics

export interface StatsNumbers {
  pageviews: number
  visitors: number
  visits: number
  /** Visits with exactly one view. */
  bounces: number
  /** Sum of visit durations, in seconds. */
  totaltime: number
}

/** `/stats` (v3): flat numbers and the same for the comparison period. */
export interface WebsiteStats extends StatsNumbers {
  comparison: StatsNumbers
}

/** A point of a time series: `x` is the bucket label (ISO in UTC, or wall-clock `YYYY-MM-DD HH:mm:ss` in a zone). */
export interface SeriesPoint {
  x: string
  y: number
}

export interface PageviewsSeries {
  pageviews: SeriesPoint[]
  sessions: SeriesPoint[]
}

/** `/pageviews` with `compare`: the range, and the comparison period's series. */
export interface PageviewsResult extends PageviewsSeries {
  startDate?: string
  endDate?: string
  compare?: PageviewsSeries & { startDate: string; endDate: string }
}

/** A breakdown row: value `x` (null for unknown) and visitors `y` (events for `event`). */
export interface MetricRow {
  x: string | null
  y: number
  /** City and region rows name their country. */
  country?: string | null
}

export interface ExpandedMetricRow {
  name: string | null
  pageviews: number
  visitors: number
  visits: number
  bounces: number
  totaltime: number
  country?: string | null
}

/** `/active`: distinct visitors of the last 5 minutes. */
export interface ActiveVisitors {
  visitors: number
}

/** First and last event times of a website, null without data. */
export interface WebsiteDateRange {
  startDate: string | null
  endDate: string | null
}

/** `/values`: values of one filter field in range. */
export interface FilterValue {
  value: string
  count: number
}

/** A custom-event count per name (`x`) and bucket (`t`). */
export interface EventSeriesPoint {
  x: string
  t: string
  y: number
}

export interface EventStatsNumbers {
  events: number
  visitors: number
  visits: number
  uniqueEvents: number
}

export interface EventStats {
  data: EventStatsNumbers & { comparison: EventStatsNumbers }
}

/** `eventType` 1 = page view, 2 = custom event. */
export interface WebsiteEvent {
  id: string
  websiteId: string
  sessionId: string
  distinctId: string | null
  createdAt: string
  hostname: string | null
  urlPath: string
  urlQuery: string | null
  referrerPath: string | null
  referrerQuery: string | null
  referrerDomain: string | null
  country: string | null
  city: string | null
  device: string | null
  os: string | null
  browser: string | null
  pageTitle: string | null
  eventType: number
  eventName: string | null
  hasData: boolean
}

export type RealtimeItemType = 'session' | 'pageview' | 'event'

export interface RealtimeItem {
  __type: RealtimeItemType
  sessionId: string
  urlPath: string
  referrerDomain: string | null
  country: string | null
  eventName: string | null
  createdAt: string
  browser: string | null
  os: string | null
  device: string | null
  hostname: string | null
}

/** `/api/realtime/{id}`: the last 30 minutes. */
export interface Realtime {
  countries: Record<string, number>
  urls: Record<string, number>
  referrers: Record<string, number>
  /** Newest first; a session's first event in the window is preceded by a `session` item. */
  events: RealtimeItem[]
  series: { views: SeriesPoint[]; visitors: SeriesPoint[] }
  totals: { views: number; visitors: number; events: number; countries: number }
  /** Server time of the answer, epoch ms. */
  timestamp: number
}

// ---------------------------------------------------------------------------------------------------
// Sessions

export interface SessionAttributes {
  browser: string | null
  os: string | null
  device: string | null
  screen: string | null
  language: string | null
  country: string | null
  region: string | null
  city: string | null
}

export interface SessionListItem extends SessionAttributes {
  id: string
  websiteId: string
  hostname: string | null
  firstAt: string | null
  lastAt: string | null
  visits: number
  views: number
  events: number
  /** The session's latest activity, as Umami reports it. */
  createdAt: string | null
}

export interface Session extends SessionAttributes {
  id: string
  distinctId: string | null
  websiteId: string
  firstAt: string | null
  lastAt: string | null
  visits: number
  views: number
  events: number
  /** Seconds. */
  totaltime: number
}

export interface SessionStats {
  /** As in Umami: every event, custom ones included. */
  pageviews: { value: number }
  visitors: { value: number }
  visits: { value: number }
  countries: { value: number }
  events: { value: number }
}

export interface SessionActivity {
  createdAt: string | null
  urlPath: string
  urlQuery: string | null
  referrerDomain: string | null
  eventId: string
  eventType: number
  eventName: string | null
  visitId: string
  hostname: string | null
  hasData: boolean
}

/** `dataType`: 1 string, 2 number, 3 boolean, 4 date, 5 array (as Umami numbers them). */
export interface PropertyValueFields {
  dataKey: string
  stringValue: string | null
  numberValue: number | null
  dateValue: string | null
  dataType: number
  createdAt: string | null
}

export interface SessionProperty extends PropertyValueFields {
  websiteId: string
  sessionId: string
}

export interface SessionDataProperty {
  propertyName: string
  dataType: number
  total: number
}

export type PropertyValue = string | number | null

export interface PropertyValueCount {
  value: PropertyValue
  total: number
}

// ---------------------------------------------------------------------------------------------------
// Event data

export interface EventDataEvent {
  eventName: string
  propertyName: string
  dataType: number
  /** Present when the request named one `event`: the rows are broken down by value. */
  propertyValue?: PropertyValue
  total: number
}

export interface EventDataField {
  propertyName: string
  dataType: number
  value: PropertyValue
  total: number
}

export interface EventDataProperty {
  eventName: string
  propertyName: string
  total: number
}

export interface EventDataStats {
  events: number
  properties: number
  records: number
}

export interface EventDataItem {
  websiteId: string
  eventId: string
  eventName: string | null
  eventProperties: PropertyValueFields[]
}

export interface EventDataRow extends PropertyValueFields {
  websiteId: string
  eventId: string
  eventName: string | null
}

// ---------------------------------------------------------------------------------------------------
// Reports

export type ReportType = 'funnel' | 'goal' | 'journey' | 'retention' | 'utm'

export interface ReportStep {
  type: 'path' | 'event'
  value: string
}

/** Report settings; `startDate`/`endDate` as ISO dates or epoch ms. */
export interface ReportParametersBase {
  startDate: string | number
  endDate: string | number
}

export interface ReportParameters {
  funnel: ReportParametersBase & { window: number; steps: ReportStep[] }
  goal: ReportParametersBase & ReportStep
  journey: ReportParametersBase & { steps: number; startStep?: string; endStep?: string; eventType?: 1 | 2 }
  retention: ReportParametersBase & { timezone?: string }
  utm: ReportParametersBase
}

/** A v3 report body. */
export interface ReportRequest<T extends ReportType> {
  websiteId: string
  filters?: Filters
  parameters: ReportParameters[T]
}

export interface FunnelStep extends ReportStep {
  visitors: number
  previous: number
  dropped: number
  /** Share of `previous` that did not reach this step (0–1). */
  dropoff: number
  /** Share of step 1's visitors that reached this step (0–1). */
  remaining: number
}

export interface GoalResult {
  num: number
  total: number
}

export interface RetentionRow {
  date: string
  day: number
  visitors: number
  returnVisitors: number
  percentage: number
}

export interface Journey {
  items: (string | null)[]
  count: number
}

export type UtmKey = 'utm_source' | 'utm_medium' | 'utm_campaign' | 'utm_term' | 'utm_content'
export type UtmReport = Record<UtmKey, { utm: string; views: number }[]>

export interface ReportResults {
  funnel: FunnelStep[]
  goal: GoalResult
  journey: Journey[]
  retention: RetentionRow[]
  utm: UtmReport
}

export interface SavedReport {
  id: string
  userId: string
  websiteId: string
  type: string
  name: string
  description: string
  parameters: unknown
  createdAt: string | null
  updatedAt: string | null
}

export interface SavedReportInput {
  websiteId: string
  type: string
  name: string
  description?: string
  parameters: Record<string, unknown>
}

// ---------------------------------------------------------------------------------------------------
// Server

export interface ServerConfig {
  basePath: string
  cloudMode: boolean
  faviconUrl: string | null
  linksUrl: string | null
  pixelsUrl: string | null
  privateMode: boolean
  telemetryDisabled: boolean
  trackerScriptName: string | null
  updatesDisabled: boolean
  /** Dashi's version: how a dashboard recognises the server. */
  currentVersion: string
}

/** The `{error:{message, code, status}}` envelope of the current API. */
export interface ErrorEnvelope {
  error: { message: string; code: string; status: number }
}

// ---------------------------------------------------------------------------------------------------
// Hit inspector (Dashi's own; admin only)

/** Which collect endpoint a hit came through: v1 `/api/collect`, current `/api/send`, or an item of `/api/batch`. */
export type InspectedDialect = 'collect' | 'send' | 'batch'

/** Why a hit was not stored; `error` is a server failure (500), which should never happen. */
export type HitDropReason = 'bot' | 'ignored-ip' | 'unknown-website' | 'bad-payload' | 'busy' | 'error'

/**
 * One hit the server received, as the hit inspector shows it: parsed fields only, never the client's
 * address or raw user agent. Browser, OS, device and country are null when the hit continued a known
 * session (its tracker's cache token spared the parse) and for dropped hits.
 */
export interface InspectedHit {
  /** Increases by one per hit received; poll with `since` = the last one seen. */
  seq: number
  /** When the server received it (ISO). */
  createdAt: string
  dialect: InspectedDialect
  outcome: 'stored' | 'dropped'
  /** Null for stored hits. */
  reason: HitDropReason | null
  /** The refusal as the sender was told it (bad payloads, busy server…); null when stored or a bot. */
  message: string | null
  /** The website UUID the hit named, known or not. */
  websiteId: string | null
  /** The website's current name; null when the server has no such website. */
  websiteName: string | null
  type: 'pageview' | 'event' | 'identify' | null
  /** The stored path (no query) of a stored hit; the url as sent for a dropped one. */
  url: string | null
  eventName: string | null
  referrerDomain: string | null
  hostname: string | null
  browser: string | null
  os: string | null
  device: string | null
  country: string | null
  sessionId: string | null
  visitId: string | null
}

/** `GET /api/dashi/inspector`: hits newer than `since`, newest first, and the latest `seq` to poll from. */
export interface InspectorResult {
  hits: InspectedHit[]
  last: number
  /** How many recent hits the server keeps. */
  size: number
}

// ---------------------------------------------------------------------------------------------------
// Data retention and database upkeep (Dashi's own; admin only)

/** One purge or compaction, as `GET /api/dashi/housekeeping` reports the last one. */
export interface HousekeepingRun {
  kind: 'purge' | 'compact'
  /** Epoch ms. */
  startedAt: number
  finishedAt: number
  /** Events before this instant (ms) were deleted; null when no retention is set. */
  cutoff: number | null
  /** Events deleted (with their properties). */
  events: number
  /** Sessions deleted because no event of theirs was left. */
  sessions: number
  /** Why the run stopped early, if it did. */
  error: string | null
}

/** `GET|PUT /api/dashi/housekeeping`: the retention setting, what runs now, the last run and the database's size. */
export interface HousekeepingStatus {
  /** Keep events this many months; null keeps everything. */
  retentionMonths: number | null
  /** What runs now, if anything. */
  running: 'purge' | 'compact' | null
  lastRun: HousekeepingRun | null
  /** The database file's size and the part of it that is free pages (what compacting gives back). */
  database: { bytes: number; freeBytes: number }
}
