import type { FastifyBaseLogger } from 'fastify'
import { remoteError } from '../../shared/api/adapters'
import { ApiError } from '../../shared/api/client'
import { type FetchLike, send } from '../../shared/api/remote'
import type { Db } from '../db/open'
import type { Sealer } from '../lib/seal'
import { advanceReplay, countReplayedEvents, finishReplay, getReplayByUuid, getReplay, listRunningReplayIds, type ReplayRow, setReplayStatus } from './jobs'
import { readPage, type ReplayItem } from './payload'
import { nodeFetch } from '../remote/profile-remote'
import { ProfileRemote } from './remote'

/**
 * Runs "Move history to…" jobs in the background of the server process: per job one loop that reads a
 * page of events, posts it to the remote `/api/batch` and moves the cursor once the remote server has
 * answered for it. One page is in flight per job; a network failure, a 5xx or a 429 is retried with
 * backoff; a 4xx stops the job with the remote server's words. Pausing, deleting or closing the server
 * never cuts a request short (its page is recorded when the answer comes), so no accepted page is sent twice.
 */

export interface RetryPolicy {
  /** The first wait; each retry doubles it, up to `maxMs`. */
  baseMs: number
  maxMs: number
  /** Tries per request before the job stops (and waits for a resume). */
  attempts: number
}

export const DEFAULT_RETRY: RetryPolicy = { baseMs: 1000, maxMs: 30_000, attempts: 6 }
/** A page of 500 hits takes a few seconds on a real Umami (it stores them one by one). */
const BATCH_TIMEOUT_MS = 60_000

export interface RunnerOptions {
  db: Db
  sealer: Sealer
  now: () => number
  log: FastifyBaseLogger
  fetch?: FetchLike
  retry?: RetryPolicy
}

interface Loop {
  stop: boolean
  /** Cuts a backoff wait short when the job is paused or the server closes. */
  wake: AbortController
  done: Promise<void>
}

/** The remote server's answer to one page, sorted out. */
type PageOutcome =
  | { kind: 'sent'; accepted: number; rejected: number; lastRejection: string | null }
  | { kind: 'failed'; message: string }
  | { kind: 'stopped' }

type PostOutcome = { kind: 'reply'; reply: BatchReply } | { kind: 'transient'; message: string; retryAfterMs?: number } | { kind: 'refused'; message: string }

/** `{size, processed, errors, details: [{index, response}]}` (umami-v2.md §6.2). */
interface BatchReply {
  processed: number
  details: { index: number; response: unknown }[]
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)
const isTransient = (status: number) => status === 0 || status === 429 || status >= 500

/** The status and words of one refused item: v3's `{error: {message, status}}`, v2's `{error: "…"}`. */
function itemError(response: unknown): { status: number; message: string } {
  if (isRecord(response) && isRecord(response.error)) {
    const status = typeof response.error.status === 'number' ? response.error.status : 400
    return { status, message: typeof response.error.message === 'string' ? response.error.message : `refused (${status})` }
  }
  if (isRecord(response) && typeof response.error === 'string') return { status: 400, message: response.error }
  return { status: 400, message: typeof response === 'string' ? response.slice(0, 300) : 'refused without a reason' }
}

function readBatchReply(body: string): BatchReply | null {
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch {
    return null
  }
  if (!isRecord(parsed) || typeof parsed.processed !== 'number') return null
  const details = Array.isArray(parsed.details)
    ? parsed.details.filter((d): d is { index: number; response: unknown } => isRecord(d) && typeof d.index === 'number')
    : []
  return { processed: parsed.processed, details }
}

const reasonOf = (error: unknown) => {
  const e = error as Error & { cause?: { code?: string; message?: string } }
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'no answer in time'
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(error)
}

export class ReplayRunner {
  private readonly loops = new Map<number, Loop>()
  private readonly retry: RetryPolicy
  private readonly fetchLike: FetchLike
  private closed = false

  constructor(private readonly options: RunnerOptions) {
    this.retry = options.retry ?? DEFAULT_RETRY
    this.fetchLike = options.fetch ?? nodeFetch
  }

  /** Jobs that were running when the server last stopped (closed or crashed) go on from their cursor. */
  resumeRunning(): void {
    for (const id of listRunningReplayIds(this.options.db)) this.start(id)
  }

  /** Runs a job whose status is `running`; after a pause whose page is still in flight, once that page is recorded. */
  start(replayId: number): void {
    if (this.closed) return
    const current = this.loops.get(replayId)
    if (current && !current.stop) return
    const loop: Loop = { stop: false, wake: new AbortController(), done: Promise.resolve() }
    loop.done = (current?.done ?? Promise.resolve())
      .then(() => this.run(replayId, loop))
      .catch((error: unknown) => this.fail(replayId, error))
      .finally(() => {
        if (this.loops.get(replayId) === loop) this.loops.delete(replayId)
      })
    this.loops.set(replayId, loop)
  }

