import type {
  ActiveVisitors,
  AdminUser,
  AnalyticsQuery,
  CreateUserInput,
  CreateWebsiteInput,
  ErrorEnvelope,
  EventDataEvent,
  EventDataField,
  EventDataItem,
  EventDataProperty,
  EventDataRow,
  EventDataStats,
  EventSeriesPoint,
  EventStats,
  ExpandedMetricRow,
  FilterName,
  FilterValue,
  HousekeepingStatus,
  InspectorResult,
  LoginResult,
  MeResult,
  MetricRow,
  MetricsQuery,
  OkResult,
  PageQuery,
  PageviewsResult,
  Paged,
  PropertyValueCount,
  RangedPageQuery,
  Realtime,
  ReportRequest,
  ReportResults,
  ReportType,
  SavedReport,
  SavedReportInput,
  SeriesQuery,
  ServerConfig,
  Session,
  SessionActivity,
  SessionDataProperty,
  SessionListItem,
  SessionProperty,
  SessionStats,
  ShareResult,
  StatsQuery,
  UpdateUserInput,
  UpdateWebsiteInput,
  User,
  VerifyResult,
  Website,
  WebsiteDateRange,
  WebsiteEvent,
  WebsiteStats
} from './types'

/** The share token header of the current API (also in shared/constants; repeated so this module stands alone). */
const SHARE_TOKEN_HEADER = 'x-umami-share-token'

/**
 * An error a caller can show: the HTTP status, the server's code (`not-found`, `unauthorized`,
 * `incorrect-username-password`…) and a message in words. Status 0 means the server was not reached
 * (code `network-error`) or the request was cancelled (code `aborted`).
 */
export class ApiError extends Error {
  readonly status: number
  readonly code: string
  constructor(status: number, code: string, message: string) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
  }
}

export const isApiError = (error: unknown): error is ApiError => error instanceof ApiError

export interface AnalyticsApiOptions {
  /** Server origin, e.g. `http://127.0.0.1:7365`; `''` for the page's own origin. */
  baseUrl: string
  /** The login token, sent as `Authorization: Bearer`; none when it returns nothing. */
  getToken?: () => string | null | undefined
  /** A share token (share pages), sent as `x-umami-share-token`. */
  getShareToken?: () => string | null | undefined
  /** Defaults to the global fetch. */
  fetch?: typeof fetch
  /** Called with every 401 before it is thrown, so an app can end its login in one place. */
  onUnauthorized?: (error: ApiError) => void
  /**
   * Called with every response the server sent (any status), before its body is read: lets an app read
   * headers the typed results leave out (a remote profile's `x-dashi-as-of` when it answered from cache).
   */
  onResponse?: (response: Response) => void
}

/** Per-call options. */
export interface CallOptions {
  signal?: AbortSignal
}

type QueryValue = string | number | boolean | null | undefined
type Query = Record<string, QueryValue>

/** Flattens an analytics request into query parameters: filters travel as their own parameters (`path=eq./a`). */
function analyticsParams<Q extends AnalyticsQuery>({ filters, ...rest }: Q): Query {
  return { ...(rest as unknown as Query), ...(filters ?? {}) }
}

function queryString(query: Query | undefined): string {
  if (!query) return ''
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue
    params.append(key, String(value))
  }
  const text = params.toString()
  return text ? `?${text}` : ''
}

const seg = (value: string) => encodeURIComponent(value)

/** The message of an error body: the v3 envelope, else a short text body, else the status line. */
async function errorFrom(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '')
  try {
    const body = JSON.parse(text) as Partial<ErrorEnvelope> & { message?: string; error?: unknown }
    if (body && typeof body.error === 'object' && body.error !== null) {
      const { message, code, status } = body.error as ErrorEnvelope['error']
      return new ApiError(typeof status === 'number' ? status : response.status, code ?? codeOf(response.status), message ?? statusText(response))
    }
    if (body && typeof body.message === 'string') return new ApiError(response.status, codeOf(response.status), body.message)
  } catch {
    // Not JSON: a v1 route, a proxy or a crash page; its text (if short) still says what happened.
  }
  const plain = text.trim()
  const message = plain && plain.length <= 300 && !plain.startsWith('<') ? plain : statusText(response)
  return new ApiError(response.status, codeOf(response.status), message)
}

const statusText = (response: Response) => `The server answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`

