/**
 * @packageDocumentation
 * The adversary simulation of packages/value (entry `@tensormesh/value/sim`, kept apart from the pure scoring core
 * because it trains real models through packages/learn and runs Yuma through packages/yuma).
 *
 * @example
 * ```ts
 * import { learnEngine, runSimulation, DEFAULT_SIM_CONFIG } from '@tensormesh/value/sim'
 *
 * const engine = await learnEngine({ aggregation: { rule: 'centred-clipping' } })
 * const result = await runSimulation(engine, {
 *   ...DEFAULT_SIM_CONFIG,
 *   miners: ['honest', 'honest', 'honest', 'honest', 'honest', 'free-rider', 'noise', 'copier', 'poisoner', 'stale', 'lie', 'lazy'],
 * }, (r) => console.log(r.round, r.rank, r.adversaryShare))
 * engine.dispose()
 * ```
 */
export { learnEngine } from './engine.ts'
export type { LearnEngineOptions, SimEngine } from './engine.ts'
export { YumaSubnet } from './consensus.ts'
export type { ConsensusView } from './consensus.ts'
export { ADVERSARY_KINDS, DEFAULT_SIM_CONFIG, runSimulation } from './harness.ts'
export type { MinerKind, RoundReport, SimConfig, SimResult } from './harness.ts'
