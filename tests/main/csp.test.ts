import { existsSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { buildCsp, CONTENT_SECURITY_POLICY, CSP_DIRECTIVES, withCspHeader } from '../../src/main/csp'

const directives = (policy: string) => new Map(policy.split(';').map((part) => {
  const [name, ...sources] = part.trim().split(/\s+/)
  return [name!, sources]
}))

describe('content security policy', () => {
  it('allows only same-origin scripts, and no plugins, frames or foreign form targets', () => {
    const policy = directives(CONTENT_SECURITY_POLICY)
    expect(policy.get('script-src')).toEqual(["'self'"])
    expect(policy.get('default-src')).toEqual(["'self'"])
    expect(policy.get('object-src')).toEqual(["'none'"])
    expect(policy.get('frame-ancestors')).toEqual(["'none'"])
    expect(policy.get('base-uri')).toEqual(["'self'"])
    expect(policy.get('connect-src')).toEqual(["'self'"])
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline|\*/)
    expect(buildCsp({ a: ['x', 'y'], b: ['z'] })).toBe('a x y; b z')
  })

  it('sets the header on the app\'s responses only, replacing any other policy', () => {
    const origin = 'http://127.0.0.1:7365'
    const out = withCspHeader({ 'content-security-policy': ['default-src *'], 'Content-Type': ['text/html'] }, `${origin}/websites`, origin)
    expect(out).toEqual({ 'Content-Type': ['text/html'], 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] })
    const foreign = { 'Content-Type': ['text/html'] }
    expect(withCspHeader(foreign, 'https://example.com/', origin)).toEqual(foreign)
    expect(withCspHeader(undefined, 'not a url', origin)).toEqual({})
  })

  // What the policy must allow, checked against the built dashboard when a build exists.
  const index = new URL('../../out/renderer/index.html', import.meta.url)
  it.skipIf(!existsSync(index))('the built dashboard needs nothing the policy forbids', () => {
    const html = readFileSync(index, 'utf8')
    // Every script is an external same-origin file: no inline code for script-src 'self' to block.
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)]
    expect(scripts.length).toBeGreaterThan(0)
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/src="(\/|\.\/)[^"]+"/)
      expect(body!.trim()).toBe('')
    }
    expect(html).not.toMatch(/\son[a-z]+=/i) // no inline event handlers
    // The favicon is a data: URL, which img-src allows.
    expect(html).toMatch(/rel="icon" href="data:/)
    expect(CSP_DIRECTIVES['img-src']).toContain('data:')
    // The page's own meta policy (web mode) is no looser than ours for scripts.
    expect(html).toMatch(/Content-Security-Policy" content="[^"]*script-src 'self';/)
  })
})
