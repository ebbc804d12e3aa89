import { execFileSync } from 'node:child_process';

/**
 * Test hosts in network namespaces of their own (ip-netns(8)), each joined to the root namespace by a veth
 * pair on a /30 of 10.203.0.0/24: the root side is where the host reaches the hub, the namespace side is the
 * host's own address. Cutting a host takes the root side of its link down, as a pulled cable would: packets
 * are dropped, no connection is told.
 */
export interface NetnsHost {
  /** The namespace (`ip netns exec NAME ...`). */
  ns: string;
  /** The root namespace's end of the link, and its address: the hub as this host reaches it. */
  rootLink: string;
  rootAddress: string;
  /** The host's end of the link (inside the namespace), and its address. */
  hostLink: string;
  hostAddress: string;
}

/** Namespaces made here are named PREFIX-<pid of the test process>-<n>, so leftovers of a crashed run are recognised. */
const PREFIX = 'vigil-e2e';
const SUBNET = '10.203.0';

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the namespaces (and with them their veth pairs) left by test processes that no longer run. */
export function removeStaleNamespaces(): void {
  let list = '';
  try {
    list = ip('netns', 'list');
  } catch {
    return;
  }
  for (const line of list.split('\n')) {
    const m = new RegExp(`^(${PREFIX}-(\\d+)-\\d+)`).exec(line);
    if (m && !alive(Number(m[2]))) {
      try {
        ip('netns', 'del', m[1] as string);
      } catch {}
    }
  }
}

/** Null when namespaces can be made here, else why not (no `ip`, no permission...). Leaves nothing behind. */
export function netnsUnavailable(): string | null {
  const probe = `${PREFIX}-${process.pid}-probe`;
  try {
    ip('netns', 'add', probe);
    ip('netns', 'del', probe);
    return null;
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    return (e.stderr || e.message).trim().split('\n')[0] ?? 'unknown error';
  }
}

/** Makes host number `n` (1 to 63): its namespace, its link, up, with addresses. */
export function createNetnsHost(n: number): NetnsHost {
  const host: NetnsHost = {
    ns: `${PREFIX}-${process.pid}-${n}`,
    // Interface names are at most 15 characters (IFNAMSIZ).
    rootLink: `vr${process.pid}-${n}`,
    rootAddress: `${SUBNET}.${4 * (n - 1) + 1}`,
    hostLink: `vh${process.pid}-${n}`,
    hostAddress: `${SUBNET}.${4 * (n - 1) + 2}`,
  };
  try {
    ip('netns', 'add', host.ns);
    ip('link', 'add', host.rootLink, 'type', 'veth', 'peer', 'name', host.hostLink, 'netns', host.ns);
    ip('addr', 'add', `${host.rootAddress}/30`, 'dev', host.rootLink);
    ip('link', 'set', host.rootLink, 'up');
    ip('-n', host.ns, 'addr', 'add', `${host.hostAddress}/30`, 'dev', host.hostLink);
    ip('-n', host.ns, 'link', 'set', host.hostLink, 'up');
    ip('-n', host.ns, 'link', 'set', 'lo', 'up');
  } catch (error) {
    removeNetnsHost(host);
    throw error;
  }
  return host;
}

/** Takes the host's link down (true) or up again (false), from the root namespace's side. */
export function setLinkDown(host: NetnsHost, down: boolean): void {
  ip('link', 'set', host.rootLink, down ? 'down' : 'up');
}

/** Deletes the namespace, which deletes its veth pair too. Never throws. */
export function removeNetnsHost(host: NetnsHost): void {
  try {
    ip('netns', 'del', host.ns);
  } catch {}
  try {
    ip('link', 'del', host.rootLink);
  } catch {}
}
