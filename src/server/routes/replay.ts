import type { FastifyInstance } from 'fastify'
import { ApiError } from '../../shared/api/client'
import { AppError, badRequest, type ErrorCode, notFound } from '../../shared/errors'
import { requireDashiAdmin } from '../auth'
import { isUuid } from '../collect/ids'
import { getProfileByUuid } from '../queries/profiles'
import { getWebsiteByUuid } from '../queries/websites'
import {
  createReplay,
  deleteReplay,
  findActiveReplay,
  getReplayByUuid,
  listReplays,
  type ReplayListRow,
  setReplayStatus
} from '../replay/jobs'
import { ProfileRemote, replayRefusal } from '../replay/remote'
import { ReplayRunner } from '../replay/runner'
import { iso } from './current/common'

/**
 * "Move history to…" (issue 5): admin-only routes that start, follow, pause, resume and delete jobs
 * replaying a local website's hits to a website of a remote profile (replay/). Jobs run in the background
 * of this server; a job left running when the server stopped goes on when it starts again.
 */

type ReplayErrorCode = 'unsupported-version' | 'unreachable' | 'bad-credentials' | 'bad-response' | 'remote-refused' | 'credentials-unreadable'
const replayError = (status: number, code: ReplayErrorCode, message: string) => new AppError(status, message, code as ErrorCode)

