/** @vigil/agent: collects readings of its host (collect/), ships them to a hub (ship/), runs its commands (control/). */
export * from './collect/index.ts';
