// Benchmark data set: a realistic, reproducible Dashi database written straight into SQLite.
//
//   npm run bench:data -- --events 1000000 --days 90 --websites 3 --seed 42 [--data <dir>] [--force] [--analyze]
//
// The database is created by the built server itself (one start, then SIGTERM: that migrates the schema and
// creates the admin account), then filled with better-sqlite3 the way src/server/collect/writer-worker.mjs
// fills it: one session row per visitor and month, website_event rows (pageviews and custom events),
// event_data rows typed as flattenData types them (1 string, 2 number), and a few identified sessions with
// session_data. Time runs forward through the range one day-window at a time, so ids grow with time and
// websites interleave, as in a database filled by real traffic. See bench/README-data.md.
//
// Everything random comes from one seeded PRNG (mulberry32), so a seed gives the same data set; only the
// end of the range ("now", or --end) shifts the timestamps.
import { spawnSync } from 'node:child_process'
import { createHash, hash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import Database from 'better-sqlite3'
import { installCleanup, startNode } from './proc.mjs'
import { rng } from './hits.mjs'

const here = dirname(fileURLToPath(import.meta.url))
export const ROOT = join(here, '..')
export const SERVER_ENTRY = join(ROOT, 'out/main/server.js')
/** src/server/server.ts DATABASE_FILE. */
export const DATABASE_FILE = 'dashi.db'
/** Written last into the data directory: a data set without it is incomplete. */
export const META_FILE = 'bench-data.json'
/** Bump when the generated data or the schema it is written into changes (3, 4: the visit table, migration 007). */
export const GENERATOR_VERSION = 4
export const CACHE_ROOT = join(ROOT, 'node_modules/.cache/dashi-bench')
/**
 * The CLI's own ready line (src/server/cli.ts), printed after its SIGTERM handler is installed. Fastify's
 * "Server listening at http://…" log line comes earlier, while a SIGTERM would still kill the process.
 */
export const READY_LINE = /^Dashi is ready at http:\/\/127\.0\.0\.1:(\d+)/

const DAY = 86_400_000
const HOUR = 3_600_000
const MINUTE = 60_000
/** VISIT_RENEW_MS in src/shared/constants.ts. */
const VISIT_RENEW_MS = 30 * MINUTE
const EVENT_TYPE = { pageView: 1, customEvent: 2 }
const DATA_TYPE = { string: 1, number: 2 }
/** Transactions hold about this many rows (events + event_data + sessions). */
const ROWS_PER_TRANSACTION = 50_000

// ---------------------------------------------------------------------------------------------------
// Randomness

/** mulberry32, shared with the ingest bench's traffic (bench/hits.mjs). */
export { rng }

/** Index sampler over weights (cumulative table + binary search). */
function sampler(random, weights) {
  const cdf = new Float64Array(weights.length)
  let total = 0
  for (let i = 0; i < weights.length; i++) cdf[i] = total += weights[i]
  return () => {
    const r = random() * total
    let lo = 0
    let hi = cdf.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (cdf[mid] <= r) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}

/** Picks values of [value, weight] pairs. */
function weighted(random, pairs) {
  const pick = sampler(random, pairs.map(([, w]) => w))
  return () => pairs[pick()][0]
}

const zipfWeights = (n, s) => Array.from({ length: n }, (_, i) => 1 / Math.pow(i + 1, s))

function normal(random) {
  const u = 1 - random()
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random())
}

const hex8 = (random) => ((random() * 4294967296) >>> 0).toString(16).padStart(8, '0')

/** A version-4-shaped UUID from the PRNG (session and website ids only need to be unique UUIDs). */
function uuid4(random) {
  const h = hex8(random) + hex8(random) + hex8(random) + hex8(random)
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`
}

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
function token(random, length) {
  let s = ''
  for (let i = 0; i < length; i++) s += ALNUM[Math.floor(random() * ALNUM.length)]
  return s
}

// ---------------------------------------------------------------------------------------------------
// The server's id rule for visits (src/server/collect/ids.ts), with a secret derived from the seed so the
// data set is reproducible: visit = UUIDv5(DNS, sha512(sessionUuid + sha512(hourStart.toUTCString()) + secret)).

const DNS_NAMESPACE = Buffer.from('6ba7b8109dad11d180b400c04fd430c8', 'hex')
// crypto.hash (one-shot) costs a third of createHash().update().digest() per call.
const sha512 = (value) => hash('sha512', value, 'hex')

function uuidV5(name) {
  const h = hash('sha1', Buffer.concat([DNS_NAMESPACE, Buffer.from(name)]), 'buffer')
  h[6] = (h[6] & 0x0f) | 0x50
  h[8] = (h[8] & 0x3f) | 0x80
  const x = h.toString('hex', 0, 16)
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`
}

function visitIds(secret) {
  const salts = new Map()
  return (sessionUuid, t) => {
    const hour = Math.floor(t / HOUR) * HOUR
    let salt = salts.get(hour)
    if (salt === undefined) salts.set(hour, (salt = sha512(new Date(hour).toUTCString())))
    return uuidV5(sha512(sessionUuid + salt + secret))
  }
}

// ---------------------------------------------------------------------------------------------------
// Who visits: browser/OS pairs as the server names them (src/server/collect/client-info.ts), screens,
// countries with their languages.

/** [browser, os, weight] per device class; names are the ones client-info.ts stores. */
const CLIENTS = {
  desktop: [
    ['chrome', 'Windows 10', 30], ['edge-chromium', 'Windows 10', 9], ['firefox', 'Windows 10', 5], ['opera', 'Windows 10', 1.5],
    ['yandexbrowser', 'Windows 10', 0.6], ['chrome', 'Windows 7', 0.8], ['firefox', 'Windows 8.1', 0.3], ['chrome', 'Mac OS', 10],
    ['safari', 'Mac OS', 8], ['firefox', 'Mac OS', 1.5], ['edge-chromium', 'Mac OS', 0.8], ['chrome', 'Linux', 3],
    ['firefox', 'Linux', 2], ['chrome', 'Chrome OS', 1.2]
  ],
  mobile: [
    ['ios', 'iOS', 22], ['crios', 'iOS', 4], ['fxios', 'iOS', 0.5], ['edge-ios', 'iOS', 0.3], ['facebook', 'iOS', 1],
    ['instagram', 'iOS', 1], ['ios-webview', 'iOS', 0.6], ['chrome', 'Android OS', 20], ['samsung', 'Android OS', 5],
    ['firefox', 'Android OS', 1], ['chromium-webview', 'Android OS', 1.5], ['opera', 'Android OS', 0.7],
    ['edge-chromium', 'Android OS', 0.3], ['miui', 'Android OS', 0.4]
  ],
  tablet: [['ios', 'iOS', 4], ['crios', 'iOS', 0.5], ['chrome', 'Android OS', 2], ['samsung', 'Android OS', 0.6], ['silk', 'Android OS', 0.5]]
}

const SCREENS = {
  desktop: [['1920x1080', 30], ['2560x1440', 10], ['1536x864', 12], ['1366x768', 10], ['1440x900', 8], ['1280x720', 4], ['3840x2160', 3], ['1680x1050', 3], ['2560x1600', 3], ['1280x800', 3]],
  mobile: [['390x844', 15], ['393x873', 10], ['414x896', 8], ['375x667', 6], ['360x800', 10], ['412x915', 9], ['430x932', 6], ['360x780', 4], ['384x854', 3]],
  tablet: [['810x1080', 6], ['820x1180', 5], ['768x1024', 5], ['1024x1366', 3], ['800x1280', 4], ['1280x800', 2]]
}

/** [country (null = unknown address), weight, languages: first is the usual one]. */
const COUNTRIES = [
  ['US', 28, ['en-US', 'es-US']], ['DE', 8, ['de-DE', 'de', 'en-US']], ['GB', 6, ['en-GB', 'en']], ['IN', 6, ['en-IN', 'en-US', 'hi-IN']],
  ['FR', 4.5, ['fr-FR', 'fr']], ['CA', 3.5, ['en-CA', 'fr-CA', 'en-US']], ['BR', 3.5, ['pt-BR']], ['NL', 2.5, ['nl-NL', 'en-US']],
  ['JP', 2.5, ['ja-JP', 'ja']], ['ES', 2.2, ['es-ES', 'es']], ['IT', 2, ['it-IT']], ['PL', 1.8, ['pl-PL', 'pl']],
  ['AU', 1.8, ['en-AU', 'en-US']], ['RU', 1.5, ['ru-RU', 'ru']], ['CN', 1.5, ['zh-CN']], ['SE', 1.2, ['sv-SE', 'en-US']],
  ['CH', 1, ['de-CH', 'fr-CH']], ['KR', 1, ['ko-KR']], ['TR', 0.9, ['tr-TR']], ['MX', 1, ['es-MX', 'es-419']],
  ['UA', 0.8, ['uk-UA', 'ru-RU']], ['AT', 0.8, ['de-AT', 'de-DE']], ['BE', 0.7, ['nl-BE', 'fr-BE']], ['ID', 0.8, ['id-ID']],
  ['VN', 0.6, ['vi-VN']], ['TW', 0.5, ['zh-TW']], ['CZ', 0.5, ['cs-CZ']], ['DK', 0.5, ['da-DK']], ['NO', 0.5, ['nb-NO']],
  ['FI', 0.4, ['fi-FI']], ['IE', 0.4, ['en-IE', 'en-GB']], ['PT', 0.4, ['pt-PT']], ['AR', 0.5, ['es-AR', 'es-419']],
  ['SG', 0.4, ['en-SG', 'en-US']], ['IL', 0.3, ['he-IL', 'en-US']], ['ZA', 0.3, ['en-ZA']], ['NG', 0.3, ['en-NG', 'en-US']],
  ['PH', 0.4, ['en-PH', 'fil-PH']], ['RO', 0.3, ['ro-RO']], ['HU', 0.3, ['hu-HU']], ['GR', 0.2, ['el-GR']], [null, 0.6, ['en-US']]
]

/** Umami's v1 device rule (deviceType in client-info.ts): OS family first, then the screen width. */
const DESKTOP_OS = new Set(['Windows 7', 'Windows 8.1', 'Windows 10', 'Linux', 'Mac OS', 'Chrome OS'])
function deviceType(screen, os) {
  const width = Number(screen.split('x')[0])
  if (DESKTOP_OS.has(os)) return os === 'Chrome OS' || width < 1920 ? 'laptop' : 'desktop'
  return width > 479 ? 'tablet' : 'mobile'
}

// ---------------------------------------------------------------------------------------------------
// Where visitors come from

/** Shares of the visits that arrive with a referrer (45 % of visits arrive with none: direct). */
const REFERRER_KINDS = { search: 0.55, social: 0.2, referral: 0.2, email: 0.05 }

/** Referrer of a visit's first page: [kind, url, weight within its kind]. */
function buildReferrers(random) {
  const list = [
    ['search', 'https://www.google.com/', 40], ['search', 'https://www.google.de/', 6], ['search', 'https://www.google.co.uk/', 5],
    ['search', 'https://www.google.fr/', 3], ['search', 'https://www.google.com.br/', 2], ['search', 'https://www.google.co.in/', 3],
    ['search', 'https://www.bing.com/', 7], ['search', 'https://duckduckgo.com/', 5], ['search', 'https://www.ecosia.org/', 1.5],
    ['search', 'https://search.brave.com/', 1.5], ['search', 'https://yandex.ru/', 1], ['search', 'https://www.baidu.com/', 0.5],
    ['search', 'https://search.yahoo.com/', 1], ['search', 'https://www.qwant.com/', 0.5], ['search', 'https://www.startpage.com/', 0.4],
    ['social', 'https://t.co/', 10], ['social', 'https://l.facebook.com/', 8], ['social', 'https://lm.facebook.com/', 1.5],
    ['social', 'https://www.linkedin.com/', 6], ['social', 'https://www.youtube.com/', 4], ['social', 'https://www.instagram.com/', 3],
    ['social', 'https://mastodon.social/', 2], ['social', 'https://bsky.app/', 1.5], ['social', 'https://www.pinterest.com/', 1],
    ['email', 'https://mail.google.com/', 3], ['email', 'https://outlook.live.com/', 1.5], ['email', 'android-app://com.google.android.gm/', 1],
    ['referral', 'https://dev.to/', 2], ['referral', 'https://medium.com/', 2], ['referral', 'https://www.producthunt.com/', 1.5],
    ['referral', 'https://stackoverflow.com/', 2.5], ['referral', 'https://en.wikipedia.org/', 1.5]
  ]
  const words = ['sqlite', 'analytics', 'privacy', 'dashboard', 'node', 'webdev', 'selfhosted', 'design', 'data', 'ops']
  for (let i = 0; i < 30; i++) list.push(['social', `https://www.reddit.com/r/${words[i % words.length]}/comments/${token(random, 6).toLowerCase()}/`, 12 / (i + 1)])
  for (let i = 0; i < 20; i++) list.push(['social', `https://news.ycombinator.com/item?id=${40_000_000 + Math.floor(random() * 1e6)}`, 8 / (i + 1)])
  for (let i = 0; i < 30; i++) list.push(['referral', `https://github.com/${words[i % 10]}-${token(random, 5).toLowerCase()}/${words[(i * 7) % 10]}`, 6 / (i + 1)])
  for (let i = 0; i < 40; i++) list.push(['referral', `https://stackoverflow.com/questions/${7_000_000 + Math.floor(random() * 7e7)}/`, 3 / (i + 1)])
  // The long tail of blogs, forums and link lists: a Zipf law over a few hundred sites.
  const tlds = ['com', 'org', 'net', 'io', 'dev', 'de', 'co.uk', 'fr', 'blog']
  for (let i = 0; i < 300; i++) {
    const host = `${words[Math.floor(random() * 10)]}${i}.${tlds[i % tlds.length]}`
    list.push(['referral', `https://${random() < 0.4 ? 'www.' : ''}${host}/${random() < 0.5 ? '' : `posts/${token(random, 8).toLowerCase()}`}`, 8 / Math.pow(i + 1, 0.9)])
  }
  return list.map(([kind, url, weight]) => ({ kind, url, domain: referrerDomain(url), weight }))
}

/** referrerDomain in src/server/collect/hit.ts: the host without www., lower case. */
function referrerDomain(referrer) {
  if (!referrer || referrer.startsWith('/')) return null
  try {
    const host = new URL(referrer).hostname
    return host ? host.replace(/^www\./i, '').toLowerCase().slice(0, 100) : null
  } catch {
    return null
  }
}

/**
 * Campaign links a visit may land with: query parameters as a tracker sends them, and the utm / click-id
 * columns the server parses out of them (campaignParams in hit.ts; '+' reads as a space).
 */
const CAMPAIGNS = [
  [[['utm_source', 'newsletter'], ['utm_medium', 'email'], ['utm_campaign', 'spring-release']], null, 8],
  [[['utm_source', 'newsletter'], ['utm_medium', 'email'], ['utm_campaign', 'weekly-digest'], ['utm_content', 'header-link']], null, 5],
  [[['utm_source', 'twitter'], ['utm_medium', 'social'], ['utm_campaign', 'launch']], null, 5],
  [[['utm_source', 'linkedin'], ['utm_medium', 'social'], ['utm_campaign', 'hiring']], null, 2],
  [[['utm_source', 'google'], ['utm_medium', 'cpc'], ['utm_campaign', 'brand'], ['utm_term', 'web+analytics']], 'gclid', 7],
  [[['utm_source', 'google'], ['utm_medium', 'cpc'], ['utm_campaign', 'competitors'], ['utm_term', 'privacy+analytics']], 'gclid', 3],
  [[['utm_source', 'facebook'], ['utm_medium', 'paid_social'], ['utm_campaign', 'retargeting']], 'fbclid', 4],
  [[['utm_source', 'bing'], ['utm_medium', 'cpc'], ['utm_campaign', 'brand']], 'msclkid', 1.5],
  [[['utm_source', 'hn'], ['utm_medium', 'referral']], null, 2],
  [[['utm_source', 'producthunt'], ['utm_medium', 'referral'], ['utm_campaign', 'ph-launch']], null, 1.5],
  [[['ref', 'producthunt']], null, 1.5],
  [[], 'gclid', 3],
  [[], 'fbclid', 2]
].map(([params, clickId, weight]) => ({ params, clickId, weight }))

// ---------------------------------------------------------------------------------------------------
// What they look at and do: one profile per kind of site

const WORDS = [
  'sqlite', 'analytics', 'privacy', 'dashboard', 'fastify', 'node', 'performance', 'wal', 'durability', 'cookies',
  'tracking', 'open-source', 'self-hosted', 'desktop', 'electron', 'vue', 'charts', 'sessions', 'referrers', 'campaigns',
  'benchmarks', 'indexes', 'rollups', 'migration', 'release', 'roadmap', 'security', 'gdpr', 'pricing', 'teams'
]

const titleOf = (path, siteName) => {
  if (path === '/') return siteName
  const last = path.split('/').filter(Boolean).at(-1)
  const words = last.replace(/-\d+$/, '').split('-').map((w) => w.charAt(0).toUpperCase() + w.slice(1))
  return `${words.join(' ')} · ${siteName}`
}

const pickOf = (random, list) => list[Math.floor(random() * list.length)]
const str = (key, value) => [key, DATA_TYPE.string, value, null]
const num = (key, value) => [key, DATA_TYPE.number, null, value]

/** Event properties: the required ones, then each optional one with probability 1/2 (1 to 3 in all). */
const props = (random, required, optional = []) => {
  const rows = required.map((f) => f(random))
  for (const f of optional) if (rows.length < 3 && random() < 0.5) rows.push(f(random))
  return rows
}

const PROFILES = [
  {
    name: 'Example Blog',
    host: 'www.example.com',
    devices: [['desktop', 55], ['mobile', 40], ['tablet', 5]],
    eventsPerPageview: 0.18,
    weekend: 0.75,
    tags: [['variant-a', 1], ['variant-b', 1]],
    tagShare: 0.12,
    identifiedShare: 0.02,
    pages(random) {
      const pages = ['/', '/pricing', '/blog', '/docs', '/about', '/features', '/download', '/contact', '/changelog', '/login', '/signup']
      for (let i = 0; i < 240; i++) pages.push(`/blog/${pickOf(random, WORDS)}-${pickOf(random, WORDS)}-${2019 + (i % 7)}-${i}`)
      const sections = ['getting-started', 'api', 'guides', 'reference', 'self-hosting', 'tracker', 'faq']
      for (let i = 0; i < 120; i++) pages.push(`/docs/${sections[i % sections.length]}/${pickOf(random, WORDS)}-${i}`)
      for (const w of WORDS) pages.push(`/tags/${w}`)
      return pages
    },
    pageQueries: { '/blog': ['page=2', 'page=3', 'page=4'], '/docs': ['version=2', 'version=1'], '/pricing': ['plan=team', 'billing=yearly'] },
    events: [
      ['signup-click', 30, (r) => props(r, [(r) => str('plan', pickOf(r, ['free', 'free', 'pro', 'team']))], [(r) => str('position', pickOf(r, ['hero', 'footer', 'pricing']))])],
      ['download', 20, (r) => props(r, [(r) => str('platform', pickOf(r, ['mac', 'windows', 'windows', 'linux']))], [(r) => str('version', pickOf(r, ['1.4.2', '1.4.1', '1.5.0-beta'])), (r) => num('size', 80_000_000 + Math.floor(r() * 9_000_000))])],
      ['outbound-link', 18, (r) => props(r, [(r) => str('url', `https://github.com/${pickOf(r, WORDS)}/${pickOf(r, WORDS)}`)])],
      ['newsletter-subscribe', 8, (r) => props(r, [(r) => str('source', pickOf(r, ['footer', 'popup', 'post-end']))])],
      ['play-video', 10, (r) => props(r, [(r) => str('video', pickOf(r, ['intro', 'tour', 'self-hosting']))], [(r) => num('seconds', Math.floor(r() * 300))])],
      ['copy-code', 9, (r) => props(r, [(r) => str('language', pickOf(r, ['bash', 'js', 'sql', 'yaml']))], [(r) => num('lines', 1 + Math.floor(r() * 40))])],
      ['search', 5, (r) => [str('query', `${pickOf(r, WORDS)} ${pickOf(r, WORDS)}`), num('results', Math.floor(r() * 40))]]
    ]
  },
  {
    name: 'Example Shop',
    host: 'shop.example.net',
    devices: [['desktop', 38], ['mobile', 55], ['tablet', 7]],
    eventsPerPageview: 0.24,
    weekend: 1.05,
    tags: [['checkout-v2', 1]],
    tagShare: 0.05,
    identifiedShare: 0.06,
    pages(random) {
      const pages = ['/', '/cart', '/checkout', '/account', '/search', '/sale', '/new', '/help', '/shipping', '/returns']
      const categories = ['books', 'tools', 'apps', 'kitchen', 'garden', 'toys', 'outdoor', 'office', 'audio', 'lighting', 'bags', 'shoes', 'coffee', 'tea', 'gifts']
      for (const c of categories) pages.push(`/categories/${c}`)
      for (let i = 0; i < 300; i++) pages.push(`/products/${pickOf(random, categories)}-${pickOf(random, WORDS)}-${1000 + i * 7}`)
      for (let i = 0; i < 20; i++) pages.push(`/brands/${pickOf(random, WORDS)}-${i}`)
      return pages
    },
    pageQueries: { '/search': WORDS.map((w) => `q=${w}`), '/sale': ['sort=price', 'sort=discount'], '/new': ['page=2'] },
    events: [
      ['add-to-cart', 35, (r) => props(r, [(r) => str('product', `sku-${1000 + Math.floor(r() * 300) * 7}`)], [(r) => num('price', Math.round((5 + r() * 195) * 100) / 100), (r) => num('quantity', 1 + Math.floor(r() * r() * 4))])],
      ['checkout-start', 12, (r) => props(r, [(r) => num('items', 1 + Math.floor(r() * r() * 6))], [(r) => num('total', Math.round((10 + r() * 400) * 100) / 100)])],
      ['purchase', 6, (r) => [num('total', Math.round((10 + r() * 400) * 100) / 100), str('currency', pickOf(r, ['USD', 'USD', 'EUR', 'GBP'])), num('items', 1 + Math.floor(r() * r() * 6))]],
      ['search', 20, (r) => props(r, [(r) => str('query', pickOf(r, WORDS))], [(r) => num('results', Math.floor(r() * 80))])],
      ['wishlist', 8, (r) => props(r, [(r) => str('product', `sku-${1000 + Math.floor(r() * 300) * 7}`)])],
      ['newsletter-subscribe', 4, (r) => props(r, [(r) => str('source', pickOf(r, ['footer', 'checkout']))])]
    ]
  },
  {
    name: 'Example Docs',
    host: 'docs.example.org',
    devices: [['desktop', 82], ['mobile', 15], ['tablet', 3]],
    eventsPerPageview: 0.12,
    weekend: 0.45,
    tags: [],
    tagShare: 0,
    identifiedShare: 0,
    pages(random) {
      const pages = ['/', '/getting-started', '/install', '/changelog', '/faq', '/search', '/glossary']
      for (let i = 0; i < 80; i++) pages.push(`/api/${pickOf(random, WORDS)}-${pickOf(random, ['get', 'list', 'create', 'update', 'delete'])}-${i}`)
      for (let i = 0; i < 60; i++) pages.push(`/guides/${pickOf(random, WORDS)}-${pickOf(random, WORDS)}-${i}`)
      for (let i = 0; i < 120; i++) pages.push(`/reference/${pickOf(random, WORDS)}-${i}`)
      return pages
    },
    pageQueries: { '/search': WORDS.map((w) => `q=${w}`), '/changelog': ['version=1.4', 'version=1.3'] },
    events: [
      ['copy-code', 45, (r) => props(r, [(r) => str('language', pickOf(r, ['bash', 'js', 'ts', 'sql', 'json']))], [(r) => num('block', 1 + Math.floor(r() * 8))])],
      ['search', 25, (r) => props(r, [(r) => str('query', `${pickOf(r, WORDS)} ${pickOf(r, ['api', 'error', 'setup', 'config'])}`)], [(r) => num('results', Math.floor(r() * 25))])],
      ['feedback', 12, (r) => props(r, [(r) => str('helpful', r() < 0.78 ? 'yes' : 'no')], [(r) => num('rating', 1 + Math.floor(r() * 5))])],
      ['outbound-link', 10, (r) => props(r, [(r) => str('url', `https://github.com/example/${pickOf(r, WORDS)}`)])],
      ['version-switch', 8, (r) => [str('from', '1.4'), str('to', pickOf(r, ['1.3', '1.5-beta']))]]
    ]
  }
]

/** An event and one of its properties on the largest website (profile 0), for event-data/values. */
export const PROFILES_SAMPLE = { event: PROFILES[0].events[0][0], property: 'plan' }

// ---------------------------------------------------------------------------------------------------
// Daily and weekly rhythm

/** Traffic by UTC hour: Europe's day, the Americas' day and a smaller Asia-Pacific bump. */
function diurnal(hour) {
  const bump = (center, sigma) => {
    const d = Math.min(Math.abs(hour - center), 24 - Math.abs(hour - center))
    return Math.exp(-(d * d) / (2 * sigma * sigma))
  }
  return 0.06 + 0.55 * bump(13, 3.5) + 0.5 * bump(19.5, 3.5) + 0.15 * bump(4, 3)
}
/** Sunday … Saturday, on weekdays; weekends scale by the profile's `weekend`. */
const WEEKDAY = [0.8, 1.05, 1.08, 1.07, 1.04, 0.95, 0.75]

function hourWeight(t, weekendFactor) {
  const d = new Date(t)
  const day = d.getUTCDay()
  const weekday = day === 0 || day === 6 ? WEEKDAY[day] * weekendFactor / 0.775 : WEEKDAY[day]
  return diurnal(d.getUTCHours() + 0.5) * weekday
}

// ---------------------------------------------------------------------------------------------------
// Generation

/** One website's generator state. */
function makeSite(random, index, profile, websiteId, websiteUuid, target, windows, spikeWindow) {
  const name = index < PROFILES.length ? profile.name : `${profile.name} ${index + 1}`
  const host = index < PROFILES.length ? profile.host : profile.host.replace(/^(www\.)?/, `site${index + 1}.`)
  const paths = profile.pages(random)
  // Shuffle all but the first few so popularity is not tied to the section.
  for (let i = paths.length - 1; i > 6; i--) {
    const j = 6 + Math.floor(random() * (i - 5))
    ;[paths[i], paths[j]] = [paths[j], paths[i]]
  }
  const pages = paths.map((path) => ({ path, title: titleOf(path, name), queries: profile.pageQueries[path] ?? null }))
  // Entries and later pages follow different Zipf laws: visits land more on the long tail (posts, products).
  const entryPage = sampler(random, zipfWeights(pages.length, 0.95))
  const nextPage = sampler(random, zipfWeights(pages.length, 1.1))
  const bareHost = host.replace(/^www\./, '')
  const hosts = host === bareHost ? [host] : [host, bareHost]
  // Per-day volume: weekday/weekend, growth over the range, some noise, and one day on a link aggregator.
  const dayWeights = windows.map((w, i) => {
    let weight = 0
    for (let h = 0; h < 24; h++) weight += hourWeight(w.start + h * HOUR + HOUR / 2, profile.weekend)
    weight *= (0.75 + (0.5 * i) / windows.length) * (0.88 + 0.24 * random())
    return i === spikeWindow ? weight * 3 : weight
  })
  const total = dayWeights.reduce((a, b) => a + b, 0)
  let cumulative = 0
  const cumulativeTargets = dayWeights.map((w) => Math.round(((cumulative += w) / total) * target))
  cumulativeTargets[cumulativeTargets.length - 1] = target
  const events = profile.events
  return {
    index,
    profile,
    name,
    host,
    domain: bareHost,
    websiteId,
    websiteUuid,
    target,
    generated: 0,
    cumulativeTargets,
    spikeWindow,
    pages,
    entryPage,
    nextPage,
    pickHost: () => (hosts.length === 1 || random() < 0.9 ? hosts[0] : hosts[1]),
    pickDevice: weighted(random, profile.devices),
    pickClient: Object.fromEntries(Object.entries(CLIENTS).map(([k, list]) => [k, sampler(random, list.map(([, , w]) => w))])),
    pickScreen: Object.fromEntries(Object.entries(SCREENS).map(([k, list]) => [k, weighted(random, list)])),
    pickEvent: sampler(random, events.map(([, w]) => w)),
    pickTag: profile.tags.length ? weighted(random, profile.tags) : () => null,
    counts: { events: 0, pageviews: 0, customEvents: 0, eventData: 0, sessions: 0, visits: 0, bounces: 0, sessionData: 0 }
  }
}

/**
 * Writes the data set into `dataDir` (created; must not hold a database yet) and returns the summary.
 * @param {{ events?: number, days?: number, websites?: number, seed?: number, dataDir: string, end?: number, analyze?: boolean, log?: (line: string) => void }} options
 */
export async function generate({ events = 1_000_000, days = 90, websites = 3, seed = 42, dataDir, end = Date.now(), analyze = false, log = (line) => console.error(`bench:data: ${line}`) }) {
  if (!dataDir) throw new Error('generate: dataDir is required')
  for (const [name, value, min] of [['events', events, 1], ['days', days, 1], ['websites', websites, 1]]) {
    if (!Number.isSafeInteger(value) || value < min) throw new Error(`${name} must be a whole number ≥ ${min}, got ${value}`)
  }
  dataDir = resolve(dataDir)
  const file = join(dataDir, DATABASE_FILE)
  if (existsSync(file)) throw new Error(`${file} already exists: the generator writes into a new data directory only`)
  installCleanup()
  const started = performance.now()

  ensureBuilt(log)
  await createDatabase(dataDir, log)

  const db = new Database(file, { fileMustExist: true })
  try {
    // A generator: nothing needs to survive a crash half-way, so no journal and no fsync while loading.
    db.pragma('journal_mode = OFF')
    db.pragma('synchronous = OFF')
    db.pragma('foreign_keys = ON')
    db.pragma('cache_size = -262144')
    db.pragma('temp_store = MEMORY')
    const summary = await fill(db, { events, days, websites, seed, end, log })
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = FULL')
    if (analyze) {
      const t = performance.now()
      db.exec('ANALYZE')
      log(`ANALYZE took ${((performance.now() - t) / 1000).toFixed(1)} s`)
    }
    const checkStarted = performance.now()
    const violations = db.pragma('foreign_key_check')
    if (violations.length > 0) throw new Error(`foreign_key_check found ${violations.length} violations, e.g. ${JSON.stringify(violations[0])}`)
    db.pragma('wal_checkpoint(TRUNCATE)')
    db.close()
    log(`foreign_key_check and close: ${((performance.now() - checkStarted) / 1000).toFixed(1)} s`)
    const dbBytes = statSync(file).size
    const result = {
      generatorVersion: GENERATOR_VERSION,
      params: { events, days, websites, seed, analyze },
      ...summary,
      seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
      dbBytes,
      dbMb: Number((dbBytes / 1048576).toFixed(1)),
      mbPerMillionEvents: Number(((dbBytes / 1048576) * (1e6 / summary.events)).toFixed(1))
    }
    writeFileSync(join(dataDir, META_FILE), JSON.stringify(result, null, 2) + '\n')
    return result
  } catch (error) {
    if (db.open) db.close()
    throw error
  }
}

export function ensureBuilt(log) {
  if (existsSync(SERVER_ENTRY)) return
  log('out/main/server.js is missing: building (electron-vite build)…')
  const result = spawnSync(process.execPath, [join(ROOT, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] })
  if (result.status !== 0 || !existsSync(SERVER_ENTRY)) throw new Error('electron-vite build failed (see above)')
}

/** The server creates and migrates the database and the admin account on its first start. */
async function createDatabase(dataDir, log) {
  mkdirSync(dataDir, { recursive: true })
  const server = startNode([SERVER_ENTRY, '--port', '0', '--data', dataDir], { cwd: ROOT, readyPattern: READY_LINE, name: 'Dashi server (creating the database)' })
  await server.ready
  const stopped = await server.stop()
  if (stopped.killed || stopped.code !== 0) throw new Error(`the server did not exit cleanly after creating the database (${JSON.stringify(stopped)}):\n${server.tail.join('\n')}`)
  log(`database created by the server in ${dataDir}`)
}

async function fill(db, { events, days, websites, seed, end, log }) {
  const random = rng(seed)
  const secret = createHash('sha256').update(`dashi-bench:${seed}`).digest('hex')
  const visitUuid = visitIds(secret)
  const admin = db.prepare("SELECT user_id FROM account WHERE username = 'admin'").pluck().get()
  if (admin === undefined) throw new Error('no admin account in the new database')

  const start = end - days * DAY
  const windows = Array.from({ length: days }, (_, i) => ({ start: start + i * DAY, end: i === days - 1 ? end : start + (i + 1) * DAY }))

  // Websites: each about a third of the one before.
  const shares = Array.from({ length: websites }, (_, i) => 1 / Math.pow(3, i))
  const shareTotal = shares.reduce((a, b) => a + b, 0)
  // Rounded cumulatively, so the targets add up to `events` exactly.
  let cumulativeShare = 0
  const targets = shares.map((s) => {
    const before = Math.round((cumulativeShare / shareTotal) * events)
    cumulativeShare += s
    return Math.round((cumulativeShare / shareTotal) * events) - before
  })
  const insertWebsite = db.prepare('INSERT INTO website (website_uuid, user_id, name, domain, share_id, created_at, updated_at) VALUES (?, ?, ?, ?, NULL, ?, ?)')
  const sites = targets.map((target, i) => {
    const profile = PROFILES[i % PROFILES.length]
    const uuid = uuid4(random)
    const spike = i === 0 && days >= 7 ? Math.floor(days * (0.4 + 0.3 * random())) : -1
    const site = makeSite(random, i, profile, 0, uuid, target, windows, spike)
    site.websiteId = Number(insertWebsite.run(uuid, admin, site.name, site.domain, start - 30 * DAY, start - 30 * DAY).lastInsertRowid)
    return site
  })

  const stmt = {
    session: db.prepare(`INSERT INTO session (session_id, session_uuid, website_id, created_at, hostname, browser, os, device, screen,
      language, country, region, city, distinct_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?)`),
    event: db.prepare(`INSERT INTO website_event (event_id, website_id, session_id, visit_id, created_at, event_type, url_path, url_query,
      referrer, referrer_domain, page_title, event_name, tag, hostname, utm_source, utm_medium, utm_campaign, utm_content, utm_term,
      gclid, fbclid, msclkid, ttclid, li_fat_id, twclid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    data: db.prepare(`INSERT INTO event_data (website_id, event_id, data_key, string_value, number_value, date_value, data_type, created_at)
      VALUES (?, ?, ?, ?, ?, NULL, ?, ?)`),
    sessionData: db.prepare(`INSERT INTO session_data (website_id, session_id, data_key, string_value, number_value, date_value, data_type,
      distinct_id, created_at) VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?)`)
  }

  const referrers = buildReferrers(random)
  // The kind first (search brings most of the traffic that has a referrer), then a referrer of that kind.
  const byKind = Object.entries(REFERRER_KINDS).map(([kind, share]) => {
    const list = referrers.filter((r) => r.kind === kind)
    return { share, list, pick: sampler(random, list.map((r) => r.weight)) }
  })
  const pickKind = sampler(random, byKind.map((k) => k.share))
  const pickReferrer = () => {
    const kind = byKind[pickKind()]
    return kind.list[kind.pick()]
  }
  const hnReferrers = referrers.filter((r) => r.domain === 'news.ycombinator.com')
  const pickCampaign = sampler(random, CAMPAIGNS.map((c) => c.weight))
  const pickCountry = sampler(random, COUNTRIES.map(([, w]) => w))

  let nextSessionId = 1
  let nextEventId = 1
  let distinctIds = 0
  /** Events generated but later than the window being written (visits running past midnight). */
  let carry = []
  /** Returning visits by window index: [{ session, t }]. */
  const returning = Array.from({ length: days }, () => [])
  let windowEvents = []
  let windowSessions = []
  let seq = 0

  function newSession(site, t0) {
    const device = site.pickDevice()
    const [browser, os] = CLIENTS[device][site.pickClient[device]()]
    const screen = site.pickScreen[device]()
    const [country, , languages] = COUNTRIES[pickCountry()]
    const r = random()
    const language = r < 0.75 ? languages[0] : r < 0.9 ? languages[Math.floor(random() * languages.length)] : 'en-US'
    const session = {
      id: 0,
      uuid: uuid4(random),
      site,
      createdAt: t0,
      hostname: site.pickHost(),
      browser,
      os,
      device: deviceType(screen, os),
      screen,
      language,
      country,
      distinctId: random() < site.profile.identifiedShare ? `user-${site.index + 1}-${++distinctIds}` : null,
      visitId: null,
      visitStart: 0,
      visitViews: 0
    }
    windowSessions.push(session)
    site.counts.sessions++
    return session
  }

  /** The server's visit rule, event by event: a visit goes on until it is 30 min old, then takes the id of the clock hour. */
  function visitOf(session, t, isView) {
    if (session.visitId === null || t - session.visitStart > VISIT_RENEW_MS) {
      const id = visitUuid(session.uuid, t)
      if (id !== session.visitId) {
        closeVisit(session)
        session.visitId = id
        session.site.counts.visits++
      }
      session.visitStart = t
    }
    if (isView) session.visitViews++
    return session.visitId
  }

  function closeVisit(session) {
    if (session.visitId !== null && session.visitViews === 1) session.site.counts.bounces++
    session.visitViews = 0
  }

  /** One event into the window (false once the website has all its events or the range has ended). */
  function emit(session, t, type, page, query, campaign, referrer, refDomain, eventName, data, tag) {
    const site = session.site
    if (site.generated >= site.target || t >= end) return false
    site.generated++
    const c = site.counts
    c.events++
    if (type === EVENT_TYPE.pageView) c.pageviews++
    else c.customEvents++
    if (data) c.eventData += data.length
    const row = [
      0, site.websiteId, 0, visitOf(session, t, type === EVENT_TYPE.pageView), t, type, page.path, query, referrer, refDomain,
      page.title, eventName, tag, session.hostname,
      campaign?.utm_source ?? null, campaign?.utm_medium ?? null, campaign?.utm_campaign ?? null, campaign?.utm_content ?? null,
      campaign?.utm_term ?? null, campaign?.gclid ?? null, campaign?.fbclid ?? null, campaign?.msclkid ?? null, null, null, null
    ]
    windowEvents.push({ t, seq: seq++, session, row, data })
    return true
  }

  function landing(site, windowIndex) {
    // 45 % direct (no referrer); the HN day of the first website sends half of its visits from there.
    if (windowIndex === site.spikeWindow && random() < 0.5) return hnReferrers[Math.floor(random() * hnReferrers.length)]
    return random() < 0.45 ? null : pickReferrer()
  }

  function campaignQuery() {
    const c = CAMPAIGNS[pickCampaign()]
    const parts = c.params.map(([k, v]) => `${k}=${v}`)
    const fields = {}
    for (const [k, v] of c.params) if (k.startsWith('utm_')) fields[k] = v.replace(/\+/g, ' ')
    if (c.clickId) {
      const id = token(random, 24)
      parts.push(`${c.clickId}=${id}`)
      fields[c.clickId] = id
    }
    return { query: parts.join('&'), fields }
  }

  function visit(session, t, windowIndex) {
    visitPages(session, t, windowIndex)
    // Its last run of views is over (the next visit of this session is hours away): count a bounce.
    closeVisit(session)
  }

  /** One visit: 1 page (a bounce, about half of them) or 2–20 pages, seconds to minutes apart; some custom events. */
  function visitPages(session, t, windowIndex) {
    const site = session.site
    const views = random() < 0.48 ? 1 : Math.min(20, 2 + Math.floor(Math.log(1 - random()) / Math.log(0.72)))
    const tag = site.profile.tagShare > 0 && random() < site.profile.tagShare ? site.pickTag() : null
    let page = site.pages[site.entryPage()]
    const ref = landing(site, windowIndex)
    let referrer = ref?.url ?? null
    let refDomain = ref?.domain ?? null
    let query = null
    let campaign = null
    if (random() < 0.09) {
      const c = campaignQuery()
      query = c.query
      campaign = c.fields
    } else if (page.queries && random() < 0.3) query = pickOf(random, page.queries)
    const internalDomain = session.hostname.replace(/^www\./, '')
    for (let i = 0; i < views; i++) {
      if (i > 0) {
        // Gaps: log-normal around 45 s, from a few seconds to half an hour.
        t += Math.round(1000 * Math.min(1800, Math.max(3, Math.exp(Math.log(45) + normal(random)))))
        referrer = `https://${session.hostname}${page.path}${query ? `?${query}` : ''}`
        refDomain = internalDomain
        let next = site.pages[site.nextPage()]
        if (next === page) next = site.pages[site.nextPage()]
        page = next
        campaign = null
        query = page.queries && random() < 0.3 ? pickOf(random, page.queries) : null
      }
      if (!emit(session, t, EVENT_TYPE.pageView, page, query, campaign, referrer, refDomain, null, null, tag)) return
      if (random() < site.profile.eventsPerPageview) {
        const [name, , makeData] = site.profile.events[site.pickEvent()]
        const te = t + Math.round(1000 * (1 + random() * 40))
        if (!emit(session, te, EVENT_TYPE.customEvent, page, query, campaign, referrer, refDomain, name, makeData(random), tag)) return
        t = te
      }
    }
  }

  /** A quarter of visitors come back (1–6 times, hours to days later) within the month of their session. */
  function scheduleReturns(session, t, windowIndex) {
    if (random() >= 0.25) return
    const month = new Date(t).getUTCMonth()
    let returns = 1
    while (returns < 6 && random() < 0.5) returns++
    for (let i = 0; i < returns; i++) {
      t += 2 * HOUR + Math.round(-Math.log(1 - random()) * 2.5 * DAY)
      if (t >= end || new Date(t).getUTCMonth() !== month) return
      const w = Math.min(days - 1, Math.max(windowIndex, Math.floor((t - start) / DAY)))
      // Later the same day: now (a session's visits are generated in time order, its visit state needs that).
      if (w === windowIndex) visit(session, t, windowIndex)
      else returning[w].push({ session, t })
    }
  }

  /** A time in the window, following the hour-of-day and weekday rhythm. */
  function startTimeSampler(site, w) {
    const hours = Math.ceil((w.end - w.start) / HOUR)
    const weights = Array.from({ length: hours }, (_, h) => hourWeight(w.start + h * HOUR + HOUR / 2, site.profile.weekend))
    const pick = sampler(random, weights)
    return () => Math.min(w.end - 1, w.start + pick() * HOUR + Math.floor(random() * HOUR))
  }

  const insertAll = db.transaction((sessions, list) => {
    for (const s of sessions) {
      s.id = nextSessionId++
      stmt.session.run(s.id, s.uuid, s.site.websiteId, s.createdAt, s.hostname, s.browser, s.os, s.device, s.screen, s.language, s.country, s.distinctId)
      if (s.distinctId) {
        // An identified visitor (the tracker's identify call): a few session properties.
        const r = random()
        const rows = [['plan', DATA_TYPE.string, r < 0.6 ? 'free' : r < 0.9 ? 'pro' : 'team', null], ['logins', DATA_TYPE.number, null, 1 + Math.floor(random() * 50)]]
        if (random() < 0.5) rows.push(['company', DATA_TYPE.string, `${pickOf(random, WORDS)}-corp`, null])
        for (const [key, type, sv, nv] of rows) stmt.sessionData.run(s.site.websiteId, s.id, key, sv, nv, type, s.distinctId, s.createdAt)
        s.site.counts.sessionData += rows.length
      }
    }
    for (const e of list) {
      const id = nextEventId++
      e.row[0] = id
      e.row[2] = e.session.id
      stmt.event.run(e.row)
      if (e.data) for (const [key, type, sv, nv] of e.data) stmt.data.run(e.row[1], id, key, sv, nv, type, e.t)
    }
  })

  let written = 0
  let lastLog = performance.now()
  const t0 = performance.now()
  for (let wi = 0; wi < days; wi++) {
    const w = windows[wi]
    windowEvents = carry
    windowSessions = []
    for (const { session, t } of returning[wi]) visit(session, t, wi)
    returning[wi] = []
    for (const site of sites) {
      const goal = site.cumulativeTargets[wi]
      const nextStart = startTimeSampler(site, w)
      // New visitors until the website's events reach its share up to this day (returning visits count too).
      for (let guard = 0; site.generated < goal && guard < 10 * (goal + 10); guard++) {
        const t = nextStart()
        const session = newSession(site, t)
        visit(session, t, wi)
        scheduleReturns(session, t, wi)
      }
    }
    // Sessions first seen in this window, in time order; events in time order (the ones past the window wait).
    windowSessions.sort((a, b) => a.createdAt - b.createdAt)
    windowEvents.sort((a, b) => a.t - b.t || a.seq - b.seq)
    let cut = windowEvents.length
    if (wi < days - 1) while (cut > 0 && windowEvents[cut - 1].t >= w.end) cut--
    carry = windowEvents.slice(cut)
    const list = cut === windowEvents.length ? windowEvents : windowEvents.slice(0, cut)
    // A window's rows go in transactions of about ROWS_PER_TRANSACTION rows.
    const sessionsFirst = windowSessions
    if (list.length === 0) insertAll(sessionsFirst, [])
    for (let i = 0; i < list.length; i += ROWS_PER_TRANSACTION) insertAll(i === 0 ? sessionsFirst : [], list.slice(i, i + ROWS_PER_TRANSACTION))
    written += list.length
    // Let signal handlers run (Ctrl-C) between days: the rest of the loop is synchronous.
    await new Promise((resolveTick) => setImmediate(resolveTick))
    if (performance.now() - lastLog > 10_000 || wi === days - 1) {
      lastLog = performance.now()
      const s = (performance.now() - t0) / 1000
      log(`day ${wi + 1}/${days}: ${written.toLocaleString('en-US')} events (${Math.round(written / s).toLocaleString('en-US')}/s)`)
    }
  }

  const total = { events: 0, pageviews: 0, customEvents: 0, eventData: 0, sessions: 0, visits: 0, bounces: 0, sessionData: 0 }
  for (const site of sites) for (const k of Object.keys(total)) total[k] += site.counts[k]
  if (total.events !== written || written !== events) throw new Error(`generated ${total.events} events, wrote ${written}, asked for ${events}`)
  return {
    ...total,
    bounceShare: Number((total.bounces / total.visits).toFixed(3)),
    customEventShare: Number((total.customEvents / total.events).toFixed(3)),
    range: { startAt: start, endAt: end, startDate: new Date(start).toISOString(), endDate: new Date(end).toISOString() },
    websites: sites.map((s) => ({ name: s.name, uuid: s.websiteUuid, id: s.websiteId, domain: s.domain, ...s.counts }))
  }
}

