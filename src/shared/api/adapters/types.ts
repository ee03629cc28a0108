/**
 * The vocabulary of dialect adapters: which dashboard calls exist, what each takes and gives (always the
 * current API's types from ../types), what a request to a remote server looks like, and what a dialect
 * is. Adapters are pure: they build requests and read responses, they never fetch. So a server route can
 * forward `adapter.request(call, params)` and hand the reply to `adapter.normalise(call, response, params)`.
 */
import type {
  ActiveVisitors,
  AnalyticsQuery,
  EventSeriesPoint,
  EventStats,
  ExpandedMetricRow,
  FilterName,
  FilterValue,
  MetricRow,
  MetricsQuery,
  PageQuery,
  PageviewsResult,
  Paged,
  RangedPageQuery,
  Realtime,
  SeriesQuery,
  SessionListItem,
  SessionStats,
  StatsQuery,
  Website,
  WebsiteDateRange,
  WebsiteEvent,
  WebsiteStats
} from '../types'

/** The families of servers Dashi can show. Dashi itself speaks the current dialect (v3). */
export type Family = 'v1' | 'v2' | 'v3' | 'cloud'

/** The dashboard calls adapters translate, with the client method each stands for. */
export interface CallParams {
  /** `listWebsites` */
  websites: PageQuery
  /** `getWebsite` */
  website: { websiteId: string }
  /** `getStats` */
  stats: { websiteId: string } & StatsQuery
  /** `getPageviews` */
  pageviews: { websiteId: string } & SeriesQuery
  /** `getMetrics` */
  metrics: { websiteId: string } & MetricsQuery
  /** `getMetricsExpanded` */
  metricsExpanded: { websiteId: string } & MetricsQuery
  /** `getActive` */
  active: { websiteId: string }
  /** `getDateRange` */
  dateRange: { websiteId: string }
  /** `getRealtime` (the last 30 minutes) */
  realtime: { websiteId: string; timezone?: string; filters?: Record<string, string> }
  /** `listEvents` */
  events: { websiteId: string } & RangedPageQuery
  /** `getEventSeries` */
  eventSeries: { websiteId: string; limit?: number } & SeriesQuery
  /** `getEventStats` */
  eventStats: { websiteId: string } & StatsQuery
  /** `listSessions` */
  sessions: { websiteId: string } & RangedPageQuery
  /** `getSessionStats` */
  sessionStats: { websiteId: string } & AnalyticsQuery
  /** `getFilterValues` */
  filterValues: { websiteId: string; type: FilterName; search?: string } & AnalyticsQuery
}

export interface CallResults {
  websites: Paged<Website>
  website: Website
  stats: WebsiteStats
  pageviews: PageviewsResult
  metrics: MetricRow[]
  metricsExpanded: ExpandedMetricRow[]
  active: ActiveVisitors
  dateRange: WebsiteDateRange
  realtime: Realtime
  events: Paged<WebsiteEvent>
  eventSeries: EventSeriesPoint[]
  eventStats: EventStats
  sessions: Paged<SessionListItem>
  sessionStats: SessionStats
  filterValues: FilterValue[]
}

export type Call = keyof CallParams
export const CALLS = [
  'websites',
  'website',
  'stats',
  'pageviews',
  'metrics',
  'metricsExpanded',
  'active',
  'dateRange',
  'realtime',
  'events',
  'eventSeries',
  'eventStats',
  'sessions',
  'sessionStats',
  'filterValues'
] as const satisfies readonly Call[]

/**
 * What a dashboard view may rely on beyond the calls themselves. A view whose feature is missing is
 * hidden (or its column left out), never shown broken.
 */
