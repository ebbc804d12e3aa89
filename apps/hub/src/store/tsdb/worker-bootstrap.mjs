// Runs the history thread from the TypeScript sources (tests, `node --import tsx`): registers tsx in this worker,
// then runs the module the hub named. The built `vigil` runs its own bundle instead (apps/cli/src/main.ts).
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { runHistoryWorker } = await import(workerData.module);
runHistoryWorker();