// ---------------------------------------------------------------------------------------------------
// Cached data sets (node_modules/.cache/dashi-bench/<key>/) and the CLI

export const cacheKey = ({ events, days, websites, seed, end }) =>
  `v${GENERATOR_VERSION}-e${events}-d${days}-w${websites}-s${seed}${end === undefined ? '' : `-t${end}`}`

/** The summary of a complete data set in `dataDir`, or null. */
export function readSummary(dataDir) {
  const meta = join(dataDir, META_FILE)
  if (!existsSync(meta) || !existsSync(join(dataDir, DATABASE_FILE))) return null
  try {
    return JSON.parse(readFileSync(meta, 'utf8'))
  } catch {
    return null
  }
}

const partialDirs = new Set()
let partialHook = false

/**
 * The cached data set for these parameters, generated first when missing (or when `force`). It is written
 * into a side directory and renamed into place when complete, so an interrupted run leaves no half data set.
 */
export async function ensureDataSet({ events = 1_000_000, days = 90, websites = 3, seed = 42, end, force = false, analyze = false, log } = {}) {
  const dataDir = join(CACHE_ROOT, cacheKey({ events, days, websites, seed, end }) + (analyze ? '-analyzed' : ''))
  if (!force) {
    const summary = readSummary(dataDir)
    if (summary) return { dataDir, summary, reused: true }
  }
  rmSync(dataDir, { recursive: true, force: true })
  const partial = `${dataDir}.partial-${process.pid}`
  rmSync(partial, { recursive: true, force: true })
  partialDirs.add(partial)
  if (!partialHook) {
    partialHook = true
    process.on('exit', () => {
      for (const dir of partialDirs) rmSync(dir, { recursive: true, force: true })
    })
  }
  try {
    const summary = await generate({ events, days, websites, seed, analyze, dataDir: partial, ...(end === undefined ? {} : { end }), ...(log ? { log } : {}) })
    renameSync(partial, dataDir)
    return { dataDir, summary, reused: false }
  } finally {
    rmSync(partial, { recursive: true, force: true })
    partialDirs.delete(partial)
  }
}

