import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_WINDOW_SIZE, parseWindowState, restoreWindowState, WINDOW_STATE_FILE, WindowStateStore } from '../../src/main/window-state'

const laptop = { x: 0, y: 0, width: 1440, height: 875 } // primary work area (menu bar / dock excluded)
const monitor = { x: 1440, y: -200, width: 2560, height: 1400 } // a second screen to the right, higher up

describe('window state', () => {
  it('first start: the default size, centred on the primary display', () => {
    expect(restoreWindowState(null, [laptop, monitor])).toEqual({
      bounds: { x: 80, y: 8, width: DEFAULT_WINDOW_SIZE.width, height: DEFAULT_WINDOW_SIZE.height },
      maximized: false
    })
  })

  it('the default size shrinks to a small screen', () => {
    const small = { x: 0, y: 0, width: 1024, height: 700 }
    expect(restoreWindowState(null, [small]).bounds).toEqual({ x: 0, y: 0, width: 1024, height: 700 })
  })

  it('bounds on a display that is still there come back unchanged', () => {
    const saved = { bounds: { x: 1600, y: 0, width: 1200, height: 800 }, maximized: true }
    expect(restoreWindowState(saved, [laptop, monitor])).toEqual(saved)
  })

  it('a window left on a monitor that was unplugged is centred on the primary display', () => {
    const saved = { bounds: { x: 1600, y: 0, width: 1200, height: 800 }, maximized: false }
    expect(restoreWindowState(saved, [laptop])).toEqual({ bounds: { x: 120, y: 38, width: 1200, height: 800 }, maximized: false })
  })

  it('a window hanging off the edge is moved fully onto the display it mostly covers, and shrunk to fit', () => {
    const saved = { bounds: { x: 1000, y: 500, width: 3000, height: 1000 }, maximized: false }
    // Overlaps the monitor more than the laptop: fitted into the monitor.
    expect(restoreWindowState(saved, [laptop, monitor]).bounds).toEqual({ x: 1440, y: 200, width: 2560, height: 1000 })
    const above = { bounds: { x: 100, y: -400, width: 800, height: 600 }, maximized: false }
    expect(restoreWindowState(above, [laptop]).bounds).toEqual({ x: 100, y: 0, width: 800, height: 600 })
  })

  it('never smaller than the minimum (when the screen allows)', () => {
    const saved = { bounds: { x: 10, y: 10, width: 100, height: 50 }, maximized: false }
    expect(restoreWindowState(saved, [laptop]).bounds).toEqual({ x: 10, y: 10, width: 640, height: 480 })
  })

  it('reads only well-formed state', () => {
    expect(parseWindowState({ bounds: { x: 1, y: 2, width: 3, height: 4 }, maximized: true })).toEqual({ bounds: { x: 1, y: 2, width: 3, height: 4 }, maximized: true })
    expect(parseWindowState({ bounds: { x: 1, y: 2, width: 0, height: 4 } })).toBeNull()
    expect(parseWindowState({ bounds: { x: '1', y: 2, width: 3, height: 4 } })).toBeNull()
    expect(parseWindowState({ bounds: { x: Infinity, y: 2, width: 3, height: 4 } })).toBeNull()
    expect(parseWindowState(null)).toBeNull()
  })

  describe('store', () => {
    let dir: string
    afterEach(() => rmSync(dir, { recursive: true, force: true }))

    it('saves and loads; a damaged file means default placement', () => {
      dir = mkdtempSync(join(tmpdir(), 'dashi-window-'))
      const store = new WindowStateStore(dir)
      expect(store.load()).toBeNull()
      store.save({ bounds: { x: 5, y: 6, width: 700, height: 500 }, maximized: false })
      expect(new WindowStateStore(dir).load()).toEqual({ bounds: { x: 5, y: 6, width: 700, height: 500 }, maximized: false })
      writeFileSync(join(dir, WINDOW_STATE_FILE), 'garbage')
      expect(store.load()).toBeNull()
    })
  })
})
