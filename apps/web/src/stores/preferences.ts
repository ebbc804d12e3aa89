import { useSyncExternalStore } from 'react';
import { DEFAULT_THRESHOLDS, type Thresholds } from '../format.ts';

export type Theme = 'dark' | 'light' | 'system';

interface Preferences {
  theme: Theme;
  thresholds: Thresholds;
}

const KEY = 'vigil.preferences';
const listeners = new Set<() => void>();

function load(): Preferences {
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<Preferences>;
    return { theme: saved.theme ?? 'system', thresholds: { ...DEFAULT_THRESHOLDS, ...saved.thresholds } };
  } catch {
    return { theme: 'system', thresholds: DEFAULT_THRESHOLDS };
  }
}

let current = load();

export function applyTheme(theme: Theme = current.theme): void {
  const dark = theme === 'dark' || (theme === 'system' && matchMedia('(prefers-color-scheme: dark)').matches);
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
}

/** Saves preferences in this browser. */
export function setPreferences(change: Partial<Preferences>): void {
  current = { ...current, ...change };
  localStorage.setItem(KEY, JSON.stringify(current));
  applyTheme();
  for (const l of listeners) l();
}

export function usePreferences(): Preferences {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => current,
  );
}
