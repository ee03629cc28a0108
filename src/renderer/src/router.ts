import type { Pinia } from 'pinia'
import { createRouter, createWebHistory, type RouterHistory, type RouteRecordRaw } from 'vue-router'
import { loginGuard } from './stores/auth'
import { profilesGuard } from './stores/profiles'
import { syncDashboardWithRouter, useDashboardStore } from './stores/dashboard'

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without a login. */
    public?: boolean
    /** The shell around the view: the app bar (default), none (login), or the read-only share bar. */
    layout?: 'app' | 'bare' | 'share'
    /** The dashboard's range, unit and filters live in this route's query (stores/dashboard.ts). */
    dashboard?: boolean
    title?: string
  }
}

export const routes: RouteRecordRaw[] = [
  { path: '/', redirect: '/websites' },
  { path: '/login', name: 'login', component: () => import('./views/LoginView.vue'), meta: { public: true, layout: 'bare', title: 'Log in' } },
  { path: '/websites', name: 'websites', component: () => import('./views/WebsitesView.vue'), meta: { title: 'Websites' } },
  {
    path: '/websites/:websiteId',
    name: 'website',
    component: () => import('./views/OverviewView.vue'),
    props: true,
    meta: { dashboard: true, title: 'Overview' }
  },
  {
    path: '/websites/:websiteId/realtime',
    name: 'website-realtime',
    component: () => import('./views/RealtimeView.vue'),
    props: true,
    meta: { title: 'Realtime' }
  },
  {
    path: '/websites/:websiteId/sessions',
    name: 'website-sessions',
    component: () => import('./views/SessionsView.vue'),
    props: true,
    meta: { dashboard: true, title: 'Sessions' }
  },
  {
    path: '/websites/:websiteId/sessions/:sessionId',
    name: 'website-session',
    component: () => import('./views/SessionView.vue'),
    props: true,
    meta: { dashboard: true, title: 'Session' }
  },
  {
    path: '/websites/:websiteId/events',
    name: 'website-events',
    component: () => import('./views/EventsView.vue'),
    props: true,
    meta: { dashboard: true, title: 'Events' }
  },
  {
    path: '/websites/:websiteId/settings',
    name: 'website-settings',
    component: () => import('./views/WebsiteSettingsView.vue'),
    props: true,
    meta: { title: 'Website settings' }
  },
  {
    path: '/websites/:websiteId/reports',
    name: 'website-reports',
    component: () => import('./views/ReportsView.vue'),
    props: true,
    meta: { dashboard: true, title: 'Reports' }
  },
  {
    path: '/share/:shareId',
    name: 'share',
    component: () => import('./views/ShareView.vue'),
    props: true,
    meta: { public: true, layout: 'share', dashboard: true, title: 'Shared dashboard' }
  },
  { path: '/settings', name: 'settings', component: () => import('./views/SettingsView.vue'), meta: { title: 'Settings' } },
  { path: '/settings/profiles', name: 'settings-profiles', component: () => import('./views/ProfilesView.vue'), meta: { title: 'Profiles' } },
  { path: '/inspector', name: 'inspector', component: () => import('./views/InspectorView.vue'), meta: { title: 'Hit inspector' } },
  { path: '/:pathMatch(.*)*', name: 'not-found', component: () => import('./views/NotFoundView.vue'), meta: { public: true, title: 'Not found' } }
]

export function createAppRouter(pinia: Pinia, history: RouterHistory = createWebHistory('/')) {
  const router = createRouter({ history, routes, scrollBehavior: (_to, _from, saved) => saved ?? { top: 0 } })
  router.beforeEach(loginGuard(pinia))
  router.beforeEach(profilesGuard(pinia))
  router.afterEach((to) => {
    if (typeof document !== 'undefined') document.title = to.meta.title ? `${to.meta.title} · Dashi` : 'Dashi'
  })
  syncDashboardWithRouter(router, useDashboardStore(pinia))
  return router
}
