import type { FastifyInstance, FastifyRequest } from 'fastify'
import { EVENT_TYPE, ROLE } from '../../../shared/constants'
import { badRequest, forbidden, notFound, unauthorized } from '../../../shared/errors'
import { type AuthUser, requireUser } from '../../auth'
import { isUuid } from '../../collect/ids'
import {
  createReport,
  deleteReport,
  getFunnel,
  getReportByUuid,
  listReportsPage,
  type ReportListOptions,
  type ReportScope,
  type ReportWithIds,
  type Step,
  updateReport
} from '../../queries/current-reports'
import { normalizeDomain } from '../../queries/v1-analytics'
import { getWebsiteByUuid, type WebsiteRow } from '../../queries/websites'
import { filtersOf, instant, iso, paged, paging, timezoneOf, viewableWebsite } from './common'

/**
 * Reports of the current API (umami-v2.md §5): saved reports (login only: they belong to accounts) and
 * running a report over a website's data (`POST /api/reports/<type>`, v3 body; share tokens allowed).
 */

type Body = Record<string, unknown>

/** The report types a saved report may have: Umami v3.1's and v2's (so that old clients can save theirs). */
const SAVED_TYPES = ['attribution', 'breakdown', 'funnel', 'goal', 'goals', 'insights', 'journey', 'performance', 'retention', 'revenue', 'utm']
/** The types this server runs. */
const RUNNABLE_TYPES = ['funnel', 'goal', 'journey', 'retention', 'utm'] as const
type RunnableType = (typeof RUNNABLE_TYPES)[number]

const NAME_MAX = 200
const DESCRIPTION_MAX = 500
/** Parameters of a saved report, as JSON text: plenty for any report's settings. */
const PARAMETERS_MAX = 64 * 1024

const FUNNEL_STEPS = { min: 2, max: 8 }
const JOURNEY_STEPS = { min: 2, max: 7 }
/** A funnel window of up to a year, in minutes. */
const WINDOW_MAX = 366 * 24 * 60
const STEP_VALUE_MAX = 500

const isObject = (value: unknown): value is Body => typeof value === 'object' && value !== null && !Array.isArray(value)

function bodyOf(request: FastifyRequest): Body {
  if (!isObject(request.body)) throw badRequest('Send a JSON object as the request body')
  return request.body
}

/** A report as the current API shows it. */
function currentReport(row: ReportWithIds) {
  return {
    id: row.report_uuid,
    userId: row.user_uuid,
    websiteId: row.website_uuid,
    type: row.type,
    name: row.name,
    description: row.description,
    parameters: JSON.parse(row.parameters) as unknown,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at)
  }
}

// --- saved reports: validation ---

function reportType(value: unknown): string {
  if (typeof value !== 'string' || !SAVED_TYPES.includes(value)) throw badRequest(`type must be one of ${SAVED_TYPES.join(', ')}`)
  return value
}

function reportName(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > NAME_MAX) {
    throw badRequest(`name must be a text of 1 to ${NAME_MAX} characters`)
  }
  return value
}

function reportDescription(value: unknown): string {
  if (value === undefined || value === null) return ''
  if (typeof value !== 'string' || value.length > DESCRIPTION_MAX) {
    throw badRequest(`description must be a text of at most ${DESCRIPTION_MAX} characters`)
  }
  return value
}

/** How deep report settings may nest: any report's are a few levels; JSON.stringify overflows the stack at some thousands. */
const PARAMETERS_DEPTH_MAX = 32

/** Whether a parsed JSON value nests deeper than `max` levels, walked without recursion (the value may be 100 000 deep). */
function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: { node: unknown; depth: number }[] = [{ node: value, depth: 1 }]
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!
    if (node === null || typeof node !== 'object') continue
    if (depth > max) return true
    for (const child of Object.values(node)) stack.push({ node: child, depth: depth + 1 })
  }
  return false
}

