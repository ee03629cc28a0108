import { contextBridge } from 'electron'

// The typed IPC contract (src/shared/ipc.ts) is exposed here by the desktop-shell issue.
contextBridge.exposeInMainWorld('dashi', { platform: process.platform })
