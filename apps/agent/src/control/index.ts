export { executeSignal, type SignalGuard } from './signal.ts';
