import type { Role, TokenCreated, TokenInfo, UserInfo } from '@vigil/schema';
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { Link } from 'wouter';
import { api } from '../api/client.ts';
import { Dialog } from '../components/ui/dialog.tsx';
import { ago } from '../format.ts';
import { setPreferences, usePreferences } from '../stores/preferences.ts';
import { useSession } from '../stores/session.tsx';

const TABS = [
  ['users', 'Users', true],
  ['tokens', 'API tokens', true],
  ['enroll', 'Add a host', true],
  ['display', 'Display', false],
  ['account', 'Account', false],
] as const;

/** Settings: users and roles, tokens, agent enrollment (admins); display and account (everyone). */
export function Settings({ tab }: { tab: string }) {
  const { me } = useSession();
  const admin = me?.role === 'admin';
  const tabs = TABS.filter(([, , adminOnly]) => admin || !adminOnly);
  const current = tabs.some(([key]) => key === tab) ? tab : (tabs[0]?.[0] ?? 'display');
  return (
    <div className="settings">
      <h1>Settings</h1>
      <div className="tabs" role="tablist" aria-label="Settings">
        {tabs.map(([key, label]) => (
          <Link key={key} href={`/settings/${key}`} role="tab" aria-selected={current === key} className={current === key ? 'active' : ''}>
            {label}
          </Link>
        ))}
      </div>
      {current === 'users' && <Users />}
      {current === 'tokens' && <Tokens />}
      {current === 'enroll' && <Enroll />}
      {current === 'display' && <Display />}
      {current === 'account' && <Account />}
    </div>
  );
}

function useList<T>(path: string): [T[], string, () => void] {
  const [rows, setRows] = useState<T[]>([]);
  const [error, setError] = useState('');
  const reload = useCallback(() => {
    api<T[]>('GET', path).then(
      (r) => {
        setRows(r);
        setError('');
      },
      (e: Error) => setError(e.message),
    );
  }, [path]);
  useEffect(reload, [reload]);
  return [rows, error, reload];
}

function Users() {
  const [users, error, reload] = useList<UserInfo>('/api/v1/users');
  const [message, setMessage] = useState('');
  const act = async (work: () => Promise<unknown>, done: string) => {
    try {
      await work();
      setMessage(done);
      reload();
    } catch (e) {
      setMessage((e as Error).message);
    }
  };
  const add = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const target = event.currentTarget;
    void act(
      () => api('POST', '/api/v1/users', { name: form.get('name'), password: form.get('password'), role: form.get('role') }),
      `added ${form.get('name')}`,
    ).then(() => target.reset());
  };
  return (
    <section className="card">
      <h2>Users</h2>
      <p className="muted small">
        Viewers read; operators also control processes and acknowledge alerts; admins also manage users, tokens and settings.
      </p>
      <table className="table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Role</th>
            <th>Since</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <tr key={u.id}>
              <td>{u.name}</td>
              <td>
                <select
                  aria-label={`Role of ${u.name}`}
                  value={u.role}
                  onChange={(e) =>
                    void act(
                      () => api('PATCH', `/api/v1/users/${u.id}`, { role: e.target.value as Role }),
                      `${u.name} is now ${e.target.value}`,
                    )
                  }
                >
                  <option>viewer</option>
                  <option>operator</option>
                  <option>admin</option>
                </select>
              </td>
              <td className="muted small">{new Date(u.createdAt).toLocaleDateString()}</td>
              <td className="right">
                <button
                  type="button"
                  className="link"
                  onClick={() => {
                    const password = prompt(`New password for ${u.name} (at least 8 characters)`);
                    if (password) void act(() => api('PATCH', `/api/v1/users/${u.id}`, { password }), `password of ${u.name} changed`);
                  }}
                >
                  reset password
                </button>{' '}
                <button
                  type="button"
                  className="link danger"
                  onClick={() =>
                    confirm(`Remove ${u.name}?`) && void act(() => api('DELETE', `/api/v1/users/${u.id}`), `removed ${u.name}`)
                  }
                >
                  remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form className="inline-form" onSubmit={add} aria-label="Add a user">
        <input name="name" placeholder="user name" required pattern="[A-Za-z0-9._@\-]+" aria-label="User name" />
        <input
          name="password"
          type="password"
          placeholder="password (8+)"
          required
          minLength={8}
          aria-label="Password"
          autoComplete="new-password"
        />
        <select name="role" aria-label="Role" defaultValue="viewer">
          <option>viewer</option>
          <option>operator</option>
          <option>admin</option>
        </select>
        <button type="submit" className="primary">
          Add user
        </button>
      </form>
      <p className="small" role="status">
        {error || message}
      </p>
    </section>
  );
}

