import { ROLE } from '../shared/constants'
import { checkPassword, DEFAULT_ADMIN } from './auth'
import type { Db } from './db/open'
import { countAccounts, createAccount, getAccountByUsername } from './queries/accounts'

/** bcrypt (cost 10) of "umami": the hash Umami's first migration ships, so no hashing slows first start. */
const DEFAULT_ADMIN_HASH = '$2b$10$BUli0c.muyCW1ErNJc3jL.vFRFtFJWrT8/GcR4A.sUdCznaXiqFXa'

/** A fresh database gets the user admin / umami, as Umami's does. */
export function ensureDefaultAdmin(db: Db, now: number): void {
  if (countAccounts(db) > 0) return
  createAccount(db, { username: DEFAULT_ADMIN.username, passwordHash: DEFAULT_ADMIN_HASH, role: ROLE.admin, now })
}

/** True while any admin still has the default password (checked before opening to the network). */
export async function hasDefaultPassword(db: Db): Promise<boolean> {
  const admin = getAccountByUsername(db, DEFAULT_ADMIN.username)
  return admin ? checkPassword(DEFAULT_ADMIN.password, admin.password) : false
}

export const DEFAULT_PASSWORD_HELP =
  'The admin account still has the default password "umami". Log in at the dashboard and change it ' +
  '(or POST /api/account/password), then restart with --host.'
