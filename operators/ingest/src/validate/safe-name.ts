// Bidirectional controls (they reorder what a reader sees: "evil\u202Etxt.exe") and invisible
// characters (zero-width, word joiner, BOM, soft hyphen, Mongolian vowel separator).
const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/;
const INVISIBLE = /[\u00AD\u180E\u200B-\u200D\u2060-\u2064\uFEFF]/;

/** Why a file name is unsafe, or undefined. A safe name is one plain, visible path segment. */
export function unsafeNameReason(name: string): string | undefined {
  if (name.length === 0) return 'the name is empty';
  if (name.includes('\0')) return 'the name contains a NUL byte';
  if (name.startsWith('/') || name.startsWith('\\') || /^[A-Za-z]:/.test(name)) return 'the name is an absolute path';
  if (name.split(/[\\/]/).includes('..')) return 'the name contains ".." and could escape the inbox';
  if (/[\\/]/.test(name)) return 'the name contains a path separator; submit plain file names';
  if (name === '.' || name.startsWith('.')) return 'the name starts with "." (hidden or special files are not accepted)';
  if (/[\x00-\x1f\x7f-\x9f]/.test(name)) return 'the name contains control characters';
  if (BIDI.test(name)) return 'the name contains a bidirectional control character, which can disguise its extension';
  if (INVISIBLE.test(name)) return 'the name contains an invisible (zero-width) character';
  if (/[\uD800-\uDFFF]/.test(name.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, '')))
    return 'the name contains a lone surrogate (not valid Unicode)';
  if (name.length > 255) return 'the name is longer than 255 characters';
  // File systems take 255 bytes for one name: 100 CJK characters are 300 bytes of UTF-8 (as sent, and as recorded in NFC).
  const bytes = Math.max(utf8Length(name), utf8Length(name.normalize('NFC')));
  if (bytes > 255) return `the name is ${bytes} bytes of UTF-8, longer than the 255 bytes a file name may have`;
  return undefined;
}

const encoder = new TextEncoder();
const utf8Length = (s: string) => encoder.encode(s).length;

/** The name intake records: Unicode NFC, so NFC and NFD spellings of one name are one name. */
export function normaliseName(name: string): string {
  return name.normalize('NFC');
}

/** The key under which two names collide: NFC, then case-folded. */
export function collisionKey(name: string): string {
  return name.normalize('NFC').toLowerCase().normalize('NFC');
}

/** Printable form of a name for messages (NUL, control and invisible characters escaped). */
export function printableName(name: string): string {
  return JSON.stringify(name).replace(
    /[\u007f-\u009f\u00AD\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
