import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { DATABASE_FILE, isLoopbackHost } from '../server/server'
import { openDatabase, type Db } from '../server/db/open'
import { countAccounts } from '../server/queries/accounts'
import { DEFAULT_PASSWORD_HELP, hasDefaultPassword } from '../server/setup'

/**
 * Opening the embedded server to the LAN (a non-loopback bind address) is allowed only once the admin
 * account's default password is changed: the same rule startServer enforces, asked before a restart
 * so the settings view can say so instead of the server failing to start.
 */
export type BindCheck = { allowed: true } | { allowed: false; message: string }

const refusal = (host: string): BindCheck => ({
  allowed: false,
  message: `Dashi can only listen on ${host} (reachable from other machines) once the admin password is changed. ${DEFAULT_PASSWORD_HELP}`
})

export async function checkBindAddress(host: string, db: Db): Promise<BindCheck> {
  if (isLoopbackHost(host)) return { allowed: true }
  // No account yet: the first start creates admin / umami (setup.ts), so it is the default password too.
  if (countAccounts(db) === 0 || (await hasDefaultPassword(db))) return refusal(host)
  return { allowed: true }
}

/**
 * The same check for a data directory whose database is not open (the server is stopped, or the data
 * directory changes with the bind address): opens it briefly. A directory without a database yet will get
 * the default admin on first start, so it cannot be opened to the LAN either (and gets no file from this).
 */
export async function checkBindAddressForDataDir(host: string, dataDir: string, openDb?: Db): Promise<BindCheck> {
  if (isLoopbackHost(host)) return { allowed: true }
  if (openDb) return checkBindAddress(host, openDb)
  const file = join(dataDir, DATABASE_FILE)
  // Not created by a check: a directory without a database would start with the default admin.
  if (!existsSync(file)) return refusal(host)
  let db: Db | undefined
  try {
    db = openDatabase({ file })
    return await checkBindAddress(host, db)
  } catch (error) {
    return { allowed: false, message: `Cannot check the admin password in ${dataDir}: ${(error as Error).message}` }
  } finally {
    db?.close()
  }
}
