import type { Filters, GoalResult, Journey, ReportStep, UtmKey } from '../../../shared/api/types'

/**
 * The reports the dashboard offers, their settings, and how those settings travel in a saved report.
 * Settings are what a user chooses (steps, window, goals…); the dates are not part of them: a report
 * always runs over the dashboard's range, so a saved report is a question to ask again of any period.
 *
 * Saved parameters may come from any client of the server (Umami's own UI, an API script), so reading
 * them never trusts their shape: what does not fit is replaced by the default.
 */

export const REPORT_KINDS = ['funnel', 'retention', 'goals', 'journey', 'utm'] as const
export type ReportKind = (typeof REPORT_KINDS)[number]

export const REPORT_INFO: Record<ReportKind, { title: string; description: string }> = {
  funnel: { title: 'Funnel', description: 'How many visitors go through a series of pages or events, in order, and where they drop off.' },
  retention: { title: 'Retention', description: 'How many visitors come back on the days after their first visit.' },
  goals: { title: 'Goals', description: 'How many visitors reached each goal: a page viewed or an event done.' },
  journey: { title: 'Journey', description: 'The most common paths visitors take through the site.' },
  utm: { title: 'UTM', description: 'Views by campaign parameters: source, medium, campaign, content and term.' }
}

export const isReportKind = (value: unknown): value is ReportKind => REPORT_KINDS.includes(value as ReportKind)

/** The `type` a saved report of this kind has on the server (Umami v3 names). */
export const SAVED_TYPE: Record<ReportKind, string> = { funnel: 'funnel', retention: 'retention', goals: 'goal', journey: 'journey', utm: 'utm' }

/** The kind that opens a saved report of `type`, or null for types this dashboard does not run (revenue, attribution…). */
export function kindOfSavedType(type: string): ReportKind | null {
  if (type === 'goal' || type === 'goals') return 'goals'
  return isReportKind(type) ? type : null
}

export const FUNNEL_LIMITS = { minSteps: 2, maxSteps: 8, defaultWindow: 60, maxWindow: 366 * 24 * 60 } as const
export const GOAL_LIMITS = { minGoals: 1, maxGoals: 10 } as const
export const JOURNEY_LIMITS = { minSteps: 3, maxSteps: 7, defaultSteps: 5 } as const
/** As the server allows for a step's value. */
export const STEP_VALUE_MAX = 500

export interface FunnelSettings {
  /** Minutes a visitor may take from one step to the next. */
  window: number
  steps: ReportStep[]
}

export interface GoalsSettings {
  goals: ReportStep[]
}

/** Journey event types as the server numbers them: 1 views only, 2 custom events only. */
export type JourneyEventType = 1 | 2

export interface JourneySettings {
  steps: number
  /** '' for any. */
  startStep: string
  endStep: string
  eventType: JourneyEventType | null
}

export interface ReportSettings {
  funnel: FunnelSettings
  retention: Record<string, never>
  goals: GoalsSettings
  journey: JourneySettings
  utm: Record<string, never>
}