const CODES: Record<number, string> = {
  400: 'bad-request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  409: 'conflict',
  413: 'payload-too-large',
  429: 'too-many-requests',
  503: 'service-unavailable'
}
const codeOf = (status: number) => CODES[status] ?? (status >= 500 ? 'internal-error' : 'bad-request')

/**
 * The one client of the current Umami API (v3.1 shapes) as Dashi serves it. Every method resolves to
 * the server's JSON, typed; every failure rejects with an `ApiError`.
 */
export function createAnalyticsApi(options: AnalyticsApiOptions) {
  const base = options.baseUrl.replace(/\/+$/, '')
  const doFetch = options.fetch ?? ((input: Parameters<typeof fetch>[0], init?: RequestInit) => globalThis.fetch(input, init))

  async function request<T>(method: string, path: string, init: { query?: Query; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' }
    const token = options.getToken?.()
    if (token) headers.authorization = `Bearer ${token}`
    const shareToken = options.getShareToken?.()
    if (shareToken) headers[SHARE_TOKEN_HEADER] = shareToken
    if (init.body !== undefined) headers['content-type'] = 'application/json'
    const url = `${base}${path}${queryString(init.query)}`
    let response: Response
    try {
      response = await doFetch(url, {
        method,
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: init.signal
      })
    } catch (error) {
      if ((error as Error)?.name === 'AbortError') throw new ApiError(0, 'aborted', 'The request was cancelled.')
      const where = base || 'this address'
      throw new ApiError(0, 'network-error', `Could not reach the Dashi server at ${where}. Is it running? (${(error as Error)?.message ?? error})`)
    }
    options.onResponse?.(response)
    if (!response.ok) {
      const error = await errorFrom(response)
      if (error.status === 401) options.onUnauthorized?.(error)
      throw error
    }
    const text = await response.text()
    if (text === '') return undefined as T
    try {
      return JSON.parse(text) as T
    } catch {
      throw new ApiError(response.status, 'bad-response', `The server sent something that is not JSON for ${method} ${path}.`)
    }
  }

  const get = <T>(path: string, query?: Query, call?: CallOptions) => request<T>('GET', path, { query, signal: call?.signal })
  const post = <T>(path: string, body?: unknown, call?: CallOptions) => request<T>('POST', path, { body: body ?? {}, signal: call?.signal })
  const del = <T>(path: string) => request<T>('DELETE', path)
  const site = (websiteId: string) => `/api/websites/${seg(websiteId)}`

  return {
    // --- server ---
    heartbeat: () => get<{ ok: true }>('/api/heartbeat'),
    getConfig: () => get<ServerConfig>('/api/config'),

    // --- auth and the caller ---
    login: (username: string, password: string) => post<LoginResult>('/api/auth/login', { username, password }),
    verify: () => post<VerifyResult>('/api/auth/verify'),
    logout: () => post<OkResult>('/api/auth/logout'),
    me: () => get<MeResult>('/api/me'),
    updatePassword: (currentPassword: string, newPassword: string) => post<User>('/api/me/password', { currentPassword, newPassword }),

    // --- users (admin; a user may read and change itself) ---
    listUsers: (page: PageQuery = {}) => get<Paged<AdminUser>>('/api/admin/users', { ...page }),
    getUser: (userId: string) => get<User>(`/api/users/${seg(userId)}`),
    createUser: (input: CreateUserInput) => post<User>('/api/users', input),
    updateUser: (userId: string, input: UpdateUserInput) => post<User>(`/api/users/${seg(userId)}`, input),
    deleteUser: (userId: string) => del<OkResult>(`/api/users/${seg(userId)}`),
    listUserWebsites: (userId: string, page: PageQuery = {}) => get<Paged<Website>>(`/api/users/${seg(userId)}/websites`, { ...page }),

    // --- websites ---
    /** The caller's own websites, one page at a time, in name order; `search` matches name or domain. */
    listWebsites: (page: PageQuery = {}) => get<Paged<Website>>('/api/websites', { ...page }),
    /** Every website on the server (admin). */
    listAllWebsites: (page: PageQuery = {}) => get<Paged<Website>>('/api/admin/websites', { ...page }),
    getWebsite: (websiteId: string, call?: CallOptions) => get<Website>(site(websiteId), undefined, call),
    createWebsite: (input: CreateWebsiteInput) => post<Website>('/api/websites', input),
    updateWebsite: (websiteId: string, input: UpdateWebsiteInput) => post<Website>(site(websiteId), input),
    deleteWebsite: (websiteId: string) => del<OkResult>(site(websiteId)),
    /** Deletes every hit of the website, keeping the website and its settings. */
    resetWebsite: (websiteId: string) => post<OkResult>(`${site(websiteId)}/reset`),
    transferWebsite: (websiteId: string, userId: string) => post<Website>(`${site(websiteId)}/transfer`, { userId }),
    /** A share URL's website and token (no login needed). */
    getShare: (shareId: string) => get<ShareResult>(`/api/share/${seg(shareId)}`),

    // --- analytics ---
    getStats: (websiteId: string, query: StatsQuery, call?: CallOptions) =>
      get<WebsiteStats>(`${site(websiteId)}/stats`, analyticsParams(query), call),
    getPageviews: (websiteId: string, query: SeriesQuery, call?: CallOptions) =>
      get<PageviewsResult>(`${site(websiteId)}/pageviews`, analyticsParams(query), call),
    getMetrics: (websiteId: string, query: MetricsQuery, call?: CallOptions) =>
      get<MetricRow[]>(`${site(websiteId)}/metrics`, analyticsParams(query), call),
    getMetricsExpanded: (websiteId: string, query: MetricsQuery, call?: CallOptions) =>
      get<ExpandedMetricRow[]>(`${site(websiteId)}/metrics/expanded`, analyticsParams(query), call),
    getActive: (websiteId: string, call?: CallOptions) => get<ActiveVisitors>(`${site(websiteId)}/active`, undefined, call),
    getDateRange: (websiteId: string, call?: CallOptions) => get<WebsiteDateRange>(`${site(websiteId)}/daterange`, undefined, call),
    /** Values a filter field takes in range (for filter pickers); `search` is up to 5 comma-separated texts. */
    getFilterValues: (websiteId: string, query: AnalyticsQuery & { type: FilterName; search?: string }, call?: CallOptions) =>
      get<FilterValue[]>(`${site(websiteId)}/values`, analyticsParams(query), call),
    getRealtime: (websiteId: string, query: { timezone?: string; filters?: Record<string, string> } = {}, call?: CallOptions) =>
      get<Realtime>(`/api/realtime/${seg(websiteId)}`, { timezone: query.timezone, ...(query.filters ?? {}) }, call),

    // --- events ---
    listEvents: (websiteId: string, query: RangedPageQuery, call?: CallOptions) =>
      get<Paged<WebsiteEvent>>(`${site(websiteId)}/events`, analyticsParams(query), call),
    getEventSeries: (websiteId: string, query: SeriesQuery & { limit?: number }, call?: CallOptions) =>
      get<EventSeriesPoint[]>(`${site(websiteId)}/events/series`, analyticsParams(query), call),
    getEventStats: (websiteId: string, query: StatsQuery, call?: CallOptions) =>
      get<EventStats>(`${site(websiteId)}/events/stats`, analyticsParams(query), call),

    // --- sessions ---
    listSessions: (websiteId: string, query: RangedPageQuery, call?: CallOptions) =>
      get<Paged<SessionListItem>>(`${site(websiteId)}/sessions`, analyticsParams(query), call),
    getSessionStats: (websiteId: string, query: AnalyticsQuery, call?: CallOptions) =>
      get<SessionStats>(`${site(websiteId)}/sessions/stats`, analyticsParams(query), call),
    /** Sessions per weekday (0 = Sunday) and hour, in local time of `timezone` (required). */
    getSessionsWeekly: (websiteId: string, query: AnalyticsQuery & { timezone: string }, call?: CallOptions) =>
      get<number[][]>(`${site(websiteId)}/sessions/weekly`, analyticsParams(query), call),
    getSession: (websiteId: string, sessionId: string, call?: CallOptions) =>
      get<Session>(`${site(websiteId)}/sessions/${seg(sessionId)}`, undefined, call),
    getSessionActivity: (websiteId: string, sessionId: string, range: { startAt: number; endAt: number }, call?: CallOptions) =>
      get<SessionActivity[]>(`${site(websiteId)}/sessions/${seg(sessionId)}/activity`, { ...range }, call),
    getSessionProperties: (websiteId: string, sessionId: string, call?: CallOptions) =>
      get<SessionProperty[]>(`${site(websiteId)}/sessions/${seg(sessionId)}/properties`, undefined, call),
    getSessionDataProperties: (websiteId: string, query: AnalyticsQuery, call?: CallOptions) =>
      get<SessionDataProperty[]>(`${site(websiteId)}/session-data/properties`, analyticsParams(query), call),
    getSessionDataValues: (websiteId: string, query: AnalyticsQuery & { propertyName: string }, call?: CallOptions) =>
      get<PropertyValueCount[]>(`${site(websiteId)}/session-data/values`, analyticsParams(query), call),

    // --- event data (custom event properties) ---
    listEventData: (websiteId: string, query: RangedPageQuery, call?: CallOptions) =>
      get<Paged<EventDataItem>>(`${site(websiteId)}/event-data`, analyticsParams(query), call),
    getEventData: (websiteId: string, eventId: string, call?: CallOptions) =>
      get<EventDataRow[]>(`${site(websiteId)}/event-data/${seg(eventId)}`, undefined, call),
    getEventDataEvents: (websiteId: string, query: AnalyticsQuery & { event?: string }, call?: CallOptions) =>
      get<EventDataEvent[]>(`${site(websiteId)}/event-data/events`, analyticsParams(query), call),
    getEventDataFields: (websiteId: string, query: AnalyticsQuery, call?: CallOptions) =>
      get<EventDataField[]>(`${site(websiteId)}/event-data/fields`, analyticsParams(query), call),
    getEventDataProperties: (websiteId: string, query: AnalyticsQuery, call?: CallOptions) =>
      get<EventDataProperty[]>(`${site(websiteId)}/event-data/properties`, analyticsParams(query), call),
    getEventDataValues: (websiteId: string, query: AnalyticsQuery & { event: string; propertyName: string }, call?: CallOptions) =>
      get<PropertyValueCount[]>(`${site(websiteId)}/event-data/values`, analyticsParams(query), call),
    getEventDataStats: (websiteId: string, query: AnalyticsQuery, call?: CallOptions) =>
      get<EventDataStats>(`${site(websiteId)}/event-data/stats`, analyticsParams(query), call),

    // --- reports ---
    runReport: <T extends ReportType>(type: T, body: ReportRequest<T>, call?: CallOptions) =>
      post<ReportResults[T]>(`/api/reports/${type}`, { ...body, type }, call),
    listReports: (query: PageQuery & { websiteId?: string; type?: string } = {}) => get<Paged<SavedReport>>('/api/reports', { ...query }),
    getReport: (reportId: string) => get<SavedReport>(`/api/reports/${seg(reportId)}`),
    createReport: (input: SavedReportInput) => post<SavedReport>('/api/reports', input),
    updateReport: (reportId: string, input: Partial<SavedReportInput>) => post<SavedReport>(`/api/reports/${seg(reportId)}`, input),
    deleteReport: (reportId: string) => del<OkResult>(`/api/reports/${seg(reportId)}`),

    // --- Dashi's own (not in Umami) ---
    /** The hit inspector (admin): the last hits received, newest first; `since` = the `last` of the previous call. */
    getInspector: (query: { since?: number; limit?: number } = {}, call?: CallOptions) =>
      get<InspectorResult>('/api/dashi/inspector', { ...query }, call),
    /** Data retention and database upkeep (admin): the setting, what runs now, the last run, the database's size. */
    getHousekeeping: (call?: CallOptions) => get<HousekeepingStatus>('/api/dashi/housekeeping', undefined, call),
    /** Keeps events `months` months (null: forever); older ones start being deleted in the background at once. */
    setRetention: (months: number | null) =>
      request<HousekeepingStatus>('PUT', '/api/dashi/housekeeping', { body: { retentionMonths: months } }),
    /** Deletes what the retention setting no longer keeps, in the background (the answer says it runs). */
    purgeNow: () => post<HousekeepingStatus>('/api/dashi/housekeeping/purge'),
    /** Rewrites the database without its free pages, in the background; 409 while another run goes on. */
    compactDatabase: () => post<HousekeepingStatus>('/api/dashi/housekeeping/compact')
  }
}

/** The client's interface, as returned by `createAnalyticsApi`. */
export type AnalyticsApi = ReturnType<typeof createAnalyticsApi>
