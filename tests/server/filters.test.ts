import Database from 'better-sqlite3'
import { describe, expect, test } from 'vitest'
import { FilterError, filterSql, parseFilters } from '../../src/server/db/filters'

/** Runs the generated condition against a tiny real table, so the SQL is checked by SQLite itself. */
function matching(query: Record<string, string>): string[] {
  const db = new Database(':memory:')
  db.exec(`CREATE TABLE website_event (id TEXT, url_path TEXT, referrer_domain TEXT, event_name TEXT, session_id INT);
    CREATE TABLE session (session_id INT, browser TEXT, country TEXT);
    INSERT INTO session VALUES (1, 'chrome', 'DE'), (2, 'firefox', 'US'), (3, NULL, NULL);
    INSERT INTO website_event VALUES ('a', '/pricing', 'google.com', NULL, 1), ('b', '/blog/100%_real', 'news.ycombinator.com', NULL, 2),
      ('c', '/', NULL, 'signup', 3), ('d', '/Pricing/team', 'GOOGLE.com', NULL, 1);`)
  const where = filterSql(parseFilters(query))
  const rows = db
    .prepare(`SELECT e.id FROM website_event e JOIN session s ON s.session_id = e.session_id WHERE 1${where.sql} ORDER BY e.id`)
    .pluck()
    .all(where.params) as string[]
  db.close()
  return rows
}

describe('current-API filters', () => {
  test('a plain value means equals, and a comma list means any of them', () => {
    expect(matching({ path: '/pricing' })).toEqual(['a'])
    expect(matching({ browser: 'chrome,firefox' })).toEqual(['a', 'b', 'd'])
  })

  test('v3 operators: eq, neq (missing values count as not equal), c (case-insensitive), dnc', () => {
    expect(matching({ path: 'eq./' })).toEqual(['c'])
    expect(matching({ browser: 'neq.chrome' })).toEqual(['b', 'c'])
    expect(matching({ path: 'c.pricing' })).toEqual(['a', 'd'])
    expect(matching({ referrer: 'dnc.google' })).toEqual(['b', 'c'])
  })

  test('v2 prefixes: ! not equal, ~ contains, !~ does not contain', () => {
    expect(matching({ country: '!DE' })).toEqual(['b', 'c'])
    expect(matching({ url: '~blog' })).toEqual(['b'])
    expect(matching({ url: '!~/' })).toEqual([])
  })

  test('v2 names url and host are aliases of path and hostname', () => {
    expect(parseFilters({ url: '/x', host: 'a.example' }).filters.map((f) => f.name)).toEqual(['path', 'hostname'])
  })

  test('LIKE wildcards in a contains value match literally', () => {
    expect(matching({ path: 'c.100%_' })).toEqual(['b'])
    expect(matching({ path: 'c.%' })).toEqual(['b'])
  })

  test('several filters are ANDed, or ORed with match=any; numbered keys repeat a filter', () => {
    expect(matching({ browser: 'chrome', path: '/pricing' })).toEqual(['a'])
    expect(matching({ browser: 'firefox', path: '/pricing', match: 'any' })).toEqual(['a', 'b'])
    expect(matching({ path: 'c.pricing', path1: 'neq./pricing' })).toEqual(['d'])
  })

  test('values never reach the SQL text', () => {
    const where = filterSql(parseFilters({ path: "'; DROP TABLE website_event; --", browser: 'c.x\') OR 1=1 --' }))
    expect(where.sql).not.toContain('DROP')
    expect(where.sql).not.toContain('1=1')
    expect(matching({ path: "'; DROP TABLE website_event; --" })).toEqual([])
  })

  test('unknown keys are not filters, and unsupported operators are refused by name', () => {
    expect(parseFilters({ startAt: '1', unit: 'day', bogus: 'x' }).filters).toEqual([])
    expect(() => parseFilters({ path: 're.^/a' })).toThrow(FilterError)
    expect(() => parseFilters({ path: 're.^/a' })).toThrow(/"re" is not supported/)
  })

  test('the session table is needed only for session attributes', () => {
    expect(filterSql(parseFilters({ path: '/a' })).needsSession).toBe(false)
    expect(filterSql(parseFilters({ country: 'DE' })).needsSession).toBe(true)
  })
})