/** Shows a new secret once, with a copy button. */
function Secret({ created, onClose, children }: { created: TokenCreated | null; onClose: () => void; children?: React.ReactNode }) {
  const [copied, setCopied] = useState(false);
  return (
    <Dialog
      open={!!created}
      title={`Token “${created?.name}” created`}
      onClose={() => {
        setCopied(false);
        onClose();
      }}
      actions={
        <button type="button" className="primary" onClick={onClose}>
          Done
        </button>
      }
    >
      <p>Copy it now: only its hash is kept, it cannot be shown again.</p>
      {children ?? <pre className="secret">{created?.token}</pre>}
      {!children && (
        <button
          type="button"
          onClick={() => {
            void navigator.clipboard?.writeText(created?.token ?? '');
            setCopied(true);
          }}
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
      )}
    </Dialog>
  );
}

function Tokens() {
  const [tokens, error, reload] = useList<TokenInfo>('/api/v1/tokens');
  const [created, setCreated] = useState<TokenCreated | null>(null);
  const [message, setMessage] = useState('');
  const create = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const days = Number(form.get('days'));
    try {
      setCreated(
        await api<TokenCreated>('POST', '/api/v1/tokens', {
          kind: form.get('kind'),
          name: form.get('name'),
          role: form.get('kind') === 'api' ? form.get('role') : undefined,
          expiresInDays: days > 0 ? days : undefined,
        }),
      );
      reload();
    } catch (e) {
      setMessage((e as Error).message);
    }
  };
  return (
    <section className="card">
      <h2>Tokens</h2>
      <p className="muted small">API tokens are for scripts and the CLI (Authorization: Bearer); agent tokens for `vigil agent`.</p>
      <table className="table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Kind</th>
            <th>Role</th>
            <th>Last used</th>
            <th>Expires</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {tokens.map((t) => (
            <tr key={t.id} className={t.revokedAt ? 'muted' : ''}>
              <td>
                {t.name} <span className="muted small">{t.prefix}…</span>
              </td>
              <td>{t.kind}</td>
              <td>{t.role ?? '–'}</td>
              <td className="small">{ago(t.lastUsedAt)}</td>
              <td className="small">{t.expiresAt ? new Date(t.expiresAt).toLocaleDateString() : 'never'}</td>
              <td className="right">
                {t.revokedAt ? (
                  'revoked'
                ) : (
                  <button
                    type="button"
                    className="link danger"
                    onClick={() =>
                      confirm(`Revoke ${t.name}? Whatever uses it loses access now.`) &&
                      api('DELETE', `/api/v1/tokens/${t.id}`).then(reload, (e: Error) => setMessage(e.message))
                    }
                  >
                    revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form className="inline-form" onSubmit={(e) => void create(e)} aria-label="Create a token">
        <select name="kind" aria-label="Kind" defaultValue="api">
          <option value="api">API token</option>
          <option value="agent">agent token</option>
        </select>
        <input name="name" placeholder="what it is for" required aria-label="Name" />
        <select name="role" aria-label="Role" defaultValue="viewer">
          <option>viewer</option>
          <option>operator</option>
          <option>admin</option>
        </select>
        <input name="days" type="number" min={0} placeholder="days (0 = never)" aria-label="Expires in days" />
        <button type="submit" className="primary">
          Create
        </button>
      </form>
      <p className="small" role="status">
        {error || message}
      </p>
      <Secret created={created} onClose={() => setCreated(null)} />
    </section>
  );
}

function Enroll() {
  const [created, setCreated] = useState<TokenCreated | null>(null);
  const [name, setName] = useState('');
  const [error, setError] = useState('');
  const hub = location.origin;
  const command = created ? `curl -fsSL ${hub}/install.sh | sudo sh -s -- --hub ${hub} --token ${created.token}` : '';
  const manual = created ? `vigil agent --hub ${hub} --token ${created.token}${name ? ` --hostname ${name}` : ''}` : '';
  return (
    <section className="card">
      <h2>Add a host</h2>
      <p>Each host runs an agent that streams to this hub. Create a token for it, then run the command on the host.</p>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          api<TokenCreated>('POST', '/api/v1/tokens', { kind: 'agent', name: name || 'agent' }).then(setCreated, (err: Error) =>
            setError(err.message),
          );
        }}
      >
        <input placeholder="host name (optional)" value={name} onChange={(e) => setName(e.target.value)} aria-label="Host name" />
        <button type="submit" className="primary">
          Create agent token
        </button>
      </form>
      <p className="error">{error}</p>
      <Secret created={created} onClose={() => setCreated(null)}>
        <p>On the new host, as root (installs Node.js's agent bundle, a systemd unit, and starts it):</p>
        <pre className="secret" data-testid="enroll-command">
          {command}
        </pre>
        <button type="button" onClick={() => void navigator.clipboard?.writeText(command)}>
          Copy
        </button>
        <p className="muted small">Or, where Vigil is already installed:</p>
        <pre className="secret">{manual}</pre>
      </Secret>
    </section>
  );
}

function Display() {
  const { thresholds, theme } = usePreferences();
  return (
    <section className="card">
      <h2>Display</h2>
      <label>
        Theme{' '}
        <select value={theme} onChange={(e) => setPreferences({ theme: e.target.value as 'dark' | 'light' | 'system' })}>
          <option value="system">as the system</option>
          <option value="dark">dark</option>
          <option value="light">light</option>
        </select>
      </label>
      <p className="muted small">Bars turn yellow and red at these levels (seed 000 uses 50 % and 75 %). Kept in this browser.</p>
      <div className="inline-form">
        <label>
          yellow from{' '}
          <input
            type="number"
            min={1}
            max={99}
            value={thresholds.warn}
            onChange={(e) => setPreferences({ thresholds: { ...thresholds, warn: Number(e.target.value) } })}
          />{' '}
          %
        </label>
        <label>
          red above{' '}
          <input
            type="number"
            min={1}
            max={100}
            value={thresholds.critical}
            onChange={(e) => setPreferences({ thresholds: { ...thresholds, critical: Number(e.target.value) } })}
          />{' '}
          %
        </label>
      </div>
    </section>
  );
}

function Account() {
  const { me } = useSession();
  const [message, setMessage] = useState('');
  return (
    <section className="card">
      <h2>Account</h2>
      <p>
        Logged in as <strong>{me?.name}</strong> ({me?.role}).
      </p>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          const form = new FormData(e.currentTarget);
          api('PUT', '/api/v1/users/me/password', { password: form.get('password') }).then(
            () => setMessage('Password changed; your other sessions have ended.'),
            (err: Error) => setMessage(err.message),
          );
        }}
      >
        <input
          name="password"
          type="password"
          minLength={8}
          required
          placeholder="new password"
          autoComplete="new-password"
          aria-label="New password"
        />
        <button type="submit" className="primary">
          Change password
        </button>
      </form>
      <p className="small" role="status">
        {message}
      </p>
    </section>
  );
}
