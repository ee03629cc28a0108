import type { FastifyInstance, FastifyRequest } from 'fastify'
import { badRequest, notFound } from '../../../shared/errors'
import { isUuid } from '../../collect/ids'
import type { WebsiteRow } from '../../queries/websites'
import {
  findWebsiteSession,
  type Scope,
  type SessionRow,
  stringValueOf
} from '../../queries/current-sessions'
import type { EventDataRow } from '../../queries/current-event-data'
import { dateRange, filtersOf, iso, paged, paging, timezoneOf, viewableWebsite } from './common'

/** Sessions, session properties and event properties of a website (umami-v2.md §4.6, §4.7). */

type Query = Record<string, unknown>
type WebsiteRequest = FastifyRequest<{ Params: { websiteId: string }; Querystring: Query }>
type SessionRequest = FastifyRequest<{ Params: { websiteId: string; sessionId: string }; Querystring: Query }>
type EventRequest = FastifyRequest<{ Params: { websiteId: string; eventId: string }; Querystring: Query }>

function scopeOf(website: WebsiteRow, query: Query): Scope {
  const { start, end } = dateRange(query)
  return { websiteId: website.website_id, start, end }
}

/** A required text parameter, else 400 naming it. */
function requiredText(query: Query, name: string, what: string): string {
  const value = query[name]
  if (typeof value !== 'string' || value === '') throw badRequest(`${name} is required: ${what}`)
  return value
}

function optionalText(query: Query, name: string): string | undefined {
  const value = query[name]
  if (value === undefined || value === '') return undefined
  if (typeof value !== 'string') throw badRequest(`${name} must be given once, as text`)
  return value
}

/** The session named in the path, of this website; another website's session is as unknown as a missing one. */
function sessionOf(request: SessionRequest): { website: WebsiteRow; session: SessionRow } {
  const website = viewableWebsite(request, request.params.websiteId)
  const sessionId = request.params.sessionId
  if (!isUuid(sessionId)) throw badRequest('sessionId must be a session UUID, as listed by /sessions')
  const session = findWebsiteSession(request.server.ctx.db, website.website_id, sessionId.toLowerCase())
  if (!session) throw notFound('No such session on this website')
  return { website, session }
}

/** Event ids of the current API are the store's event numbers, as decimal text. */
function eventIdOf(raw: string): number {
  const id = /^\d{1,15}$/.test(raw) ? Number(raw) : NaN
  if (!Number.isSafeInteger(id)) throw badRequest('eventId must be an event id as listed by /event-data or /sessions/{sessionId}/activity')
  return id
}

function propertyFields(row: { data_type: number; string_value: string | null; number_value: number | null; date_value: number | null; created_at: number }) {
  return {
    stringValue: stringValueOf(row),
    numberValue: row.number_value,
    dateValue: iso(row.date_value),
    dataType: row.data_type,
    createdAt: iso(row.created_at)
  }
}

function eventProperty(row: EventDataRow) {
  const { stringValue, numberValue, dateValue, dataType, createdAt } = propertyFields(row)
  return { dataKey: row.data_key, stringValue, numberValue, dateValue, dataType, createdAt }
}

