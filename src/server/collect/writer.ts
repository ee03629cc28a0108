import { Worker } from 'node:worker_threads'
import { AppError } from '../../shared/errors'
import { storageFault } from '../db/faults'
import { daySetBuildQueries } from '../queries/current-analytics'
import { threadError } from '../lib/thread-error'
import type { Hit, Identify } from './hit'

export interface WriteResult {
  sessionId: number
  /** The stored event's id; 0 for an identify call, which stores no event. */
  eventId: number
}

export interface WriterOptions {
  /**
   * Path of the database file (already opened and migrated by the main connection). The worker thread
   * opens its own connection to it, so an in-memory database cannot be used.
   */
  file: string
  /** Hits accepted and not yet committed (queued or at the worker) beyond this answer 503 instead of queueing without bound. */
  maxQueue?: number
  /** Most hits committed in one transaction. */
  maxBatch?: number
  /** How long the worker waits for the write lock held by another connection; as src/server/db/open.ts by default. */
  busyTimeout?: number
  /** better-sqlite3 native binding for the worker's connection (the desktop build ships one for Electron). */
  nativeBinding?: string
  /** Told when the worker thread fails (its pending hits are answered 503). Defaults to console.error. */
  onError?: (error: Error) => void
  /**
   * How long one step of building a day's sets may take (ms; at least one kind per step, 40 by default): hits
   * wait at most about that long behind it. Tests set 0 to build one kind per step.
   */
  daySetStepMs?: number
}

interface Pending {
  hit: EncodedHit
  resolve: (result: WriteResult) => void
  reject: (error: Error) => void
}

/** Messages to the worker (src/server/collect/writer-worker.mjs). */
type ToWorker =
  | { type: 'batch'; count: number; json: string }
  | { type: 'forget' }
  | { type: 'close' }
  | { type: 'task'; id: number; task: keyof WriterTasks; args: unknown[] }

/** Housekeeping the worker runs between batches (TASKS in writer-worker.mjs): arguments and result. */
export interface WriterTasks {
  purge: { args: [before: number, limit: number]; result: { events: number; sessions: number } }
  /**
   * Up to `limit` steps of building the daily sets of closed days before the UTC day of `now` (ms;
   * queries/day-sets.ts), a few kinds of one day per step, then of today's closed hours, one per step.
   * `built`: days completed; `left`: work remains.
   */
  daySets: { args: [now: number, limit: number]; result: { built: number; left: boolean } }
  vacuum: { args: []; result: null }
  optimize: { args: []; result: null }
}

/**
 * A hit as it crosses to the worker: a flat array of primitives, in the order writer-worker.mjs reads
 * (by index there). A batch of them crosses as one JSON string, which the worker parses.
 */
export type EncodedHit = (string | number | null | (string | number | null)[])[]

/**
 * The kind flag of an encoded identify call, in the slot of the event type (index 4): identify calls share
 * the layout of hits, their event fields null, so both travel in the same batches and transactions.
 */
export const ENCODED_IDENTIFY = 0

/** The session slots of a hit whose session exists already (Hit.session null): the insert is skipped. */
const NO_SESSION_INFO = { hostname: null, browser: null, os: null, device: null, screen: null, language: null, country: null, distinctId: null }

export function encodeHit(h: Hit | Identify): EncodedHit {
  const s = h.session ?? NO_SESSION_INFO
  const data: (string | number | null)[] = []
  for (const row of h.data) data.push(row.key, row.type, row.string, row.number, row.date)
  if (h.kind === 'identify') {
    return [
      h.websiteId, h.sessionUuid, null, h.createdAt, ENCODED_IDENTIFY, null, null, null, null,
      null, null, null, null,
      null, null, null, null, null,
      null, null, null, null,
      null, null,
      s.hostname, s.browser, s.os, s.device, s.screen, s.language, s.country, s.distinctId,
      data
    ]
  }
  return [
    h.websiteId, h.sessionUuid, h.visitId, h.createdAt, h.eventType, h.urlPath, h.urlQuery, h.referrer, h.referrerDomain,
    h.pageTitle, h.eventName, h.tag, h.hostname,
    h.utm.utm_source ?? null, h.utm.utm_medium ?? null, h.utm.utm_campaign ?? null, h.utm.utm_content ?? null, h.utm.utm_term ?? null,
    h.clickIds.gclid ?? null, h.clickIds.fbclid ?? null, h.clickIds.msclkid ?? null, h.clickIds.ttclid ?? null,
    h.clickIds.li_fat_id ?? null, h.clickIds.twclid ?? null,
    s.hostname, s.browser, s.os, s.device, s.screen, s.language, s.country, s.distinctId,
    data
  ]
}

