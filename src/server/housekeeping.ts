import type { HousekeepingRun, HousekeepingStatus } from '../shared/api/types'
import type { HitWriter } from './collect/writer'
import type { Db } from './db/open'
import { getSetting, putSetting } from './queries/settings'
import { retentionCutoff } from '../shared/retention'

/**
 * Data retention and database upkeep (issue 6): events older than the retention period are deleted in the
 * background, a few thousand rows per transaction on the hit writer's own connection (HitWriter.task), so
 * hits keep being stored between chunks and never wait for the write lock behind a long delete. Then
 * SQLite's planner statistics are refreshed (PRAGMA optimize). Compacting the file (VACUUM) is on request
 * only: it rewrites the whole file, and hits wait in the writer's queue while it runs.
 */

export const RETENTION_KEY = 'retention'
export const LAST_RUN_KEY = 'housekeeping.lastRun'
export interface HousekeepingOptions {
  db: Db
  writer: HitWriter
  now: () => number
  log: { info: (obj: object, msg: string) => void; error: (obj: object, msg: string) => void }
  /** Rows deleted per transaction. */
  chunk?: number
  /** Time between automatic runs. */
  intervalMs?: number
  /** Time from start() to the first automatic run. */
  firstRunMs?: number
  /** Time from start() to the first build of daily visitor sets, then between builds (see buildDaySets). */
  daySetsFirstMs?: number
  daySetsIntervalMs?: number
}

export class Housekeeping {
  private readonly db: Db
  private readonly writer: HitWriter
  private readonly now: () => number
  private readonly log: HousekeepingOptions['log']
  private readonly chunk: number
  private readonly intervalMs: number
  private readonly firstRunMs: number
  private timer: NodeJS.Timeout | undefined
  private daySetsTimer: NodeJS.Timeout | undefined
  private daySetsRun: Promise<number> | null = null
  private readonly daySetsFirstMs: number
  private readonly daySetsIntervalMs: number
  private current: { kind: 'purge' | 'compact'; done: Promise<HousekeepingRun> } | null = null
  private stopped = false

  constructor(options: HousekeepingOptions) {
    this.db = options.db
    this.writer = options.writer
    this.now = options.now
    this.log = options.log
    this.chunk = options.chunk ?? 2_000
    this.intervalMs = options.intervalMs ?? 6 * 3_600_000
    this.firstRunMs = options.firstRunMs ?? 60_000
    this.daySetsFirstMs = options.daySetsFirstMs ?? 5_000
    this.daySetsIntervalMs = options.daySetsIntervalMs ?? 15 * 60_000
  }

  /** Runs the purge a minute after start-up, then every few hours (timers that never keep the process up). */
  start(): void {
    const schedule = (ms: number) => {
      this.timer = setTimeout(() => {
        if (this.stopped) return
        // Nothing to purge while everything is kept: no run, and no run recorded.
        const run = this.retentionMonths === null ? Promise.resolve() : this.purge()
        void run.finally(() => !this.stopped && schedule(this.intervalMs))
      }, ms)
      this.timer.unref()
    }
    schedule(this.firstRunMs)
    const scheduleDaySets = (ms: number) => {
      this.daySetsTimer = setTimeout(() => {
        if (this.stopped) return
        void this.buildDaySets()
          .catch((error: Error) => this.log.error({ err: error }, 'housekeeping: daily visitor sets stopped'))
          .finally(() => !this.stopped && scheduleDaySets(this.daySetsIntervalMs))
      }, ms)
      this.daySetsTimer.unref()
    }
    scheduleDaySets(this.daySetsFirstMs)
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    clearTimeout(this.daySetsTimer)
    await this.current?.done.catch(() => {})
    await this.daySetsRun?.catch(() => {})
  }

  /**
   * Builds the daily visitor sets (queries/day-sets.ts) of every closed UTC day that has none: after start-up
   * (the days since the last run, or all of them after an upgrade), a new day after midnight, and days whose
   * sets a late hit made stale. One step (a few kinds of one day, ~40 ms) per writer task, so hits wait at most
   * one step between them; a day whose events or visits change during its steps is built again. Then the sets
   * of today's hours that closed over an hour ago, one hour per step.
   * Resolves with the number of days built (the run already going, if one is).
   */
  buildDaySets(): Promise<number> {
    if (this.daySetsRun) return this.daySetsRun
    const run = (async () => {
      let total = 0
      for (;;) {
        if (this.stopped) return total
        const { built, left } = await this.writer.task('daySets', this.now(), 1)
        total += built
        if (!left) return total
      }
    })()
    this.daySetsRun = run
    void run.finally(() => {
      this.daySetsRun = null
    }).catch(() => {})
    return run
  }

  get retentionMonths(): number | null {
    return getSetting<{ months: number | null }>(this.db, RETENTION_KEY)?.months ?? null
  }

  setRetention(months: number | null): void {
    putSetting(this.db, RETENTION_KEY, { months }, this.now())
  }

  status(): HousekeepingStatus {
    const pageSize = this.db.pragma('page_size', { simple: true }) as number
    const pages = this.db.pragma('page_count', { simple: true }) as number
    const free = this.db.pragma('freelist_count', { simple: true }) as number
    return {
      retentionMonths: this.retentionMonths,
      running: this.current?.kind ?? null,
      lastRun: getSetting<HousekeepingRun>(this.db, LAST_RUN_KEY) ?? null,
      database: { bytes: pages * pageSize, freeBytes: free * pageSize }
    }
  }

  /** Deletes what the retention setting no longer keeps (the run already going, if one is). */
  purge(): Promise<HousekeepingRun> {
    return this.begin('purge', async (run) => {
      const months = this.retentionMonths
      if (months === null) return
      run.cutoff = retentionCutoff(run.startedAt, months)
      for (;;) {
        if (this.stopped) throw new Error('the server is shutting down')
        const { events, sessions } = await this.writer.task('purge', run.cutoff, this.chunk)
        run.events += events
        run.sessions += sessions
        if (events + sessions < this.chunk) break
      }
      if (run.events + run.sessions > 0) await this.writer.task('optimize')
    })
  }

  /** Rewrites the database file without its free pages. Refused (null) while another run goes on. */
  compact(): Promise<HousekeepingRun> | null {
    if (this.current) return null
    return this.begin('compact', async () => {
      await this.writer.task('vacuum')
    })
  }

  private begin(kind: 'purge' | 'compact', work: (run: HousekeepingRun) => Promise<void>): Promise<HousekeepingRun> {
    if (this.current) return this.current.done
    const run: HousekeepingRun = { kind, startedAt: this.now(), finishedAt: 0, cutoff: null, events: 0, sessions: 0, error: null }
    const done = work(run).then(
      () => run,
      (error: Error) => {
        run.error = error.message
        this.log.error({ err: error }, `housekeeping: ${kind} stopped`)
        return run
      }
    )
    const finished = done.then((r) => {
      r.finishedAt = this.now()
      this.current = null
      try {
        putSetting(this.db, LAST_RUN_KEY, r, r.finishedAt)
      } catch (error) {
        this.log.error({ err: error }, 'housekeeping: could not record the run')
      }
      if (r.events + r.sessions > 0 || kind === 'compact') {
        this.log.info({ events: r.events, sessions: r.sessions, cutoff: r.cutoff }, `housekeeping: ${kind} done`)
      }
      return r
    })
    this.current = { kind, done: finished }
    return finished
  }
}
