import { join } from 'node:path'
import { readJson, writeJsonAtomic } from './json-file'

/**
 * The window comes back where the user left it, but always on a screen that is still there: a monitor
 * that was unplugged, or a resolution that shrank, must not leave the window off-screen. Displays come
 * in as plain rectangles (Electron's `screen.getAllDisplays().map(d => d.workArea)`), so this is pure.
 */

export interface Rect {
  x: number
  y: number
  width: number
  height: number
}

export interface WindowState {
  bounds: Rect
  maximized: boolean
}

export const WINDOW_STATE_FILE = 'window-state.json'
export const DEFAULT_WINDOW_SIZE = { width: 1280, height: 860 } as const
export const MIN_WINDOW_SIZE = { width: 640, height: 480 } as const

const isFiniteInt = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value)

function asRect(value: unknown): Rect | null {
  if (typeof value !== 'object' || value === null) return null
  const r = value as Record<string, unknown>
  if (![r.x, r.y, r.width, r.height].every(isFiniteInt)) return null
  if ((r.width as number) <= 0 || (r.height as number) <= 0) return null
  return { x: Math.round(r.x as number), y: Math.round(r.y as number), width: Math.round(r.width as number), height: Math.round(r.height as number) }
}

/** A saved state as read from disk, or null when it is not one. */
export function parseWindowState(value: unknown): WindowState | null {
  if (typeof value !== 'object' || value === null) return null
  const bounds = asRect((value as Record<string, unknown>).bounds)
  if (!bounds) return null
  return { bounds, maximized: (value as Record<string, unknown>).maximized === true }
}

function overlapArea(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y)
  return w > 0 && h > 0 ? w * h : 0
}

const clamp = (value: number, min: number, max: number) => Math.min(Math.max(value, min), Math.max(min, max))

function centred(size: { width: number; height: number }, area: Rect): Rect {
  const width = Math.min(size.width, area.width)
  const height = Math.min(size.height, area.height)
  return { x: area.x + Math.round((area.width - width) / 2), y: area.y + Math.round((area.height - height) / 2), width, height }
}

/**
 * Bounds to open the window with. `workAreas` are the visible displays (primary first). The saved
 * bounds go on the display they overlap most, shrunk to fit it and moved fully into it; bounds that
 * overlap no display are centred on the primary one at their saved size.
 */
export function restoreWindowState(saved: WindowState | null, workAreas: readonly Rect[]): WindowState {
  const primary = workAreas[0] ?? { x: 0, y: 0, ...DEFAULT_WINDOW_SIZE }
  if (!saved) return { bounds: centred(DEFAULT_WINDOW_SIZE, primary), maximized: false }
  let best: Rect | null = null
  let bestArea = 0
  for (const area of workAreas) {
    const overlap = overlapArea(saved.bounds, area)
    if (overlap > bestArea) {
      best = area
      bestArea = overlap
    }
  }
  if (!best) return { bounds: centred(saved.bounds, primary), maximized: saved.maximized }
  const width = clamp(saved.bounds.width, Math.min(MIN_WINDOW_SIZE.width, best.width), best.width)
  const height = clamp(saved.bounds.height, Math.min(MIN_WINDOW_SIZE.height, best.height), best.height)
  return {
    bounds: {
      x: clamp(saved.bounds.x, best.x, best.x + best.width - width),
      y: clamp(saved.bounds.y, best.y, best.y + best.height - height),
      width,
      height
    },
    maximized: saved.maximized
  }
}

/** The window state file in the user data directory; a damaged file just means default placement. */
export class WindowStateStore {
  readonly file: string
  constructor(userDataDir: string) {
    this.file = join(userDataDir, WINDOW_STATE_FILE)
  }

  load(): WindowState | null {
    const read = readJson(this.file)
    return read.state === 'ok' ? parseWindowState(read.value) : null
  }

  /** `bounds` are the normal (un-maximised) bounds, so un-maximising after a restart goes back to them. */
  save(state: WindowState): void {
    writeJsonAtomic(this.file, state)
  }
}
