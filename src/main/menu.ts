import type { MenuItemConstructorOptions } from 'electron'
import { APP_NAME } from '../shared/constants'

/** What the menus can do; index.ts binds these to the window, the server and the shell. */
export interface MenuActions {
  showWindow: () => void
  openInBrowser: () => void
  restartServer: () => void
  openDataDir: () => void
  quit: () => void
}

/**
 * The application menu. Types only from electron (erased at build), so it is built and checked in Node.
 * Developer tools only in unpackaged runs: in a release they are one shortcut away from running script
 * in the dashboard's origin.
 */
export function appMenuTemplate(options: { isMac: boolean; isPackaged: boolean; actions: MenuActions }): MenuItemConstructorOptions[] {
  const { isMac, isPackaged, actions } = options
  const view: MenuItemConstructorOptions[] = [
    { role: 'reload' },
    ...(isPackaged ? [] : [{ role: 'toggleDevTools' } as MenuItemConstructorOptions]),
    { type: 'separator' },
    { role: 'resetZoom' },
    { role: 'zoomIn' },
    { role: 'zoomOut' },
    { type: 'separator' },
    { role: 'togglefullscreen' }
  ]
  return [
    ...(isMac ? [{ label: APP_NAME, submenu: [{ role: 'about' }, { type: 'separator' }, { role: 'hide' }, { role: 'hideOthers' }, { role: 'unhide' }, { type: 'separator' }, { label: `Quit ${APP_NAME}`, accelerator: 'Cmd+Q', click: actions.quit }] } as MenuItemConstructorOptions] : []),
    {
      label: 'File',
      submenu: [
        { label: 'Open Dashboard in Browser', click: actions.openInBrowser },
        { label: 'Open Data Folder', click: actions.openDataDir },
        { label: 'Restart Server', click: actions.restartServer },
        ...(isMac ? [{ role: 'close' } as MenuItemConstructorOptions] : [{ type: 'separator' } as MenuItemConstructorOptions, { label: 'Quit', accelerator: 'Ctrl+Q', click: actions.quit }])
      ]
    },
    { role: 'editMenu' },
    { label: 'View', submenu: view },
    { role: 'windowMenu' }
  ]
}

/** The tray's menu: the live count first (disabled: information, not an action), then the few actions. */
export function trayMenuTemplate(label: string, actions: MenuActions): MenuItemConstructorOptions[] {
  return [
    { label, enabled: false },
    { type: 'separator' },
    { label: `Open ${APP_NAME}`, click: actions.showWindow },
    { label: 'Open Dashboard in Browser', click: actions.openInBrowser },
    { type: 'separator' },
    { label: `Quit ${APP_NAME}`, click: actions.quit }
  ]
}