function reportParameters(value: unknown): string {
  if (!isObject(value)) throw badRequest('parameters must be an object (the report settings, e.g. {"window": 60, "steps": [...]})')
  if (nestsDeeperThan(value, PARAMETERS_DEPTH_MAX)) throw badRequest(`parameters may nest at most ${PARAMETERS_DEPTH_MAX} levels deep`)
  const text = JSON.stringify(value)
  if (text.length > PARAMETERS_MAX) throw badRequest(`parameters must be at most ${PARAMETERS_MAX} characters of JSON`)
  return text
}

// --- running reports: validation ---

function reportRange(parameters: Body): { start: number; end: number } {
  const start = instant(parameters.startDate, 'parameters.startDate') ?? instant(parameters.startAt, 'parameters.startAt')
  const end = instant(parameters.endDate, 'parameters.endDate') ?? instant(parameters.endAt, 'parameters.endAt')
  if (start === undefined || end === undefined) {
    throw badRequest('parameters.startDate and parameters.endDate are required (ISO dates or epoch milliseconds)')
  }
  if (start > end) throw badRequest('parameters.startDate must not be after parameters.endDate')
  return { start, end }
}

function step(value: unknown, name: string): Step {
  if (!isObject(value)) throw badRequest(`${name} must be an object {type: "path" | "event", value}`)
  if (value.type !== 'path' && value.type !== 'event') throw badRequest(`${name}.type must be "path" or "event"`)
  if (typeof value.value !== 'string' || value.value === '' || value.value.length > STEP_VALUE_MAX) {
    throw badRequest(`${name}.value must be a text of 1 to ${STEP_VALUE_MAX} characters (a path, or an event name)`)
  }
  return { type: value.type, value: value.value }
}

/** A number given as a JSON number or as a numeric text. */
function numeric(value: unknown): number {
  if (typeof value === 'number') return value
  if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) return Number(value)
  return NaN
}

function wholeNumber(value: unknown, name: string, { min, max }: { min: number; max: number }, what = ''): number {
  const n = numeric(value)
  if (!Number.isInteger(n) || n < min || n > max) throw badRequest(`${name} must be a whole number from ${min} to ${max}${what}`)
  return n
}

function optionalText(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined
  if (typeof value !== 'string' || value.length > STEP_VALUE_MAX) throw badRequest(`${name} must be a text of at most ${STEP_VALUE_MAX} characters`)
  return value
}

type Params = { Params: { reportId: string } }

