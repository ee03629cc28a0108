/** Retention choices are whole months, up to ten years. */
export const MAX_RETENTION_MONTHS = 120

/**
 * The instant `months` calendar months (UTC) before `now`, the day clamped to the target month's length:
 * what a purge deletes before (src/server/housekeeping.ts), and the date the dashboard's confirmation names.
 */
export function retentionCutoff(now: number, months: number): number {
  const d = new Date(now)
  const monthIndex = d.getUTCMonth() - months
  const lastDay = new Date(Date.UTC(d.getUTCFullYear(), monthIndex + 1, 0)).getUTCDate()
  return Date.UTC(d.getUTCFullYear(), monthIndex, Math.min(d.getUTCDate(), lastDay), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds())
}
