import { onBeforeUnmount, ref } from 'vue'

/**
 * Page and search text of a paged list. Typing waits for a pause before it asks again (`onSearch`),
 * and a new search starts at the first page; `load` is the list's own request, called with both.
 */
export function usePagedSearch(load: (query: { page: number; search: string | undefined }) => unknown, delayMs = 250) {
  const page = ref(1)
  const search = ref('')
  let timer: ReturnType<typeof setTimeout> | undefined

  const reload = () => load({ page: page.value, search: search.value.trim() || undefined })

  /** Loads the first page again (a new search, range or filter). */
  function first() {
    clearTimeout(timer)
    page.value = 1
    return reload()
  }

  function goTo(next: number) {
    page.value = next
    return reload()
  }

  function onSearch() {
    clearTimeout(timer)
    timer = setTimeout(first, delayMs)
  }

  onBeforeUnmount(() => clearTimeout(timer))
  return { page, search, reload, first, goTo, onSearch }
}
