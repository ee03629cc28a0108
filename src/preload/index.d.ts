import type { DashiBridge } from '../shared/ipc'

declare global {
  interface Window {
    /** Present in the desktop window only (web mode has no preload): the typed IPC contract of src/shared/ipc.ts. */
    dashi?: DashiBridge
  }
}

export {}
