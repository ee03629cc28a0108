import { ACTIVE_WINDOW_MS, APP_NAME } from '../shared/constants'
import type { ServerStatus } from '../shared/ipc'
import type { Db } from '../server/db/open'
import { getActiveVisitors } from '../server/queries/current-analytics'
import { listAllWebsites } from '../server/queries/websites'

/** How often the tray asks for the active-visitor count. */
export const TRAY_REFRESH_MS = 5_000

/**
 * Visitors active in the last five minutes over every local website: the sum of what each website's
 * "active now" shows (the same query, so the tray and the dashboard agree). Per website, because the
 * (website_id, created_at) index makes each count a short range scan.
 */
export function countActiveVisitors(db: Db, now: number): number {
  let total = 0
  for (const website of listAllWebsites(db)) total += getActiveVisitors(db, website.website_id, now - ACTIVE_WINDOW_MS, now)
  return total
}

/** The tray menu's first line: the count in words, or why there is none. */
export function trayLabel(count: number | null, running = true): string {
  if (!running) return 'Server stopped'
  if (count === null) return 'Active visitors unknown'
  if (count === 0) return 'No active visitors'
  return `${count} active visitor${count === 1 ? '' : 's'}`
}

/** Text beside the icon where the platform shows one (macOS): just the number, nothing when idle or stopped. */
export function trayTitle(count: number | null, running = true): string {
  return running && count !== null && count > 0 ? String(count) : ''
}

/** The tray icon's tooltip: name, count and address, or the server's problem. */
export function trayTooltip(status: Pick<ServerStatus, 'running' | 'url' | 'activeVisitors' | 'problem'>): string {
  if (!status.running) return `${APP_NAME}: server stopped${status.problem ? ` (${status.problem.message})` : ''}`
  return `${APP_NAME}: ${trayLabel(status.activeVisitors).toLowerCase()}${status.url ? `\n${status.url}` : ''}`
}

export interface Timers {
  setTimeout: (callback: () => void, ms: number) => unknown
  clearTimeout: (handle: unknown) => void
}

export interface ActivePollerOptions {
  /** Reads the current count; null (or a throw) when it cannot be known, e.g. while the server is stopped. */
  read: () => number | null | Promise<number | null>
  /** Called with the first value and with every change after it (not on every tick: the tray redraws only when needed). */
  onChange: (count: number | null) => void
  intervalMs?: number
  timers?: Timers
}

/**
 * Polls the count every few seconds. A chain of timeouts rather than an interval: a slow read (a busy
 * database) never overlaps the next, and stop() during a read leaves no timer behind.
 */
export function createActivePoller(options: ActivePollerOptions): { start: () => void; stop: () => void; refresh: () => Promise<void> } {
  const timers: Timers = options.timers ?? {
    setTimeout: (callback, ms) => {
      const handle = setTimeout(callback, ms)
      handle.unref?.()
      return handle
    },
    clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>)
  }
  const interval = options.intervalMs ?? TRAY_REFRESH_MS
  let handle: unknown
  let running = false
  let last: number | null | undefined
  let reading: Promise<void> | null = null

  const readOnce = async () => {
    let count: number | null
    try {
      count = await options.read()
    } catch {
      count = null
    }
    if (count !== last) {
      last = count
      options.onChange(count)
    }
  }

  const tick = async () => {
    handle = undefined
    reading = readOnce()
    await reading
    reading = null
    if (running) handle = timers.setTimeout(() => void tick(), interval)
  }

  return {
    start() {
      if (running) return
      running = true
      void tick()
    },
    stop() {
      running = false
      if (handle !== undefined) timers.clearTimeout(handle)
      handle = undefined
    },
    /** Reads now (after a restart, or when the menu opens), without disturbing the schedule. */
    async refresh() {
      if (reading) return reading
      await readOnce()
    }
  }
}
