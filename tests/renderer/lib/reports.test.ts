import { describe, expect, test } from 'vitest'
import {
  defaultSettings,
  goalRows,
  journeyRows,
  kindOfSavedType,
  moveItem,
  SAVED_TYPE,
  savedParameters,
  settingsFromSaved,
  settingsProblem,
  stepLabel
} from '../../../src/renderer/src/lib/reports'

describe('saved report settings', () => {
  test('a funnel survives saving and reopening', () => {
    const funnel = {
      window: 30,
      steps: [
        { type: 'path' as const, value: '/' },
        { type: 'path' as const, value: ' /pricing ' },
        { type: 'event' as const, value: 'signup' }
      ]
    }
    const saved = savedParameters('funnel', funnel)
    expect(saved).toEqual({ window: 30, steps: [{ type: 'path', value: '/' }, { type: 'path', value: '/pricing' }, { type: 'event', value: 'signup' }] })
    // The server stores JSON and gives it back as it was.
    expect(settingsFromSaved('funnel', JSON.parse(JSON.stringify(saved)))).toEqual({ ...funnel, steps: saved.steps })
  })

  test('goals save as a list and also open from Umami’s one-goal shape and v2’s url type', () => {
    const goals = { goals: [{ type: 'event' as const, value: 'signup' }, { type: 'path' as const, value: '/thanks' }] }
    expect(settingsFromSaved('goals', savedParameters('goals', goals))).toEqual(goals)
    expect(settingsFromSaved('goals', { type: 'event', value: 'buy' })).toEqual({ goals: [{ type: 'event', value: 'buy' }] })
    expect(settingsFromSaved('goals', { goals: [{ type: 'url', value: '/x', goal: 10 }] })).toEqual({ goals: [{ type: 'path', value: '/x' }] })
  })

  test('a journey keeps only the options that were set', () => {
    const journey = { steps: 4, startStep: '/', endStep: '', eventType: null }
    expect(savedParameters('journey', journey)).toEqual({ steps: 4, startStep: '/' })
    expect(settingsFromSaved('journey', { steps: '6', eventType: 2, endStep: '/signup' })).toEqual({ steps: 6, startStep: '', endStep: '/signup', eventType: 2 })
  })

  test('parameters of the wrong shape fall back to the defaults, piece by piece', () => {
    expect(settingsFromSaved('funnel', null)).toEqual(defaultSettings('funnel'))
    expect(settingsFromSaved('funnel', { window: -5, steps: [{ type: 'path', value: '/' }] })).toEqual(defaultSettings('funnel'))
    expect(settingsFromSaved('funnel', { window: 15, steps: 'nope' }).window).toBe(15)
    expect(settingsFromSaved('journey', { steps: 12, eventType: 9 })).toEqual(defaultSettings('journey'))
    expect(settingsFromSaved('goals', { goals: [{ type: 'revenue', value: 'x' }] })).toEqual(defaultSettings('goals'))
    expect(settingsFromSaved('retention', { anything: 1 })).toEqual({})
  })

  test('maps report kinds to saved types and back', () => {
    expect(SAVED_TYPE.goals).toBe('goal')
    expect(kindOfSavedType('goal')).toBe('goals')
    expect(kindOfSavedType('goals')).toBe('goals')
    expect(kindOfSavedType('funnel')).toBe('funnel')
    expect(kindOfSavedType('revenue')).toBeNull()
  })
})

describe('settings problems', () => {
  test('say which step is missing its value', () => {
    expect(settingsProblem('funnel', defaultSettings('funnel'))).toBe('Step 2 needs a page path, such as /pricing.')
    expect(settingsProblem('goals', { goals: [{ type: 'event', value: '  ' }] })).toBe('Goal 1 needs an event name.')
  })

  test('check the number of steps and the window', () => {
    const one = { window: 60, steps: [{ type: 'path' as const, value: '/' }] }
    expect(settingsProblem('funnel', one)).toBe('A funnel has 2 to 8 steps.')
    const ok = { window: 60, steps: [...one.steps, { type: 'path' as const, value: '/b' }] }
    expect(settingsProblem('funnel', ok)).toBeNull()
    expect(settingsProblem('funnel', { ...ok, window: Number.NaN })).toMatch(/window/)
    expect(settingsProblem('journey', { ...defaultSettings('journey'), steps: 2 })).toBe('A journey has 3 to 7 steps.')
    expect(settingsProblem('journey', defaultSettings('journey'))).toBeNull()
    expect(settingsProblem('utm', {})).toBeNull()
  })
})

describe('helpers', () => {
  test('moveItem moves within the list and leaves it alone at the ends', () => {
    expect(moveItem(['a', 'b', 'c'], 2, -1)).toEqual(['a', 'c', 'b'])
    expect(moveItem(['a', 'b', 'c'], 0, 1)).toEqual(['b', 'a', 'c'])
    expect(moveItem(['a', 'b', 'c'], 0, -1)).toEqual(['a', 'b', 'c'])
    expect(moveItem(['a', 'b', 'c'], 2, 1)).toEqual(['a', 'b', 'c'])
  })

  test('stepLabel names events as events', () => {
    expect(stepLabel({ type: 'path', value: '/pricing' })).toBe('/pricing')
    expect(stepLabel({ type: 'event', value: 'signup' })).toBe('Event: signup')
  })

  test('goalRows pair goals with results and give completion ratios', () => {
    const rows = goalRows(
      [
        { type: 'path', value: '/pricing' },
        { type: 'event', value: 'signup' }
      ],
      [
        { num: 6, total: 10 },
        { num: 0, total: 0 }
      ]
    )
    expect(rows.map((r) => [r.label, r.completed, r.total, r.ratio])).toEqual([
      ['/pricing', 6, 10, 0.6],
      ['Event: signup', 0, 0, 0]
    ])
  })

  test('journeyRows drop the empty steps after a visit ended and give each its share', () => {
    const rows = journeyRows([
      { items: ['/', '/pricing', null, null], count: 3 },
      { items: ['/', null, null, null], count: 1 }
    ])
    expect(rows).toEqual([
      { steps: ['/', '/pricing'], count: 3, share: 0.75 },
      { steps: ['/'], count: 1, share: 0.25 }
    ])
  })
})
