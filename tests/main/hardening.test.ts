import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { IPC_CHANNELS } from '../../src/shared/ipc'

/**
 * Electron cannot run here, so the hardening is checked on what ships: the built main process and
 * preload (`electron-vite build` output). `npm test` builds first; when out/ is missing this test builds
 * once itself.
 */
const root = join(import.meta.dirname, '../..')
const outMain = join(root, 'out/main/index.js')
const outPreload = join(root, 'out/preload')

let main = ''
let preloadFile = ''
let preload = ''

beforeAll(() => {
  if (!existsSync(outMain) || !existsSync(outPreload)) {
    execFileSync(process.execPath, [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], { cwd: root, stdio: 'ignore' })
  }
  main = readFileSync(outMain, 'utf8')
  const files = readdirSync(outPreload).filter((name) => /^index\.(c|m)?js$/.test(name))
  expect(files.length, 'one preload entry in out/preload').toBe(1)
  preloadFile = files[0]!
  preload = readFileSync(join(outPreload, preloadFile), 'utf8')
}, 120_000)

/** The body of the first function named `name` in the bundle (up to the next top-level function). */
function fnBody(source: string, name: string): string {
  const start = source.search(new RegExp(`(async\\s+)?function ${name}\\(`))
  expect(start, `function ${name} in the bundle`).toBeGreaterThan(-1)
  const rest = source.slice(start)
  const end = rest.slice(1).search(/\n(async\s+)?function |\nconst |\nlet |\napp\./)
  return end === -1 ? rest : rest.slice(0, end + 1)
}

describe('built main process', () => {
  it('creates windows with contextIsolation, sandbox and no Node integration, and sandboxes every renderer', () => {
    const prefs = /webPreferences:\s*\{([^}]*)\}/.exec(main)?.[1] ?? ''
    expect(prefs).toMatch(/contextIsolation:\s*true/)
    expect(prefs).toMatch(/sandbox:\s*true/)
    expect(prefs).toMatch(/nodeIntegration:\s*false/)
    expect(prefs).toMatch(/nodeIntegrationInSubFrames:\s*false/)
    expect(prefs).toMatch(/webviewTag:\s*false/)
    expect(prefs).toMatch(/webSecurity:\s*true/)
    expect(main).not.toMatch(/contextIsolation:\s*false|sandbox:\s*false|nodeIntegration:\s*true|webSecurity:\s*false/)
    expect(main).toMatch(/app\.enableSandbox\(\)/)
  })

  it('sends a Content-Security-Policy header on the app\'s responses', () => {
    expect(main).toMatch(/webRequest\.onHeadersReceived\(/)
    expect(main).toMatch(/withCspHeader\(/)
    expect(main).toMatch(/"Content-Security-Policy"/)
    expect(main).toMatch(/"script-src": \["'self'"\]/)
    expect(main).toMatch(/"object-src": \["'none'"\]/)
  })

  it('hands URLs to the OS only through the http(s) guard', () => {
    // Exactly one call of shell.openExternal in the whole bundle…
    expect(main.match(/shell\.openExternal\(/g)).toHaveLength(1)
    // …inside openInBrowser, after externalUrl() let the URL through.
    const open = fnBody(main, 'openInBrowser')
    expect(open).toMatch(/const safe = externalUrl\(url\);\s*if \(!safe\) return;\s*await shell\.openExternal\(safe\)/)
    // externalUrl accepts http: and https: only.
    const guard = fnBody(main, 'externalUrl')
    expect(guard).toMatch(/url\.protocol !== "http:" && url\.protocol !== "https:"\) return null/)
    // The IPC route re-checks before calling the service.
    expect(main).toMatch(/"shell:openExternal": async \(s, url\) => \{\s*const safe = externalUrl\(url\);/)
  })

  it('guards navigation and new windows', () => {
    expect(main).toMatch(/\.on\("will-navigate", onNavigate\)/)
    expect(main).toMatch(/\.on\("will-redirect", onNavigate\)/)
    expect(main).toMatch(/\.on\("will-attach-webview", \(event\) => event\.preventDefault\(\)\)/)
    const body = /const onNavigate = \(event, url\) => \{([\s\S]*?)\n\t\};/.exec(main)?.[1] ?? ''
    expect(body).toMatch(/navigationDecision\(url, appOrigin\)/)
    expect(body).toMatch(/if \(decision\.allow\) return;\s*event\.preventDefault\(\)/)
    expect(main).toMatch(/setWindowOpenHandler\(\(\{ url \}\) => \{[\s\S]*?return \{ action: "deny" \};/)
    // Origins are compared whole (a prefix test would let :73650 pass for :7365).
    expect(fnBody(main, 'classifyUrl')).toMatch(/url\.origin === appOrigin/)
    expect(main).toMatch(/setPermissionRequestHandler\(/)
  })

  it('answers IPC only through the validated handlers, checking the sender frame', () => {
    expect(main).toMatch(/ipcMain\.handle\(wireChannel\(channel\), \(event, \.\.\.args\) => handler\(args, event\.senderFrame\?\.url\)\)/)
    expect(main).not.toMatch(/ipcMain\.on\(/)
  })
})

describe('built preload', () => {
  it('exposes exactly the contract: one invoke per channel, nothing of Node or Electron itself', () => {
    expect(preload).toMatch(/exposeInMainWorld\("dashi", bridge\)/)
    for (const channel of IPC_CHANNELS) expect(preload).toContain(`"${channel}"`)
    expect(preload).toMatch(/ipcRenderer\.invoke\(wireChannel\(channel\), \.\.\.args\)/)
    expect(preload).not.toMatch(/ipcRenderer\.(send|sendSync|on|once)\(/)
    expect(preload).not.toMatch(/exposeInMainWorld\([^)]*(ipcRenderer|require|process)\)/)
  })

  it('is one CommonJS file: a sandboxed preload cannot load ES modules or other chunks', () => {
    // Needs electron.vite.config.ts preload output { format: 'cjs', entryFileNames: '[name].cjs' }.
    expect(preloadFile).toBe('index.cjs')
    expect(preload).not.toMatch(/^\s*(import|export)\b/m)
    expect(preload).not.toMatch(/require\("\.\.?\//) // no relative chunks: only "electron" is available
    expect(main).toMatch(/"\.\.\/preload\/index\.cjs"/)
  })
})
