import { lazy, Suspense } from 'react';
import { Link, Redirect, Route, Switch, useLocation } from 'wouter';
import { Fleet } from './routes/fleet.tsx';
import { Login } from './routes/login.tsx';
import { useFiringCount } from './stores/alert-count.ts';
import { setPreferences, usePreferences } from './stores/preferences.ts';
import { useSession } from './stores/session.tsx';
import { useConnectionState } from './stores/use-live.ts';

// Pages past the fleet load on demand: the first screen needs only the fleet.
const Host = lazy(() => import('./routes/host.tsx').then((m) => ({ default: m.Host })));
const Alerts = lazy(() => import('./routes/alerts.tsx').then((m) => ({ default: m.Alerts })));
const Settings = lazy(() => import('./routes/settings.tsx').then((m) => ({ default: m.Settings })));

const CONNECTION_LABEL = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…', offline: 'offline' } as const;

function Header() {
  const { me, logout } = useSession();
  const state = useConnectionState();
  const { theme } = usePreferences();
  const [location] = useLocation();
  const firing = useFiringCount();
  const firingTotal = firing.warning + firing.critical;
  const nextTheme = theme === 'dark' ? 'light' : theme === 'light' ? 'system' : 'dark';
  return (
    <header className="top">
      <Link href="/" className="brand">
        <span className="dot online" aria-hidden="true" /> Vigil
      </Link>
      <nav aria-label="Main">
        <Link href="/" className={location === '/' ? 'active' : ''}>
          Fleet
        </Link>
        <Link href="/alerts" className={location.startsWith('/alerts') ? 'active' : ''}>
          Alerts
          {firingTotal > 0 && (
            <span
              className={`badge count ${firing.critical > 0 ? 'critical' : 'warning'}`}
              title={`${firing.critical} critical, ${firing.warning} warning firing`}
              data-testid="firing-count"
            >
              {firingTotal}
            </span>
          )}
        </Link>
        <Link href="/settings" className={location.startsWith('/settings') ? 'active' : ''}>
          Settings
        </Link>
      </nav>
      <span className="spacer" />
      <span className={`conn ${state}`} role="status" aria-live="polite" data-testid="connection">
        {CONNECTION_LABEL[state]}
      </span>
      <button
        type="button"
        className="icon"
        onClick={() => setPreferences({ theme: nextTheme })}
        title={`Theme: ${theme} (switch to ${nextTheme})`}
        aria-label={`Theme: ${theme}`}
      >
        {theme === 'dark' ? '☾' : theme === 'light' ? '☀' : '◐'}
      </button>
      <span className="who" title={me ? `${me.name} (${me.role})` : ''}>
        {me?.name} <span className="muted">{me?.role}</span>
      </span>
      <button type="button" className="link" onClick={() => void logout()}>
        Log out
      </button>
    </header>
  );
}

export function App() {
  const { me, loading } = useSession();
  if (loading) return <p className="muted center">Loading…</p>;
  if (!me) return <Login />;
  return (
    <>
      <Header />
      <main>
        <Suspense fallback={<p className="muted">Loading…</p>}>
          <Switch>
            <Route path="/" component={Fleet} />
            <Route path="/login">
              <Redirect to="/" />
            </Route>
            <Route path="/hosts/:id/:tab?">{(params) => <Host id={params.id} tab={params.tab ?? 'overview'} />}</Route>
            <Route path="/alerts/:tab?">{(params) => <Alerts tab={params.tab ?? 'active'} />}</Route>
            <Route path="/settings/:tab?">{(params) => <Settings tab={params.tab ?? 'users'} />}</Route>
            <Route>
              <p>
                Nothing here. <Link href="/">Back to the fleet</Link>.
              </p>
            </Route>
          </Switch>
        </Suspense>
      </main>
    </>
  );
}
