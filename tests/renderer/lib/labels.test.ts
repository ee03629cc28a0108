import { expect, test } from 'vitest'
import { browserName, channelName, deviceName } from '../../../src/renderer/src/lib/labels'

test('browser keys as Umami stores them read as browser names', () => {
  expect(browserName('chrome')).toBe('Chrome')
  expect(browserName('crios')).toBe('Chrome (iOS)')
  expect(browserName('edge-chromium')).toBe('Edge')
  expect(browserName('ios')).toBe('Safari (iOS)')
  expect(browserName('some-new-browser')).toBe('some-new-browser')
  expect(browserName(null)).toBe('Unknown')
})

test('devices and channels read as words', () => {
  expect(deviceName('laptop')).toBe('Laptop')
  expect(channelName('organicSearch')).toBe('Organic search')
  expect(channelName('paidAds')).toBe('Paid ads')
  expect(channelName(null)).toBe('Unknown')
})
