import { onBeforeUnmount, ref } from 'vue'

/**
 * Copies text and remembers, for a moment, which item was copied (for a "Copied" label). The Clipboard
 * API needs a secure context (http://127.0.0.1 is one, a LAN address is not); elsewhere a hidden
 * textarea and execCommand do it. `error` says in words when neither could.
 */
export function useClipboard(resetMs = 2000) {
  const copied = ref<string | null>(null)
  const error = ref<string | null>(null)
  let timer: ReturnType<typeof setTimeout> | undefined

  function fallbackCopy(text: string): boolean {
    const area = document.createElement('textarea')
    area.value = text
    area.setAttribute('readonly', '')
    area.style.position = 'fixed'
    area.style.opacity = '0'
    document.body.appendChild(area)
    area.select()
    try {
      return document.execCommand('copy')
    } finally {
      area.remove()
    }
  }

  async function copy(text: string, key = 'default'): Promise<boolean> {
    error.value = null
    let ok = false
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(text)
        ok = true
      } else {
        ok = fallbackCopy(text)
      }
    } catch {
      ok = fallbackCopy(text)
    }
    if (!ok) {
      error.value = 'This browser did not allow copying: select the text and copy it by hand.'
      return false
    }
    copied.value = key
    clearTimeout(timer)
    timer = setTimeout(() => (copied.value = null), resetMs)
    return true
  }

  onBeforeUnmount(() => clearTimeout(timer))
  return { copy, copied, error }
}
