import type { Db } from '../db/open'
import { AppError } from '../../shared/errors'
import type { Hit } from './hit'

export interface WriteResult {
  sessionId: number
  eventId: number
}

export interface WriterOptions {
  /** Hits waiting beyond this answer 503 instead of queueing without bound. */
  maxQueue?: number
  /** Most hits committed in one transaction. */
  maxBatch?: number
}

interface Pending {
  hit: Hit
  resolve: (result: WriteResult) => void
  reject: (error: Error) => void
}

const SESSION_CACHE_SIZE = 50_000

/**
 * Group commit: hits that arrive while the event loop is busy are written together in one
 * transaction, and each request is answered only after that transaction has committed (WAL,
 * synchronous=FULL), so an acknowledged hit survives a crash. One writer owns all hit inserts.
 */
export class HitWriter {
  private queue: Pending[] = []
  private scheduled = false
  private closed = false
  private readonly maxQueue: number
  private readonly maxBatch: number
  /** session_uuid → session_id of sessions known to exist. */
  private readonly sessions = new Map<string, number>()
  private readonly stmts
  private readonly writeBatch: (batch: Pending[]) => WriteResult[]

  /** Figures for the benchmark and the status line. */
  readonly stats = { batches: 0, hits: 0, rejectedBusy: 0, failed: 0 }

  constructor(
    private readonly db: Db,
    options: WriterOptions = {}
  ) {
    this.maxQueue = options.maxQueue ?? 10_000
    this.maxBatch = options.maxBatch ?? 2_000
    this.stmts = {
      insertSession: db.prepare(`INSERT INTO session
        (session_uuid, website_id, created_at, hostname, browser, os, device, screen, language, country, distinct_id)
        VALUES (@sessionUuid, @websiteId, @createdAt, @hostname, @browser, @os, @device, @screen, @language, @country, @distinctId)
        ON CONFLICT (session_uuid) DO NOTHING`),
      findSession: db.prepare('SELECT session_id FROM session WHERE session_uuid = ?').pluck(),
      insertEvent: db.prepare(`INSERT INTO website_event
        (website_id, session_id, visit_id, created_at, event_type, url_path, url_query, referrer, referrer_domain,
         page_title, event_name, tag, hostname, utm_source, utm_medium, utm_campaign, utm_content, utm_term,
         gclid, fbclid, msclkid, ttclid, li_fat_id, twclid)
        VALUES (@websiteId, @sessionId, @visitId, @createdAt, @eventType, @urlPath, @urlQuery, @referrer, @referrerDomain,
         @pageTitle, @eventName, @tag, @hostname, @utm_source, @utm_medium, @utm_campaign, @utm_content, @utm_term,
         @gclid, @fbclid, @msclkid, @ttclid, @li_fat_id, @twclid)`),
      insertData: db.prepare(`INSERT INTO event_data
        (website_id, event_id, data_key, string_value, number_value, date_value, data_type, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
    }
    this.writeBatch = db.transaction((batch: Pending[]) => batch.map((p) => this.insert(p.hit)))
  }

  /** Queues a hit; resolves once it is committed. Rejects with 503 when the queue is full or the writer closed. */
  write(hit: Hit): Promise<WriteResult> {
    if (this.closed) return Promise.reject(new AppError(503, 'The server is shutting down; send the hit again later.'))
    if (this.queue.length >= this.maxQueue) {
      this.stats.rejectedBusy++
      return Promise.reject(new AppError(503, 'The server is busy; send the hit again later.'))
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ hit, resolve, reject })
      if (!this.scheduled) {
        this.scheduled = true
        setImmediate(() => this.flush())
      }
    })
  }

  get pending(): number {
    return this.queue.length
  }

  /** Forgets cached session ids, after sessions were deleted (website reset or delete). */
  forgetSessions(): void {
    this.sessions.clear()
  }

  /** Writes everything queued, synchronously. Called by the scheduler and on close. */
  flush(): void {
    this.scheduled = false
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch)
      let results: WriteResult[]
      try {
        results = this.writeBatch(batch)
      } catch {
        // The batch rolled back as a whole; ids cached during it may not exist. Write each hit on its
        // own so that one bad hit cannot cost the others.
        this.sessions.clear()
        for (const p of batch) {
          try {
            const [result] = this.writeBatch([p])
            this.stats.hits++
            p.resolve(result!)
          } catch (error) {
            this.sessions.clear()
            this.stats.failed++
            p.reject(error as Error)
          }
        }
        continue
      }
      this.stats.batches++
      this.stats.hits += batch.length
      for (let i = 0; i < batch.length; i++) batch[i]!.resolve(results[i]!)
    }
  }

  /** Refuses new hits and writes the pending ones. */
  close(): void {
    this.closed = true
    this.flush()
  }

  private insert(hit: Hit): WriteResult {
    let sessionId = this.sessions.get(hit.sessionUuid)
    if (sessionId === undefined) {
      this.stmts.insertSession.run({ sessionUuid: hit.sessionUuid, websiteId: hit.websiteId, createdAt: hit.createdAt, ...hit.session })
      sessionId = this.stmts.findSession.get(hit.sessionUuid) as number
      if (this.sessions.size >= SESSION_CACHE_SIZE) this.sessions.delete(this.sessions.keys().next().value!)
      this.sessions.set(hit.sessionUuid, sessionId)
    }
    const info = this.stmts.insertEvent.run({
      websiteId: hit.websiteId,
      sessionId,
      visitId: hit.visitId,
      createdAt: hit.createdAt,
      eventType: hit.eventType,
      urlPath: hit.urlPath,
      urlQuery: hit.urlQuery,
      referrer: hit.referrer,
      referrerDomain: hit.referrerDomain,
      pageTitle: hit.pageTitle,
      eventName: hit.eventName,
      tag: hit.tag,
      hostname: hit.hostname,
      utm_source: hit.utm.utm_source ?? null,
      utm_medium: hit.utm.utm_medium ?? null,
      utm_campaign: hit.utm.utm_campaign ?? null,
      utm_content: hit.utm.utm_content ?? null,
      utm_term: hit.utm.utm_term ?? null,
      gclid: hit.clickIds.gclid ?? null,
      fbclid: hit.clickIds.fbclid ?? null,
      msclkid: hit.clickIds.msclkid ?? null,
      ttclid: hit.clickIds.ttclid ?? null,
      li_fat_id: hit.clickIds.li_fat_id ?? null,
      twclid: hit.clickIds.twclid ?? null
    })
    const eventId = Number(info.lastInsertRowid)
    for (const row of hit.data) {
      this.stmts.insertData.run(hit.websiteId, eventId, row.key, row.string, row.number, row.date, row.type, hit.createdAt)
    }
    return { sessionId, eventId }
  }
}
