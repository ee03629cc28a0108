import Database from 'better-sqlite3'
import { describe, expect, test } from 'vitest'
import { FilterError, filterSql, parseFilters } from '../../src/server/db/filters'
import { compilePattern, registerRegexp } from '../../src/server/db/regexp'

/** Runs the generated condition against a tiny real table, so the SQL is checked by SQLite itself. */
function matching(query: Record<string, string>): string[] {
  const db = new Database(':memory:')
  registerRegexp(db)
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
    expect(() => parseFilters({ path: 'gt.3' })).toThrow(FilterError)
    expect(() => parseFilters({ path: 'gt.3' })).toThrow(/"gt" is not supported on path; use eq, neq, c, dnc, re or nre/)
  })

  test('the session table is needed only for session attributes', () => {
    expect(filterSql(parseFilters({ path: '/a' })).needsSession).toBe(false)
    expect(filterSql(parseFilters({ country: 'DE' })).needsSession).toBe(true)
  })
})

describe('regular-expression filters (re / nre)', () => {
  test('re matches case-insensitively anywhere in the value unless anchored', () => {
    expect(matching({ path: 're.^/pricing' })).toEqual(['a', 'd'])
    expect(matching({ path: 're.^/pricing$' })).toEqual(['a'])
    expect(matching({ path: 're.ric' })).toEqual(['a', 'd'])
    expect(matching({ referrer: 're.^(www\\.)?google\\.com$' })).toEqual(['a', 'd'])
    expect(matching({ path: 're./blog/\\d+%_' })).toEqual(['b'])
  })

  test('a NULL value never matches re, so nre keeps it (like dnc)', () => {
    expect(matching({ event: 're..' })).toEqual(['c'])
    expect(matching({ event: 'nre.^sign' })).toEqual(['a', 'b', 'd'])
    expect(matching({ referrer: 'nre.google' })).toEqual(['b', 'c'])
    expect(matching({ browser: 'nre.^(chrome|firefox)$' })).toEqual(['c'])
  })

  test('commas belong to the pattern, as in Umami (alternatives are written a|b)', () => {
    expect(parseFilters({ path: 're.^/a{1,3}$' }).filters[0]!.values).toEqual(['^/a{1,3}$'])
    expect(matching({ browser: 're.^(chrome|firefox)$' })).toEqual(['a', 'b', 'd'])
    expect(matching({ browser: 're.chrome,firefox' })).toEqual([])
  })

  test('combines with other filters, numbered repeats and match=any', () => {
    expect(matching({ path: 're.pricing', path1: 'nre.team' })).toEqual(['a'])
    expect(matching({ path: 're.^/$', country: 'US', match: 'any' })).toEqual(['b', 'c'])
  })

  test('v2 prefixes have no regex form: "re." without v3 syntax… is v3 syntax, ~ stays contains', () => {
    expect(parseFilters({ url: '~^/a' }).filters[0]).toMatchObject({ operator: 'c', values: ['^/a'] })
    expect(parseFilters({ url: 're.^/a' }).filters[0]).toMatchObject({ name: 'path', operator: 're' })
  })

  test('the pattern is a bound parameter, never SQL text', () => {
    const where = filterSql(parseFilters({ path: "re.';DROP TABLE website_event;--" }))
    expect(where.sql).toBe(' AND dashi_regexp(@f0, e.url_path)')
    expect(where.params).toEqual({ f0: "';DROP TABLE website_event;--" })
    expect(matching({ path: "re.';DROP TABLE website_event;--" })).toEqual([])
  })

  test('invalid patterns are refused at parse time, naming the filter and the reason', () => {
    const refused = (query: Record<string, string>) => {
      try {
        parseFilters(query)
      } catch (error) {
        expect(error).toBeInstanceOf(FilterError)
        return (error as Error).message
      }
      throw new Error(`accepted ${JSON.stringify(query)}`)
    }
    expect(refused({ path: 're.(blog' })).toBe('Invalid regular expression in the path filter: missing closing ): `(blog`')
    expect(refused({ referrer: 'nre.[a-' })).toMatch(/^Invalid regular expression in the referrer filter: missing closing \]/)
    expect(refused({ browser: 're.*chrome' })).toMatch(/browser filter: missing argument to repetition operator/)
    expect(refused({ path: 're.(a)\\1' })).toMatch(/invalid escape sequence/)
    expect(refused({ path: 're.^/(?=blog)' })).toMatch(/invalid or unsupported Perl syntax/)
    expect(refused({ path: 're.' + 'a'.repeat(501) })).toMatch(/at most 500 characters/)
    expect(refused({ path: 're.(a{1000}){1000}' })).toMatch(/invalid repeat count/)
    expect(refused({ path: 're.(?P<x>a)(?P<x>b)' })).toMatch(/duplicate capture group name/)
  })
})

test('a value over 2000 characters is refused: as a contains pattern it would pass SQLite\'s LIKE limit (a 500, found by the fuzz test)', () => {
  expect(() => parseFilters({ path: `c.${'a'.repeat(60_000)}` })).toThrow(/path filter may be at most 2000 characters/)
  expect(() => parseFilters({ browser: `chrome,${'x'.repeat(2001)}` })).toThrow(FilterError)
  expect(matching({ path: `c.${'p'.repeat(2000)}` })).toEqual([])
})

describe('the regex engine behind dashi_regexp (RE2)', () => {
  test('patterns that make a backtracking engine run for minutes still answer, correctly', () => {
    // With V8's engine `a*a*a*$` on this value takes ~30 s and `(a+)+$` on 30 characters ~30 s; RE2 is
    // linear in the value, so these return (a hang would fail the test by its timeout).
    const long = 'a'.repeat(500) + '!'
    expect(compilePattern('(a+)+$').test(long)).toBe(false)
    expect(compilePattern('(a|a)*!$').test(long)).toBe(true)
    expect(compilePattern('a*a*a*!$').test(long)).toBe(true)
    expect(compilePattern('a*a*a*b').test(long)).toBe(false)
    expect(compilePattern('.*.*.*.*x').test(long)).toBe(false)
    expect(compilePattern('(\\w+\\s?)+x').test(long)).toBe(false)
  })

  test('case-insensitive, unanchored unless anchored, with RE2 classes and escapes', () => {
    const t = (source: string, value: string) => compilePattern(source).test(value)
    expect(t('BLOG', '/blog/post')).toBe(true)
    expect(t('^blog', '/blog/post')).toBe(false)
    expect(t('^/blog/\\d+$', '/blog/42')).toBe(true)
    expect(t('^/blog/\\d+$', '/blog/42/edit')).toBe(false)
    expect(t('\\x41\\x{62}', 'ab')).toBe(true)
    expect(t('^[[:alpha:]]+$', 'Chrome')).toBe(true)
    expect(t('^(chrome|firefox)$', 'Firefox')).toBe(true)
    expect(t('^.$', '\n')).toBe(false)
    expect(t('(?s)^.$', '\n')).toBe(true)
  })
})
