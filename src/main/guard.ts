/**
 * Where the desktop window may go. The window shows the embedded server's dashboard and nothing else:
 * navigation within the app's own origin is allowed; an http(s) link elsewhere opens in the system
 * browser; every other scheme (file:, javascript:, data:, custom protocol handlers…) is refused, because
 * a page that can steer the window or the OS shell elsewhere is the usual first step of an attack.
 */

export type UrlVerdict = 'app' | 'external' | 'deny'

function parse(target: string): URL | null {
  try {
    return new URL(target)
  } catch {
    return null
  }
}

/** The origin of the dashboard (scheme, host, port), or null when `appUrl` is not an http(s) URL. */
export function appOriginOf(appUrl: string): string | null {
  const url = parse(appUrl)
  return url && (url.protocol === 'http:' || url.protocol === 'https:') ? url.origin : null
}

/**
 * An URL the system browser may be asked to open: http(s) only, with a host, without user:password
 * (a classic way to disguise the real host). The normalised href, or null.
 */
export function externalUrl(target: unknown): string | null {
  if (typeof target !== 'string' || target.length > 8192) return null
  const url = parse(target)
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) return null
  if (!url.hostname || url.username || url.password) return null
  return url.href
}

/** What to do with a URL the window is asked to load: compare whole origins (a prefix test lets :73650 pass for :7365). */
export function classifyUrl(target: string, appOrigin: string | null): UrlVerdict {
  const url = parse(target)
  if (!url) return 'deny'
  if (appOrigin !== null && (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === appOrigin && !url.username && !url.password) return 'app'
  return externalUrl(target) ? 'external' : 'deny'
}

/** Decision for `will-navigate` / `will-redirect`: stay, or cancel and maybe hand the URL to the browser. */
export function navigationDecision(target: string, appOrigin: string | null): { allow: boolean; openExternally: string | null } {
  const verdict = classifyUrl(target, appOrigin)
  if (verdict === 'app') return { allow: true, openExternally: null }
  return { allow: false, openExternally: verdict === 'external' ? externalUrl(target) : null }
}

/**
 * Decision for `setWindowOpenHandler` (target=_blank, window.open): never a new Electron window; an
 * http(s) URL, our own share links included, goes to the system browser.
 */
export function windowOpenDecision(target: string): { openExternally: string | null } {
  return { openExternally: externalUrl(target) }
}

/** Permissions the dashboard needs: writing to the clipboard (copy snippet / share URL), from its own origin only. */
const ALLOWED_PERMISSIONS = new Set(['clipboard-sanitized-write'])

export function permissionAllowed(permission: string, requestingUrl: string, appOrigin: string | null): boolean {
  return ALLOWED_PERMISSIONS.has(permission) && classifyUrl(requestingUrl, appOrigin) === 'app'
}
