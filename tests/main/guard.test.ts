import { describe, expect, it } from 'vitest'
import { appOriginOf, classifyUrl, externalUrl, navigationDecision, permissionAllowed, windowOpenDecision } from '../../src/main/guard'

const app = appOriginOf('http://127.0.0.1:7365')!

describe('URL guard', () => {
  it('the app origin is scheme, host and port', () => {
    expect(app).toBe('http://127.0.0.1:7365')
    expect(appOriginOf('http://[::1]:8080/websites')).toBe('http://[::1]:8080')
    expect(appOriginOf('file:///tmp/index.html')).toBeNull()
    expect(appOriginOf('nonsense')).toBeNull()
  })

  it('navigation inside the app stays in the window', () => {
    expect(navigationDecision('http://127.0.0.1:7365/websites/abc?range=7d', app)).toEqual({ allow: true, openExternally: null })
    expect(navigationDecision('http://127.0.0.1:7365', app).allow).toBe(true)
  })

  it('look-alike origins are not the app: another port, host, scheme, or credentials in the URL', () => {
    for (const url of ['http://127.0.0.1:73650/', 'http://127.0.0.1:736/', 'http://localhost:7365/', 'https://127.0.0.1:7365/', 'http://127.0.0.1.evil.com:7365/', 'http://evil@127.0.0.1:7365/']) {
      expect(classifyUrl(url, app), url).not.toBe('app')
    }
  })

  it('http(s) links elsewhere leave the window for the system browser', () => {
    expect(navigationDecision('https://umami.is/docs', app)).toEqual({ allow: false, openExternally: 'https://umami.is/docs' })
    expect(windowOpenDecision('https://db-ip.com')).toEqual({ openExternally: 'https://db-ip.com/' })
    // Our own share links opened with target=_blank go to the browser too (never a new Electron window).
    expect(windowOpenDecision('http://127.0.0.1:7365/share/abc')).toEqual({ openExternally: 'http://127.0.0.1:7365/share/abc' })
  })

  it('every other scheme is refused and never handed to the OS', () => {
    const hostile = [
      'file:///etc/passwd',
      'javascript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:msgbox',
      'smb://attacker/share',
      'ms-msdt:/id PCWDiagnostic',
      'mailto:someone@example.com',
      'chrome://settings',
      'about:blank',
      'blob:http://127.0.0.1:7365/uuid',
      'https://user:pass@example.com/',
      '//example.com',
      'not a url'
    ]
    for (const url of hostile) {
      expect(navigationDecision(url, app), url).toEqual({ allow: false, openExternally: null })
      expect(windowOpenDecision(url), url).toEqual({ openExternally: null })
      expect(externalUrl(url), url).toBeNull()
    }
    expect(externalUrl(42)).toBeNull()
    expect(externalUrl(`https://example.com/${'a'.repeat(9000)}`)).toBeNull()
  })

  it('before the server runs nothing is the app', () => {
    expect(classifyUrl('http://127.0.0.1:7365/', null)).toBe('external')
  })

  it('grants only clipboard writing, only to the app', () => {
    expect(permissionAllowed('clipboard-sanitized-write', 'http://127.0.0.1:7365/websites', app)).toBe(true)
    expect(permissionAllowed('clipboard-sanitized-write', 'https://example.com/', app)).toBe(false)
    for (const permission of ['media', 'geolocation', 'notifications', 'openExternal', 'clipboard-read']) {
      expect(permissionAllowed(permission, 'http://127.0.0.1:7365/', app), permission).toBe(false)
    }
  })
})
