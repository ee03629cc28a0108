import { describe, expect, test } from 'vitest'
import {
  browserName,
  countryOf,
  deviceType,
  deviceTypeV3,
  isPrivateAddress,
  makeIpMatcher,
  normalizeIp,
  osName,
  parseUserAgent
} from '../../src/server/collect/client-info'
import { CHROME_UA, FIREFOX_LINUX_UA, IPHONE_UA } from '../helpers'

/** Real user agents and what Umami (detect-browser 5.3) stores for them. */
const AGENTS: [label: string, ua: string, browser: string | null, os: string | null][] = [
  ['Chrome on Windows 10', CHROME_UA, 'chrome', 'Windows 10'],
  [
    // Windows 11 still sends "Windows NT 10.0"; Umami cannot tell them apart.
    'Chrome on Windows 11',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36',
    'chrome',
    'Windows 10'
  ],
  [
    'Chrome on Windows 7',
    'Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0.0.0 Safari/537.36',
    'chrome',
    'Windows 7'
  ],
  [
    'Edge (Chromium) on Windows',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86',
    'edge-chromium',
    'Windows 10'
  ],
  [
    'Edge (EdgeHTML) on Windows',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0.3538.102 Safari/537.36 Edge/18.19582',
    'edge',
    'Windows 10'
  ],
  ['Firefox on Linux', FIREFOX_LINUX_UA, 'firefox', 'Linux'],
  ['Firefox on Ubuntu', 'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0', 'firefox', 'Linux'],
  ['Firefox on FreeBSD (an X11 system)', 'Mozilla/5.0 (X11; FreeBSD amd64; rv:133.0) Gecko/20100101 Firefox/133.0', 'firefox', 'Linux'],
  [
    'Safari on macOS',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
    'safari',
    'Mac OS'
  ],
  ['Safari on iPhone', IPHONE_UA, 'ios', 'iOS'],
  [
    'Chrome on iPhone',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1',
    'crios',
    'iOS'
  ],
  [
    'Firefox on iPhone',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/133.0 Mobile/15E148 Safari/605.1.15',
    'fxios',
    'iOS'
  ],
  [
    'Edge on iPhone',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 EdgiOS/131.2903.68 Mobile/15E148 Safari/605.1.15',
    'edge-ios',
    'iOS'
  ],
  [
    'an app web view on iPhone',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
    'ios-webview',
    'iOS'
  ],
  [
    'Samsung Internet',
    'Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36',
    'samsung',
    'Android OS'
  ],
  [
    'Chrome on Android',
    'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
    'chrome',
    'Android OS'
  ],
  [
    'an Android web view',
    'Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240805.005; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/131.0.6778.39 Mobile Safari/537.36',
    'chromium-webview',
    'Android OS'
  ],
  ['Firefox on Android', 'Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0', 'firefox', 'Android OS'],
  [
    'Chrome on Chrome OS',
    'Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    'chrome',
    'Chrome OS'
  ],
  [
    'Opera on Windows',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 OPR/116.0.0.0',
    'opera',
    'Windows 10'
  ],
  ['Opera Presto', 'Opera/9.80 (Windows NT 6.1; WOW64) Presto/2.12.388 Version/12.18', 'opera', 'Windows 7'],
  [
    'Yandex Browser',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 YaBrowser/24.6.0.0 Safari/537.36',
    'yandexbrowser',
    'Windows 10'
  ],
  [
    // Chromium browsers that do not have a key of their own are "chrome" in Umami, not "vivaldi".
    'Vivaldi',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Vivaldi/7.0.3495.18',
    'chrome',
    'Windows 10'
  ],
  ['Internet Explorer 11', 'Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko', 'ie', 'Windows 7'],
  [
    'Silk on a Fire tablet (its agent names Android)',
    'Mozilla/5.0 (Linux; Android 9; KFTRWI) AppleWebKit/537.36 (KHTML, like Gecko) Silk/131.2.1 like Chrome/131.0.6778.135 Safari/537.36',
    'silk',
    'Android OS'
  ],
  [
    'a Kindle e-reader',
    'Mozilla/5.0 (Linux; U; en-US) AppleWebKit/528.5+ (KHTML, like Gecko, Safari/528.5+) Version/4.0 Kindle/3.0 (screen 600x800; rotate)',
    null,
    'Amazon OS'
  ],
  ['curl', 'curl/8.5.0', 'curl', null],
  ['an empty agent', '', null, null]
]

