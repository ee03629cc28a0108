import type { FastifyReply, FastifyRequest } from 'fastify'
import { STATUS_CODES } from 'node:http'
import type { HitDropReason, InspectedDialect, InspectedHit } from '../../shared/api/types'
import { LIMITS } from '../../shared/constants'
import { AppError } from '../../shared/errors'
import { clip, type Hit, type Identify } from './hit'

/*
 * The hit inspector (PRODUCT.md, "Beyond every peer"): the last hits the server received, parsed, and for
 * dropped ones the reason. A fixed ring of entries built from values the collect routes already hold, so
 * recording costs one small object and nothing is parsed twice. Privacy: no address and no raw user agent
 * ever enter the ring, only what the session row would store anyway.
 */

/** How many recent hits the server keeps for the inspector. */
export const INSPECTOR_SIZE = 500

const MESSAGE_LIMIT = 300

/** An entry as kept: the API shape with the time as a number, turned into ISO only when listed. */
type Entry = Omit<InspectedHit, 'createdAt' | 'websiteName'> & { at: number }

/**
 * The 400 of a hit that names a website this server does not have. Answered like any other bad payload;
 * its own class only lets the inspector tell a wrong website id apart from a malformed body.
 */
export class UnknownWebsiteError extends AppError {
  constructor(message: string) {
    super(400, message)
  }
}

export const unknownWebsite = (message: string) => new UnknownWebsiteError(message)

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value)

export class HitInspector {
  private readonly ring: (Entry | undefined)[]
  /** The sequence number of the newest entry (0: none yet); its slot is `(seq - 1) % size`. */
  private seq = 0

  constructor(
    private readonly now: () => number,
    readonly size = INSPECTOR_SIZE
  ) {
    this.ring = new Array<Entry | undefined>(size).fill(undefined)
  }

  /** A hit (or identify call) the writer committed. A continued session (`session === null`) has no parsed fields to show. */
  stored(dialect: InspectedDialect, websiteUuid: string, hit: Hit | Identify): void {
    const session = hit.session
    const isHit = hit.kind !== 'identify'
    this.push({
      seq: 0,
      at: this.now(),
      dialect,
      outcome: 'stored',
      reason: null,
      message: null,
      websiteId: websiteUuid,
      type: isHit ? (hit.eventName === null ? 'pageview' : 'event') : 'identify',
      url: isHit ? hit.urlPath : null,
      eventName: isHit ? hit.eventName : null,
      referrerDomain: isHit ? hit.referrerDomain : null,
      hostname: isHit ? hit.hostname : (session?.hostname ?? null),
      browser: session?.browser ?? null,
      os: session?.os ?? null,
      device: session?.device ?? null,
      country: session?.country ?? null,
      sessionId: hit.sessionUuid,
      visitId: isHit ? hit.visitId : null
    })
  }

  /**
   * A hit that was answered without being stored. `body` is the hit's parsed JSON body (`{type, payload}`
   * of either dialect, or anything a sender got wrong): only a few of its strings are read, clipped.
   */
  dropped(dialect: InspectedDialect, reason: HitDropReason, body: unknown, message: string | null = null): void {
    const sent = isObject(body) ? body : {}
    const payload = isObject(sent.payload) ? sent.payload : {}
    // Current senders name events `name`; classic ones `event_name`, or in the founding form `event_value`.
    const eventName = clip(payload.name ?? payload.event_name ?? (sent.type === 'event' ? payload.event_value : undefined), LIMITS.eventName) || null
    this.push({
      seq: 0,
      at: this.now(),
      dialect,
      outcome: 'dropped',
      reason,
      message: message === null ? null : clip(message, MESSAGE_LIMIT),
      websiteId: clip(payload.website, 64),
      type: typeOf(dialect, sent.type, eventName),
      url: clip(payload.url, LIMITS.url),
      eventName,
      referrerDomain: null,
      hostname: clip(payload.hostname, LIMITS.hostname),
      browser: null,
      os: null,
      device: null,
      country: null,
      sessionId: null,
      visitId: null
    })
  }

  /** A hit refused with an error (thrown by the route or the writer): its reason follows from the error. */
  refused(dialect: InspectedDialect, error: unknown, body: unknown): void {
    const status = error instanceof AppError ? error.status : statusOf(error)
    const reason: HitDropReason =
      error instanceof UnknownWebsiteError ? 'unknown-website' : status === 403 ? 'ignored-ip' : status === 503 ? 'busy' : status < 500 ? 'bad-payload' : 'error'
    // A server failure's own message may name internals; the inspector says what the sender was told.
    const message = reason === 'error' ? STATUS_CODES[500]! : error instanceof Error ? error.message : String(error)
    this.dropped(dialect, reason, body, message)
  }

  /** Entries newer than `since`, newest first, at most `limit`; `last` is the newest sequence number to poll on from. */
  list(since: number, limit: number): { hits: Omit<InspectedHit, 'websiteName'>[]; last: number } {
    const hits: Omit<InspectedHit, 'websiteName'>[] = []
    const oldest = Math.max(since, this.seq - this.size)
    for (let seq = this.seq; seq > oldest && hits.length < limit; seq--) {
      const { at, ...entry } = this.ring[(seq - 1) % this.size]!
      hits.push({ ...entry, createdAt: new Date(at).toISOString() })
    }
    return { hits, last: this.seq }
  }

  private push(entry: Entry): void {
    entry.seq = ++this.seq
    this.ring[(entry.seq - 1) % this.size] = entry
  }
}

/** What a dropped body meant to be: v1 says so; the current dialect's `event` is a pageview unless it names an event. */
function typeOf(dialect: InspectedDialect, sentType: unknown, eventName: string | null): InspectedHit['type'] {
  if (sentType === 'identify' || sentType === 'pageview') return sentType
  if (sentType !== 'event') return null
  return dialect === 'collect' || eventName !== null ? 'event' : 'pageview'
}

function statusOf(error: unknown): number {
  const status = (error as { statusCode?: unknown } | null)?.statusCode
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500
}

/** The collect routes the inspector watches, by their URL. */
const DIALECT_OF_ROUTE: Record<string, InspectedDialect> = { '/api/collect': 'collect', '/api/send': 'send', '/api/batch': 'batch' }

/**
 * An `onError` hook for the plugins of the collect routes: every hit they refuse with an error (bad body,
 * unknown website, ignored address, busy writer, and the parser's own refusals such as broken JSON) is
 * recorded once, in one place, before the error handler answers it. Other routes of the plugin are skipped.
 */
export async function recordRefusedHit(request: FastifyRequest, _reply: FastifyReply, error: Error): Promise<void> {
  const dialect = DIALECT_OF_ROUTE[request.routeOptions.url ?? '']
  if (dialect) request.server.ctx.inspector.refused(dialect, error, request.body)
}
