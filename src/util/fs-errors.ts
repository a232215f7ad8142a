/**
 * Errors of our own output (a full disk, a folder we may not write): these stop the run with a
 * clear message, unlike a website's failure, which only makes that kommun `error`.
 */
const OUTPUT_CODES: Record<string, string> = {
  ENOSPC: 'disken är full',
  EDQUOT: 'diskkvoten är slut',
  EROFS: 'filsystemet är skrivskyddat',
  EACCES: 'behörighet saknas',
  EPERM: 'behörighet saknas',
  EIO: 'läs- eller skrivfel på disken',
  EMFILE: 'för många öppna filer',
  ENFILE: 'för många öppna filer',
};

export function isOutputFailure(e: unknown): e is NodeJS.ErrnoException {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && code in OUTPUT_CODES && typeof (e as NodeJS.ErrnoException).syscall === 'string';
}

/** "disken är full, ENOSPC". */
export function outputFailureWords(e: NodeJS.ErrnoException): string {
  return `${OUTPUT_CODES[e.code ?? ''] ?? e.code ?? 'okänt fel'}, ${e.code}`;
}

/** "Kunde inte skriva /x/y (disken är full, ENOSPC)". */
export function describeOutputFailure(e: NodeJS.ErrnoException): string {
  const where = e.path ? ` ${e.path}` : '';
  return `Kunde inte skriva${where} (${outputFailureWords(e)})`;
}
