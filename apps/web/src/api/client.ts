import type { Role } from '@vigil/schema';

/** An API error, with the hub's problem document (RFC 9457). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let onUnauthenticated: () => void = () => {};
/** Called when the session ends (a 401): the app goes back to the login page. */
export function setUnauthenticatedHandler(handler: () => void): void {
  onUnauthenticated = handler;
}

/**
 * A JSON call to the hub, authenticated by the session cookie. The hub validates what it sends with the
 * shared schemas; the dashboard takes it as their types (zod would triple the bundle).
 */
export async function api<T>(
  method: string,
  path: string,
  body?: unknown,
  options: { signal?: AbortSignal; quiet401?: boolean } = {},
): Promise<T> {
  const response = await fetch(path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
    signal: options.signal,
  });
  return answerOf<T>(response, options);
}

/** What an answer of the hub holds, or its problem as an ApiError (a 401 ends the session unless `quiet401`). */
export async function answerOf<T>(response: Response, options: { quiet401?: boolean } = {}): Promise<T> {
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  const json = text ? JSON.parse(text) : null;
  if (!response.ok) {
    if (response.status === 401 && !options.quiet401) onUnauthenticated();
    throw new ApiError(
      response.status,
      json?.code ?? `HTTP_${response.status}`,
      json?.detail ?? `The hub answered HTTP ${response.status}.`,
    );
  }
  return json as T;
}

export interface Me {
  name: string;
  role: Role;
  via: 'session' | 'api';
}
