/**
 * A representative user agent for a stored browser and OS. Sessions keep Umami's browser key and OS label,
 * not the agent they were parsed from, and Umami before v3.1 derives both from `userAgent` only (v3.1 also
 * takes `browser`/`os`/`device`, which the replay sends as well). Every agent here parses back to the same
 * browser key and OS label with Umami's rules (tests/server/replay.test.ts checks that against our parser),
 * and none of them looks like a bot, which Umami would drop silently.
 */

const CHROME = '131.0.0.0'
const MAC = 'Macintosh; Intel Mac OS X 10_15_7'
const IPHONE = 'iPhone; CPU iPhone OS 17_5 like Mac OS X'
const IPAD = 'iPad; CPU OS 17_5 like Mac OS X'
const ANDROID_PHONE = 'Linux; Android 14; Pixel 8'
const ANDROID_TABLET = 'Linux; Android 14; SM-X710'

/** The platform part of a desktop or Android agent for an OS label. */
const PLATFORMS: Record<string, string> = {
  'Windows 10': 'Windows NT 10.0; Win64; x64',
  'Windows 8.1': 'Windows NT 6.3; Win64; x64',
  'Windows 8': 'Windows NT 6.2; Win64; x64',
  'Windows 7': 'Windows NT 6.1; Win64; x64',
  'Windows Vista': 'Windows NT 6.0',
  'Windows XP': 'Windows NT 5.1',
  'Mac OS': MAC,
  Linux: 'X11; Linux x86_64',
  'Chrome OS': 'X11; CrOS x86_64 14541.0.0',
  'Android OS': ANDROID_PHONE
}

const isSmall = (device: string | null) => device === 'mobile' || device === 'tablet'

function platformOf(os: string | null, device: string | null): string {
  if (os === 'Android OS') return device === 'tablet' ? ANDROID_TABLET : ANDROID_PHONE
  return PLATFORMS[os ?? ''] ?? PLATFORMS['Windows 10']!
}

const chromeLike = (platform: string, mobile: boolean, suffix = '') =>
  `Mozilla/5.0 (${platform}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${CHROME} ${mobile ? 'Mobile ' : ''}Safari/537.36${suffix}`

const iosAgent = (device: string | null, app: string) =>
  `Mozilla/5.0 (${device === 'tablet' ? IPAD : IPHONE}) AppleWebKit/605.1.15 (KHTML, like Gecko) ${app} Mobile/15E148 Safari/604.1`

/** A user agent that Umami reads as `browser` on `os` (Chrome on Windows 10 when either is unknown). */
export function representativeUserAgent(browser: string | null, os: string | null, device: string | null): string {
  const android = os === 'Android OS'
  const platform = platformOf(os, device)
  const mobile = android && device !== 'tablet'
  switch (browser) {
    case 'firefox':
      if (android) return `Mozilla/5.0 (Android 14; ${device === 'tablet' ? 'Tablet' : 'Mobile'}; rv:133.0) Gecko/133.0 Firefox/133.0`
      return `Mozilla/5.0 (${os === 'Mac OS' ? 'Macintosh; Intel Mac OS X 10.15' : platform}; rv:133.0) Gecko/20100101 Firefox/133.0`
    case 'safari':
      return `Mozilla/5.0 (${MAC}) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15`
    case 'ios':
      return iosAgent(device, 'Version/17.5')
    case 'crios':
      return iosAgent(device, 'CriOS/131.0.6778.73')
    case 'fxios':
      return iosAgent(device, 'FxiOS/133.0')
    case 'edge-ios':
      return iosAgent(device, 'EdgiOS/131.0.2903.68 Version/17.0')
    case 'edge-chromium':
      return chromeLike(platform, mobile, ` Edg${android ? 'A' : ''}/131.0.0.0`)
    case 'opera':
      return chromeLike(platform, mobile, ' OPR/115.0.0.0')
    case 'yandexbrowser':
      return chromeLike(platform, mobile, ' YaBrowser/24.10.0.0')
    case 'samsung':
      return `Mozilla/5.0 (${platformOf('Android OS', device)}) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 ${isSmall(device) && device !== 'tablet' ? 'Mobile ' : ''}Safari/537.36`
    case 'chromium-webview':
      return `Mozilla/5.0 (${platformOf('Android OS', device)}; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/${CHROME} Mobile Safari/537.36`
    case 'ie':
      return `Mozilla/5.0 (${os === 'Windows 7' ? 'Windows NT 6.1' : 'Windows NT 10.0'}; WOW64; Trident/7.0; rv:11.0) like Gecko`
    default:
      if (os === 'iOS') return iosAgent(device, 'Version/17.5')
      return chromeLike(platform, mobile)
  }
}