/** Messages from the worker. */
type FromWorker =
  | {
      type: 'done'
      /** How many batch messages (the oldest unanswered ones) the transaction held. */
      messages: number
      /** [sessionId, eventId] per hit of those batches in order, flattened; NaN where the hit failed. */
      ids: Float64Array
      /** [index, error name, message, code] of the hits that failed, or null. */
      errors: [number, string, string, string | null][] | null
      /** The transaction failed as a whole and the hits were written one by one. */
      retried: boolean
    }
  | { type: 'closed' }
  | { type: 'task-done'; id: number; result?: unknown; error?: [string, string, string | null] }

/**
 * The worker script is plain JavaScript next to this file, so it runs without compilation. Under vitest
 * (TypeScript sources) this URL points at src/server/collect/writer-worker.mjs; in the build, a plugin in
 * electron.vite.config.ts copies it to out/main/writer-worker.mjs and rewrites this exact expression
 * relative to the chunk that holds this code (keep it literal).
 */
const WORKER_URL = new URL('./writer-worker.mjs', import.meta.url)

/** A hit's error from the worker; the database being locked for too long is worth another try later (503). */
function hitError(name: string, message: string, code: string | null): Error {
  if (code?.startsWith('SQLITE_BUSY')) return new AppError(503, `The database is busy (${message}); send the hit again later.`)
  // The hit's transaction rolled back: 503 asks for it again once the cause is gone (db/faults.ts).
  const fault = storageFault(code)
  if (fault) return new AppError(503, `The hit was not stored: ${fault} (${message}). Send it again later.`)
  return threadError(name, message, code)
}

const busy = () => new AppError(503, 'The server is busy; send the hit again later.')
const shuttingDown = () => new AppError(503, 'The server is shutting down; send the hit again later.')

/**
 * Group commit: hits that arrive while a batch is being written are written together in the next
 * transaction, and each request is answered only after that transaction has committed (WAL,
 * synchronous=FULL), so an acknowledged hit survives a crash. One writer owns all hit inserts.
 *
 * The SQLite work (inserts, COMMIT and its fsync, WAL checkpoints) runs in a worker thread with its own
 * connection, so the event loop only queues hits and answers requests. The hits of one event-loop turn
 * go to the worker at the end of that turn as one message, without waiting for the batch being written:
 * the worker finds them waiting when its commit is done and commits all the messages waiting (up to
 * maxBatch hits) in one transaction, then answers with one message of per-hit results. So the worker
 * never waits for a round trip through a busy event loop, and the event loop's turns need not be long
 * for batches to be large. Messages and transactions keep the order of the hits.
 */
/** Batches sent to the worker and not yet answered; more hits wait on this side meanwhile. */
const MAX_IN_FLIGHT = 1

export class HitWriter {
  private queue: Pending[] = []
  /** Batches sent to the worker, oldest first. */
  private inFlight: Pending[][] = []
  private inFlightHits = 0
  private scheduled = false
  private closed = false
  private closing: Promise<void> | undefined
  private worker: Worker | undefined
  private idleWaiters: (() => void)[] = []
  /** Housekeeping tasks sent to the worker and not answered yet, by id. */
  private tasks = new Map<number, { resolve: (result: unknown) => void; reject: (error: Error) => void }>()
  private nextTaskId = 1
  private readonly file: string
  private readonly nativeBinding: string | undefined
  private readonly busyTimeout: number
  private readonly maxQueue: number
  private readonly maxBatch: number
  private readonly onError: (error: Error) => void
  private readonly daySetStepMs: number | undefined

  /** Figures for the benchmark and the status line. */
  readonly stats = { batches: 0, hits: 0, rejectedBusy: 0, failed: 0 }

