import { onBeforeUnmount, onMounted, ref } from 'vue'

/**
 * Runs `tick` now and then every `intervalMs` while the page is visible; a hidden tab (another tab in
 * front, a minimised window) asks the server nothing until it is shown again, when it ticks at once.
 * The next tick is timed from the end of the last, so a slow answer never piles requests up.
 * `live` says whether updates are running, for the view's indicator.
 */
export function useLivePolling(tick: () => Promise<unknown>, intervalMs: number) {
  const live = ref(false)
  let timer: ReturnType<typeof setTimeout> | undefined
  let round = 0

  function stop() {
    round++
    clearTimeout(timer)
    timer = undefined
    live.value = false
  }

  function start() {
    stop()
    live.value = true
    const mine = round
    const loop = async () => {
      await tick().catch(() => undefined)
      // A stop (or a restart) in the meantime ends this loop: only the newest one schedules.
      if (mine === round) timer = setTimeout(loop, intervalMs)
    }
    void loop()
  }

  const onVisibility = () => (document.visibilityState === 'hidden' ? stop() : start())

  onMounted(() => {
    document.addEventListener('visibilitychange', onVisibility)
    onVisibility()
  })
  onBeforeUnmount(() => {
    document.removeEventListener('visibilitychange', onVisibility)
    stop()
  })

  return { live, restart: start }
}
