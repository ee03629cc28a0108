import { EVENT_TYPE } from '../../shared/constants'
import { filterSql, type ParsedFilters } from '../db/filters'
import type { Db } from '../db/open'
import type { PropertyRow } from './current-sessions'
import { prepared } from '../db/sql'
import { propertyValue, type Scope, valueSql } from './current-sessions'

/** Custom event properties of the current API (umami-v2.md §4.6), over `event_data`. */

type Value = string | number | null

/**
 * The property rows of events in range that pass the filters, as SQL after `FROM`. Rows are found through
 * `event_data (website_id, created_at)` (a property row carries its event's time), then joined to their event.
 * Where `event` is a plain event name rather than a filter (`eventByName`), the `event` filter is skipped.
 */
function dataInScope(filters: ParsedFilters, options: { eventByName?: boolean } = {}) {
  const where = filterSql(filters, options.eventByName ? { skip: ['event'] } : {})
  return {
    sql: `event_data d JOIN website_event e ON e.event_id = d.event_id${where.needsSession ? ' JOIN session s ON s.session_id = e.session_id' : ''}
      WHERE d.website_id = @websiteId AND d.created_at BETWEEN @start AND @end AND e.website_id = @websiteId${where.sql}`,
    params: where.params
  }
}

const scopeParams = (scope: Scope) => ({ websiteId: scope.websiteId, start: scope.start, end: scope.end })

export interface EventDataEventRow {
  eventName: string
  propertyName: string
  dataType: number
  propertyValue?: Value
  total: number
}

/**
 * Property names per event name and type, with how many rows each has. With `event`, only that event's
 * properties, broken down by value.
 */
export function getEventDataEvents(db: Db, scope: Scope, filters: ParsedFilters, event: string | undefined): EventDataEventRow[] {
  const base = dataInScope(filters, { eventByName: true })
  const params = { ...scopeParams(scope), ...base.params }
  if (event === undefined) {
    const sql = `SELECT e.event_name AS eventName, d.data_key AS propertyName, d.data_type AS dataType, count(*) AS total
      FROM ${base.sql}
      GROUP BY e.event_name, d.data_key, d.data_type
      ORDER BY eventName, propertyName, dataType
      LIMIT 500`
    return prepared(db, sql).all(params) as EventDataEventRow[]
  }
  const sql = `SELECT e.event_name AS eventName, d.data_key AS propertyName, d.data_type AS dataType, ${valueSql('d')} AS value,
      count(*) AS total
    FROM ${base.sql} AND e.event_name = @event
    GROUP BY d.data_key, d.data_type, value
    ORDER BY propertyName, dataType, total DESC, value
    LIMIT 500`
  const rows = prepared(db, sql).all({ ...params, event }) as (Omit<EventDataEventRow, 'propertyValue'> & { value: Value })[]
  return rows.map(({ value, ...row }) => ({
    eventName: row.eventName,
    propertyName: row.propertyName,
    dataType: row.dataType,
    propertyValue: propertyValue(row.dataType, value),
    total: row.total
  }))
}

/** Every (property, type, value) in range with how many rows have it, most frequent first. */
export function getEventDataFields(db: Db, scope: Scope, filters: ParsedFilters): { propertyName: string; dataType: number; value: Value; total: number }[] {
  const base = dataInScope(filters)
  const sql = `SELECT d.data_key AS propertyName, d.data_type AS dataType, ${valueSql('d')} AS value, count(*) AS total
    FROM ${base.sql}
    GROUP BY d.data_key, d.data_type, value
    ORDER BY total DESC, propertyName, value
    LIMIT 100`
  const rows = prepared(db, sql).all({ ...scopeParams(scope), ...base.params }) as {
    propertyName: string
    dataType: number
    value: Value
    total: number
  }[]
  return rows.map((row) => ({ ...row, value: propertyValue(row.dataType, row.value) }))
}

/** Property names per event name, with how many rows each has, most frequent first. */
export function getEventDataProperties(db: Db, scope: Scope, filters: ParsedFilters): { eventName: string; propertyName: string; total: number }[] {
  const base = dataInScope(filters)
  const sql = `SELECT e.event_name AS eventName, d.data_key AS propertyName, count(*) AS total
    FROM ${base.sql}
    GROUP BY e.event_name, d.data_key
    ORDER BY total DESC, eventName, propertyName
    LIMIT 500`
  return prepared(db, sql).all({ ...scopeParams(scope), ...base.params }) as {
    eventName: string
    propertyName: string
    total: number
  }[]
}

