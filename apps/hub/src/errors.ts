/**
 * The one catalogue of errors the hub returns, with stable codes and HTTP statuses. API errors are
 * `application/problem+json` (RFC 9457): `{type, title, status, detail, code}`; anything thrown that is not
 * a VigilError becomes VIGIL_ERR_INTERNAL at the boundary, its details logged and not sent.
 */
export const ERRORS = {
  VIGIL_ERR_BAD_REQUEST: { status: 400, title: 'Bad request' },
  VIGIL_ERR_VALIDATION: { status: 400, title: 'Invalid input' },
  VIGIL_ERR_UNAUTHENTICATED: { status: 401, title: 'Authentication required' },
  VIGIL_ERR_BAD_CREDENTIALS: { status: 401, title: 'Wrong user name or password' },
  VIGIL_ERR_FORBIDDEN: { status: 403, title: 'Not allowed for your role' },
  VIGIL_ERR_NOT_FOUND: { status: 404, title: 'Not found' },
  VIGIL_ERR_HOST_NOT_FOUND: { status: 404, title: 'No such host' },
  VIGIL_ERR_PROCESS_NOT_FOUND: { status: 404, title: 'No such process' },
  VIGIL_ERR_CONFLICT: { status: 409, title: 'Conflict' },
  VIGIL_ERR_PROTECTED_PROCESS: { status: 403, title: 'Protected process' },
  VIGIL_ERR_PAYLOAD_TOO_LARGE: { status: 413, title: 'Payload too large' },
  VIGIL_ERR_RATE_LIMITED: { status: 429, title: 'Too many requests' },
  VIGIL_ERR_INTERNAL: { status: 500, title: 'Internal error' },
  VIGIL_ERR_HOST_OFFLINE: { status: 503, title: 'Host offline' },
  VIGIL_ERR_AGENT_TIMEOUT: { status: 504, title: 'The agent did not answer' },
} as const;

export type ErrorCode = keyof typeof ERRORS;

export class VigilError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    detail?: string,
    /** Extra members of the problem document (e.g. the invalid field). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail ?? ERRORS[code].title);
    this.name = 'VigilError';
    this.status = ERRORS[code].status;
  }
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  [key: string]: unknown;
}

/** The problem document of an error. */
export function toProblem(error: VigilError): Problem {
  return {
    type: `https://vigil.dev/errors/${error.code
      .toLowerCase()
      .replace(/^vigil_err_/, '')
      .replaceAll('_', '-')}`,
    title: ERRORS[error.code].title,
    status: error.status,
    detail: error.message,
    code: error.code,
    ...error.extra,
  };
}
