import { watch } from 'vue'
import type { usePrefsStore } from '../stores/prefs'

/**
 * Applies the theme preference to the page: `<html data-theme>` (which styles/main.css keys its colours
 * on) and `color-scheme` (form controls, scrollbars), following the system's scheme while the
 * preference is "system". Call once, before mounting, so the first paint is in the right colours.
 */
export function applyTheme(prefs: ReturnType<typeof usePrefsStore>): void {
  const media = typeof window.matchMedia === 'function' ? window.matchMedia('(prefers-color-scheme: dark)') : null
  if (media) {
    prefs.setSystemDark(media.matches)
    media.addEventListener('change', (event) => prefs.setSystemDark(event.matches))
  }
  watch(
    () => prefs.resolvedTheme,
    (theme) => {
      document.documentElement.dataset.theme = theme
      document.documentElement.style.colorScheme = theme
    },
    { immediate: true }
  )
}
