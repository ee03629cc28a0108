/* Dashi's current tracker: the behaviour of Umami v2/v3's script.js (umami-v2.md §8), written anew. */
((window) => {
  const { screen: { width, height }, navigator, location, document, history } = window
  const script = document.currentScript
  if (!script) return

  const attr = (name) => script.getAttribute('data-' + name)
  const website = attr('website-id')
  const hostUrl = attr('host-url')
  const tag = attr('tag') || undefined
  const autoTrack = attr('auto-track') !== 'false'
  const honourDnt = attr('do-not-track') === 'true'
  const excludeSearch = attr('exclude-search') === 'true'
  const excludeHash = attr('exclude-hash') === 'true'
  const beforeSend = attr('before-send')
  const domains = (attr('domains') || '').split(',').map((d) => d.trim()).filter(Boolean)
  const root = hostUrl ? hostUrl.replace(/\/$/, '') : script.src.split('/').slice(0, -1).join('/')
  const endpoint = root + '/api/send'
  const screen = width + 'x' + height
  const language = navigator.language
  const eventAttr = 'data-umami-event'

  /** The page URL as reported: absolute, without the parts the site chose to leave out. */
  const normalize = (raw) => {
    const url = new URL(raw, location.href)
    if (excludeSearch) url.search = ''
    if (excludeHash) url.hash = ''
    return url.href
  }

  let currentUrl = normalize(location.href)
  // A referrer from the site itself is an internal navigation, not a source.
  let currentRef = document.referrer.startsWith(location.origin) ? undefined : document.referrer || undefined
  let cache
  let identity
  let stopped

  // Reading localStorage throws where storage is blocked (sandboxed frames, cookies off): no opt-out can
  // have been saved there, and the script must not break the page.
  const optedOut = () => {
    try {
      return window.localStorage.getItem('umami.disabled')
    } catch (e) {}
  }

  const doNotTrack = () => {
    const dnt = navigator.doNotTrack || window.doNotTrack || navigator.msDoNotTrack
    return dnt == 1 || dnt === 'yes'
  }

  const disabled = () =>
    stopped || !website || optedOut() || (honourDnt && doNotTrack()) || (domains.length && !domains.includes(location.hostname))

  const payload = () => ({
    website,
    screen,
    language,
    title: document.title,
    hostname: location.hostname,
    url: currentUrl,
    referrer: currentRef,
    tag,
    id: identity
  })

  const send = async (body, type = 'event') => {
    if (disabled()) return
    const hook = beforeSend && window[beforeSend]
    if (typeof hook === 'function') body = await hook(type, body)
    if (!body) return
    const headers = { 'Content-Type': 'application/json' }
    if (cache) headers['x-umami-cache'] = cache
    try {
      const res = await fetch(endpoint, { method: 'POST', body: JSON.stringify({ type, payload: body }), headers })
      const data = await res.json()
      if (data) {
        if (data.cache) cache = data.cache
        if (data.disabled) stopped = true
      }
    } catch (e) {}
  }

  const track = (name, data) =>
    send(
      typeof name === 'string'
        ? { ...payload(), name, data }
        : typeof name === 'object'
          ? { ...name }
          : typeof name === 'function'
            ? name(payload())
            : payload()
    )

  // The session id follows the distinct id, so the visit carried by the cache is dropped.
  const identify = (id, data) => {
    if (typeof id === 'string') identity = id
    cache = undefined
    return send({ ...payload(), data: typeof id === 'object' ? id : data }, 'identify')
  }

  const onClick = (e) => {
    const el = e.target.closest && e.target.closest('[' + eventAttr + ']')
    if (!el) return
    const name = el.getAttribute(eventAttr)
    const data = {}
    for (const { name: key, value } of el.attributes) {
      if (key.startsWith(eventAttr + '-')) data[key.slice(eventAttr.length + 1)] = value
    }
    const link = el.closest('a[href]')
    // A plain click on a link that opens here: hold the navigation until the event is sent (at most 2 s).
    // Not when the page handled the click itself (SPA routers), opens elsewhere or a modifier key is down.
    if (link && !e.defaultPrevented && !(link.target && link.target !== '_self') && !(e.ctrlKey || e.metaKey || e.shiftKey || e.altKey)) {
      e.preventDefault()
      let gone
      const go = () => gone || ((gone = 1), (location.href = link.href))
      track(name, data).then(go)
      setTimeout(go, 2000)
    } else {
      track(name, data)
    }
  }

  const hook = (method) => {
    const original = history[method]
    history[method] = function (state, title, url) {
      if (url) {
        const next = normalize(url)
        if (next !== currentUrl) {
          currentRef = currentUrl
          currentUrl = next
          // Let the application render (and retitle) the new page first.
          setTimeout(track, 300)
        }
      }
      return original.apply(this, arguments)
    }
  }

  if (!window.umami) window.umami = { track, identify, getSession: () => ({ cache, website }) }

  let started
  const start = () => {
    if (started || document.readyState !== 'complete') return
    started = true
    track()
    hook('pushState')
    hook('replaceState')
    document.addEventListener('click', onClick)
  }

  if (autoTrack) {
    document.addEventListener('readystatechange', start, true)
    start()
  }
})(window)
