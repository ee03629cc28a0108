import { randomUUID } from 'node:crypto'
import type { Role } from '../../shared/constants'
import type { AccountRow } from '../auth'
import type { Db } from '../db/open'
import { likeEscape, prepared } from '../db/sql'

/** An account as any API may show it: never the password hash. */
export type PublicAccount = Omit<AccountRow, 'password'>

const PUBLIC_COLUMNS = 'user_id, user_uuid, username, role, created_at, updated_at'

export function getAccountById(db: Db, userId: number): AccountRow | undefined {
  return prepared(db, 'SELECT * FROM account WHERE user_id = ?').get(userId) as AccountRow | undefined
}

export function getAccountByUsername(db: Db, username: string): AccountRow | undefined {
  return prepared(db, 'SELECT * FROM account WHERE username = ?').get(username) as AccountRow | undefined
}

export function listAccounts(db: Db): PublicAccount[] {
  return prepared(db, `SELECT ${PUBLIC_COLUMNS} FROM account ORDER BY role = 'admin' DESC, username ASC`).all() as PublicAccount[]
}

export function countAccounts(db: Db): number {
  return prepared(db, 'SELECT count(*) FROM account').pluck().get() as number
}

export function countAdmins(db: Db): number {
  return prepared(db, "SELECT count(*) FROM account WHERE role = 'admin'").pluck().get() as number
}

export function getAccountByUuid(db: Db, uuid: string): AccountRow | undefined {
  return prepared(db, 'SELECT * FROM account WHERE user_uuid = ?').get(uuid) as AccountRow | undefined
}

/** `uuid` lets a client choose the new user's id (the current API accepts one); a random one otherwise. */
export function createAccount(
  db: Db,
  input: { username: string; passwordHash: string; role: Role; now: number; uuid?: string }
): AccountRow {
  const info = prepared(
    db,
    'INSERT INTO account (user_uuid, username, password, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)'
  ).run(input.uuid ?? randomUUID(), input.username, input.passwordHash, input.role, input.now, input.now)
  return getAccountById(db, Number(info.lastInsertRowid))!
}

export function updateAccount(
  db: Db,
  userId: number,
  changes: { username?: string; passwordHash?: string; role?: Role; now: number }
): AccountRow {
  prepared(
    db,
    `UPDATE account SET username = coalesce(@username, username), password = coalesce(@passwordHash, password),
       role = coalesce(@role, role), updated_at = @now WHERE user_id = @userId`
  ).run({ username: changes.username ?? null, passwordHash: changes.passwordHash ?? null, role: changes.role ?? null, now: changes.now, userId })
  return getAccountById(db, userId)!
}

export function toPublicAccount({ password: _password, ...rest }: AccountRow): PublicAccount {
  return rest
}

export type AccountWithWebsiteCount = PublicAccount & { website_count: number }

/** One page of accounts (username order), each with how many websites it owns; `search` matches the username. */
export function listAccountsPage(
  db: Db,
  { search, limit, offset }: { search?: string; limit: number; offset: number }
): { rows: AccountWithWebsiteCount[]; count: number } {
  const filter = search === undefined ? {} : { pattern: `%${likeEscape(search)}%` }
  const where = search === undefined ? '' : "WHERE a.username LIKE @pattern ESCAPE '\\'"
  const rows = prepared(
    db,
    `SELECT a.user_id, a.user_uuid, a.username, a.role, a.created_at, a.updated_at,
       (SELECT count(*) FROM website w WHERE w.user_id = a.user_id) AS website_count
     FROM account a ${where}
     ORDER BY a.username COLLATE NOCASE ASC, a.user_id ASC LIMIT @limit OFFSET @offset`
  ).all({ ...filter, limit, offset }) as AccountWithWebsiteCount[]
  const count = prepared(db, `SELECT count(*) FROM account a ${where}`).pluck().get(filter) as number
  return { rows, count }
}
