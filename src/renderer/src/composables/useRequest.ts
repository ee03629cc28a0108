import { onScopeDispose, ref, shallowRef, watch, type Ref, type ShallowRef } from 'vue'
import { errorText, isAborted } from './useApi'

export interface Request<T> {
  /** The last answer; kept through a failed refresh, so a panel shows the error beside what it had. */
  data: ShallowRef<T | null>
  loading: Ref<boolean>
  /** The failure of the last run, in words. */
  error: Ref<string | null>
  /** Whether a run has finished (with data or an error): "no results" is only said after one. */
  ran: Ref<boolean>
  run: (request: (signal: AbortSignal) => Promise<T>) => Promise<void>
}

/**
 * One panel's request state. A new run cancels the one before, and a cancelled run reports nothing,
 * so a quick change of range never shows the older answer last. Leaving the view cancels too. A
 * failed run keeps the data of the last good one (a live feed does not empty on one failed poll).
 */
export function useRequest<T>(): Request<T> {
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
    try {
      const result = await request(signal)
      if (!signal.aborted) {
        data.value = result
        error.value = null
        ran.value = true
      }
    } catch (e) {
      if (!signal.aborted && !isAborted(e)) {
        error.value = errorText(e)
        ran.value = true
      }
    } finally {
      if (controller === current) loading.value = false
    }
  }

  // A component's scope ends when it unmounts.
  onScopeDispose(() => controller?.abort())
  return { data, loading, error, ran, run }
}

/**
 * Calls `load` now and whenever the request described by `key` changes. The key is compared as JSON
 * text: a getter returning a fresh array or object would count as changed on every recomputation of
 * anything it reads (the store rebuilds `query` on unrelated changes) and send the same request again.
 */
export function watchRequest(key: () => unknown, load: () => unknown): void {
  watch(() => JSON.stringify(key()), () => void load(), { immediate: true })
}
