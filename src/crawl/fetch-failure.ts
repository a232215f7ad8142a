/**
 * The one error type of the network layer. Its own module so that the address guard, robots.txt
 * handling and the fetcher can all throw it without importing each other; fetcher.ts re-exports it.
 */

export type FetchFailureCode =
  | 'blocked-address'
  | 'dns'
  | 'timeout'
  | 'connection'
  | 'tls'
  | 'too-many-redirects'
  | 'too-large'
  | 'bad-url'
  | 'disallowed'
  | 'http';

/** Used when a thrower gives no message of its own; the message is what the index team reads. */
function defaultMessage(code: FetchFailureCode, url: string): string {
  switch (code) {
    case 'blocked-address':
      return `${url} pekar på en intern adress och hämtades inte.`;
    case 'dns':
      return `Namnet i ${url} kunde inte slås upp (DNS).`;
    case 'timeout':
      return `${url} svarade inte i tid.`;
    case 'connection':
      return `Det gick inte att ansluta till ${url}.`;
    case 'tls':
      return `Certifikatet för ${url} kunde inte verifieras. Använd --insecure om du ändå vill granska webbplatsen.`;
    case 'too-many-redirects':
      return `${url} omdirigerades för många gånger.`;
    case 'too-large':
      return `${url} är för stor och hämtades inte.`;
    case 'bad-url':
      return `${url} är ingen giltig webbadress.`;
    case 'disallowed':
      return `${url} får inte hämtas enligt webbplatsens robots.txt.`;
    case 'http':
      return `${url} skickade ett felaktigt svar.`;
  }
}

export class FetchFailure extends Error {
  readonly code: FetchFailureCode;
  readonly url: string;

  constructor(code: FetchFailureCode, url: string, message?: string, options?: ErrorOptions) {
    super(message ?? defaultMessage(code, url), options);
    this.name = 'FetchFailure';
    this.code = code;
    this.url = url;
  }
}

/** Finds a FetchFailure that undici or node:net wrapped in other errors (via `cause`). */
export function findFetchFailure(err: unknown): FetchFailure | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 8 && current !== undefined && current !== null; depth++) {
    if (current instanceof FetchFailure) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