export async function currentSessionRoutes(app: FastifyInstance) {
  const { ctx } = app

  app.get('/api/websites/:websiteId/sessions', async (request: WebsiteRequest) => {
    const website = viewableWebsite(request, request.params.websiteId)
    const scope = scopeOf(website, request.query)
    const filters = filtersOf(request.query)
    const page = paging(request.query)
    const { rows, count } = await ctx.reads.run('listSessions', scope, filters, {
      search: page.search,
      limit: page.pageSize,
      offset: (page.page - 1) * page.pageSize
    })
    const data = rows.map((row) => ({
      id: row.id,
      websiteId: website.website_uuid,
      hostname: row.hostname,
      browser: row.browser,
      os: row.os,
      device: row.device,
      screen: row.screen,
      language: row.language,
      country: row.country,
      region: row.region,
      city: row.city,
      firstAt: iso(row.firstAt),
      lastAt: iso(row.lastAt),
      visits: row.visits,
      views: row.views,
      events: row.events,
      // Umami reports the session's latest activity here, not when it was first seen.
      createdAt: iso(row.lastAt)
    }))
    return paged(data, count, page)
  })

  app.get('/api/websites/:websiteId/sessions/stats', async (request: WebsiteRequest) => {
    const website = viewableWebsite(request, request.params.websiteId)
    const stats = await ctx.reads.run('getSessionStats', scopeOf(website, request.query), filtersOf(request.query))
    return {
      pageviews: { value: stats.pageviews },
      visitors: { value: stats.visitors },
      visits: { value: stats.visits },
      countries: { value: stats.countries },
      events: { value: stats.events }
    }
  })

  app.get('/api/websites/:websiteId/sessions/weekly', async (request: WebsiteRequest) => {
    const website = viewableWebsite(request, request.params.websiteId)
    const scope = scopeOf(website, request.query)
    requiredText(request.query, 'timezone', 'an IANA zone name such as Europe/Berlin (the grid is in local time)')
    const { timezone } = timezoneOf(request.query)
    return await ctx.reads.run('getSessionsWeekly', scope, filtersOf(request.query), timezone)
  })

  app.get('/api/websites/:websiteId/sessions/:sessionId', async (request: SessionRequest) => {
    const { website, session } = sessionOf(request)
    const totals = await ctx.reads.run('getSessionTotals', session.session_id)
    return {
      id: session.session_uuid,
      distinctId: session.distinct_id,
      websiteId: website.website_uuid,
      browser: session.browser,
      os: session.os,
      device: session.device,
      screen: session.screen,
      language: session.language,
      country: session.country,
      region: session.region,
      city: session.city,
      firstAt: iso(totals.firstAt ?? session.created_at),
      lastAt: iso(totals.lastAt ?? session.created_at),
      visits: totals.visits,
      views: totals.views,
      events: totals.events,
      totaltime: totals.totaltime
    }
  })

  app.get('/api/websites/:websiteId/sessions/:sessionId/activity', async (request: SessionRequest) => {
    const { session } = sessionOf(request)
    const { start, end } = dateRange(request.query)
    return (await ctx.reads.run('getSessionActivity', session.session_id, start, end)).map((row) => ({
      createdAt: iso(row.createdAt),
      urlPath: row.urlPath,
      urlQuery: row.urlQuery,
      referrerDomain: row.referrerDomain,
      eventId: String(row.eventId),
      eventType: row.eventType,
      eventName: row.eventName,
      visitId: row.visitId,
      hostname: row.hostname,
      hasData: row.hasData === 1
    }))
  })

  app.get('/api/websites/:websiteId/sessions/:sessionId/properties', async (request: SessionRequest) => {
    const { website, session } = sessionOf(request)
    return (await ctx.reads.run('getSessionProperties', session.session_id)).map((row) => {
      const { stringValue, numberValue, dateValue, dataType, createdAt } = propertyFields(row)
      return {
        websiteId: website.website_uuid,
        sessionId: session.session_uuid,
        dataKey: row.data_key,
        dataType,
        stringValue,
        numberValue,
        dateValue,
        createdAt
      }
    })
  })

  app.get('/api/websites/:websiteId/session-data/properties', async (request: WebsiteRequest) => {
    const website = viewableWebsite(request, request.params.websiteId)
    return await ctx.reads.run('getSessionDataProperties', scopeOf(website, request.query), filtersOf(request.query))
  })

  app.get('/api/websites/:websiteId/session-data/values', async (request: WebsiteRequest) => {
    const website = viewableWebsite(request, request.params.websiteId)
    const scope = scopeOf(website, request.query)
    const propertyName = requiredText(request.query, 'propertyName', 'the session property whose values to list')
    return await ctx.reads.run('getSessionDataValues', scope, filtersOf(request.query), propertyName)
  })

  app.get('/api/websites/:websiteId/event-data/events', async (request: WebsiteRequest) => {
    const website = viewableWebsite(request, request.params.websiteId)
    const scope = scopeOf(website, request.query)
    return await ctx.reads.run('getEventDataEvents', scope, filtersOf(request.query), optionalText(request.query, 'event'))
  })

  app.get('/api/websites/:websiteId/event-data/fields', async (request: WebsiteRequest) => {
    const website = viewableWebsite(request, request.params.websiteId)
    return await ctx.reads.run('getEventDataFields', scopeOf(website, request.query), filtersOf(request.query))
  })

  app.get('/api/websites/:websiteId/event-data/properties', async (request: WebsiteRequest) => {
    const website = viewableWebsite(request, request.params.websiteId)
    return await ctx.reads.run('getEventDataProperties', scopeOf(website, request.query), filtersOf(request.query))
  })

  app.get('/api/websites/:websiteId/event-data/values', async (request: WebsiteRequest) => {
    const website = viewableWebsite(request, request.params.websiteId)
    const scope = scopeOf(website, request.query)
    const event = requiredText(request.query, 'event', 'the name of the custom event')
    const propertyName = requiredText(request.query, 'propertyName', 'the event property whose values to list')
    return await ctx.reads.run('getEventDataValues', scope, filtersOf(request.query), event, propertyName)
  })

  app.get('/api/websites/:websiteId/event-data/stats', async (request: WebsiteRequest) => {
    const website = viewableWebsite(request, request.params.websiteId)
    return await ctx.reads.run('getEventDataStats', scopeOf(website, request.query), filtersOf(request.query))
  })

  app.get('/api/websites/:websiteId/event-data', async (request: WebsiteRequest) => {
    const website = viewableWebsite(request, request.params.websiteId)
    const scope = scopeOf(website, request.query)
    const filters = filtersOf(request.query)
    const page = paging(request.query)
    const { events, count } = await ctx.reads.run('listEventData', scope, filters, { limit: page.pageSize, offset: (page.page - 1) * page.pageSize })
    const data = events.map((event) => ({
      websiteId: website.website_uuid,
      eventId: String(event.eventId),
      eventName: event.eventName,
      eventProperties: event.rows.map(eventProperty)
    }))
    return { data, count, page: page.page, pageSize: page.pageSize }
  })

  app.get('/api/websites/:websiteId/event-data/:eventId', async (request: EventRequest) => {
    const website = viewableWebsite(request, request.params.websiteId)
    const eventId = eventIdOf(request.params.eventId)
    return (await ctx.reads.run('getEventDataById', website.website_id, eventId)).map((row) => ({
      websiteId: website.website_uuid,
      eventId: String(row.event_id),
      eventName: row.event_name,
      ...eventProperty(row)
    }))
  })
}