export function defaultSettings<K extends ReportKind>(kind: K): ReportSettings[K] {
  const defaults: ReportSettings = {
    funnel: {
      window: FUNNEL_LIMITS.defaultWindow,
      steps: [
        { type: 'path', value: '/' },
        { type: 'path', value: '' }
      ]
    },
    retention: {},
    goals: { goals: [{ type: 'path', value: '' }] },
    journey: { steps: JOURNEY_LIMITS.defaultSteps, startStep: '', endStep: '', eventType: null },
    utm: {}
  }
  return defaults[kind]
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

/** A step from saved JSON; v2 saved goals call a path step `url`. */
function stepFrom(value: unknown): ReportStep | null {
  if (!isObject(value) || typeof value.value !== 'string') return null
  const type = value.type === 'url' ? 'path' : value.type
  if (type !== 'path' && type !== 'event') return null
  return { type, value: value.value.slice(0, STEP_VALUE_MAX) }
}

function stepsFrom(value: unknown, max: number): ReportStep[] {
  if (!Array.isArray(value)) return []
  return value
    .map(stepFrom)
    .filter((s): s is ReportStep => s !== null)
    .slice(0, max)
}

function wholeIn(value: unknown, min: number, max: number): number | null {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
  return typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max ? n : null
}

/** The settings a saved report's parameters describe, with the default wherever they do not fit. */
export function settingsFromSaved<K extends ReportKind>(kind: K, parameters: unknown): ReportSettings[K] {
  const p = isObject(parameters) ? parameters : {}
  const fallback = defaultSettings(kind)
  switch (kind) {
    case 'funnel': {
      const base = fallback as FunnelSettings
      const steps = stepsFrom(p.steps, FUNNEL_LIMITS.maxSteps)
      const window = typeof p.window === 'number' || typeof p.window === 'string' ? Number(p.window) : NaN
      return {
        window: window > 0 && window <= FUNNEL_LIMITS.maxWindow ? window : base.window,
        steps: steps.length >= FUNNEL_LIMITS.minSteps ? steps : base.steps
      } satisfies FunnelSettings as ReportSettings[K]
    }
    case 'goals': {
      // Ours: {goals: [...]}; Umami v3 saves one goal as {type, value}.
      const goals = Array.isArray(p.goals) ? stepsFrom(p.goals, GOAL_LIMITS.maxGoals) : [stepFrom(p)].filter((s): s is ReportStep => s !== null)
      return { goals: goals.length > 0 ? goals : (fallback as GoalsSettings).goals } satisfies GoalsSettings as ReportSettings[K]
    }
    case 'journey': {
      const base = fallback as JourneySettings
      const text = (value: unknown) => (typeof value === 'string' ? value.slice(0, STEP_VALUE_MAX) : '')
      const eventType = wholeIn(p.eventType, 1, 2)
      return {
        steps: wholeIn(p.steps, JOURNEY_LIMITS.minSteps, JOURNEY_LIMITS.maxSteps) ?? base.steps,
        startStep: text(p.startStep),
        endStep: text(p.endStep),
        eventType: eventType === 1 || eventType === 2 ? eventType : null
      } satisfies JourneySettings as ReportSettings[K]
    }
    default:
      return fallback
  }
}

/** What a saved report stores for these settings (the server keeps it as JSON and gives it back as it was). */
export function savedParameters<K extends ReportKind>(kind: K, settings: ReportSettings[K]): Record<string, unknown> {
  switch (kind) {
    case 'funnel': {
      const s = settings as FunnelSettings
      return { window: s.window, steps: s.steps.map(({ type, value }) => ({ type, value: value.trim() })) }
    }
    case 'goals': {
      const s = settings as GoalsSettings
      return { goals: s.goals.map(({ type, value }) => ({ type, value: value.trim() })) }
    }
    case 'journey': {
      const s = settings as JourneySettings
      const out: Record<string, unknown> = { steps: s.steps }
      if (s.startStep.trim()) out.startStep = s.startStep.trim()
      if (s.endStep.trim()) out.endStep = s.endStep.trim()
      if (s.eventType !== null) out.eventType = s.eventType
      return out
    }
    default:
      return {}
  }
}

function stepProblem(step: ReportStep, what: string): string | null {
  const value = step.value.trim()
  if (value === '') return `${what} needs ${step.type === 'path' ? 'a page path, such as /pricing' : 'an event name'}.`
  if (value.length > STEP_VALUE_MAX) return `${what} is longer than ${STEP_VALUE_MAX} characters.`
  return null
}

/** What keeps these settings from running, in words; null when they can run. */
export function settingsProblem<K extends ReportKind>(kind: K, settings: ReportSettings[K]): string | null {
  switch (kind) {
    case 'funnel': {
      const s = settings as FunnelSettings
      if (s.steps.length < FUNNEL_LIMITS.minSteps || s.steps.length > FUNNEL_LIMITS.maxSteps) {
        return `A funnel has ${FUNNEL_LIMITS.minSteps} to ${FUNNEL_LIMITS.maxSteps} steps.`
      }
      for (const [i, step] of s.steps.entries()) {
        const problem = stepProblem(step, `Step ${i + 1}`)
        if (problem) return problem
      }
      if (!(Number.isFinite(s.window) && s.window > 0 && s.window <= FUNNEL_LIMITS.maxWindow)) {
        return `The window is a number of minutes, more than 0 and at most ${FUNNEL_LIMITS.maxWindow} (a year).`
      }
      return null
    }
    case 'goals': {
      const s = settings as GoalsSettings
      if (s.goals.length < GOAL_LIMITS.minGoals) return 'Add a goal: a page or an event.'
      if (s.goals.length > GOAL_LIMITS.maxGoals) return `At most ${GOAL_LIMITS.maxGoals} goals.`
      for (const [i, goal] of s.goals.entries()) {
        const problem = stepProblem(goal, `Goal ${i + 1}`)
        if (problem) return problem
      }
      return null
    }
    case 'journey': {
      const s = settings as JourneySettings
      if (!Number.isInteger(s.steps) || s.steps < JOURNEY_LIMITS.minSteps || s.steps > JOURNEY_LIMITS.maxSteps) {
        return `A journey has ${JOURNEY_LIMITS.minSteps} to ${JOURNEY_LIMITS.maxSteps} steps.`
      }
      if (s.startStep.length > STEP_VALUE_MAX || s.endStep.length > STEP_VALUE_MAX) return `Start and end steps are at most ${STEP_VALUE_MAX} characters.`
      return null
    }
    default:
      return null
  }
}

/** A copy of `list` with the item at `index` moved by `delta` places; unchanged when it would leave the list. */
export function moveItem<T>(list: readonly T[], index: number, delta: number): T[] {
  const to = index + delta
  if (index < 0 || index >= list.length || to < 0 || to >= list.length) return [...list]
  const next = [...list]
  const [item] = next.splice(index, 1)
  next.splice(to, 0, item!)
  return next
}

/** How a step reads: a path as it is, an event by its name. */
export function stepLabel(step: ReportStep): string {
  return step.type === 'event' ? `Event: ${step.value}` : step.value
}

export interface GoalRow {
  goal: ReportStep
  label: string
  /** Visitors who reached the goal. */
  completed: number
  /** Visitors in the period. */
  total: number
  /** completed / total, 0 when there were no visitors. */
  ratio: number
}

/** Goals with their results, in the order given. */
export function goalRows(goals: readonly ReportStep[], results: readonly GoalResult[]): GoalRow[] {
  return goals.map((goal, i) => {
    const result = results[i] ?? { num: 0, total: 0 }
    return { goal, label: stepLabel(goal), completed: result.num, total: result.total, ratio: result.total > 0 ? result.num / result.total : 0 }
  })
}

export interface JourneyRow {
  /** The steps the visits took; a visit that ended early has fewer. */
  steps: string[]
  count: number
  /** Share of the visits listed. */
  share: number
}

/** Journeys as rows of steps: the nulls after a visit's last step are dropped. */
export function journeyRows(journeys: readonly Journey[]): JourneyRow[] {
  const total = journeys.reduce((sum, j) => sum + j.count, 0)
  return journeys.map((journey) => {
    const steps: string[] = []
    for (const item of journey.items) {
      if (item === null) break
      steps.push(item)
    }
    return { steps, count: journey.count, share: total > 0 ? journey.count / total : 0 }
  })
}

export const UTM_TABLES: { key: UtmKey; title: string; column: string }[] = [
  { key: 'utm_source', title: 'Sources', column: 'Source' },
  { key: 'utm_medium', title: 'Media', column: 'Medium' },
  { key: 'utm_campaign', title: 'Campaigns', column: 'Campaign' },
  { key: 'utm_content', title: 'Content', column: 'Content' },
  { key: 'utm_term', title: 'Terms', column: 'Term' }
]

/** What every report runs over: the dashboard's range, zone and filters. */
export interface ReportContext {
  startAt: number
  endAt: number
  timezone: string
  filters: Filters
  /** Changes when the user asks for fresh numbers (Refresh), so that reports run again over the same range. */
  refreshedAt?: number
}

/** The range part of a report body: epoch milliseconds, which the server takes as dates. */
export const reportRange = (context: ReportContext) => ({ startDate: context.startAt, endDate: context.endAt })

/** Filters for a report body, or none. */
export const reportFilters = (context: ReportContext) => (Object.keys(context.filters).length > 0 ? { filters: { ...context.filters } } : {})
