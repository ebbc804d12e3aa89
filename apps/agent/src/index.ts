/** @vigil/agent: collects readings of its host (collect/), ships them to a hub (ship/), runs its commands (control/). */
export { Agent, type AgentOptions } from './agent.ts';
export * from './collect/index.ts';
export { agentEndpoint, HubClient, type Logger } from './ship/hub-client.ts';
export { type FrameQueue, MemoryQueue } from './ship/queue.ts';
export { DEFAULT_SPOOL_LIMITS, Spool, type SpoolLimits } from './ship/spool.ts';
