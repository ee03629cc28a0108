import { beforeAll, describe, expect, test } from 'vitest'
import { ensureBuilt, passed, runCrashCycles } from '../stress/crash.mjs'

// The suite's short version of `npm run stress` (tests/stress/crash.mjs): one SIGKILL in the middle of a
// small full-speed load on the built server, then the database as the crash left it.
beforeAll(() => ensureBuilt(), 120_000)

describe('crash durability', () => {
  test('a server killed with SIGKILL mid-load loses no acknowledged hit, stores none twice, and starts again on the file', async () => {
    const result = await runCrashCycles({ cycles: 1, connections: 10, minMs: 1000, maxMs: 1500, seed: 7 })
    expect(result.acknowledged).toBeGreaterThan(20)
    // Replies other than 200 would mean the load did not run as meant (busy, errors).
    expect(Object.keys(result.cycles[0]!.statusCounts)).toEqual(['200'])
    expect(result.lost).toEqual([])
    expect(result.ackedStored).toBe(result.acknowledged)
    expect(result.duplicates).toEqual([])
    // At most the hits in flight at the kill were stored without their reply reaching the client.
    expect(result.storedNotAcknowledged).toBeLessThanOrEqual(10)
    expect(result.integrity).toBe('ok')
    expect(result.foreignKeyViolations).toBe(0)
    expect(result.restart).toMatchObject({ code: 0, integrity: 'ok', lost: 0 })
    expect(passed(result)).toBe(true)
  }, 30_000)
})
