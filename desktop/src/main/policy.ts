/**
 * Resource policy: whether the node should contribute now, and at what share of the default work. Pure: inputs are
 * the user's settings, the power state and the user's own pause; the output is what to ask the node for.
 */
import type { ShellSettings } from '../shared/bridge-types.ts'

export interface PowerState { onBattery: boolean, idleSeconds: number, locked: boolean }

export interface PolicyDecision { paused: boolean, reason: 'user' | 'battery' | 'user-active' | null, throttle: number }

export function decide (s: ShellSettings, p: PowerState, userPaused: boolean): PolicyDecision {
  if (userPaused) return { paused: true, reason: 'user', throttle: s.throttle }
  if (s.pauseOnBattery && p.onBattery) return { paused: true, reason: 'battery', throttle: s.throttle }
  // "While I use the computer": recent input and an unlocked screen mean the user is there.
  if (s.pauseWhileActive && !p.locked && p.idleSeconds < s.idleSeconds) return { paused: true, reason: 'user-active', throttle: s.throttle }
  return { paused: false, reason: null, throttle: s.throttle }
}

/** What to send to the node to go from `current` to `next` (nothing when they agree). */
export function controlsFor (current: { paused: boolean, throttle: number } | null, next: PolicyDecision): Array<{ action: 'pause' } | { action: 'resume' } | { action: 'throttle', value: number }> {
  const out: Array<{ action: 'pause' } | { action: 'resume' } | { action: 'throttle', value: number }> = []
  if (current === null || Math.abs(current.throttle - next.throttle) > 1e-9) out.push({ action: 'throttle', value: next.throttle })
  if (current === null || current.paused !== next.paused) out.push({ action: next.paused ? 'pause' : 'resume' })
  return out
}