  /** Stops a job's loop after its current page (a backoff wait ends at once). */
  stop(replayId: number): Promise<void> {
    const loop = this.loops.get(replayId)
    if (!loop) return Promise.resolve()
    loop.stop = true
    loop.wake.abort()
    return loop.done
  }

  /** Server shutdown: loops end after their page; the jobs stay `running` and go on at the next start. */
  async close(): Promise<void> {
    this.closed = true
    await Promise.all([...this.loops.keys()].map((id) => this.stop(id)))
  }

  private fail(replayId: number, error: unknown): void {
    const message = error instanceof ApiError || error instanceof Error ? error.message : String(error)
    this.options.log.error({ err: error, replayId }, 'replay: job failed')
    try {
      setReplayStatus(this.options.db, replayId, 'failed', this.options.now(), `The move stopped: ${message}`)
    } catch (inner) {
      this.options.log.error({ err: inner, replayId }, 'replay: could not record the failure')
    }
  }

  private remoteOf(job: ReplayRow): ProfileRemote {
    const names = getReplayByUuid(this.options.db, job.replay_uuid)
    const remote = names && ProfileRemote.load(this.options.db, this.options.sealer, names.profile_uuid, this.fetchLike)
    if (!remote) throw new Error('its profile no longer exists.')
    return remote
  }

  private async run(replayId: number, loop: Loop): Promise<void> {
    const { db, now } = this.options
    while (!loop.stop) {
      const job = getReplay(db, replayId)
      if (!job || job.status !== 'running') return
      const remote = this.remoteOf(job)
      const items = readPage(db, { websiteId: job.website_id, remoteWebsiteId: job.remote_website_id, cursor: job.cursor, untilEventId: job.until_event_id })
      if (items.length === 0) {
        await this.finish(job, remote)
        return
      }
      const outcome = await this.sendPage(remote, items, loop)
      if (outcome.kind === 'stopped') return
      if (outcome.kind === 'failed') {
        this.options.log.warn({ replayId, reason: outcome.message }, 'replay: job stopped')
        setReplayStatus(db, replayId, 'failed', now(), outcome.message)
        return
      }
      advanceReplay(db, replayId, { cursor: items.at(-1)!.eventId, sent: items.length, ...outcome, now: now() })
      // Let requests and hits in between pages.
      await new Promise((resolve) => setImmediate(resolve))
    }
  }

