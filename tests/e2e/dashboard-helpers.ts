import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Browser, BrowserContext, ConsoleMessage, Page } from 'playwright-core'
import { BROWSER_UA, launchChromium } from './browser'
import { resolveConfig, type ServerConfig } from '../../src/server/config'
import { startServer, type RunningServer } from '../../src/server/server'

// What the dashboard's end-to-end tests share: the real server in web mode serving the built renderer
// (out/renderer, from `npx electron-vite build`), as `npm run serve` does, and one Chromium page on it.
// page.evaluate takes expressions as text in these tests: the tests' tsconfig has no DOM types.

export const RENDERER = resolve('out/renderer')
export const SHOTS = resolve('test-results')

export interface DashboardSession {
  dashi: RunningServer
  browser: Browser
  context: BrowserContext
  page: Page
  /** Console errors and uncaught exceptions of the page, for `expect(...).toEqual([])` at the end. */
  consoleErrors: string[]
  /** Saves a full-page screenshot as test-results/dashboard-{name}.png. */
  shot: (name: string) => Promise<Buffer>
  close: () => Promise<void>
}

export interface DashboardOptions {
  /** Names the temporary data directory. */
  name: string
  config?: Partial<ServerConfig>
  /** Console errors a test causes on purpose (e.g. the 401 of a wrong password), left out of `consoleErrors`. */
  expectedConsoleError?: (message: ConsoleMessage) => boolean
}

/** Starts a server over a fresh data directory and opens a desktop-sized Chromium page (not yet navigated). */
export async function openDashboard({ name, config = {}, expectedConsoleError = () => false }: DashboardOptions): Promise<DashboardSession> {
  if (!existsSync(join(RENDERER, 'index.html'))) throw new Error('out/renderer is missing: run `npx electron-vite build` first')
  mkdirSync(SHOTS, { recursive: true })
  const dataDir = mkdtempSync(join(tmpdir(), `dashi-e2e-${name}-`))
  const dashi = await startServer({ ...resolveConfig([], {}), host: '127.0.0.1', port: 0, dataDir, ...config }, { staticDir: RENDERER })
  const browser = await launchChromium()
  const context = await browser.newContext({ userAgent: BROWSER_UA, viewport: { width: 1280, height: 800 }, colorScheme: 'light' })
  const page = await context.newPage()
  // Fail at the step that went wrong, well within the test's own time.
  page.setDefaultTimeout(10_000)
  const consoleErrors: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error' && !expectedConsoleError(message)) consoleErrors.push(`${message.text()} (${message.location().url})`)
  })
  page.on('pageerror', (error) => consoleErrors.push(`uncaught: ${error.message}`))
  return {
    dashi,
    browser,
    context,
    page,
    consoleErrors,
    shot: (shotName) => page.screenshot({ path: join(SHOTS, `dashboard-${shotName}.png`), fullPage: true }),
    close: async () => {
      await context.close()
      await browser.close()
      await dashi.close()
      rmSync(dataDir, { recursive: true, force: true })
    }
  }
}

/** Logs in through the login page, as a person would, and waits for the websites list. */
export async function logIn(page: Page, baseUrl: string, username = 'admin', password = 'umami'): Promise<void> {
  await page.goto(`${baseUrl}/login`)
  await page.getByLabel('Username').fill(username)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Log in' }).click()
  await page.waitForURL('**/websites')
}

/** A login token over the API, for setting up data without the browser. */
export async function apiToken(baseUrl: string, username = 'admin', password = 'umami'): Promise<string> {
  const response = await fetch(`${baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password })
  })
  if (!response.ok) throw new Error(`login failed: ${response.status} ${await response.text()}`)
  return ((await response.json()) as { token: string }).token
}
