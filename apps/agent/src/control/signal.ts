import { PF_KTHREAD, type ProcFs } from '@vigil/procfs';
import type { CommandResult, SignalCommand } from '@vigil/schema';
import { PROTOCOL_VERSION } from '@vigil/schema';

export interface SignalGuard {
  proc: ProcFs;
  /** Boot time (Unix ms) and USER_HZ, to turn a process's start ticks into the start time the hub saw. */
  bootTimeMs: number;
  clockTicks: number;
  /** PIDs that are this agent (itself, and the hub it runs in when embedded): never signalled. */
  selfPids: ReadonlySet<number>;
}

/** How far a start time may differ before the PID is taken to belong to another process (tick rounding). */
const START_TOLERANCE_MS = 1000;

/**
 * Carries out a signal command on this host, whatever the hub says refusing PID 1 (init: signalling it can
 * bring the host down), kernel threads (they ignore most signals, and stopping one is never what a user
 * meant), and the agent itself (it would cut off its own monitoring). A PID that is gone, or that now
 * belongs to a different process than the one the hub saw, is "not_found".
 */
export function executeSignal(command: SignalCommand, guard: SignalGuard): CommandResult {
  const answer = (ok: boolean, extra: Partial<CommandResult> = {}): CommandResult => ({
    v: PROTOCOL_VERSION,
    type: 'result',
    id: command.id,
    ok,
    ...extra,
  });
  const { pid } = command;
  if (pid === 1) return answer(false, { code: 'protected', error: 'refusing to signal PID 1 (init)' });
  if (guard.selfPids.has(pid)) return answer(false, { code: 'protected', error: `refusing to signal the Vigil agent itself (PID ${pid})` });
  const stat = guard.proc.pidStat(pid);
  if (!stat) return answer(false, { code: 'not_found', error: `no process with PID ${pid}` });
  const name = stat.comm;
  if ((stat.flags & PF_KTHREAD) !== 0 || pid === 2 || stat.ppid === 2) {
    return answer(false, { name, code: 'protected', error: `refusing to signal kernel thread ${name} (PID ${pid})` });
  }
  if (command.startTime !== undefined) {
    const startTime = guard.bootTimeMs + (stat.starttime / guard.clockTicks) * 1000;
    if (Math.abs(startTime - command.startTime) > START_TOLERANCE_MS) {
      return answer(false, { name, code: 'not_found', error: `process ${pid} has exited; the PID now belongs to ${name}` });
    }
  }
  try {
    process.kill(pid, command.signal);
    return answer(true, { name });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return answer(false, { name, code: 'not_found', error: `no process with PID ${pid}` });
    if (code === 'EPERM') return answer(false, { name, code: 'permission_denied', error: `not permitted to signal ${name} (PID ${pid})` });
    return answer(false, { name, code: 'failed', error: (error as Error).message });
  }
}
