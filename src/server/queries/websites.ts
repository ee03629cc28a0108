import { randomBytes, randomUUID } from 'node:crypto'
import type { Db } from '../db/open'
import { likeEscape, prepared } from '../db/sql'

export interface WebsiteRow {
  website_id: number
  website_uuid: string
  user_id: number
  name: string
  domain: string | null
  share_id: string | null
  reset_at: number | null
  created_at: number
  updated_at: number
}

const SHARE_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

/** 8 random characters from [0-9A-Za-z], as Umami's share ids. */
export function newShareId(): string {
  const bytes = randomBytes(16)
  let id = ''
  for (const b of bytes) {
    if (b < 248) id += SHARE_ALPHABET[b % 62]
    if (id.length === 8) return id
  }
  return newShareId()
}

export function getWebsiteById(db: Db, websiteId: number): WebsiteRow | undefined {
  return prepared(db, 'SELECT * FROM website WHERE website_id = ?').get(websiteId) as WebsiteRow | undefined
}

/**
 * Websites by UUID, remembered: every collected hit looks its website up. Every function below that
 * changes a website row clears the cache, so no route can forget to.
 */
const byUuid = new WeakMap<Db, Map<string, WebsiteRow>>()
const WEBSITE_CACHE_SIZE = 1000

function forgetWebsites(db: Db): void {
  byUuid.get(db)?.clear()
}

export function getWebsiteByUuid(db: Db, uuid: string): WebsiteRow | undefined {
  let cache = byUuid.get(db)
  if (!cache) byUuid.set(db, (cache = new Map()))
  const cached = cache.get(uuid)
  if (cached) return cached
  const row = prepared(db, 'SELECT * FROM website WHERE website_uuid = ?').get(uuid) as WebsiteRow | undefined
  if (row) {
    if (cache.size >= WEBSITE_CACHE_SIZE) cache.clear()
    cache.set(uuid, row)
  }
  return row
}

export function getWebsiteByShareId(db: Db, shareId: string): WebsiteRow | undefined {
  return prepared(db, 'SELECT * FROM website WHERE share_id = ?').get(shareId) as WebsiteRow | undefined
}

export function listWebsitesOfUser(db: Db, userId: number): WebsiteRow[] {
  return prepared(db, 'SELECT * FROM website WHERE user_id = ? ORDER BY name ASC, website_id ASC').all(userId) as WebsiteRow[]
}

export function listAllWebsites(db: Db): (WebsiteRow & { account: string })[] {
  return prepared(
    db,
    'SELECT w.*, a.username AS account FROM website w JOIN account a ON a.user_id = w.user_id ORDER BY w.user_id ASC, w.name ASC'
  ).all() as (WebsiteRow & { account: string })[]
}

/** `uuid` lets a client choose the website's id (the current API accepts one); a random one otherwise. */
/** A website with its owner's current-API id and username, as the current API lists websites. */
export type WebsiteWithOwner = WebsiteRow & { owner_uuid: string; owner_username: string }

/**
 * One page of websites in name order (case-insensitive), with their owners: one user's (`userId`) or
 * everyone's (`null`). `search` matches the name or the domain, case-insensitively, as literal text.
 */
export function listWebsitesPage(
  db: Db,
  { userId, search, limit, offset }: { userId: number | null; search?: string; limit: number; offset: number }
): { rows: WebsiteWithOwner[]; count: number } {
  const conditions: string[] = []
  const filter: Record<string, string | number> = {}
  if (userId !== null) {
    conditions.push('w.user_id = @userId')
    filter.userId = userId
  }
  if (search !== undefined) {
    conditions.push("(w.name LIKE @pattern ESCAPE '\\' OR w.domain LIKE @pattern ESCAPE '\\')")
    filter.pattern = `%${likeEscape(search)}%`
  }
  const where = conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''
  const rows = prepared(
    db,
    `SELECT w.*, a.user_uuid AS owner_uuid, a.username AS owner_username
     FROM website w JOIN account a ON a.user_id = w.user_id ${where}
     ORDER BY w.name COLLATE NOCASE ASC, w.website_id ASC LIMIT @limit OFFSET @offset`
  ).all({ ...filter, limit, offset }) as WebsiteWithOwner[]
  const count = prepared(db, `SELECT count(*) FROM website w ${where}`).pluck().get(filter) as number
  return { rows, count }
}

export function createWebsite(
  db: Db,
  input: { userId: number; name: string; domain: string | null; shareId: string | null; now: number; uuid?: string }
): WebsiteRow {
  const info = prepared(
    db,
    'INSERT INTO website (website_uuid, user_id, name, domain, share_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)'
  ).run(input.uuid ?? randomUUID(), input.userId, input.name, input.domain, input.shareId, input.now, input.now)
  return getWebsiteById(db, Number(info.lastInsertRowid))!
}

export function updateWebsite(
  db: Db,
  websiteId: number,
  input: { userId: number; name: string; domain: string | null; shareId: string | null; now: number }
): WebsiteRow {
  forgetWebsites(db)
  prepared(db, 'UPDATE website SET user_id = ?, name = ?, domain = ?, share_id = ?, updated_at = ? WHERE website_id = ?').run(
    input.userId,
    input.name,
    input.domain,
    input.shareId,
    input.now,
    websiteId
  )
  return getWebsiteById(db, websiteId)!
}

/** Deletes every hit, property and session of a website, keeping the website. */
export function resetWebsiteData(db: Db, websiteId: number, now: number): void {
  db.transaction(() => {
    prepared(db, 'DELETE FROM event_data WHERE website_id = ?').run(websiteId)
    prepared(db, 'DELETE FROM session_data WHERE website_id = ?').run(websiteId)
    prepared(db, 'DELETE FROM website_event WHERE website_id = ?').run(websiteId)
    prepared(db, 'DELETE FROM visit WHERE website_id = ?').run(websiteId)
    prepared(db, 'DELETE FROM visit_span WHERE website_id = ?').run(websiteId)
    prepared(db, 'DELETE FROM day_set_built WHERE website_id = ?').run(websiteId)
    prepared(db, 'DELETE FROM day_set WHERE website_id = ?').run(websiteId)
    prepared(db, 'DELETE FROM hour_set WHERE website_id = ?').run(websiteId)
    prepared(db, 'DELETE FROM hour_built WHERE website_id = ?').run(websiteId)
    prepared(db, 'DELETE FROM day_set_value WHERE website_id = ?').run(websiteId)
    prepared(db, 'DELETE FROM session WHERE website_id = ?').run(websiteId)
    prepared(db, 'UPDATE website SET reset_at = ? WHERE website_id = ?').run(now, websiteId)
    forgetWebsites(db)
  })()
}

export function deleteWebsite(db: Db, websiteId: number): void {
  db.transaction(() => {
    resetWebsiteData(db, websiteId, 0)
    prepared(db, 'DELETE FROM website WHERE website_id = ?').run(websiteId)
    forgetWebsites(db)
  })()
}

/** Deletes an account with its websites and their data, in one transaction. */
export function deleteAccountCascade(db: Db, userId: number): void {
  db.transaction(() => {
    for (const website of listWebsitesOfUser(db, userId)) deleteWebsite(db, website.website_id)
    prepared(db, 'DELETE FROM account WHERE user_id = ?').run(userId)
  })()
}