  /** Waits `ms` unless the loop is stopped first; false when stopped. */
  private sleep(ms: number, loop: Loop): Promise<boolean> {
    if (loop.stop) return Promise.resolve(false)
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        loop.wake.signal.removeEventListener('abort', onAbort)
        resolve(true)
      }, ms)
      const onAbort = () => {
        clearTimeout(timer)
        resolve(false)
      }
      loop.wake.signal.addEventListener('abort', onAbort, { once: true })
    })
  }

  private backoff(attempt: number, retryAfterMs?: number): number {
    const wait = Math.min(this.retry.maxMs, this.retry.baseMs * 2 ** (attempt - 1))
    return retryAfterMs === undefined ? wait : Math.min(this.retry.maxMs, Math.max(wait, retryAfterMs))
  }

  /**
   * One page until the remote server has answered for every hit in it. A whole request that fails for a
   * passing reason is sent again (nothing of it was taken); hits the server failed one by one for a passing
   * reason are sent again alone; hits it refused for good are counted as rejected. A page refused whole
   * stops the job, since every page after it would be refused the same way.
   */
  private async sendPage(remote: ProfileRemote, items: ReplayItem[], loop: Loop): Promise<PageOutcome> {
    let pending = items
    let accepted = 0
    let rejected = 0
    let lastRejection: string | null = null
    let attempt = 0
    for (;;) {
      const outcome = await this.post(remote, pending)
      if (outcome.kind === 'refused') return { kind: 'failed', message: outcome.message }
      if (outcome.kind === 'transient') {
        attempt++
        const whole = pending === items
        if (attempt >= this.retry.attempts || (!whole && this.closed)) {
          if (whole) return { kind: 'failed', message: `${outcome.message} (tried ${attempt} times). Resume to try again.` }
          rejected += pending.length
          lastRejection = `${outcome.message}; ${pending.length} hit(s) of a page were not sent again.`
          break
        }
        const wait = this.backoff(attempt, outcome.retryAfterMs)
        // Nothing of the page was taken yet: a pause may end the wait, and the page goes again on resume.
        if (whole && !(await this.sleep(wait, loop))) return { kind: 'stopped' }
        if (!whole) await this.sleepThroughPause(wait)
        continue
      }
      const again: ReplayItem[] = []
      const failed = new Set<number>()
      for (const detail of outcome.reply.details) {
        const item = pending[detail.index]
        if (!item || failed.has(detail.index)) continue
        failed.add(detail.index)
        const { status, message } = itemError(detail.response)
        if (isTransient(status)) again.push(item)
        else {
          rejected++
          lastRejection = message
        }
      }
      accepted += pending.length - failed.size
      if (again.length === 0) break
      attempt++
      if (attempt >= this.retry.attempts || this.closed) {
        rejected += again.length
        lastRejection = `${remote.host} kept failing ${again.length} hit(s) of a page${this.closed ? ' when this server stopped' : ''}; they were not sent again.`
        break
      }
      // Part of the page was taken, so the page cannot be sent again later: these hits are retried now.
      await this.sleepThroughPause(this.backoff(attempt))
      pending = again
    }
    if (accepted === 0 && rejected === items.length) {
      return { kind: 'failed', message: `${remote.host} refused every hit of a page: ${lastRejection ?? 'no reason given'}. Check the remote website, then resume.` }
    }
    return { kind: 'sent', accepted, rejected, lastRejection }
  }

  /** A wait a pause does not cut short (only closing the server does). */
  private sleepThroughPause(ms: number): Promise<void> {
    if (this.closed) return Promise.resolve()
    return new Promise((resolve) => setTimeout(resolve, ms))
  }

  private async post(remote: ProfileRemote, items: ReplayItem[]): Promise<PostOutcome> {
    let response
    try {
      response = await send(
        this.fetchLike,
        {
          method: 'POST',
          url: remote.batchUrl,
          headers: { accept: 'application/json', 'content-type': 'application/json', ...remote.authHeaders() },
          body: items.map((item) => item.body)
        },
        { timeoutMs: BATCH_TIMEOUT_MS }
      )
    } catch (error) {
      return { kind: 'transient', message: `Could not reach ${remote.host} (${reasonOf(error)})` }
    }
    const { status } = response
    if (isTransient(status)) {
      const seconds = Number(response.headers['retry-after'])
      return {
        kind: 'transient',
        message: `${remote.host} answered ${status}: ${remoteError(response, remote.dialect).message}`,
        retryAfterMs: Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined
      }
    }
    if (status === 404 || status === 405) {
      return {
        kind: 'refused',
        message: `${remote.host} has no /api/batch (answered ${status}): it runs an Umami older than v2.17, which also ignores original times. Update it, then resume.`
      }
    }
    if (status < 200 || status >= 300) {
      return { kind: 'refused', message: `${remote.host} refused the hits (${status}): ${remoteError(response, remote.dialect).message}` }
    }
    const reply = readBatchReply(response.body)
    if (!reply) return { kind: 'refused', message: `${remote.host} answered /api/batch with something that is not Umami's batch reply; check the profile's address.` }
    return { kind: 'reply', reply }
  }

  /**
   * The final count check: the job's events here against pageviews + custom events on the remote website
   * over the same time range (whole seconds, as the hits were sent). A remote website that already held
   * hits in that range shows more; hits the remote server refused show as fewer.
   */
  private async finish(job: ReplayRow, remote: ProfileRemote): Promise<void> {
    const local = countReplayedEvents(this.options.db, job.website_id, job.until_event_id)
    let remoteCount: number | null = null
    let error: string | null = null
    const rangeStart = local.first === null ? null : Math.floor(local.first / 1000) * 1000
    const rangeEnd = local.last
    if (rangeStart !== null && rangeEnd !== null) {
      try {
        const range = { websiteId: job.remote_website_id, startAt: rangeStart, endAt: rangeEnd }
        const stats = await remote.call('stats', range)
        const events = await remote.call('metrics', { ...range, type: 'event', limit: 100_000 })
        remoteCount = stats.pageviews + events.reduce((sum, row) => sum + row.y, 0)
      } catch (e) {
        error = `Every hit was sent, but the remote count could not be read (${e instanceof Error ? e.message : String(e)}). Resume to check again.`
      }
    }
    finishReplay(this.options.db, job.replay_id, { localCount: local.count, remoteCount, rangeStart, rangeEnd, error, now: this.options.now() })
    this.options.log.info({ replayId: job.replay_id, local: local.count, remote: remoteCount }, 'replay: done')
  }
}
