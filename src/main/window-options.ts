import type { BrowserWindowConstructorOptions } from 'electron'
import { APP_NAME } from '../shared/constants'
import { MIN_WINDOW_SIZE, type Rect } from './window-state'

/**
 * The window's options in one place. The renderer is a web page served over http: it gets no Node
 * (nodeIntegration false), runs in Chromium's sandbox, and its scripts cannot reach the preload's
 * objects (contextIsolation); the preload only exposes the typed IPC contract.
 */
export function secureWindowOptions(bounds: Rect, preload: string): BrowserWindowConstructorOptions {
  return {
    ...bounds,
    minWidth: MIN_WINDOW_SIZE.width,
    minHeight: MIN_WINDOW_SIZE.height,
    title: APP_NAME,
    show: false,
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      spellcheck: false
    }
  }
}
