/** Values shared by the server, the renderer and the desktop shell. */

export const APP_NAME = 'Dashi'

/** Default port of the embedded server: clear of the ports local dev servers use (3000, 5173, 8080…). */
export const DEFAULT_PORT = 7365
export const DEFAULT_HOST = '127.0.0.1'

/** `website_event.event_type`, numbered as Umami v2/v3 number them. */
export const EVENT_TYPE = {
  pageView: 1,
  customEvent: 2
} as const

/** Column length limits, as Umami declares them; longer values are truncated, never rejected. */
export const LIMITS = {
  url: 500,
  referrer: 500,
  title: 500,
  hostname: 100,
  eventName: 50,
  tag: 50,
  browser: 20,
  os: 20,
  device: 20,
  screen: 11,
  language: 35,
  country: 2,
  /** session.distinct_id, as Umami's column. */
  distinctId: 50,
  dataKey: 500,
  dataString: 500,
  websiteName: 100,
  domain: 500,
  username: 255
} as const

export const ROLE = {
  admin: 'admin',
  user: 'user',
  viewOnly: 'view-only'
} as const
export type Role = (typeof ROLE)[keyof typeof ROLE]

/** Minutes of activity that count as "active now". */
export const ACTIVE_WINDOW_MS = 5 * 60_000
/** Range of the realtime view. */
export const REALTIME_WINDOW_MS = 30 * 60_000
/** A visit with a cache token ends once it is this old and the clock hour has changed. */
export const VISIT_RENEW_MS = 30 * 60_000

export const AUTH_COOKIE = 'umami.auth'
export const SHARE_TOKEN_HEADER = 'x-umami-share-token'
export const CACHE_HEADER = 'x-umami-cache'
