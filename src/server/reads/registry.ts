import type { Db } from '../db/open'
import * as analytics from '../queries/current-analytics'
import * as eventData from '../queries/current-event-data'
import * as reports from '../queries/current-reports'
import * as sessions from '../queries/current-sessions'
import * as v1 from '../queries/v1-analytics'

/** The named members of a module, each name written once. */
function pick<M, const K extends keyof M>(module: M, names: readonly K[]): Pick<M, K> {
  const picked = {} as Pick<M, K>
  for (const name of names) picked[name] = module[name]
  return picked
}

/**
 * The analytics reads that run on the read pool's worker threads (./pool.ts), by name. Each is a query
 * function of src/server/queries taking the connection first; its other arguments and its result cross
 * between threads by structured clone, so they are plain data. Small lookups that decide access (a
 * website, a session's owner, a user) stay on the main connection.
 */
export const READS = {
  ...pick(analytics, [
    'getActiveVisitors',
    'getDateRange',
    'getEventSeries',
    'getEventStats',
    'getExpandedMetrics',
    'getFilterValues',
    'getMetrics',
    'getPageviewSeries',
    'getRealtimeNumbers',
    'getWebsiteStats',
    'listEvents'
  ]),
  ...pick(eventData, [
    'getEventDataById',
    'getEventDataEvents',
    'getEventDataFields',
    'getEventDataProperties',
    'getEventDataStats',
    'getEventDataValues',
    'listEventData'
  ]),
  ...pick(reports, ['getFunnel', 'getGoal', 'getJourneys', 'getRetention', 'getUtm']),
  ...pick(sessions, [
    'getSessionActivity',
    'getSessionDataProperties',
    'getSessionDataValues',
    'getSessionProperties',
    'getSessionsWeekly',
    'getSessionStats',
    'getSessionTotals',
    'listSessions'
  ]),
  ...pick(v1, ['getV1ActiveVisitors', 'getV1EventSeries', 'getV1Metrics', 'getV1PageviewSeries', 'getV1RealtimeData', 'getV1Stats'])
} satisfies Record<string, (db: Db, ...args: never[]) => unknown>

export type ReadName = keyof typeof READS
export type ReadArgs<N extends ReadName> = Parameters<(typeof READS)[N]> extends [Db, ...infer A] ? A : never
export type ReadResult<N extends ReadName> = ReturnType<(typeof READS)[N]>

/** Runs a read on a connection of this thread (the worker's, or the main one when the pool has no threads). */
export function runRead<N extends ReadName>(db: Db, name: N, args: ReadArgs<N>): ReadResult<N> {
  const read = READS[name] as unknown as ((db: Db, ...args: unknown[]) => ReadResult<N>) | undefined
  if (typeof read !== 'function' || !Object.hasOwn(READS, name)) throw new Error(`Unknown read "${String(name)}"`)
  return read(db, ...(args as unknown[]))
}
