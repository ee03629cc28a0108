import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { app, BrowserWindow, dialog, ipcMain, Menu, nativeImage, nativeTheme, safeStorage, screen, session, shell, Tray } from 'electron'
import { APP_NAME, DEFAULT_HOST } from '../shared/constants'
import { IPC_CHANNELS, type ServerStatus, wireChannel } from '../shared/ipc'
import { withCspHeader } from './csp'
import { appOriginOf, externalUrl, navigationDecision, permissionAllowed, windowOpenDecision } from './guard'
import { createIpcHandlers, type MainServices } from './ipc-handlers'
import { appMenuTemplate, type MenuActions, trayMenuTemplate } from './menu'
import { nativeBindingFrom } from './native'
import { desktopSealer } from './sealer'
import { ServerController } from './server-controller'
import { effectiveDataDir, SettingsStore } from './settings'
import { createActivePoller, trayLabel, trayTitle, trayTooltip } from './tray'
import { trayIconBitmap } from './tray-icon'
import { secureWindowOptions } from './window-options'
import { restoreWindowState, WindowStateStore } from './window-state'

// The Electron-only wiring. Every decision (settings, ports, URL guard, CSP, IPC validation, tray text,
// window placement, LAN rule) lives in the modules imported above, which Node tests cover.

// A second launch hands over to the first (its 'second-instance' focuses the window) and quits.
const isPrimary = app.requestSingleInstanceLock()
if (!isPrimary) app.quit()
// Every renderer sandboxed, whatever a future window forgets to set.
app.enableSandbox()

const userData = app.getPath('userData')
const warn = (message: string) => console.warn(`[dashi] ${message}`)
const settings = new SettingsStore(userData, { warn })
const binding = nativeBindingFrom(process.env)
if (binding.warning) warn(binding.warning)
const server = new ServerController({
  userDataDir: userData,
  staticDir: join(__dirname, '../renderer'),
  nativeBinding: binding.path,
  // Remote profiles' secrets (stored by the server) go through the OS keychain.
  sealerFor: (dataDir) => desktopSealer(safeStorage, dataDir),
  logger: { level: process.env.DASHI_LOG_LEVEL ?? 'info' },
  env: process.env
})
const windowState = new WindowStateStore(userData)


let win: BrowserWindow | null = null
let tray: Tray | null = null
let appOrigin: string | null = null
let quitting = false

/** The preload must be CommonJS to run sandboxed; the .mjs is only a fallback for older build configs. */
function preloadPath(): string {
  const cjs = join(__dirname, '../preload/index.cjs')
  return existsSync(cjs) ? cjs : join(__dirname, '../preload/index.mjs')
}

function showWindow(): void {
  if (!win) return void createWindow()
  if (win.isMinimized()) win.restore()
  win.show()
  win.focus()
}

function saveWindowState(): void {
  if (!win || win.isDestroyed()) return
  try {
    windowState.save({ bounds: win.getNormalBounds(), maximized: win.isMaximized() })
  } catch (error) {
    warn(`window position not saved: ${(error as Error).message}`)
  }
}

/** The one place that hands URLs to the OS: http(s) only (a file: or custom-scheme URL could run programs). */
async function openInBrowser(url: string): Promise<void> {
  const safe = externalUrl(url)
  if (!safe) return
  await shell.openExternal(safe)
}

function guardContents(contents: Electron.WebContents): void {
  contents.setWindowOpenHandler(({ url }) => {
    const { openExternally } = windowOpenDecision(url)
    if (openExternally) void openInBrowser(openExternally)
    return { action: 'deny' }
  })
  const onNavigate = (event: Electron.Event, url: string) => {
    const decision = navigationDecision(url, appOrigin)
    if (decision.allow) return
    event.preventDefault()
    if (decision.openExternally) void openInBrowser(decision.openExternally)
  }
  contents.on('will-navigate', onNavigate)
  contents.on('will-redirect', onNavigate)
  contents.on('will-attach-webview', (event) => event.preventDefault())
}

function hardenSession(): void {
  const ses = session.defaultSession
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: withCspHeader(details.responseHeaders, details.url, appOrigin) })
  })
  ses.setPermissionRequestHandler((contents, permission, callback) => callback(permissionAllowed(permission, contents.getURL(), appOrigin)))
  ses.setPermissionCheckHandler((_contents, permission, requestingOrigin) => permissionAllowed(permission, requestingOrigin, appOrigin))
}

function createWindow(): void {
  const placement = restoreWindowState(
    windowState.load(),
    // Primary display first: restoreWindowState centres unplaceable windows on the first work area.
    [screen.getPrimaryDisplay(), ...screen.getAllDisplays()].map((d) => d.workArea)
  )
  win = new BrowserWindow(secureWindowOptions(placement.bounds, preloadPath()))
  if (placement.maximized) win.maximize()
  guardContents(win.webContents)
  win.once('ready-to-show', () => win?.show())
  win.on('close', (event) => {
    saveWindowState()
    // Closing the window keeps the server (and the tray) running; Quit ends both.
    if (!quitting && tray) {
      event.preventDefault()
      win?.hide()
    }
  })
  win.on('closed', () => {
    win = null
  })
  const url = server.status().url
  if (url) void win.loadURL(url)
}

const poller = createActivePoller({
  read: () => server.activeVisitors(),
  onChange: (count) => {
    if (!tray) return
    const status = server.status()
    tray.setToolTip(trayTooltip({ ...status, activeVisitors: count ?? 0 }))
    if (process.platform === 'darwin') tray.setTitle(trayTitle(count, status.running))
    tray.setContextMenu(Menu.buildFromTemplate(trayMenuTemplate(trayLabel(count, status.running), menuActions)))
  }
})

