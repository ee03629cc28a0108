import { onBeforeUnmount, ref, shallowRef, type Ref, type ShallowRef } from 'vue'
import type { Filters } from '../../../shared/api/types'
import { errorText, isAborted } from './useApi'

/** What every report runs over: the dashboard's range, zone and filters. */
export interface ReportContext {
  startAt: number
  endAt: number
  timezone: string
  filters: Filters
  /** Changes when the user asks for fresh numbers (Refresh), so that reports run again over the same range. */
  refreshedAt?: number
}

export interface ReportRun<T> {
  data: ShallowRef<T | null>
  loading: Ref<boolean>
  /** The failure of the last run, in words. */
  error: Ref<string | null>
  /** Whether a run has finished (with data or an error): "no results" is only said after one. */
  ran: Ref<boolean>
  run: (request: (signal: AbortSignal) => Promise<T>) => Promise<void>
}

/**
 * One report's request state. A new run cancels the one before, and a cancelled run reports nothing,
 * so a quick change of range never shows the older answer last. Leaving the view cancels too.
 */
export function useReportRun<T>(): ReportRun<T> {
  const data = shallowRef<T | null>(null)
  const loading = ref(false)
  const error = ref<string | null>(null)
  const ran = ref(false)
  let controller: AbortController | undefined

  async function run(request: (signal: AbortSignal) => Promise<T>) {
    controller?.abort()
    const current = (controller = new AbortController())
    const { signal } = current
    loading.value = true
    error.value = null
    try {
      const result = await request(signal)
      if (!signal.aborted) {
        data.value = result
        ran.value = true
      }
    } catch (e) {
      if (!signal.aborted && !isAborted(e)) {
        error.value = errorText(e)
        data.value = null
        ran.value = true
      }
    } finally {
      if (controller === current) loading.value = false
    }
  }

  onBeforeUnmount(() => controller?.abort())
  return { data, loading, error, ran, run }
}

/** The range part of a report body: epoch milliseconds, which the server takes as dates. */
export const reportRange = (context: ReportContext) => ({ startDate: context.startAt, endDate: context.endAt })

/** Filters for a report body, or none. */
export const reportFilters = (context: ReportContext) => (Object.keys(context.filters).length > 0 ? { filters: { ...context.filters } } : {})
