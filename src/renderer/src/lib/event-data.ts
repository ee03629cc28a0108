import type { EventDataProperty, MetricRow, PropertyValue, PropertyValueCount } from '../../../shared/api/types'

/** The event-properties explorer: which events carry properties, which, and how often each value occurs. */

export interface EventWithProperties {
  eventName: string
  /** Property rows recorded for the event, over all its properties. */
  total: number
  properties: { propertyName: string; total: number }[]
}

/**
 * `/event-data/properties` rows (one per event and property) grouped by event: events with the most
 * property rows first, their properties likewise, ties in name order.
 */
export function eventsWithProperties(rows: readonly EventDataProperty[]): EventWithProperties[] {
  const byEvent = new Map<string, EventWithProperties>()
  for (const row of rows) {
    let event = byEvent.get(row.eventName)
    if (!event) byEvent.set(row.eventName, (event = { eventName: row.eventName, total: 0, properties: [] }))
    event.total += row.total
    event.properties.push({ propertyName: row.propertyName, total: row.total })
  }
  const order = <T extends { total: number }>(name: (item: T) => string) => (a: T, b: T) => b.total - a.total || name(a).localeCompare(name(b))
  const events = [...byEvent.values()].sort(order((e) => e.eventName))
  for (const event of events) event.properties.sort(order((p) => p.propertyName))
  return events
}

/** A property value as text: numbers as written, an empty string said as such, a missing one as "(none)". */
export function propertyValueText(value: PropertyValue): string {
  if (value === null) return '(none)'
  if (value === '') return '(empty)'
  return String(value)
}

/** Value counts as rows for a breakdown table. */
export const valueRows = (values: readonly PropertyValueCount[]): MetricRow[] => values.map((v) => ({ x: propertyValueText(v.value), y: v.total }))
