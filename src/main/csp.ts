/**
 * The Content-Security-Policy of the desktop window, sent as a response header on everything the
 * embedded server serves to it (session.webRequest.onHeadersReceived). The renderer's index.html
 * carries a meta policy too (for web mode); when both exist the browser enforces both, so this header
 * only adds restrictions a meta tag cannot express (frame-ancestors) or that it leaves open.
 *
 * What the dashboard needs, checked against the built renderer (out/renderer):
 * - scripts: only its own bundled modules from the same origin ('self'); no inline script, no eval
 *   (Vue's runtime-only build compiles templates at build time).
 * - styles: 'self' for the CSS files, plus 'unsafe-inline' because ECharts' tooltips are HTML strings
 *   with style="…" attributes (the default tooltip markers and our charts/html.ts rows), and inline
 *   style attributes parsed from HTML are governed by style-src. Style injection cannot run script;
 *   script-src stays strict, which is what matters against XSS.
 * - images: 'self' and data: (the favicon is an inline SVG data URL; ECharts "save as image" makes data URLs).
 *   Charts draw on <canvas>, which needs no policy.
 * - connections: 'self' only; remote Umami servers are reached through the embedded server, not from the page.
 * - nothing else: no plugins, no frames, no foreign form targets, no <base> elsewhere.
 */
export const CSP_DIRECTIVES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'frame-src': ["'none'"],
  'worker-src': ["'none'"],
  'frame-ancestors': ["'none'"],
  'form-action': ["'self'"],
  'base-uri': ["'self'"]
})

export function buildCsp(directives: Readonly<Record<string, readonly string[]>> = CSP_DIRECTIVES): string {
  return Object.entries(directives)
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ')
}

export const CONTENT_SECURITY_POLICY = buildCsp()

type Headers = Record<string, string[] | string>

/**
 * Response headers with our policy set, for a response from the app's origin; other responses pass
 * unchanged. A CSP header the server may already send is replaced (header names compare case-insensitively).
 */
export function withCspHeader(headers: Headers | undefined, responseUrl: string, appOrigin: string | null): Headers {
  const out: Headers = { ...(headers ?? {}) }
  let origin: string | null = null
  try {
    origin = new URL(responseUrl).origin
  } catch {
    origin = null
  }
  if (appOrigin === null || origin !== appOrigin) return out
  for (const name of Object.keys(out)) {
    if (name.toLowerCase() === 'content-security-policy') delete out[name]
  }
  out['Content-Security-Policy'] = [CONTENT_SECURITY_POLICY]
  return out
}
