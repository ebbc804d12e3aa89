import { type FormEvent, useEffect, useState } from 'react';
import { api } from '../api/client.ts';
import { useSession } from '../stores/session.tsx';

/** The login page; it also takes the one-time link printed at first start (/login?once=…). */
export function Login() {
  const { refresh } = useSession();
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const once = new URLSearchParams(location.search).get('once');
    if (!once) return;
    history.replaceState(null, '', '/');
    setBusy(true);
    api('POST', '/api/v1/auth/link', { token: once }, { quiet401: true })
      .then(refresh)
      .catch((e: Error) => setError(e.message))
      .finally(() => setBusy(false));
  }, [refresh]);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError('');
    try {
      await api('POST', '/api/v1/auth/login', { username: form.get('username'), password: form.get('password') }, { quiet401: true });
      await refresh();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="login">
      <form onSubmit={submit} aria-label="Log in">
        <h1>
          <span className="dot online" aria-hidden="true" /> Vigil
        </h1>
        <label>
          User name
          {/* biome-ignore lint/a11y/noAutofocus: the login page has one thing to do */}
          <input name="username" autoComplete="username" required autoFocus />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
        <p className="error" role="alert">
          {error}
        </p>
      </form>
    </main>
  );
}
