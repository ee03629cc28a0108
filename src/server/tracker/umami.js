/* Dashi's classic tracker: the behaviour of Umami v1's umami.js (umami-v1.md §7), written anew. */
((window) => {
  const {
    screen: { width, height },
    navigator: { language },
    location,
    document,
    history
  } = window
  const { hostname, pathname, search } = location
  const script = document.currentScript
  if (!script) return

  const attr = (name) => script.getAttribute(name)
  const website = attr('data-website-id')
  const hostUrl = attr('data-host-url')
  const autoTrack = attr('data-auto-track') !== 'false'
  const dntAttr = attr('data-do-not-track')
  const cssEvents = attr('data-css-events') !== 'false'
  const domain = attr('data-domains') || ''
  const domains = domain.split(',').map((d) => d.trim())
  const root = hostUrl ? hostUrl.replace(/\/$/, '') : script.src.split('/').slice(0, -1).join('/')
  const endpoint = root + '/api/collect'
  const screen = width + 'x' + height
  const eventClass = /^umami--([a-z]+)--([\w]+[\w-]*)$/
  const listeners = {}

  let currentUrl = pathname + search
  let currentRef = document.referrer
  let cache

  const doNotTrack = () => {
    const { doNotTrack: dnt1, navigator: nav, external } = window
    const msProtection = () => external && external.msTrackingProtectionEnabled && external.msTrackingProtectionEnabled()
    const dnt = dnt1 || nav.doNotTrack || nav.msDoNotTrack || msProtection()
    return dnt == 1 || dnt === 'yes'
  }

  // Reading localStorage throws where storage is blocked (sandboxed frames, cookies turned off): no opt-out
  // can have been saved there, and the script must not break the page.
  const optedOut = () => {
    try {
      return window.localStorage.getItem('umami.disabled')
    } catch (e) {}
  }

  const disabled = () => optedOut() || (dntAttr && doNotTrack()) || (domain && !domains.includes(hostname))

  const collect = (type, payload) => {
    if (disabled()) return
    const headers = { 'Content-Type': 'application/json' }
    if (cache) headers['x-umami-cache'] = cache
    return fetch(endpoint, { method: 'POST', body: JSON.stringify({ type, payload }), headers })
      .then((res) => (res.ok ? res.text() : cache))
      .then((text) => {
        if (text && text[0] !== '{') cache = text
      })
  }

  const base = (websiteUuid, url) => ({ website: websiteUuid, hostname, screen, language, url })

  const trackView = (url = currentUrl, referrer = currentRef, websiteUuid = website) =>
    collect('pageview', { ...base(websiteUuid, url), referrer })

  const trackEvent = (eventName, eventData, url = currentUrl, websiteUuid = website) =>
    collect('event', { ...base(websiteUuid, url), event_name: eventName, event_data: eventData })

  const addEvent = (element) => {
    ;(element.getAttribute('class') || '').split(' ').forEach((className) => {
      const match = eventClass.exec(className)
      if (!match) return
      const [, event, name] = match
      const listener =
        listeners[className] ||
        (listeners[className] = (e) => {
          const el = e.currentTarget
          const href = el.getAttribute('href')
          if (
            event === 'click' &&
            el.tagName === 'A' &&
            !(e.ctrlKey || e.shiftKey || e.metaKey || e.button === 1 || el.getAttribute('target'))
          ) {
            e.preventDefault()
            const go = () => {
              if (href) location.href = href
            }
            const sent = trackEvent(name)
            sent ? sent.then(go, go) : go()
          } else {
            trackEvent(name)
          }
        })
      element.addEventListener(event, listener, true)
    })
  }

  const addEvents = (node) => {
    if (node.getAttribute) addEvent(node)
    if (node.querySelectorAll) node.querySelectorAll("[class*='umami--']").forEach(addEvent)
  }

  const onNavigate = (state, title, url) => {
    if (!url) return
    currentRef = currentUrl
    const next = url.toString()
    currentUrl = next.substring(0, 4) === 'http' ? '/' + next.split('/').splice(3).join('/') : next
    if (currentUrl !== currentRef) trackView()
  }

  const hook = (method) => {
    const original = history[method]
    history[method] = function (...args) {
      onNavigate(...args)
      return original.apply(this, args)
    }
  }

  if (!window.umami) {
    const umami = (eventName) => trackEvent(eventName)
    umami.trackView = trackView
    umami.trackEvent = trackEvent
    window.umami = umami
  }

  if (autoTrack && !disabled()) {
    hook('pushState')
    hook('replaceState')
    const start = () => {
      if (document.readyState !== 'complete') return
      trackView()
      if (cssEvents) {
        addEvents(document)
        new MutationObserver((mutations) =>
          mutations.forEach((m) => m.addedNodes.forEach((n) => n.nodeType === 1 && addEvents(n)))
        ).observe(document, { childList: true, subtree: true })
      }
    }
    document.addEventListener('readystatechange', start, true)
    start()
  }
})(window)
