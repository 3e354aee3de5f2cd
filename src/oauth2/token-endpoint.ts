import { RedressError, errorMessage } from '../errors.ts';

export interface TokenEndpointAnswer {
  status: number;
  /** The parsed JSON body, or null when it was not JSON. */
  body: unknown;
}

export type RequestToken = (url: string, form: Record<string, string>) => Promise<TokenEndpointAnswer>;

const TIMEOUT_MS = 30_000;

/**
 * The one HTTP call: a form POST to the token endpoint. Redirects are refused so the client
 * secret never goes anywhere but OAUTH2_TOKEN_URL; messages name the host, never the form.
 */
export const requestToken: RequestToken = async (url, form) => {
  const where = new URL(url).host;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(form),
      redirect: 'error',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const detail = cause?.code ?? cause?.message ?? errorMessage(err);
    throw new RedressError('oauth2', `cannot reach the OAuth2 token endpoint at ${where} (${detail}): check OAUTH2_TOKEN_URL and the network; it will be retried`, {
      retryable: true,
      context: { host: where },
    });
  }
  const text = await response.text();
  return { status: response.status, body: parseJson(text) };
};

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
