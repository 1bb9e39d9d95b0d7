/** The tray's tooltip and menu from the node's state. Pure. */
import type { StatusResponse } from '../shared/bridge-types.ts'
import type { TrayState } from './adapter.ts'
import type { PolicyDecision } from './policy.ts'

export function trayState (s: StatusResponse | null, decision: PolicyDecision | null, nodeError: string | null): TrayState {
  const status = nodeError !== null ? `node stopped: ${nodeError}`
    : s === null ? 'starting…'
      : decision?.paused === true ? `paused (${decision.reason === 'battery' ? 'on battery' : decision.reason === 'user-active' ? 'you are using the computer' : 'by you'})`
        : `round ${s.round} · ${s.contribution.samples} samples · ${Math.round(s.throttle * 100)} %`
  const userPaused = decision?.reason === 'user'
  return {
    tooltip: `TensorMesh — ${status}`,
    items: [
      { id: 'status', label: status, enabled: false },
      { id: userPaused ? 'resume' : 'pause', label: userPaused ? 'Resume contributing' : 'Pause contributing', enabled: s !== null },
      { id: 'open', label: 'Open TensorMesh', enabled: true },
      { id: 'quit', label: 'Quit', enabled: true },
    ],
  }
}
