import { createContext, type ReactNode, useCallback, useContext, useEffect, useState } from 'react';
import { takeBootSession } from '../api/boot.ts';
import { answerOf, api, type Me, setUnauthenticatedHandler } from '../api/client.ts';
import { live } from '../api/live.ts';

interface Session {
  me: Me | null;
  loading: boolean;
  /** Re-reads who is logged in (after login). */
  refresh: () => Promise<void>;
  logout: () => Promise<void>;
}

const SessionContext = createContext<Session>({ me: null, loading: true, refresh: async () => {}, logout: async () => {} });

/** Who is logged in; the live connection is open while someone is. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null>(null);
  const [loading, setLoading] = useState(true);
  const refresh = useCallback(async () => {
    try {
      // The first check was started by index.html before the code loaded (boot.ts); a failed one is asked again.
      const early = await takeBootSession()?.catch(() => null);
      const who = early
        ? await answerOf<Me>(early, { quiet401: true })
        : await api<Me>('GET', '/api/v1/auth/me', undefined, { quiet401: true });
      setMe(who);
      live.connect();
    } catch {
      setMe(null);
    } finally {
      setLoading(false);
    }
  }, []);
  const logout = useCallback(async () => {
    await api('POST', '/api/v1/auth/logout').catch(() => {});
    live.close();
    setMe(null);
  }, []);
  useEffect(() => {
    setUnauthenticatedHandler(() => {
      live.close();
      setMe(null);
    });
    void refresh();
  }, [refresh]);
  return <SessionContext.Provider value={{ me, loading, refresh, logout }}>{children}</SessionContext.Provider>;
}

export const useSession = () => useContext(SessionContext);

/** Whether the logged-in user may control processes. */
export const useCanOperate = () => {
  const { me } = useSession();
  return me?.role === 'operator' || me?.role === 'admin';
};
