/**
 * Display names for the keys the API reports: browsers as Umami stores them (detect-browser keys such
 * as `crios`, `edge-chromium`), device classes and traffic channels. An unknown key is shown as sent.
 */

const BROWSERS: Record<string, string> = {
  android: 'Android Browser',
  aol: 'AOL',
  bb10: 'BlackBerry 10',
  beaker: 'Beaker',
  chrome: 'Chrome',
  'chromium-webview': 'Chrome (webview)',
  crios: 'Chrome (iOS)',
  curl: 'curl',
  edge: 'Edge (legacy)',
  'edge-chromium': 'Edge',
  'edge-ios': 'Edge (iOS)',
  facebook: 'Facebook',
  firefox: 'Firefox',
  fxios: 'Firefox (iOS)',
  ie: 'Internet Explorer',
  instagram: 'Instagram',
  ios: 'Safari (iOS)',
  'ios-webview': 'iOS webview',
  kakaotalk: 'KakaoTalk',
  miui: 'MIUI Browser',
  netfront: 'NetFront',
  opera: 'Opera',
  'opera-mini': 'Opera Mini',
  phantomjs: 'PhantomJS',
  safari: 'Safari',
  samsung: 'Samsung Internet',
  searchbot: 'Search bot',
  silk: 'Silk',
  yandexbrowser: 'Yandex Browser'
}

const DEVICES: Record<string, string> = { desktop: 'Desktop', laptop: 'Laptop', tablet: 'Tablet', mobile: 'Mobile' }

/** Channel keys as the API groups visits (umami-v2.md §4.3). */
const CHANNELS: Record<string, string> = {
  direct: 'Direct',
  referral: 'Referral',
  affiliate: 'Affiliate',
  sms: 'SMS',
  email: 'Email',
  organicSearch: 'Organic search',
  paidSearch: 'Paid search',
  organicSocial: 'Organic social',
  paidSocial: 'Paid social',
  organicShopping: 'Organic shopping',
  paidShopping: 'Paid shopping',
  organicVideo: 'Organic video',
  paidVideo: 'Paid video',
  paidAds: 'Paid ads'
}

const named = (names: Record<string, string>) => (value: string | null) => (value === null ? 'Unknown' : (names[value] ?? value))

export const browserName = named(BROWSERS)
export const deviceName = named(DEVICES)
export const channelName = named(CHANNELS)
