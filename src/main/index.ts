import { join } from 'node:path'
import { app, BrowserWindow, shell } from 'electron'
import { resolveConfig } from '../server/config'
import { startServer, type RunningServer } from '../server/server'

// The desktop shell stays thin: it starts the same embedded server as web mode and shows the
// dashboard it serves. Tray, settings, profiles and the IPC contract arrive with the desktop issue.

let server: RunningServer | undefined

async function createWindow(url: string) {
  const win = new BrowserWindow({
    width: 1280,
    height: 860,
    webPreferences: {
      preload: join(__dirname, '../preload/index.mjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false
    }
  })
  win.webContents.setWindowOpenHandler(({ url: target }) => {
    if (/^https?:\/\//.test(target)) void shell.openExternal(target)
    return { action: 'deny' }
  })
  win.webContents.on('will-navigate', (event, target) => {
    if (!target.startsWith(url)) event.preventDefault()
  })
  await win.loadURL(url)
}

app.whenReady().then(async () => {
  const config = resolveConfig([], { ...process.env, DASHI_DATA: process.env.DASHI_DATA ?? app.getPath('userData') })
  server = await startServer(config, { logger: { level: 'info' }, staticDir: join(__dirname, '../renderer') })
  await createWindow(server.url)
})

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit()
})

app.on('will-quit', (event) => {
  if (!server) return
  event.preventDefault()
  const closing = server
  server = undefined
  void closing.close().finally(() => app.quit())
})