describe('browser and OS as Umami stores them', () => {
  test.each(AGENTS)('%s', (_label, ua, browser, os) => {
    expect(browserName(ua)).toBe(browser)
    expect(osName(ua)).toBe(os)
    expect(parseUserAgent(ua)).toMatchObject({ browser, os })
  })

  test('every stored browser key and OS name fits its column', () => {
    for (const [, ua] of AGENTS) {
      const { browser, os } = parseUserAgent(ua)
      expect((browser ?? '').length).toBeLessThanOrEqual(20)
      expect((os ?? '').length).toBeLessThanOrEqual(20)
    }
  })

  test('a header-sized made-up agent is classified quickly instead of backtracking for seconds', () => {
    const hostile = ['Version/1 Mobile ', 'Trident/7.0 rv:1 '].map((unit) => unit.repeat(Math.ceil(16_000 / unit.length)))
    const started = performance.now()
    for (const ua of hostile) parseUserAgent(ua)
    // Generous bound: unbounded matching takes several seconds per agent here.
    expect(performance.now() - started).toBeLessThan(1000)
  })
})

describe('device type (umami-v1.md §9.1)', () => {
  test.each([
    ['1920x1080', 'Windows 10', 'desktop'],
    ['2560x1440', 'Mac OS', 'desktop'],
    ['1440x900', 'Mac OS', 'laptop'],
    ['1366x768', 'Linux', 'laptop'],
    // Chrome OS is always a laptop, whatever its screen.
    ['3840x2160', 'Chrome OS', 'laptop'],
    ['390x844', 'iOS', 'mobile'],
    ['479x800', 'Android OS', 'mobile'],
    ['480x800', 'Android OS', 'tablet'],
    ['1024x1366', 'iOS', 'tablet'],
    // Amazon OS is always a tablet, whatever its screen.
    ['320x480', 'Amazon OS', 'tablet'],
    // Unknown OS (and Windows CE, which is in neither list): by width alone.
    ['1920x1080', null, 'desktop'],
    ['1024x768', null, 'laptop'],
    ['1023x768', null, 'tablet'],
    ['479x640', null, 'tablet'],
    ['478x640', null, 'mobile'],
    ['800x600', 'Windows CE', 'tablet'],
    // A width that is not a number compares false everywhere.
    ['widexhigh', 'Windows 10', 'desktop'],
    ['widexhigh', 'iOS', 'mobile'],
    ['widexhigh', null, 'mobile']
  ])('%s on %s is a %s', (screen, os, device) => {
    expect(deviceType(screen, os)).toBe(device)
  })

  test('no screen means no device', () => {
    expect(deviceType(null, 'Windows 10')).toBeNull()
    expect(deviceType('', 'iOS')).toBeNull()
    expect(deviceType(undefined, null)).toBeNull()
  })
})

describe('device type on /api/send (Umami v3 rule, umami-v2.md §14)', () => {
  test.each([
    ['mobile', '390x844', 'mobile'],
    ['tablet', '2732x2048', 'tablet'],
    ['smarttv', '1920x1080', 'smarttv'],
    ['console', null, 'console'],
    // No device type from the parser: a desktop, or a laptop when the screen is at most 1920 wide.
    [null, '1920x1080', 'laptop'],
    [null, '1921x1080', 'desktop'],
    [null, '2560x1440', 'desktop'],
    [null, null, 'desktop'],
    // A type the rule does not know is treated as none.
    ['cyborg', '1366x768', 'laptop'],
    // A width that is not a number never makes a laptop.
    [null, 'widexhigh', 'desktop']
  ])('parser says %s, screen %s: %s', (uaDevice, screen, device) => {
    expect(deviceTypeV3(uaDevice, screen)).toBe(device)
  })

  test('follows the parsed user agent: an iPhone is a mobile whatever the screen claims', () => {
    expect(deviceTypeV3(parseUserAgent(IPHONE_UA).device, '2560x1440')).toBe('mobile')
    expect(deviceTypeV3(parseUserAgent(CHROME_UA).device, '1440x900')).toBe('laptop')
  })
})

