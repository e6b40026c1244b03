/** Why a file name is unsafe, or undefined. A safe name is one plain path segment. */
export function unsafeNameReason(name: string): string | undefined {
  if (name.length === 0) return 'the name is empty';
  if (name.includes('\0')) return 'the name contains a NUL byte';
  if (name.startsWith('/') || name.startsWith('\\') || /^[A-Za-z]:/.test(name)) return 'the name is an absolute path';
  if (name.split(/[\\/]/).includes('..')) return 'the name contains ".." and could escape the inbox';
  if (/[\\/]/.test(name)) return 'the name contains a path separator; submit plain file names';
  if (name === '.' || name.startsWith('.')) return 'the name starts with "." (hidden or special files are not accepted)';
  if (/[\x00-\x1f\x7f]/.test(name)) return 'the name contains control characters';
  if (name.length > 255) return 'the name is longer than 255 characters';
  return undefined;
}

/** Printable form of a name for messages (NUL and control characters escaped). */
export function printableName(name: string): string {
  return JSON.stringify(name);
}