/** The values of one property of one custom event, with how many rows have each, most frequent first. */
export function getEventDataValues(
  db: Db,
  scope: Scope,
  filters: ParsedFilters,
  event: string,
  propertyName: string
): { value: Value; total: number }[] {
  const base = dataInScope(filters, { eventByName: true })
  const sql = `SELECT d.data_type AS dataType, ${valueSql('d')} AS value, count(*) AS total
    FROM ${base.sql} AND e.event_type = @customEvent AND e.event_name = @event AND d.data_key = @propertyName
    GROUP BY d.data_type, value
    ORDER BY total DESC, value
    LIMIT 100`
  const rows = prepared(db, sql).all({
    ...scopeParams(scope),
    ...base.params,
    customEvent: EVENT_TYPE.customEvent,
    event,
    propertyName
  }) as { dataType: number; value: Value; total: number }[]
  return rows.map((row) => ({ value: propertyValue(row.dataType, row.value), total: row.total }))
}

/** Events that carry properties, distinct property names, and property rows, in range. */
export function getEventDataStats(db: Db, scope: Scope, filters: ParsedFilters): { events: number; properties: number; records: number } {
  const base = dataInScope(filters)
  const sql = `SELECT count(DISTINCT d.event_id) AS events, count(DISTINCT d.data_key) AS properties, count(*) AS records
    FROM ${base.sql}`
  return prepared(db, sql).get({ ...scopeParams(scope), ...base.params }) as {
    events: number
    properties: number
    records: number
  }
}

/** A property row of an event: the session property shape plus the event it belongs to. */
export interface EventDataRow extends PropertyRow {
  event_id: number
  event_name: string | null
}

const DATA_COLUMNS = 'd.event_id, e.event_name, d.data_key, d.data_type, d.string_value, d.number_value, d.date_value, d.created_at'

/**
 * Events in range that carry properties, newest first, one page of them with all their property rows.
 * The page's event ids are bound as one JSON array, so the SQL text stays the same for every page.
 */
export function listEventData(
  db: Db,
  scope: Scope,
  filters: ParsedFilters,
  options: { limit: number; offset: number }
): { events: { eventId: number; eventName: string | null; rows: EventDataRow[] }[]; count: number } {
  const base = dataInScope(filters)
  const params = { ...scopeParams(scope), ...base.params }
  const count = prepared(db, `SELECT count(DISTINCT d.event_id) FROM ${base.sql}`).pluck().get(params) as number
  if (count === 0 || options.offset >= count) return { events: [], count }
  const page = prepared(
    db,
    `SELECT d.event_id AS eventId, e.event_name AS eventName FROM ${base.sql}
     GROUP BY d.event_id
     ORDER BY e.created_at DESC, d.event_id DESC
     LIMIT @limit OFFSET @offset`
  ).all({ ...params, limit: options.limit, offset: options.offset }) as { eventId: number; eventName: string | null }[]
  const rows = prepared(
    db,
    `SELECT ${DATA_COLUMNS} FROM event_data d JOIN website_event e ON e.event_id = d.event_id
     WHERE d.event_id IN (SELECT value FROM json_each(@ids)) AND d.website_id = @websiteId
     ORDER BY d.event_id, d.data_key`
  ).all({ ids: JSON.stringify(page.map((p) => p.eventId)), websiteId: scope.websiteId }) as EventDataRow[]
  const byEvent = new Map<number, EventDataRow[]>()
  for (const row of rows) {
    let list = byEvent.get(row.event_id)
    if (!list) byEvent.set(row.event_id, (list = []))
    list.push(row)
  }
  return { events: page.map((p) => ({ ...p, rows: byEvent.get(p.eventId) ?? [] })), count }
}

/** The property rows of one event of this website (none when the event is another website's). */
export function getEventDataById(db: Db, websiteId: number, eventId: number): EventDataRow[] {
  return prepared(
    db,
    `SELECT ${DATA_COLUMNS} FROM event_data d JOIN website_event e ON e.event_id = d.event_id
     WHERE d.event_id = @eventId AND d.website_id = @websiteId AND e.website_id = @websiteId
     ORDER BY d.data_key`
  ).all({ eventId, websiteId }) as EventDataRow[]
}
