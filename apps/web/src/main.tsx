import { options } from 'preact';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.tsx';
import { applyTheme } from './stores/preferences.ts';
import { SessionProvider } from './stores/session.tsx';
import './styles.css';

/**
 * State changes render in a task of their own, as React schedules them, not in a microtask of the event that made
 * them: scrolling the fleet, the scroll handler, the rows it brings into view and the browser's layout of them were
 * one long task under load (bench:web, issue 5). Preact calls this once per batch of changes.
 */
const renderTask = new MessageChannel();
let pendingRender: (() => void) | null = null;
renderTask.port1.onmessage = () => {
  const render = pendingRender;
  pendingRender = null;
  render?.();
};
options.debounceRendering = (render) => {
  if (pendingRender === null) renderTask.port2.postMessage(null);
  pendingRender = render;
};

applyTheme();
matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => applyTheme());

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <SessionProvider>
      <App />
    </SessionProvider>
  </StrictMode>,
);
