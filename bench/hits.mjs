// Realistic, varied ingest traffic for the benchmark, for both tracker dialects: the v1 tracker's
// /api/collect bodies and the current tracker's /api/send bodies, built from the same pool of hits.
//
// A deterministic pool of visitors (public IP, real browser user agent, screen, language) browses a
// Zipf-distributed set of pages on one site, arriving from a mix of referrers; ~20 % of hits are custom
// events (with a name, most with data). Like the trackers, a visitor sends back the cache token
// (`x-umami-cache`) that the server returned to its previous hit: v1 replies with the token as plain
// text, /api/send with JSON `{cache, sessionId, visitId}`.
//
// Every hit carries a unique id in its URL query (`_bid=<phase><n>`) so that the benchmark can check,
// after the run, that each acknowledged hit was stored (and which stored hits were still in flight
// when the load generator stopped).
import ipaddr from 'ipaddr.js'
import { isbot } from 'isbot'

/** Small, fast, seedable PRNG (mulberry32): the same seed gives the same traffic in every run. */
export function rng(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const pick = (random, list) => list[Math.floor(random() * list.length)]

/** Picks from [value, weight] pairs. */
function weighted(random, pairs) {
  const total = pairs.reduce((sum, [, w]) => sum + w, 0)
  let r = random() * total
  for (const [value, w] of pairs) {
    r -= w
    if (r < 0) return value
  }
  return pairs[pairs.length - 1][0]
}

/** Real browser user agents (no bots, no crawlers, no headless browsers), by platform. */
export const USER_AGENTS = {
  desktop: [
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 OPR/110.0.0.0',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 YaBrowser/24.4.0.0 Safari/537.36',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Vivaldi/6.7.3329.35',
    'Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0.0.0 Safari/537.36',
    'Mozilla/5.0 (Windows NT 6.3; Win64; x64; rv:115.0) Gecko/20100101 Firefox/115.0',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Safari/605.1.15',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:126.0) Gecko/20100101 Firefox/126.0',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36 Edg/125.0.0.0',
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
    'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0',
    'Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0',
    'Mozilla/5.0 (X11; Fedora; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
    'Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36'
  ],
  mobile: [
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 16_7_8 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/126.0 Mobile/15E148 Safari/605.1.15',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 EdgiOS/124.2478.71 Mobile/15E148 Safari/605.1.15',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/21E236 [FBAN/FBIOS;FBAV/462.0.0.38.108;FBBV/583067025;FBDV/iPhone15,2;FBMD/iPhone;FBSN/iOS;FBSV/17.4.1;FBSS/3;FBID/phone;FBLC/en_US;FBOP/5]',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 329.0.3.29.120 (iPhone14,5; iOS 17_4_1; en_US; en; scale=3.00; 1170x2532; 597232147)',
    'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.6422.53 Mobile Safari/537.36',
    'Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
    'Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36',
    'Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-A546B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36',
    'Mozilla/5.0 (Android 14; Mobile; rv:126.0) Gecko/126.0 Firefox/126.0',
    'Mozilla/5.0 (Linux; Android 12; M2101K6G) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Mobile Safari/537.36',
    'Mozilla/5.0 (Linux; Android 13; 2201116SG Build/TKQ1.221114.001; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/124.0.6367.82 Mobile Safari/537.36',
    'Mozilla/5.0 (Linux; Android 11; Redmi Note 8 Pro) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36 OPR/82.0.0.0',
    'Mozilla/5.0 (Linux; Android 14; Pixel 7a) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36 EdgA/126.0.0.0',
    'Mozilla/5.0 (Linux; U; Android 12; en-US; CPH2219 Build/SP1A.210812.016) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/100.0.4896.58 UCBrowser/13.6.2.1316 Mobile Safari/537.36',
    'Mozilla/5.0 (Linux; Android 10; HD1913) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Mobile Safari/537.36'
  ],
  tablet: [
    'Mozilla/5.0 (iPad; CPU OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1',
    'Mozilla/5.0 (iPad; CPU OS 16_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1',
    'Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
    'Mozilla/5.0 (Linux; Android 11; KFTRWI) AppleWebKit/537.36 (KHTML, like Gecko) Silk/124.3.1 like Chrome/124.0.6367.179 Safari/537.36',
    'Mozilla/5.0 (Linux; Android 12; Lenovo TB-J606F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36'
  ]
}

const SCREENS = {
  desktop: [['1920x1080', 30], ['2560x1440', 10], ['1536x864', 12], ['1366x768', 10], ['1440x900', 8], ['1280x720', 4], ['3840x2160', 3], ['1680x1050', 3], ['2560x1600', 3], ['1280x800', 3]],
  mobile: [['390x844', 15], ['393x873', 10], ['414x896', 8], ['375x667', 6], ['360x800', 10], ['412x915', 9], ['430x932', 6], ['360x780', 4], ['384x854', 3]],
  tablet: [['810x1080', 6], ['820x1180', 5], ['768x1024', 5], ['1024x1366', 3], ['800x1280', 4], ['1280x800', 2]]
}

const LANGUAGES = [
  ['en-US', 35], ['en-GB', 8], ['de-DE', 9], ['de', 2], ['fr-FR', 7], ['fr', 1], ['es-ES', 5], ['es-419', 2], ['pt-BR', 4],
  ['it-IT', 3], ['nl-NL', 3], ['pl-PL', 2], ['ru-RU', 3], ['ja-JP', 3], ['zh-CN', 4], ['zh-TW', 1], ['ko-KR', 2], ['tr-TR', 1],
  ['sv-SE', 1], ['en', 3], ['hi-IN', 1], ['uk-UA', 1], ['cs-CZ', 1], ['da-DK', 1]
]

const WORDS = [
  'sqlite', 'analytics', 'privacy', 'dashboard', 'fastify', 'node', 'performance', 'wal', 'durability', 'cookies',
  'tracking', 'open-source', 'self-hosted', 'desktop', 'electron', 'vue', 'charts', 'sessions', 'referrers', 'campaigns',
  'benchmarks', 'indexes', 'rollups', 'migration', 'release', 'roadmap', 'security', 'gdpr', 'pricing', 'teams'
]

/** The site's pages, most popular first (their hits follow a Zipf law). */
function buildPages(random) {
  const pages = ['/', '/pricing', '/blog', '/docs', '/about', '/features', '/download', '/contact', '/changelog', '/login', '/signup']
  for (let i = 0; i < 320; i++) pages.push(`/blog/${pick(random, WORDS)}-${pick(random, WORDS)}-${2019 + (i % 7)}-${i}`)
  const sections = ['getting-started', 'api', 'guides', 'reference', 'self-hosting', 'tracker', 'faq']
  for (let i = 0; i < 210; i++) pages.push(`/docs/${sections[i % sections.length]}/${pick(random, WORDS)}-${i}`)
  for (let i = 0; i < 240; i++) pages.push(`/products/${1000 + i * 7}`)
  for (const w of WORDS) pages.push(`/tags/${w}`)
  for (let i = 2; i <= 25; i++) pages.push(`/blog/page/${i}`)
  // Shuffle the long tail so that popularity is not tied to the section.
  for (let i = pages.length - 1; i > 11; i--) {
    const j = 11 + Math.floor(random() * (i - 10))
    ;[pages[i], pages[j]] = [pages[j], pages[i]]
  }
  return pages
}

function zipfSampler(random, n, s = 1.07) {
  const cdf = new Float64Array(n)
  let total = 0
  for (let i = 0; i < n; i++) cdf[i] = total += 1 / Math.pow(i + 1, s)
  return () => {
    const r = random() * total
    let lo = 0
    let hi = n - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (cdf[mid] < r) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}

function buildReferrers(random, siteHost, pages) {
  const external = [
    'https://www.google.com/', 'https://www.google.de/', 'https://www.google.co.uk/', 'https://www.google.fr/', 'https://www.google.com.br/',
    'https://www.bing.com/', 'https://duckduckgo.com/', 'https://search.brave.com/', 'https://yandex.ru/', 'https://www.ecosia.org/',
    'https://news.ycombinator.com/', 'https://lobste.rs/', 'https://t.co/', 'https://www.linkedin.com/', 'https://l.facebook.com/',
    'https://www.instagram.com/', 'android-app://com.google.android.gm/', 'https://mail.google.com/', 'https://www.youtube.com/',
    'https://dev.to/', 'https://medium.com/', 'https://stackoverflow.com/', 'https://www.producthunt.com/', 'https://github.com/'
  ]
  for (let i = 0; i < 40; i++) external.push(`https://news.ycombinator.com/item?id=${40_000_000 + Math.floor(random() * 1e6)}`)
  for (let i = 0; i < 30; i++) external.push(`https://www.reddit.com/r/${pick(random, ['selfhosted', 'webdev', 'node', 'privacy', 'sqlite'])}/comments/${Math.floor(random() * 1e9).toString(36)}/`)
  for (let i = 0; i < 25; i++) external.push(`https://github.com/${pick(random, WORDS)}/${pick(random, WORDS)}`)
  for (let i = 0; i < 25; i++) external.push(`https://${pick(random, WORDS)}-${pick(random, WORDS)}.example.org/posts/${i}`)
  const internal = pages.slice(0, 60).map((p) => `https://${siteHost}${p}`)
  return { external, internal }
}

const CAMPAIGNS = [
  'utm_source=newsletter&utm_medium=email&utm_campaign=spring-release',
  'utm_source=twitter&utm_medium=social&utm_campaign=launch',
  'utm_source=google&utm_medium=cpc&utm_campaign=brand&utm_term=web+analytics',
  'utm_source=hn&utm_medium=referral',
  'gclid=Cj0KCQjw' + 'x'.repeat(20),
  'fbclid=IwAR3' + 'y'.repeat(24),
  'ref=producthunt',
  'page=2',
  'q=sqlite+wal'
]

const EVENTS = [
  ['signup-click', () => ({ plan: pickStatic(['free', 'pro', 'team']), position: pickStatic(['hero', 'footer', 'pricing']) })],
  ['download', () => ({ platform: pickStatic(['mac', 'windows', 'linux']), version: '1.4.2', size: 84_213_442 })],
  ['play-video', () => ({ video: 'intro', seconds: Math.floor(staticRandom() * 180) })],
  ['add-to-cart', () => ({ product: { id: 1000 + Math.floor(staticRandom() * 240) * 7, category: pickStatic(['books', 'tools', 'apps']) }, price: 19.99, quantity: 1 })],
  ['newsletter-subscribe', () => ({ source: 'footer', confirmed: false })],
  ['outbound-link', () => ({ url: `https://github.com/${pickStatic(WORDS)}`, new_tab: true })],
  ['search', () => ({ query: `${pickStatic(WORDS)} ${pickStatic(WORDS)}`, results: Math.floor(staticRandom() * 40) })],
  ['copy-code', () => ({ language: pickStatic(['bash', 'js', 'sql']), tags: ['docs', 'snippet'] })],
  ['scroll-depth', () => ({ percent: pickStatic([25, 50, 75, 100]) })],
  ['theme-toggle', () => ({ theme: pickStatic(['dark', 'light']), at: '2026-05-01T10:20:30Z' })],
  ['form-error', null],
  ['share', () => ({ network: pickStatic(['twitter', 'linkedin', 'mastodon']) })]
]
// Event data comes from a module-level PRNG (reseeded by createHitSource), not Math.random, so that every
// source built with the same seed (the collect and the send run) sends the same data.
let staticRandom = rng(99)
const pickStatic = (list) => list[Math.floor(staticRandom() * list.length)]

/** A random public (unicast, routable) address: ~88 % IPv4, the rest IPv6. */
function publicIp(random) {
  for (;;) {
    let candidate
    if (random() < 0.88) {
      candidate = [1 + Math.floor(random() * 222), Math.floor(random() * 256), Math.floor(random() * 256), 1 + Math.floor(random() * 254)].join('.')
    } else {
      const hextet = () => Math.floor(random() * 0x10000).toString(16)
      const prefix = pick(random, ['2a01', '2a02', '2a00', '2600', '2406', '2804', '2c0f'])
      candidate = `${prefix}:${hextet()}:${hextet()}:${hextet()}:${hextet()}:${hextet()}:${hextet()}:${hextet()}`
    }
    if (ipaddr.isValid(candidate) && ipaddr.parse(candidate).range() === 'unicast') return candidate
  }
}

/** A page's document title, as the current tracker reports it (derived from the path: no random draws). */
function pageTitle(path) {
  const segments = path.split('/').filter(Boolean)
  // "/products/1042" → "Products 1042"; "/blog/sqlite-wal-2021-7" → "Sqlite wal 2021 7"; "/" → "Home".
  const last = segments.at(-1) ?? 'home'
  const name = (/^\d+$/.test(last) && segments.length > 1 ? `${segments.at(-2)} ${last}` : last).replaceAll('-', ' ')
  return `${name[0].toUpperCase()}${name.slice(1)} | Example`
}

/** Stands for the hit id inside a body until next() puts the id in. */
const MARK = '@@BID@@'

/**
 * A hit is `{ website, url, hostname, language, screen, title, referrer? (pageviews), name?, data? (events) }`,
 * with url = path + query (the query holds `_bid=<MARK>`). The body builders turn it into a request body.
 */

/** The v1 tracker's /api/collect body (umami-v1.md): no title; events carry event_name / event_data. */
export function collectBody(hit) {
  const { website, url, hostname, language, screen } = hit
  if (hit.name === undefined) return JSON.stringify({ type: 'pageview', payload: { website, url, referrer: hit.referrer, hostname, language, screen } })
  const payload = { website, url, hostname, language, screen, event_name: hit.name }
  if (hit.data) payload.event_data = hit.data
  return JSON.stringify({ type: 'event', payload })
}

/** The current tracker's /api/send body (umami-v2.md §6.1): always type "event"; a name makes it a custom event. */
export function sendBody(hit) {
  const { website, url, hostname, language, screen, title, referrer, name, data } = hit
  // undefined fields (referrer of an event, name of a pageview…) are left out by JSON.stringify, as in the tracker.
  return JSON.stringify({ type: 'event', payload: { website, hostname, language, screen, title, url, referrer, name, data } })
}

/** The v1 reply is the cache token as plain text; anything JSON (an error, a bot's reply) is not a token. */
export function collectToken(responseBody) {
  return responseBody.length > 0 && responseBody[0] !== '{' ? responseBody : null
}

/** The /api/send reply is JSON `{cache, sessionId, visitId}`; a bot's `{beep:"boop"}` carries no token. */
export function sendToken(responseBody) {
  if (responseBody[0] !== '{') return null
  try {
    const { cache } = JSON.parse(responseBody)
    return typeof cache === 'string' && cache !== '' ? cache : null
  } catch {
    return null
  }
}

/**
 * Builds the traffic source. `body` turns a hit into a request body (collectBody, sendBody) and `token`
 * takes the cache token out of a 2xx reply (collectToken, sendToken).
 * @param {{ websiteUuid: string, body?: (hit: object) => string, token?: (responseBody: string) => string | null, siteHost?: string, visitors?: number, poolSize?: number, eventShare?: number, seed?: number }} options
 * @returns {{ next: (phase: string) => { id: string, visitor: number, headers: Record<string,string>, body: string }, remember: (visitor: number, responseBody: string) => void, stats: object, visitors: object[] }}
 */
export function createHitSource({ websiteUuid, body = collectBody, token = collectToken, siteHost = 'www.example.com', visitors: visitorCount = 20_000, poolSize = 50_000, eventShare = 0.2, seed = 42 }) {
  const random = rng(seed)
  staticRandom = rng(seed + 1)
  const pages = buildPages(random)
  const pageIndex = zipfSampler(random, pages.length)
  const referrers = buildReferrers(random, siteHost, pages)

  const visitors = []
  for (let i = 0; i < visitorCount; i++) {
    const device = weighted(random, [['desktop', 52], ['mobile', 42], ['tablet', 6]])
    const ua = pick(random, USER_AGENTS[device])
    visitors.push({
      ip: publicIp(random),
      ua,
      screen: weighted(random, SCREENS[device]),
      language: weighted(random, LANGUAGES),
      hostname: random() < 0.9 ? siteHost : siteHost.replace(/^www\./, ''),
      headers: null,
      token: null
    })
  }
  for (const ua of Object.values(USER_AGENTS).flat()) {
    if (isbot(ua)) throw new Error(`bench/hits.mjs: user agent is classified as a bot: ${ua}`)
  }
  for (const v of visitors) {
    v.headers = {
      'content-type': 'application/json',
      'user-agent': v.ua,
      'x-forwarded-for': v.ip,
      origin: `https://${v.hostname}`,
      'accept-language': `${v.language},en;q=0.8`
    }
  }

  // The pool: [visitor index, body text before the hit id, body text after it]. Cycled through by next().
  // The random draws do not depend on the dialect, so both dialects send the same hits.
  const pool = []
  let events = 0
  for (let i = 0; i < poolSize; i++) {
    const visitorIndex = Math.floor(random() * visitors.length)
    const v = visitors[visitorIndex]
    const page = pages[pageIndex()]
    const query = random() < 0.12 ? `${pick(random, CAMPAIGNS)}&_bid=${MARK}` : `_bid=${MARK}`
    const hit = { website: websiteUuid, url: `${page}?${query}`, hostname: v.hostname, language: v.language, screen: v.screen, title: pageTitle(page) }
    if (random() < eventShare) {
      events++
      const [name, data] = pick(random, EVENTS)
      hit.name = name
      if (data) hit.data = data()
    } else {
      const r = random()
      hit.referrer = r < 0.42 ? '' : r < 0.82 ? pick(random, referrers.external) : pick(random, referrers.internal)
    }
    const text = body(hit)
    const at = text.indexOf(MARK)
    pool.push([visitorIndex, text.slice(0, at), text.slice(at + MARK.length)])
  }

  let cursor = 0
  const counters = {}
  return {
    visitors,
    stats: {
      visitors: visitors.length,
      distinctUserAgents: new Set(visitors.map((v) => v.ua)).size,
      distinctPages: pages.length,
      distinctReferrers: referrers.external.length + referrers.internal.length,
      poolSize,
      eventShare: events / poolSize
    },
    /** The next hit; `phase` prefixes its id (e.g. "w" for warm-up, "m" for the measured run). */
    next(phase) {
      const [visitorIndex, before, after] = pool[cursor]
      cursor = cursor + 1 === pool.length ? 0 : cursor + 1
      const n = (counters[phase] = (counters[phase] ?? 0) + 1)
      const id = `${phase}${n}`
      const v = visitors[visitorIndex]
      const headers = v.token ? { ...v.headers, 'x-umami-cache': v.token } : v.headers
      return { id, visitor: visitorIndex, headers, body: before + id + after }
    },
    /** Records the cache token of a 2xx response as the tracker does; a reply without one keeps the old token. */
    remember(visitorIndex, responseBody) {
      const next = typeof responseBody === 'string' ? token(responseBody) : null
      if (next) visitors[visitorIndex].token = next
    },
    forgetTokens() {
      for (const v of visitors) v.token = null
    }
  }
}

/**
 * An autocannon request sending `source`'s hits of `phase` to `path`: each 2xx reply's hit id goes to
 * `acked` and its cache token back to the visitor, as a tracker keeps it. `onSend()` runs per request
 * built, `onStatus(status)` per response, for the caller's own counts.
 */
export function hitRequest({ path, source, phase, acked, onSend = () => {}, onStatus = () => {}, onAck = () => {} }) {
  return {
    method: 'POST',
    path,
    setupRequest(request, context) {
      const hit = source.next(phase)
      onSend()
      context.id = hit.id
      context.visitor = hit.visitor
      request.headers = hit.headers
      request.body = hit.body
      return request
    },
    onResponse(status, body, context) {
      onStatus(status)
      if (status >= 200 && status < 300) {
        acked.add(context.id)
        onAck()
        source.remember(context.visitor, body)
      }
    }
  }
}