export type Feature =
  /** `stats.visits` is a real count of visits (else it repeats visitors, the best the server gives). */
  | 'visits'
  /** `stats.comparison` holds the previous period. */
  | 'comparison'
  /** `compare=yoy` is understood. */
  | 'compareYoy'
  /** `/pageviews` can carry the previous period's series. */
  | 'pageviewsCompare'
  /** Filters other than equality (`neq`, `c`, `dnc`). */
  | 'filterOperators'
  /** Several values in one `eq`/`neq` filter (OR). */
  | 'filterMultiValue'
  /** `match=any`. */
  | 'filterMatchAny'
  /** Metric breakdowns `entry` and `exit`. */
  | 'entryExit'
  | 'channels'
  | 'realtime'
  | 'sessions'
  | 'eventList'
  | 'eventStats'
  | 'metricsExpanded'
  | 'dateRange'
  | 'filterValues'
  | 'reports'
  | 'eventData'

/** How a request authenticates; the adapter turns it into headers. */
export type AuthState =
  | { kind: 'none' }
  /** Umami v1 ≤ 1.25: the login token travels as the `umami.auth` cookie. */
  | { kind: 'cookie'; token: string; userId?: string }
  /** Every later self-hosted version: `Authorization: Bearer`. */
  | { kind: 'bearer'; token: string; userId?: string }
  /** Umami Cloud (`x-umami-api-key`), or a self-hosted 3.3+ API key (sent both ways, as Umami's client does). */
  | { kind: 'api-key'; key: string }

/** What the user typed into a profile. */
export type Credentials = { kind: 'password'; username: string; password: string } | { kind: 'api-key'; key: string }

/** One HTTP request for a fetch-like function. `path` includes the query string; `url` is `base + path`. */
export interface RemoteRequest {
  method: 'GET' | 'POST' | 'DELETE'
  path: string
  url: string
  headers: Record<string, string>
  /** JSON-serialisable; absent for GET. */
  body?: unknown
}

/** A reply as the driver saw it: status, lower-cased headers (`set-cookie` joined with newlines) and the body text. */
export interface RemoteResponse {
  status: number
  headers: Record<string, string>
  body: string
}

/** A call, or a filter or parameter of it, that this server version cannot answer. */
export interface Unsupported {
  unsupported: true
  /** In words, for the dashboard: what is missing and since which version it exists. */
  reason: string
}

export const unsupported = (reason: string): Unsupported => ({ unsupported: true, reason })
export const isUnsupported = (value: unknown): value is Unsupported =>
  typeof value === 'object' && value !== null && (value as Unsupported).unsupported === true

/** What a metric's `y` counts on this server (older servers count views for page-like types). */
export type MetricMeasure = 'visitors' | 'pageviews' | 'events'

/** A version of Umami as `[major, minor, patch]`. */
export type Version = readonly [number, number, number]

/** Everything that differs between server versions, for one family and version range. */
export interface Dialect {
  /** Stable id, e.g. `v1-cookie`, `v2.12`, `v3`, `cloud`. */
  id: string
  family: Family
  /** For people: "Umami v1.26–1.38 (Bearer token)". */
  label: string
  /** Lowest and highest version this dialect describes (inclusive). */
  versions: { min: Version; max: Version }
  features: ReadonlySet<Feature>
  /** Paths are `/api/...` on self-hosted servers and `/...` on Umami Cloud (its base already ends in `/v1`). */
  apiPrefix: string
  /** The login request, or null when the credentials need none (API keys). */
  login(credentials: Credentials): { method: 'POST'; path: string; body: unknown } | null
  /** The authentication a login reply grants, or null when it does not grant any. */
  readLogin(response: RemoteResponse): AuthState | null
  /** Headers that authenticate one request. */
  authHeaders(auth: AuthState): Record<string, string>
  /** Method, path (relative to the profile's base URL, with query string) and body of a call, or why it cannot be made. */
  build<C extends Call>(call: C, params: CallParams[C], auth: AuthState): Omit<RemoteRequest, 'url' | 'headers'> | Unsupported
  /** The reply body (parsed JSON) in the current API's shape. */
  read<C extends Call>(call: C, body: unknown, params: CallParams[C]): CallResults[C]
  /** What `metrics` rows count for a type on this server. */
  metricMeasure(type: MetricsQuery['type']): MetricMeasure
}