  constructor(options: WriterOptions) {
    const file = options.file
    if (!file || file === ':memory:' || file.startsWith('file::memory:') || /[?&]mode=memory\b/.test(file)) {
      throw new Error(
        `HitWriter needs the path of a database file (got "${file}"): its worker thread opens its own connection, ` +
          'and an in-memory database cannot be shared between threads.'
      )
    }
    this.file = file
    this.nativeBinding = options.nativeBinding
    this.busyTimeout = options.busyTimeout ?? 5_000
    this.maxQueue = options.maxQueue ?? 10_000
    this.maxBatch = options.maxBatch ?? 2_000
    this.onError = options.onError ?? ((error) => console.error('HitWriter:', error))
    this.daySetStepMs = options.daySetStepMs
  }

  /**
   * Queues a hit (or an identify call); resolves once it is committed. Rejects with 503 when the queue is
   * full or the writer closed.
   */
  write(hit: Hit | Identify): Promise<WriteResult> {
    if (this.closed) return Promise.reject(shuttingDown())
    if (this.queue.length + this.inFlightHits >= this.maxQueue) {
      this.stats.rejectedBusy++
      return Promise.reject(busy())
    }
    let encoded: EncodedHit
    try {
      encoded = encodeHit(hit)
    } catch (error) {
      this.stats.failed++
      return Promise.reject(error as Error)
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ hit: encoded, resolve, reject })
      if (!this.scheduled) {
        // Let the rest of this event-loop turn add its hits to the batch.
        this.scheduled = true
        setImmediate(() => this.flush())
      }
    })
  }

  /** Hits accepted and not answered yet (queued or being written). */
  get pending(): number {
    return this.queue.length + this.inFlightHits
  }

  /** Forgets cached session ids, after sessions were deleted (website reset or delete). */
  forgetSessions(): void {
    // Messages are handled in order: every batch sent after this sees an empty cache. (The worker also
    // drops its cache by itself whenever another connection has committed since its last transaction.)
    this.post({ type: 'forget' })
  }

  /**
   * Runs a housekeeping task on the worker's connection, after the batches sent before it: it owns the
   * writes, so a task never waits for the write lock, and hits wait at most one task's transaction.
   */
  task<T extends keyof WriterTasks>(task: T, ...args: WriterTasks[T]['args']): Promise<WriterTasks[T]['result']> {
    if (this.closed) return Promise.reject(shuttingDown())
    const id = this.nextTaskId++
    const worker = this.worker ?? this.startWorker()
    return new Promise((resolve, reject) => {
      this.tasks.set(id, { resolve: resolve as (result: unknown) => void, reject })
      worker.ref()
      worker.postMessage({ type: 'task', id, task, args } satisfies ToWorker)
    })
  }

  private taskDone({ id, result, error }: Extract<FromWorker, { type: 'task-done' }>): void {
    const pending = this.tasks.get(id)
    if (!pending) return
    this.tasks.delete(id)
    // Not a hit: the error as it was (the error handler still answers a storage fault 503).
    if (error) pending.reject(threadError(...error))
    else pending.resolve(result)
    this.whenIdle()
  }

  /**
   * Refuses new hits, writes everything pending, then closes the worker's connection and ends the
   * worker. Hits that cannot be written (the worker failed) are answered 503.
   */
  close(): Promise<void> {
    if (!this.closing) {
      this.closed = true
      this.closing = this.shutdown()
    }
    return this.closing
  }

  private async shutdown(): Promise<void> {
    this.flush()
    // Tasks too: their answers are only taken from the current worker.
    if (this.pending > 0 || this.tasks.size > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve))
    const worker = this.worker
    if (!worker) return
    this.worker = undefined
    worker.ref()
    await new Promise<void>((resolve) => {
      const done = () => resolve()
      worker.on('message', (message: FromWorker) => {
        if (message.type === 'closed') done()
      })
      worker.once('exit', done)
      worker.once('error', done)
      worker.postMessage({ type: 'close' } satisfies ToWorker)
    })
    await worker.terminate()
  }

  /** Sends the queued hits to the worker, as one message (or several of at most maxBatch hits). */
  private flush(): void {
    this.scheduled = false
    // While the worker is busy committing, hits wait here and go over as one larger message when it
    // answers: every message costs both threads several microseconds, whatever its size.
    while (this.queue.length > 0 && this.inFlight.length < MAX_IN_FLIGHT) {
      const batch = this.queue.length <= this.maxBatch ? this.queue : this.queue.slice(0, this.maxBatch)
      this.queue = batch === this.queue ? [] : this.queue.slice(this.maxBatch)
      const hits = new Array<EncodedHit>(batch.length)
      for (let i = 0; i < batch.length; i++) hits[i] = batch[i]!.hit
      const worker = this.worker ?? this.startWorker()
      try {
        // One JSON string crosses faster than the structured clone of thousands of small arrays (measured:
        // the clone was the largest single cost of a hit on the event loop); the worker parses it.
        worker.postMessage({ type: 'batch', count: hits.length, json: JSON.stringify(hits) } satisfies ToWorker)
      } catch (error) {
        // A hit that cannot be cloned (never produced by the collect routes): answer this batch, go on.
        this.stats.failed += batch.length
        for (const p of batch) p.reject(error as Error)
        continue
      }
      this.inFlight.push(batch)
      this.inFlightHits += batch.length
      if (this.inFlight.length === 1) worker.ref()
    }
    this.whenIdle()
  }

  /** Lets the process exit and close() go on once nothing is queued or being written. */
  private whenIdle(): void {
    if (this.inFlight.length > 0 || this.queue.length > 0 || this.tasks.size > 0) return
    this.worker?.unref()
    if (this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters
      this.idleWaiters = []
      for (const resolve of waiters) resolve()
    }
  }

  private startWorker(): Worker {
    const worker = new Worker(WORKER_URL, {
      workerData: {
        file: this.file,
        nativeBinding: this.nativeBinding,
        maxBatch: this.maxBatch,
        busyTimeout: this.busyTimeout,
        daySetQueries: daySetBuildQueries(),
        daySetStepMs: this.daySetStepMs
      },
      // Its garbage is short-lived (one batch's hits): a small young generation keeps the thread's memory low.
      resourceLimits: { maxYoungGenerationSizeMb: 8 }
    })
    this.worker = worker
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'done' && worker === this.worker) this.done(message)
      else if (message.type === 'task-done' && worker === this.worker) this.taskDone(message)
    })
    worker.on('error', (error) => this.fail(worker, error))
    worker.on('messageerror', (error) => {
      this.fail(worker, error)
      void worker.terminate()
    })
    worker.on('exit', (code) => this.fail(worker, new Error(`the hit writer's worker thread exited (code ${code})`)))
    worker.unref()
    return worker
  }

  private done({ messages, ids, errors, retried }: Extract<FromWorker, { type: 'done' }>): void {
    const batches = this.inFlight.splice(0, messages)
    if (this.queue.length > 0 && !this.scheduled) this.flush()
    let count = 0
    for (const batch of batches) count += batch.length
    this.inFlightHits -= count
    this.whenIdle()

    if (retried) {
      this.stats.hits += count - (errors?.length ?? 0)
      this.stats.failed += errors?.length ?? 0
    } else {
      this.stats.batches++
      this.stats.hits += count
    }
    let errorAt = errors === null ? -1 : errors[0]![0]
    let e = 0
    let i = 0
    for (const batch of batches) {
      for (const p of batch) {
        if (i === errorAt) {
          const [, name, message, code] = errors![e++]!
          p.reject(hitError(name, message, code))
          errorAt = e < errors!.length ? errors![e]![0] : -1
        } else {
          p.resolve({ sessionId: ids[2 * i]!, eventId: ids[2 * i + 1]! })
        }
        i++
      }
    }
  }

  /** The worker died: everything it had or would have had is answered 503; the next hit starts a new worker. */
  private fail(worker: Worker, error: Error): void {
    if (worker !== this.worker) return
    this.worker = undefined
    this.onError(error)
    const victims = [...this.inFlight.flat(), ...this.queue]
    this.inFlight = []
    this.inFlightHits = 0
    this.queue = []
    this.stats.failed += victims.length
    for (const p of victims) p.reject(new AppError(503, 'The hit could not be stored; send it again later.'))
    const tasks = [...this.tasks.values()]
    this.tasks.clear()
    for (const t of tasks) t.reject(new AppError(503, `Housekeeping stopped: ${error.message}`))
    this.whenIdle()
  }

  private post(message: ToWorker): void {
    this.worker?.postMessage(message)
  }
}
