import { contextBridge, ipcRenderer } from 'electron'
import { type DashiBridge, IPC_CHANNELS, wireChannel } from '../shared/ipc'

// The window's only bridge to the main process: exactly the channels of the typed contract
// (src/shared/ipc.ts), one `invoke` each, generated from its channel list, and nothing else: no
// ipcRenderer, no generic send, no Node. Arguments are validated again in main (the page is untrusted).
// This file runs sandboxed, so it must build to a single CommonJS file (see electron.vite.config.ts).

const invokers = Object.fromEntries(
  IPC_CHANNELS.map((channel) => [channel, (...args: unknown[]) => ipcRenderer.invoke(wireChannel(channel), ...args)])
)

const bridge = {
  ...invokers,
  platform: process.platform,
  versions: { electron: process.versions.electron ?? '', chrome: process.versions.chrome ?? '', node: process.versions.node ?? '' }
} as DashiBridge

contextBridge.exposeInMainWorld('dashi', bridge)