const menuActions: MenuActions = {
  showWindow,
  openInBrowser: () => {
    const url = server.status().url
    if (url) void openInBrowser(url)
  },
  restartServer: () => void restartServer(),
  openDataDir: () => void shell.openPath(effectiveDataDir(settings.get(), userData)),
  quit: () => app.quit()
}

function followServer(status: ServerStatus): void {
  appOrigin = status.url ? appOriginOf(status.url) : null
  if (status.url && win && !win.isDestroyed()) void win.loadURL(status.url)
  void poller.refresh()
}

async function restartServer(): Promise<void> {
  followServer(await server.restart(settings.get()))
}

function createTray(): void {
  const scale = process.platform === 'darwin' ? 2 : 1
  const size = 16 * scale
  const colour: [number, number, number] = process.platform === 'darwin' ? [0, 0, 0] : [0x25, 0x63, 0xeb]
  const icon = nativeImage.createFromBitmap(trayIconBitmap(size, colour), { width: size, height: size, scaleFactor: scale })
  if (process.platform === 'darwin') icon.setTemplateImage(true)
  tray = new Tray(icon)
  tray.setToolTip(APP_NAME)
  tray.on('click', showWindow)
  poller.start()
}

function applySettingsWithoutRestart(): void {
  const current = settings.get()
  nativeTheme.themeSource = current.theme
  // Only a packaged app registers itself: a dev run would register the bare Electron binary.
  if (app.isPackaged) app.setLoginItemSettings({ openAtLogin: current.launchAtLogin })
}

/**
 * Starts the server; when it cannot start, says why and offers the way out the problem allows
 * (a free port, or loopback instead of the LAN) before giving up.
 */
async function startServerInteractively(): Promise<ServerStatus> {
  let status = await server.start(settings.get())
  for (let attempt = 0; !status.running && attempt < 3; attempt++) {
    const problem = status.problem
    const fix =
      problem?.code === 'port-busy' && problem.suggestedPort !== undefined
        ? { label: `Use port ${problem.suggestedPort}`, patch: { port: problem.suggestedPort } }
        : problem?.code === 'lan-refused'
          ? { label: `Listen on ${DEFAULT_HOST} only`, patch: { host: DEFAULT_HOST } }
          : null
    if (!fix) break
    const { response } = await dialog.showMessageBox({
      type: 'warning',
      title: APP_NAME,
      message: `${APP_NAME} could not start its server`,
      detail: problem!.message,
      buttons: [fix.label, 'Quit'],
      defaultId: 0,
      cancelId: 1
    })
    if (response !== 0) break
    settings.update(fix.patch)
    status = await server.start(settings.get())
  }
  if (!status.running) dialog.showErrorBox(`${APP_NAME} could not start its server`, status.problem?.message ?? 'Unknown error')
  return status
}

function registerIpc(): void {
  const services: MainServices = {
    userDataDir: userData,
    settings,
    server,
    openExternal: openInBrowser,
    chooseDirectory: async () => {
      const options: Electron.OpenDialogOptions = { title: 'Choose the data folder', properties: ['openDirectory', 'createDirectory'] }
      const result = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options)
      return result.canceled ? null : (result.filePaths[0] ?? null)
    },
    versions: () => ({
      app: app.getVersion(),
      electron: process.versions.electron,
      chrome: process.versions.chrome,
      node: process.versions.node,
      platform: process.platform
    }),
    onSettingsChanged: applySettingsWithoutRestart,
    onServerRestarted: followServer,
    appOrigin: () => appOrigin,
    log: (message, error) => console.error(`[dashi] ${message}`, error)
  }
  const handlers = createIpcHandlers(services)
  for (const channel of IPC_CHANNELS) {
    const handler = handlers.get(channel)!
    ipcMain.handle(wireChannel(channel), (event, ...args: unknown[]) => handler(args, event.senderFrame?.url))
  }
}

app.on('second-instance', showWindow)

app.whenReady().then(async () => {
  if (!isPrimary) return
  applySettingsWithoutRestart()
  hardenSession()
  registerIpc()
  Menu.setApplicationMenu(Menu.buildFromTemplate(appMenuTemplate({ isMac: process.platform === 'darwin', isPackaged: app.isPackaged, actions: menuActions })))
  const status = await startServerInteractively()
  if (!status.running) return app.quit()
  appOrigin = status.url ? appOriginOf(status.url) : null
  createTray()
  createWindow()
  app.on('activate', showWindow)
}).catch((error: unknown) => {
  dialog.showErrorBox(`${APP_NAME} could not start`, (error as Error)?.message ?? String(error))
  app.quit()
})

app.on('window-all-closed', () => {
  // With a tray the app lives on in it; without one (it failed to appear) closing the window quits.
  if (!tray && process.platform !== 'darwin') app.quit()
})

// On quit: stop polling, save the window, then close the server, which writes pending hits and closes
// the database, before the process exits.
app.on('before-quit', () => {
  quitting = true
  saveWindowState()
})

let closing = false
app.on('will-quit', (event) => {
  if (closing) return
  closing = true
  event.preventDefault()
  poller.stop()
  server
    .stop()
    .catch((error: unknown) => console.error('[dashi] closing the server failed', error))
    .finally(() => app.exit(0))
})