export async function currentReportRoutes(app: FastifyInstance) {
  const { ctx } = app

  /** A website a logged-in user may view (owner or admin): saving and listing reports is never open to share tokens. */
  function websiteForUser(user: AuthUser, websiteId: unknown): WebsiteRow {
    const website = isUuid(websiteId) ? getWebsiteByUuid(ctx.db, websiteId.toLowerCase()) : undefined
    // As for every website route, a website one may not see and one that does not exist look alike.
    if (!website || (!user.isAdmin && website.user_id !== user.userId)) throw unauthorized()
    return website
  }

  function savedReport(reportId: string): ReportWithIds {
    const report = isUuid(reportId) ? getReportByUuid(ctx.db, reportId.toLowerCase()) : undefined
    if (!report) throw notFound(`No saved report has the id "${reportId}"`)
    return report
  }

  /** Reading a saved report: who saved it, an admin, or the owner of its website (who sees it listed there). */
  function readableReport(request: FastifyRequest, reportId: string): ReportWithIds {
    const user = requireUser(request)
    const report = savedReport(reportId)
    if (user.isAdmin || report.user_id === user.userId) return report
    const website = getWebsiteByUuid(ctx.db, report.website_uuid)
    if (website?.user_id === user.userId) return report
    throw unauthorized()
  }

  /** Changing a saved report: who saved it or an admin; never a view-only user. */
  function changeableReport(request: FastifyRequest, reportId: string): ReportWithIds {
    const user = requireUser(request)
    const report = savedReport(reportId)
    if (!user.isAdmin && report.user_id !== user.userId) throw unauthorized()
    if (user.role === ROLE.viewOnly) throw forbidden('View-only users cannot change saved reports.')
    return report
  }

  function reportPage(request: FastifyRequest, options: Omit<ReportListOptions, 'limit' | 'offset' | 'search'>) {
    const query = request.query as Record<string, unknown>
    const page = paging(query)
    const type = typeof query.type === 'string' && query.type !== '' ? query.type : undefined
    const { rows, count } = listReportsPage(ctx.db, {
      ...options,
      type,
      search: page.search,
      limit: page.pageSize,
      offset: (page.page - 1) * page.pageSize
    })
    return paged(rows.map(currentReport), count, page)
  }

  // --- saved reports ---

  app.get('/api/reports', async (request) => {
    const user = requireUser(request)
    const { websiteId } = request.query as Record<string, unknown>
    if (websiteId !== undefined && websiteId !== '') return reportPage(request, { websiteId: websiteForUser(user, websiteId).website_id })
    return reportPage(request, { viewer: { userId: user.userId, isAdmin: user.isAdmin } })
  })

  app.get<{ Params: { websiteId: string } }>('/api/websites/:websiteId/reports', async (request) => {
    const user = requireUser(request)
    return reportPage(request, { websiteId: websiteForUser(user, request.params.websiteId).website_id })
  })

  app.post('/api/reports', async (request) => {
    const user = requireUser(request)
    const body = bodyOf(request)
    if (body.websiteId === undefined || body.websiteId === null || body.websiteId === '') {
      throw badRequest('websiteId is required: the id of the website the report is about')
    }
    const website = websiteForUser(user, body.websiteId)
    if (user.role === ROLE.viewOnly) throw forbidden('View-only users cannot save reports.')
    const report = createReport(ctx.db, {
      userId: user.userId,
      websiteId: website.website_id,
      type: reportType(body.type),
      name: reportName(body.name),
      description: reportDescription(body.description),
      parameters: reportParameters(body.parameters),
      now: ctx.now()
    })
    return currentReport(report)
  })

  app.get<Params>('/api/reports/:reportId', async (request) => currentReport(readableReport(request, request.params.reportId)))

  /** Updates a saved report; also answers `POST /api/reports/<type>` for report types this server does not run. */
  app.post<Params>('/api/reports/:reportId', async (request) => {
    const { reportId } = request.params
    if (!isUuid(reportId) && SAVED_TYPES.includes(reportId)) {
      throw badRequest(`The ${reportId} report is not supported by this server; it runs ${RUNNABLE_TYPES.join(', ')}`)
    }
    const report = changeableReport(request, reportId)
    const body = bodyOf(request)
    // Clients send the whole report back; a saved report keeps its website and type.
    // Compared as text only: String() of a JSON object such as {"toString": 1} throws.
    if (body.websiteId !== undefined && (typeof body.websiteId !== 'string' || body.websiteId.toLowerCase() !== report.website_uuid)) {
      throw badRequest('websiteId cannot change: a saved report stays with its website (save a new report instead)')
    }
    if (body.type !== undefined && body.type !== report.type) {
      throw badRequest('type cannot change: save a new report for another type')
    }
    const updated = updateReport(ctx.db, report.report_id, {
      name: body.name === undefined ? report.name : reportName(body.name),
      description: body.description === undefined ? report.description : reportDescription(body.description),
      parameters: body.parameters === undefined ? report.parameters : reportParameters(body.parameters),
      now: ctx.now()
    })
    return currentReport(updated)
  })

  app.delete<Params>('/api/reports/:reportId', async (request) => {
    const report = changeableReport(request, request.params.reportId)
    deleteReport(ctx.db, report.report_id)
    return { ok: true }
  })

  // --- running reports ---

  /**
   * What every report reads first: the website (401 before anything else), the range and the filters.
   * v3 body `{websiteId, type, filters, parameters: {startDate, endDate, …}}`; a v2 body (the settings at
   * the top level, the dates in `dateRange`) is read too.
   */
  function reportRequest(request: FastifyRequest, type: RunnableType) {
    const body = bodyOf(request)
    if (body.type !== undefined && body.type !== type) throw badRequest(`type must be "${type}" here (or left out)`)
    if (typeof body.websiteId !== 'string' || body.websiteId === '') throw badRequest('websiteId is required: the id of the website to report on')
    const website = viewableWebsite(request, body.websiteId)
    let parameters: Body
    if (body.parameters === undefined) {
      parameters = { ...body, ...(isObject(body.dateRange) ? body.dateRange : {}) }
    } else if (isObject(body.parameters)) {
      parameters = body.parameters
    } else {
      throw badRequest('parameters must be an object: {startDate, endDate, …}')
    }
    const range = reportRange(parameters)
    if (body.filters !== undefined && body.filters !== null && !isObject(body.filters)) {
      throw badRequest('filters must be an object of filter parameters, e.g. {"browser": "eq.chrome"}')
    }
    const filters = filtersOf(isObject(body.filters) ? body.filters : {})
    const scope: ReportScope = { websiteId: website.website_id, ...range, selfDomain: normalizeDomain(website.domain) }
    return { parameters, filters, scope }
  }

  app.post('/api/reports/funnel', async (request) => {
    const { parameters, filters, scope } = reportRequest(request, 'funnel')
    const window = numeric(parameters.window)
    if (!(window > 0 && window <= WINDOW_MAX)) {
      throw badRequest(`parameters.window must be a number of minutes greater than 0 and at most ${WINDOW_MAX}`)
    }
    const { steps } = parameters
    if (!Array.isArray(steps) || steps.length < FUNNEL_STEPS.min || steps.length > FUNNEL_STEPS.max) {
      throw badRequest(`parameters.steps must be a list of ${FUNNEL_STEPS.min} to ${FUNNEL_STEPS.max} steps {type: "path" | "event", value}`)
    }
    return getFunnel(
      ctx.db,
      scope,
      filters,
      window,
      steps.map((s, i) => step(s, `parameters.steps[${i}]`))
    )
  })

  app.post('/api/reports/goal', async (request) => {
    const { parameters, filters, scope } = reportRequest(request, 'goal')
    return await ctx.reads.run('getGoal', scope, filters, step({ type: parameters.type, value: parameters.value }, 'parameters'))
  })

  app.post('/api/reports/retention', async (request) => {
    const { parameters, filters, scope } = reportRequest(request, 'retention')
    const { timezone, isoLabels } = timezoneOf({ timezone: parameters.timezone })
    return await ctx.reads.run('getRetention', scope, filters, timezone, isoLabels)
  })

  app.post('/api/reports/journey', async (request) => {
    const { parameters, filters, scope } = reportRequest(request, 'journey')
    const rawType = parameters.eventType
    const eventType = rawType === undefined || rawType === null || rawType === '' ? undefined : numeric(rawType)
    if (eventType !== undefined && eventType !== EVENT_TYPE.pageView && eventType !== EVENT_TYPE.customEvent) {
      throw badRequest(`parameters.eventType must be ${EVENT_TYPE.pageView} (views) or ${EVENT_TYPE.customEvent} (custom events), or left out`)
    }
    return await ctx.reads.run('getJourneys', scope, filters, {
      steps: wholeNumber(parameters.steps, 'parameters.steps', JOURNEY_STEPS, ' (the number of steps of a journey)'),
      startStep: optionalText(parameters.startStep, 'parameters.startStep'),
      endStep: optionalText(parameters.endStep, 'parameters.endStep'),
      eventType
    })
  })

  app.post('/api/reports/utm', async (request) => {
    const { filters, scope } = reportRequest(request, 'utm')
    return await ctx.reads.run('getUtm', scope, filters)
  })
}