export function parseCommonArgs(argv, extra = {}) {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      events: { type: 'string', default: '1000000' },
      days: { type: 'string', default: '90' },
      websites: { type: 'string', default: '3' },
      seed: { type: 'string', default: '42' },
      end: { type: 'string' },
      force: { type: 'boolean', default: false },
      analyze: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
      ...extra
    }
  })
  const whole = (name) => {
    const raw = values[name].replace(/_/g, '')
    const n = /^\d+(\.\d+)?[kKmM]?$/.test(raw) ? Number.parseFloat(raw) * ({ k: 1e3, m: 1e6 }[raw.at(-1).toLowerCase()] ?? 1) : NaN
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a whole number ≥ 1 (e.g. 200000, 200k, 1m), got "${values[name]}"`)
    return n
  }
  let end
  if (values.end !== undefined) {
    end = /^\d+$/.test(values.end) ? Number(values.end) : Date.parse(values.end)
    if (!Number.isSafeInteger(end) || end <= 0) throw new Error(`--end must be epoch milliseconds or an ISO date, got "${values.end}"`)
  }
  return { values, events: whole('events'), days: whole('days'), websites: whole('websites'), seed: whole('seed'), end }
}

export function formatSummary(s, dataDir) {
  const n = (x) => x.toLocaleString('en-US')
  const lines = [
    '',
    `Data set (generator v${s.generatorVersion}, seed ${s.params.seed}) in ${dataDir}`,
    `  range           ${s.range.startDate} … ${s.range.endDate} (${s.params.days} days)`,
    `  events          ${n(s.events)} (${n(s.pageviews)} pageviews, ${n(s.customEvents)} custom events = ${(s.customEventShare * 100).toFixed(1)} %)`,
    `  sessions        ${n(s.sessions)}   visits ${n(s.visits)}   bounce share ${(s.bounceShare * 100).toFixed(1)} %`,
    `  event_data      ${n(s.eventData)} rows   session_data ${n(s.sessionData)} rows`,
    `  database        ${s.dbMb} MB = ${s.mbPerMillionEvents} MB per million events${s.params.analyze ? ' (ANALYZEd)' : ''}`,
    `  took            ${s.seconds} s`,
    '  websites:'
  ]
  for (const w of s.websites) lines.push(`    ${w.uuid}  ${w.name.padEnd(16)} ${w.domain.padEnd(18)} ${n(w.events).padStart(12)} events ${n(w.sessions).padStart(10)} sessions`)
  return lines.join('\n')
}

const USAGE = `Usage: npm run bench:data -- [--events 1000000] [--days 90] [--websites 3] [--seed 42] [--end <ms|ISO>] [--data <dir>] [--force] [--analyze]

Without --data the data set goes to the cache that bench:reads uses (node_modules/.cache/dashi-bench/<key>/)
and is reused when already there (--force regenerates). With --data, <dir> must not hold a database yet.
The range ends now, or at --end (the same seed and --end give the same data set).
--analyze runs ANALYZE at the end (the server itself never does; see bench/README-data.md).`

async function main() {
  installCleanup()
  let args
  try {
    args = parseCommonArgs(process.argv.slice(2), { data: { type: 'string' } })
  } catch (error) {
    console.error(`${error.message}\n\n${USAGE}`)
    process.exit(2)
  }
  if (args.values.help) {
    console.log(USAGE)
    return
  }
  const { events, days, websites, seed, end, values } = args
  if (values.data) {
    const summary = await generate({ events, days, websites, seed, analyze: values.analyze, dataDir: values.data, ...(end === undefined ? {} : { end }) })
    console.log(formatSummary(summary, resolve(values.data)))
  } else {
    const { dataDir, summary, reused } = await ensureDataSet({ events, days, websites, seed, end, force: values.force, analyze: values.analyze })
    if (reused) console.error(`bench:data: reusing the cached data set (--force regenerates)`)
    console.log(formatSummary(summary, dataDir))
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error) => {
    console.error('bench:data failed:', error)
    process.exit(1)
  })
}