interface CreateBody {
  websiteId?: unknown
  profileId?: unknown
  remoteWebsiteId?: unknown
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

function uuidField(body: Record<string, unknown>, name: string, what: string): string {
  const value = body[name]
  if (typeof value !== 'string' || !isUuid(value)) throw badRequest(`${name} must be the UUID of ${what}`)
  return value.toLowerCase()
}


function replayReply(row: ReplayListRow) {
  const checked = row.checked_at !== null
  return {
    id: row.replay_uuid,
    websiteId: row.website_uuid,
    websiteName: row.website_name,
    profileId: row.profile_uuid,
    profileName: row.profile_name,
    remoteWebsiteId: row.remote_website_id,
    remoteWebsiteName: row.remote_website_name,
    status: row.status,
    /** Events of the job (fixed when it began) and how many went: sent = accepted + rejected. */
    total: row.total,
    sent: row.sent,
    accepted: row.accepted,
    rejected: row.rejected,
    lastRejection: row.last_rejection,
    error: row.error,
    check: checked
      ? {
          localCount: row.local_count,
          remoteCount: row.remote_count,
          matches: row.remote_count !== null && row.remote_count === row.local_count,
          startAt: iso(row.range_start),
          endAt: iso(row.range_end),
          checkedAt: iso(row.checked_at)
        }
      : null,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    finishedAt: iso(row.finished_at)
  }
}

/** The remote website, or why it cannot be used, in the words of the profile routes. */
async function remoteWebsiteName(remote: ProfileRemote, remoteWebsiteId: string): Promise<string | null> {
  try {
    return (await remote.call('website', { websiteId: remoteWebsiteId })).name ?? null
  } catch (error) {
    if (!(error instanceof ApiError)) throw error
    if (error.code === 'credentials-unreadable') throw replayError(409, 'credentials-unreadable', error.message)
    if (error.status === 404 || error.code === 'no-access') throw notFound(`${remote.label} at ${remote.host} has no website ${remoteWebsiteId} that this profile's account can see.`)
    if (error.status === 401 || error.code === 'bad-credentials') {
      throw replayError(502, 'bad-credentials', `${remote.label} at ${remote.host} no longer accepts this profile's login. Edit the profile and enter it again.`)
    }
    if (error.status === 0 || error.status >= 500) throw replayError(502, 'unreachable', error.status === 0 ? error.message : `${remote.host} answered ${error.status}: ${error.message}`)
    if (error.code === 'bad-response') throw replayError(502, 'bad-response', error.message)
    throw replayError(422, 'remote-refused', `${remote.host} refused to show website ${remoteWebsiteId} (${error.status}): ${error.message}`)
  }
}

export async function replayRoutes(app: FastifyInstance) {
  const { ctx } = app
  const runner = new ReplayRunner({ db: ctx.db, sealer: ctx.sealer, now: ctx.now, log: app.log })

  app.addHook('onRequest', async (request) => requireDashiAdmin(request, 'move history to another server'))
  // Jobs the last run of the server left running continue once it is ready; closing lets each finish its page.
  app.addHook('onReady', async () => runner.resumeRunning())
  app.addHook('onClose', async () => runner.close())

  function jobOf(id: string): ReplayListRow {
    const row = isUuid(id) ? getReplayByUuid(ctx.db, id.toLowerCase()) : undefined
    if (!row) throw notFound('Move not found')
    return row
  }
  const reread = (row: ReplayListRow) => replayReply(getReplayByUuid(ctx.db, row.replay_uuid) ?? row)

  app.get<{ Querystring: { websiteId?: unknown } }>('/api/dashi/replays', async (request) => {
    const { websiteId } = request.query
    if (websiteId === undefined || websiteId === '') return { data: listReplays(ctx.db).map(replayReply) }
    if (typeof websiteId !== 'string' || !isUuid(websiteId)) throw badRequest('websiteId must be the UUID of a local website')
    const website = getWebsiteByUuid(ctx.db, websiteId.toLowerCase())
    if (!website) throw notFound('Website not found')
    return { data: listReplays(ctx.db, website.website_id).map(replayReply) }
  })

  app.post<{ Body: CreateBody }>('/api/dashi/replays', async (request) => {
    const body = isRecord(request.body) ? request.body : {}
    const websiteUuid = uuidField(body, 'websiteId', 'a website of this server')
    const profileUuid = uuidField(body, 'profileId', 'a remote profile')
    const remoteWebsiteId = uuidField(body, 'remoteWebsiteId', 'the website on the remote server')
    const website = getWebsiteByUuid(ctx.db, websiteUuid)
    if (!website) throw notFound('Website not found')
    const profile = getProfileByUuid(ctx.db, profileUuid)
    if (!profile) throw notFound('Profile not found')
    const refusal = replayRefusal(profile)
    if (refusal) throw replayError(422, 'unsupported-version', refusal)
    if (findActiveReplay(ctx.db, website.website_id, profile.profile_id, remoteWebsiteId)) {
      throw new AppError(409, `“${website.name}” is already being moved to that website (running or paused): resume that move instead of starting another, which would send every hit twice.`)
    }
    let remote: ProfileRemote
    try {
      remote = new ProfileRemote(ctx.db, ctx.sealer, profile)
    } catch (error) {
      if (error instanceof ApiError) throw replayError(409, 'credentials-unreadable', error.message)
      throw error
    }
    const name = await remoteWebsiteName(remote, remoteWebsiteId)
    // The remote check awaited: a second request may have started the same move meanwhile.
    if (findActiveReplay(ctx.db, website.website_id, profile.profile_id, remoteWebsiteId)) {
      throw new AppError(409, `“${website.name}” is already being moved to that website.`)
    }
    const job = createReplay(ctx.db, { websiteId: website.website_id, profileId: profile.profile_id, remoteWebsiteId, remoteWebsiteName: name, now: ctx.now() })
    runner.start(job.replay_id)
    return replayReply(getReplayByUuid(ctx.db, job.replay_uuid)!)
  })

  app.get<{ Params: { id: string } }>('/api/dashi/replays/:id', async (request) => replayReply(jobOf(request.params.id)))

  app.post<{ Params: { id: string } }>('/api/dashi/replays/:id/pause', async (request) => {
    const row = jobOf(request.params.id)
    if (row.status !== 'running') throw new AppError(409, `This move is ${row.status}; only a running move can be paused.`)
    setReplayStatus(ctx.db, row.replay_id, 'paused', ctx.now())
    // The page in flight (if any) is still recorded when its answer comes; the reply does not wait for it.
    void runner.stop(row.replay_id)
    return reread(row)
  })

  /** Paused or failed: goes on from the cursor. Done: checks the counts again (nothing is sent twice). */
  app.post<{ Params: { id: string } }>('/api/dashi/replays/:id/resume', async (request) => {
    const row = jobOf(request.params.id)
    const profile = getProfileByUuid(ctx.db, row.profile_uuid)
    const refusal = profile && replayRefusal(profile)
    if (refusal) throw replayError(422, 'unsupported-version', refusal)
    if (row.status !== 'running') setReplayStatus(ctx.db, row.replay_id, 'running', ctx.now())
    runner.start(row.replay_id)
    return reread(row)
  })

  app.delete<{ Params: { id: string } }>('/api/dashi/replays/:id', async (request) => {
    const row = jobOf(request.params.id)
    void runner.stop(row.replay_id)
    deleteReplay(ctx.db, row.replay_id)
    return { ok: true }
  })
}
