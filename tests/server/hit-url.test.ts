import { describe, expect, test } from 'vitest'
import { rng } from '../../bench/hits.mjs'
import { campaignParams, parsePageUrl } from '../../src/server/collect/hit'

// parsePageUrl takes a shortcut for plain paths and campaignParams skips queries without a campaign key;
// both must answer exactly what the WHATWG URL parser and URLSearchParams would (the page a hit is stored
// under). The reference below is the parser-only code they replaced.

function reference(url: string, removeTrailingSlash: boolean) {
  let parsed: URL
  try {
    parsed = new URL(url, 'https://example.com')
  } catch {
    try {
      parsed = new URL(url, 'https://localhost')
    } catch {
      return null
    }
  }
  let pathname = parsed.pathname
  if (removeTrailingSlash && pathname.length > 1 && pathname.endsWith('/')) pathname = pathname.slice(0, -1)
  return { path: pathname + parsed.hash, query: parsed.search.length > 1 ? parsed.search.slice(1) : null, host: null as string | null }
}

const PIECES = ['a', 'blog', 'post-1', '.', '..', '%2e', '%2E.', '%20', '%zz', ' ', '\\', '#', '#x', '?', '&', '=', '//', '/', '"', "'", '<', '`', '{', '|', 'é', '\t', '~', '+', ':', '@', '!', '$', '*', ',', ';', 'utm_source=x', '%75tm_source=y', 'gclid=1']

describe('page URLs and campaign parameters', () => {
  test('plain paths parse as the URL parser parses them', () => {
    const random = rng(1)
    let checked = 0
    for (let i = 0; i < 20_000; i++) {
      let url = '/'
      const n = 1 + Math.floor(random() * 6)
      for (let p = 0; p < n; p++) url += PIECES[Math.floor(random() * PIECES.length)]! + (random() < 0.3 ? '/' : '')
      for (const trailing of [false, true]) {
        expect(parsePageUrl(url, 'example.com', trailing), url).toEqual(reference(url, trailing))
        checked++
      }
    }
    expect(checked).toBe(40_000)
  })

  test('queries without a campaign key find none; with one, as URLSearchParams reads it', () => {
    expect(campaignParams('a=1&b=2')).toEqual({ utm: {}, clickIds: {} })
    expect(campaignParams('utm_source=news&gclid=abc').utm).toMatchObject({ utm_source: 'news' })
    expect(campaignParams('utm_source=news&gclid=abc').clickIds).toMatchObject({ gclid: 'abc' })
    // A key written with a percent-escape is still a key.
    expect(campaignParams('%75tm_source=escaped').utm).toMatchObject({ utm_source: 'escaped' })
  })
})
