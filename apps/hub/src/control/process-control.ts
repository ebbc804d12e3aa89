import { type CommandResult, type ProcessAction, type ProcessDetail, SIGNAL_OF_ACTION } from '@vigil/schema';
import type { Principal } from '../auth/service.ts';
import { VigilError } from '../errors.ts';
import { CommandTimeout, HostOffline, type Ingest } from '../ingest/index.ts';
import type { AuditStore } from '../store/index.ts';

type User = Extract<Principal, { type: 'user' }>;

/** Turns an agent's refusal into the API's error. */
function refusal(result: CommandResult, pid: number): VigilError {
  const detail = result.error ?? `the agent refused (${result.code ?? 'unknown reason'})`;
  switch (result.code) {
    case 'not_found':
      return new VigilError('VIGIL_ERR_PROCESS_NOT_FOUND', detail, { pid });
    case 'protected':
      return new VigilError('VIGIL_ERR_PROTECTED_PROCESS', detail, { pid });
    case 'permission_denied':
      return new VigilError('VIGIL_ERR_FORBIDDEN', `${detail} (the agent lacks the privileges)`, { pid });
    default:
      return new VigilError('VIGIL_ERR_INTERNAL', detail, { pid });
  }
}

async function ask<T>(hostId: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof HostOffline)
      throw new VigilError('VIGIL_ERR_HOST_OFFLINE', `host ${hostId} is offline: its agent is not connected`);
    if (error instanceof CommandTimeout) throw new VigilError('VIGIL_ERR_AGENT_TIMEOUT', error.message);
    throw error;
  }
}

/**
 * Process control end to end: the API's request goes to the host's agent, which signals the process (or
 * refuses: PID 1, kernel threads, itself, a PID that is gone); every attempt, refused ones included, is
 * written to the audit log with who, when, host, pid, name, action and result.
 */
export class ProcessControl {
  constructor(
    private readonly ingest: Ingest,
    private readonly audit: AuditStore,
  ) {}

  async signal(
    user: User,
    hostId: string,
    pid: number,
    action: ProcessAction,
  ): Promise<{ pid: number; name: string | null; action: ProcessAction; signal: string }> {
    const signal = SIGNAL_OF_ACTION[action];
    const host = this.ingest.live.get(hostId);
    if (!host) throw new VigilError('VIGIL_ERR_HOST_NOT_FOUND', `no host "${hostId}"`);
    // The start time the hub saw guards against a PID reused since the user looked at the list.
    const seen = host.latest?.processes.find((p) => p.pid === pid);
    let result: CommandResult;
    try {
      result = await ask(hostId, () =>
        this.ingest.command(hostId, { kind: 'signal', pid, signal, ...(seen ? { startTime: seen.startTime } : {}) }),
      );
    } catch (error) {
      this.record(user, hostId, pid, seen?.name ?? null, action, signal, false, (error as Error).message);
      throw error;
    }
    const name = result.name ?? seen?.name ?? null;
    this.record(user, hostId, pid, name, action, signal, result.ok, result.ok ? 'done' : (result.error ?? result.code ?? 'refused'));
    if (!result.ok) throw refusal(result, pid);
    return { pid, name, action, signal };
  }

  /** Audits an attempt refused before it reached the agent (a role too low), and refuses it. */
  refuseForRole(user: User, hostId: string, pid: number, action: string): never {
    const detail = `needs the operator role; ${user.name} is ${user.role}`;
    if (Number.isInteger(pid) && pid > 0) {
      const name = this.ingest.live.get(hostId)?.latest?.processes.find((p) => p.pid === pid)?.name ?? null;
      const signal = SIGNAL_OF_ACTION[action as ProcessAction] ?? 'none';
      this.record(user, hostId, pid, name, action, signal, false, `refused: ${detail}`);
    }
    throw new VigilError('VIGIL_ERR_FORBIDDEN', detail);
  }

  /** A process's details from its agent (threads, open files, children). */
  async inspect(hostId: string, pid: number): Promise<ProcessDetail> {
    if (!this.ingest.live.get(hostId)) throw new VigilError('VIGIL_ERR_HOST_NOT_FOUND', `no host "${hostId}"`);
    const result = await ask(hostId, () => this.ingest.command(hostId, { kind: 'inspect', pid }));
    if (!result.ok || !result.detail) throw refusal(result, pid);
    return result.detail;
  }

  private record(
    user: User,
    hostId: string,
    pid: number,
    processName: string | null,
    action: string,
    signal: string,
    ok: boolean,
    result: string,
  ): void {
    this.audit.append({ at: Date.now(), actor: user.name, actorRole: user.role, hostId, pid, processName, action, signal, ok, result });
  }
}