describe('country', () => {
  test.each(['127.0.0.1', '10.1.2.3', '192.168.0.10', '172.16.5.4', '::1', 'fe80::1', 'fd00::1', '::ffff:192.168.1.1', 'not-an-ip', ''])(
    'is unknown for the private or invalid address %s',
    (ip) => {
      expect(isPrivateAddress(ip)).toBe(true)
      expect(countryOf(ip)).toBeNull()
    }
  )

  test('is found for public addresses in the bundled DB-IP database', () => {
    expect(countryOf('8.8.8.8')).toBe('US')
    expect(countryOf('::ffff:8.8.8.8')).toBe('US')
    expect(countryOf('2001:4860:4860::8888')).toMatch(/^[A-Z]{2}$/)
  })
})

describe('client addresses', () => {
  test('an IPv4-mapped IPv6 address is written as plain IPv4', () => {
    expect(normalizeIp('::ffff:1.2.3.4')).toBe('1.2.3.4')
    expect(normalizeIp('::FFFF:1.2.3.4')).toBe('1.2.3.4')
  })

  test('IPv6 addresses lose brackets and zones and are compressed', () => {
    expect(normalizeIp('[2001:db8:0:0::1]')).toBe('2001:db8::1')
    expect(normalizeIp('fe80::1%eth0')).toBe('fe80::1')
    expect(normalizeIp(' 203.0.113.9 ')).toBe('203.0.113.9')
  })

  test('the ignore list matches exact addresses', () => {
    const ignored = makeIpMatcher(['192.0.2.7', '2001:db8::1'])
    expect(ignored('192.0.2.7')).toBe(true)
    expect(ignored('192.0.2.8')).toBe(false)
    expect(ignored('2001:db8::1')).toBe(true)
    expect(ignored('2001:db8:0:0:0:0:0:1')).toBe(true)
    expect(ignored('::ffff:192.0.2.7')).toBe(true)
  })

  test('the ignore list matches IPv4 CIDR ranges', () => {
    const ignored = makeIpMatcher(['198.51.100.0/24'])
    expect(ignored('198.51.100.0')).toBe(true)
    expect(ignored('198.51.100.255')).toBe(true)
    expect(ignored('198.51.101.1')).toBe(false)
    expect(ignored('::ffff:198.51.100.20')).toBe(true)
  })

  test('the ignore list matches IPv6 CIDR ranges, and a range only matches its own family', () => {
    const ignored = makeIpMatcher(['2001:db8:abcd::/48', '10.0.0.0/8'])
    expect(ignored('2001:db8:abcd:12::5')).toBe(true)
    expect(ignored('2001:db8:abce::5')).toBe(false)
    expect(ignored('10.20.30.40')).toBe(true)
    expect(ignored('::a14:1e28')).toBe(false)
  })

  test('an empty ignore list matches nothing, and a broken range is a start-up error', () => {
    expect(makeIpMatcher([])('192.0.2.7')).toBe(false)
    expect(() => makeIpMatcher(['198.51.100.0/99'])).toThrow(/Invalid CIDR/)
  })
})

describe('session and visit ids', () => {
  test('our UUIDv5 equals the reference implementation of RFC 4122', async () => {
    const { v5 } = await import('uuid')
    const { uuidV5 } = await import('../../src/server/collect/ids')
    for (const name of ['', 'a', 'www.example.com', 'ü'.repeat(100), 'f'.repeat(128)]) {
      expect(uuidV5(name)).toBe(v5(name, '6ba7b810-9dad-11d1-80b4-00c04fd430c8'))
    }
  })
})
