import { ROLE } from '../shared/constants'
import { checkPassword, DEFAULT_ADMIN, DEFAULT_ADMIN_HASH } from './auth'
import type { Db } from './db/open'
import { countAccounts, createAccount, getAccountByUsername } from './queries/accounts'


/** A fresh database gets the user admin / umami, as Umami's does. */
export function ensureDefaultAdmin(db: Db, now: number): void {
  if (countAccounts(db) > 0) return
  createAccount(db, { username: DEFAULT_ADMIN.username, passwordHash: DEFAULT_ADMIN_HASH, role: ROLE.admin, now })
}

/**
 * Whether the admin still has the default password, without hashing: true when its hash is the one a
 * fresh database ships (hashPassword stores that same hash whenever "umami" is chosen again), false for
 * any other password, null when only bcrypt can tell (a hash of "umami" with another salt, set before
 * hashPassword did so). Start-up needs no 100 ms bcrypt check on its way to ready.
 */
export function defaultPasswordAtSight(db: Db): boolean | null {
  const admin = getAccountByUsername(db, DEFAULT_ADMIN.username)
  if (!admin) return false
  if (admin.password === DEFAULT_ADMIN_HASH) return true
  return null
}

/** True while the admin still has the default password (checked before opening to the network). */
export async function hasDefaultPassword(db: Db): Promise<boolean> {
  const atSight = defaultPasswordAtSight(db)
  if (atSight !== null) return atSight
  const admin = getAccountByUsername(db, DEFAULT_ADMIN.username)
  return admin ? checkPassword(DEFAULT_ADMIN.password, admin.password) : false
}

export const DEFAULT_PASSWORD_HELP =
  'The admin account still has the default password "umami". Log in at the dashboard and change it ' +
  '(or POST /api/account/password), then restart with --host.'
