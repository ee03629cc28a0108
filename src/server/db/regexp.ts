import { RE2JS } from 're2js'
import { BoundedCache } from '../lib/bounded-cache'
import type { Db } from './open'

/**
 * Regular-expression filters (`re` / `nre`, umami-v2.md §1.1) on SQLite, through the SQL function
 * `dashi_regexp(pattern, value)` registered on every connection.
 *
 * Patterns are RE2 syntax (re2js, a JavaScript port of RE2), matched case-insensitively anywhere in the
 * value unless anchored, as Umami's `~*` (PostgreSQL) and `match()` (ClickHouse, which is RE2) do. RE2
 * matches in time linear in the value whatever the pattern: a filter can come from anyone holding a share
 * link, and with a backtracking engine `a*a*a*$` against one 500-character path runs for ~30 s (V8).
 * RE2 has no back-references or lookaround; such patterns are refused with RE2's reason.
 */

export const REGEXP_SQL_FUNCTION = 'dashi_regexp'
export const MAX_PATTERN_LENGTH = 500

export class RegexpError extends Error {
  override name = 'RegexpError'
}

export interface Pattern {
  readonly source: string
  test(value: string): boolean
}

/** Checks and compiles a pattern; throws RegexpError with a reason a user can act on. */
export function compilePattern(source: string): Pattern {
  if (source.length > MAX_PATTERN_LENGTH) throw new RegexpError(`a pattern may be at most ${MAX_PATTERN_LENGTH} characters`)
  let re: RE2JS
  try {
    re = RE2JS.compile(source, RE2JS.CASE_INSENSITIVE)
  } catch (error) {
    // re2js says "error parsing regexp: missing closing ): `(a`"; the reason is what helps.
    throw new RegexpError((error as Error).message.replace(/^error parsing regexp: /, '').replace('`(?i)', '`'))
  }
  return { source, test: (value) => re.matcher(value).find() }
}

/** Compiled patterns by source: a query calls the SQL function once per row with the same pattern. */
const compiled = new BoundedCache<string, Pattern>(64)

export function cachedPattern(source: string): Pattern {
  let pattern = compiled.get(source)
  if (!pattern) {
    pattern = compilePattern(source)
    compiled.set(source, pattern)
  }
  return pattern
}

/**
 * Registers `dashi_regexp(pattern, value)` → 1 or 0 on a connection. A NULL value never matches (so
 * `NOT dashi_regexp(…)` keeps rows without a value, as `dnc` does); the pattern is always a bound parameter.
 */
export function registerRegexp(db: Db): void {
  db.function(REGEXP_SQL_FUNCTION, { deterministic: true, varargs: false }, (pattern: unknown, value: unknown) => {
    if (typeof pattern !== 'string') throw new TypeError(`${REGEXP_SQL_FUNCTION}: the pattern must be text`)
    if (value === null || value === undefined) return 0
    return cachedPattern(pattern).test(typeof value === 'string' ? value : String(value)) ? 1 : 0
  })
}
