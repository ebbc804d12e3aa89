export { inspectProcess } from './inspect.ts';
export { executeSignal, type SignalGuard } from './signal.ts';
