import { AsyncLocalStorage } from 'node:async_hooks'
import { createHash } from 'node:crypto'
import { mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import { AppError, type ErrorCode } from '../../shared/errors'
import type { Db } from '../db/open'
import type { CheckpointResult } from '../db/read-connection'
import { threadError } from '../lib/thread-error'
import { type ReadArgs, type ReadName, type ReadResult, runRead } from './registry'

/** A read and its arguments, as posted to a worker (./worker.ts). */
export interface ReadRequest {
  id: number
  name: string
  args: unknown[]
}

/** A WAL checkpoint (checkpointWal), run by a worker while no long read runs. */
export interface CheckpointRequest {
  id: number
  checkpoint: true
}

export type WorkerRequest = ReadRequest | CheckpointRequest

/** What a read threw, as plain data. */
export interface ReadError {
  name: string
  message: string
  /** SQLite's result code, or an AppError's code. */
  code: string | null
  /** An AppError's HTTP status. */
  status: number | null
}

type Reply = { id: number; value: unknown; error?: undefined } | { id: number; error: ReadError }

export interface ReadPoolOptions {
  /** The database file, opened and migrated by the main connection. */
  file: string
  /**
   * Worker threads at most (started when reads need them). 0 runs every read on `db`, the main connection,
   * blocking the event loop while it runs (the benchmark's comparison, and the way for an in-memory database).
   */
  size?: number
  /** The main connection, for a pool of size 0. */
  db?: Db
  nativeBinding?: string
  /** Told when a worker thread fails; its read is answered 503. Defaults to console.error. */
  onError?: (error: Error) => void
  /** The WAL file's size from which the pool makes room for a checkpoint (WAL_CHECKPOINT_BYTES); tests set a small one. */
  walCheckpointBytes?: number
  /** A worker idle this long (ms) ends, giving its memory back (IDLE_WORKER_MS); tests set a short one. */
  idleMs?: number
}

interface Task {
  request: WorkerRequest
  /** A light read (LIGHT_READS) or a checkpoint: neither holds a checkpoint back for long. */
  light: boolean
  /** The read and its arguments, while it waits: an identical read asked for meanwhile joins it (see ReadPool.run). */
  key?: string
  /** True once nobody waits for the answer any more (see readCaller). */
  gone?: () => boolean
  resolve: (value: unknown) => void
  reject: (error: Error) => void
}

/**
 * Who a read is for, set per HTTP request by the app (app.ts): a read still waiting for a worker when its
 * client has gone (a closed tab, a dashboard that moved on, a timeout) is dropped instead of run. Under a
 * backlog every abandoned read would otherwise still cost its seconds, and a client that retries adds work
 * faster than the workers clear it.
 */
export const readCaller = new AsyncLocalStorage<{ gone: () => boolean }>()

const goneError = () => new AppError(503, 'The client closed the request before its read ran.')

/**
 * A read's name and arguments as one string: equal for reads that must give equal answers. Values JSON
 * would merge (undefined and null, NaN and Infinity and null) stay apart; arguments JSON cannot write
 * (a BigInt) give no key, and such a read joins none.
 */
function readKey(name: string, args: unknown[]): string | undefined {
  try {
    const text = JSON.stringify(args, (_key, value: unknown) =>
      value === undefined ? '\u0000undefined' : typeof value === 'number' && !Number.isFinite(value) ? `\u0000${value}` : value
    )
    return `${name}\u0000${text}`
  } catch {
    return undefined
  }
}

/** Adds a caller to a waiting task: it is answered with the task, and the task is gone once all its callers are. */
function join(task: Task, caller: Pick<Task, 'resolve' | 'reject' | 'gone'>): void {
  const { resolve, reject, gone } = task
  task.resolve = (value) => {
    resolve(value)
    caller.resolve(value)
  }
  task.reject = (error) => {
    reject(error)
    caller.reject(error)
  }
  // A caller that cannot tell (no HTTP request behind it) is never gone.
  task.gone = gone && caller.gone ? () => gone() && caller.gone!() : undefined
}

interface Slot {
  worker: Worker
  task: Task | null
  /** Ends the worker when it has stayed idle for idleMs (see IDLE_WORKER_MS). */
  idle?: NodeJS.Timeout
}

/**
 * The worker's module. Under vitest the sources are TypeScript, which a worker thread cannot load: the worker
 * is then bundled with rolldown (Vite's bundler) into node_modules/.cache/dashi/ once per process. In the
 * build, a plugin in electron.vite.config.ts emits it as its own chunk and rewrites this exact expression
 * relative to the chunk that holds this code (keep it literal).
 */
const WORKER_URL = new URL('./worker.ts', import.meta.url)

let bundled: Promise<URL> | undefined

async function bundleWorker(source: URL): Promise<URL> {
  // A variable keeps the bundler of the build from following this import: only the sources need it.
  const bundler = 'rolldown'
  const { rolldown } = (await import(/* @vite-ignore */ bundler)) as typeof import('rolldown')
  const build = await rolldown({
    input: fileURLToPath(source),
    platform: 'node',
    // Packages stay imports, resolved from node_modules next to the cache directory.
    external: (id) => !id.startsWith('.') && !id.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(id),
    logLevel: 'silent'
  })
  const { output } = await build.generate({ format: 'esm' })
  await build.close()
  const code = output[0].code
  const dir = fileURLToPath(new URL('../../../node_modules/.cache/dashi/', import.meta.url))
  mkdirSync(dir, { recursive: true })
  // Named by content: test files in parallel processes write the same file, or different ones.
  const file = `${dir}read-worker-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`
  const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`
  writeFileSync(temp, code)
  renameSync(temp, file)
  return pathToFileURL(file)
}

function workerModule(): Promise<URL> {
  if (!WORKER_URL.pathname.endsWith('.ts')) return Promise.resolve(WORKER_URL)
  bundled ??= bundleWorker(WORKER_URL)
  return bundled
}

function toError(e: ReadError): Error {
  if (e.name === 'AppError' && e.status !== null) return new AppError(e.status, e.message, (e.code as ErrorCode | null) ?? undefined)
  return threadError(e.name, e.message, e.code)
}

/**
 * Reads that touch a handful of rows (the active-visitor count the dashboard polls, one session's details):
 * they go ahead of waiting breakdowns, so a poll does not wait seconds behind a 90-day table.
 */
const LIGHT_READS: ReadonlySet<string> = new Set<ReadName>([
  'getActiveVisitors',
  'getV1ActiveVisitors',
  'getDateRange',
  'getSessionTotals',
  'getSessionActivity',
  'getSessionProperties',
  'getEventDataById'
])

const closedError = () => new AppError(503, 'The server is shutting down; try again later.')

/**
 * Past this size of the WAL file, breakdowns wait until the running ones have finished and one worker has
 * checkpointed and emptied the WAL (checkpointWal). The hit writer's own checkpoints cannot empty it while
 * reads overlap without a gap, as they do when the dashboard is open during heavy ingest: the WAL then grew
 * by every page written (~16 MB/s at 3,000 hits/s: 5 GB in 10 minutes of `npm run stress -- load`), and the
 * WAL index that every connection maps into the process with it (2 MB per GB). The wait costs a worker the
 * rest of the longest running read; at 3,000 hits/s this size comes every ~8 s, so that is a few per cent
 * of the pool's time, and the WAL index stays at a few hundred KB.
 */
const WAL_CHECKPOINT_BYTES = 128 * 1024 * 1024
/** The WAL file's size is looked at (a stat) at most this often, when reads are dispatched. */
const WAL_CHECK_MS = 1000

/**
 * A read worker with nothing to do for this long ends: each holds ~40–70 MB (its V8 heap, its connection's page
 * cache, what its last reads allocated), and a desktop app's dashboard is closed most of the day. The next read
 * starts one again (~50 ms). The dashboard polls the active visitors while it is open, so an open dashboard
 * keeps a worker.
 */
const IDLE_WORKER_MS = 60_000

/**
 * Runs the dashboard's analytics reads (./registry.ts) on worker threads, each with its own read-only
 * connection, so a read of seconds never holds up the event loop: hits keep being accepted and answered
 * while it runs, and reads run side by side (WAL) with each other and with the hit writer's commits.
 * Reads wait for a free worker first come first served, except that light reads (LIGHT_READS) go first.
 * When the WAL has grown past WAL_CHECKPOINT_BYTES, breakdowns wait for the running ones to finish while one
 * worker checkpoints and empties it: overlapping reads would otherwise keep it growing for as long as they go on.
 */
export class ReadPool {
  readonly size: number
  private readonly file: string
  private readonly db: Db | undefined
  private readonly nativeBinding: string | undefined
  private readonly onError: (error: Error) => void
  private readonly slots: Slot[] = []
  /** Waiting reads, first come first served; light ones (LIGHT_READS) wait in `light` and go first. */
  private readonly queue: Task[] = []
  private readonly light: Task[] = []
  private starting = 0
  private nextId = 1
  private closed = false
  private readonly walFile: string
  private readonly walCheckpointBytes: number
  private readonly idleMs: number
  private walCheckedAt = 0
  /** 'wanted': breakdowns wait for the running ones to finish; 'running': a worker is checkpointing. */
  private checkpoint: 'wanted' | 'running' | null = null

  /** Waiting reads by read name and arguments (Task.key), for identical reads to join. */
  private readonly waitingByKey = new Map<string, Task>()

  /**
   * Figures for the benchmark and tests: checkpoints that emptied the WAL, those that could not, reads dropped
   * unrun, reads answered by an identical waiting one (joined).
   */
  readonly stats = { reads: 0, failedWorkers: 0, checkpoints: 0, checkpointsMissed: 0, dropped: 0, joined: 0 }

  constructor(options: ReadPoolOptions) {
    this.file = options.file
    this.db = options.db
    this.size = options.size ?? Math.min(2, availableParallelism())
    if (this.size === 0 && !this.db) throw new Error('A read pool without worker threads needs the main connection (db)')
    this.nativeBinding = options.nativeBinding
    this.onError = options.onError ?? ((error) => console.error('ReadPool:', error))
    this.walFile = `${this.file}-wal`
    this.walCheckpointBytes = options.walCheckpointBytes ?? WAL_CHECKPOINT_BYTES
    this.idleMs = options.idleMs ?? IDLE_WORKER_MS
  }

  /**
   * Runs a read; resolves with its result, or rejects with what it threw.
   *
   * A read identical to one still waiting for a worker (same name, same arguments) joins it: one run answers
   * both, each caller with its own copy. Users of one dashboard ask for the same ranges (presets are whole
   * hours and days), and under a backlog every duplicate would cost its seconds again. A read already running
   * is not joined: it may have started before a hit the caller has seen acknowledged, and a read shows every
   * hit acknowledged before it was asked for. The joined read is dropped only when all its callers are gone.
   */
  run<N extends ReadName>(name: N, ...args: ReadArgs<N>): Promise<ReadResult<N>> {
    if (this.closed) return Promise.reject(closedError())
    this.stats.reads++
    if (this.size === 0) {
      try {
        return Promise.resolve(runRead(this.db!, name, args))
      } catch (error) {
        return Promise.reject(error as Error)
      }
    }
    const gone = readCaller.getStore()?.gone
    const key = readKey(name, args)
    return new Promise((resolve, reject) => {
      const waiting = key === undefined ? undefined : this.waitingByKey.get(key)
      if (waiting) {
        this.stats.joined++
        join(waiting, { resolve: (value) => resolve(structuredClone(value) as ReadResult<N>), reject, gone })
        return
      }
      const light = LIGHT_READS.has(name)
      const task: Task = { request: { id: this.nextId++, name, args }, light, key, gone, resolve: resolve as (value: unknown) => void, reject }
      if (key !== undefined) this.waitingByKey.set(key, task)
      ;(light ? this.light : this.queue).push(task)
      this.dispatch()
    })
  }

  /** Worker threads running now. */
  get threads(): number {
    return this.slots.length
  }

  private get waiting(): number {
    return this.light.length + this.queue.length
  }

  private dispatch(): void {
    this.checkWal()
    for (const slot of this.slots) {
      if (slot.task) continue
      if (this.checkpoint === 'wanted' && !this.slots.some((s) => s.task && !s.task.light)) {
        this.runCheckpoint(slot)
        continue
      }
      // While a checkpoint waits or runs, light reads still go: they hold the WAL for milliseconds.
      const task = this.next()
      if (!task) {
        this.whenIdle(slot)
        continue
      }
      this.post(slot, task)
    }
    if (this.waiting > this.starting && this.slots.length + this.starting < this.size) void this.start()
  }

  /** The next task to run, dropping those whose client has gone. */
  private next(): Task | undefined {
    for (;;) {
      const task = this.light.shift() ?? (this.checkpoint === null ? this.queue.shift() : undefined)
      if (task?.key !== undefined) this.waitingByKey.delete(task.key)
      if (!task?.gone?.()) return task
      this.stats.dropped++
      task.reject(goneError())
    }
  }

  /** Ends an idle worker after idleMs, unless it gets work before. */
  private whenIdle(slot: Slot): void {
    if (slot.idle) return
    slot.idle = setTimeout(() => {
      slot.idle = undefined
      const at = this.slots.indexOf(slot)
      if (slot.task || at === -1) return
      // Out of the slots first: its exit is then no failure (lose ignores it).
      this.slots.splice(at, 1)
      void slot.worker.terminate()
    }, this.idleMs)
    slot.idle.unref()
  }

  private post(slot: Slot, task: Task): void {
    clearTimeout(slot.idle)
    slot.idle = undefined
    slot.task = task
    slot.worker.ref()
    slot.worker.postMessage(task.request)
  }

  /** Asks for a checkpoint when the WAL file has grown past walCheckpointBytes (see WAL_CHECKPOINT_BYTES). */
  private checkWal(): void {
    if (this.checkpoint !== null || this.slots.length === 0) return
    const now = Date.now()
    if (now - this.walCheckedAt < WAL_CHECK_MS) return
    this.walCheckedAt = now
    let size: number
    try {
      size = statSync(this.walFile).size
    } catch {
      return // no WAL file: nothing to checkpoint
    }
    if (size >= this.walCheckpointBytes) this.checkpoint = 'wanted'
  }

  /** Checkpoints on `slot`'s worker; breakdowns go on when it is done, whether it emptied the WAL or not. */
  private runCheckpoint(slot: Slot): void {
    this.checkpoint = 'running'
    const done = (emptied: boolean) => {
      this.checkpoint = null
      this.walCheckedAt = Date.now()
      if (emptied) this.stats.checkpoints++
      else this.stats.checkpointsMissed++
    }
    this.post(slot, {
      request: { id: this.nextId++, checkpoint: true },
      light: true,
      // busy: the writer held the write lock for all of busy_timeout; the next look at the WAL tries again.
      resolve: (result) => done((result as CheckpointResult).busy === 0),
      reject: (error) => {
        done(false)
        // Not a read's failure (none waits on it), but an I/O error here would fail the writer's checkpoints too.
        if (!this.closed && !(error instanceof AppError)) this.onError(new Error(`WAL checkpoint failed (no read affected): ${error.message}`, { cause: error }))
      }
    })
  }

  private async start(): Promise<void> {
    this.starting++
    let worker: Worker
    try {
      const url = await workerModule()
      if (this.closed) return
      worker = new Worker(url, {
        workerData: { file: this.file, nativeBinding: this.nativeBinding },
        // A read's garbage is short-lived: with V8's default young generation each worker kept ~45 MB of heap
        // committed for ~10 MB in use; 8 MB keeps it at ~20–25 (100 k run: server RSS after 296 -> 266 MB).
        resourceLimits: { maxYoungGenerationSizeMb: 8 }
      })
    } catch (error) {
      this.failAll(error as Error)
      return
    } finally {
      this.starting--
    }
    const slot: Slot = { worker, task: null }
    this.slots.push(slot)
    worker.on('message', (reply: Reply) => {
      const task = slot.task
      if (!task || task.request.id !== reply.id) return
      slot.task = null
      worker.unref()
      if (reply.error) task.reject(toError(reply.error))
      else task.resolve(reply.value)
      this.dispatch()
    })
    worker.on('error', (error) => this.lose(slot, error))
    worker.on('exit', (code) => this.lose(slot, new Error(`read worker exited with code ${code}`)))
    this.dispatch()
  }

  /** A worker failed (its connection could not open, or it died): its read is answered 503, the others go on. */
  private lose(slot: Slot, error: Error): void {
    const at = this.slots.indexOf(slot)
    if (at === -1) return
    this.slots.splice(at, 1)
    void slot.worker.terminate()
    if (this.closed) return
    this.stats.failedWorkers++
    this.onError(error)
    slot.task?.reject(new AppError(503, `The dashboard query failed: ${error.message}. Try again.`))
    if (this.slots.length === 0 && this.starting === 0) {
      // No worker is left to take the queue: a worker that cannot open the database fails every read alike.
      this.failAll(error)
      return
    }
    this.dispatch()
  }

  private failAll(error: Error): void {
    this.waitingByKey.clear()
    for (const task of [...this.light.splice(0), ...this.queue.splice(0)]) {
      task.reject(new AppError(503, `The dashboard query failed: ${error.message}. Try again.`))
    }
  }

  /** Answers waiting reads 503 and ends the worker threads. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.waitingByKey.clear()
    for (const task of [...this.light.splice(0), ...this.queue.splice(0)]) task.reject(closedError())
    const slots = this.slots.splice(0)
    for (const slot of slots) {
      clearTimeout(slot.idle)
      slot.task?.reject(closedError())
    }
    await Promise.all(slots.map((slot) => slot.worker.terminate()))
  }
}
