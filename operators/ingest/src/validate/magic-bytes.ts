import type { FileFormat } from '@datanet/datanet';

const SIGNATURES: { kind: string; bytes: number[] }[] = [
  { kind: 'PNG image', bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  { kind: 'JPEG image', bytes: [0xff, 0xd8, 0xff] },
  { kind: 'GIF image', bytes: [0x47, 0x49, 0x46, 0x38] },
  { kind: 'PDF document', bytes: [0x25, 0x50, 0x44, 0x46, 0x2d] },
  { kind: 'ZIP archive (or DOCX)', bytes: [0x50, 0x4b, 0x03, 0x04] },
  { kind: 'gzip archive', bytes: [0x1f, 0x8b] },
  { kind: 'Parquet file', bytes: [0x50, 0x41, 0x52, 0x31] },
  { kind: 'ELF executable', bytes: [0x7f, 0x45, 0x4c, 0x46] },
  { kind: 'Windows executable', bytes: [0x4d, 0x5a] },
  { kind: 'WebAssembly module', bytes: [0x00, 0x61, 0x73, 0x6d] },
  { kind: '7-zip archive', bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c] },
];

/** What the leading bytes say the file is, if they match a known binary format. */
export function sniffKind(bytes: Uint8Array): string | undefined {
  return SIGNATURES.find((s) => s.bytes.every((b, i) => bytes[i] === b))?.kind;
}

const EXPECTED: Partial<Record<FileFormat, string>> = {
  pdf: 'PDF document',
  docx: 'ZIP archive (or DOCX)',
  parquet: 'Parquet file',
};

/** A message when the content does not match the extension's format, else undefined. */
export function magicMismatch(format: FileFormat, bytes: Uint8Array): string | undefined {
  const seen = sniffKind(bytes);
  const expected = EXPECTED[format];
  if (expected) {
    if (seen !== expected)
      return `a .${format} file must start with the ${expected} signature, but this looks like ${seen ?? 'something else'}`;
    if (format === 'parquet' && !endsWith(bytes, [0x50, 0x41, 0x52, 0x31]))
      return 'a .parquet file must end with "PAR1"; this one is truncated or not Parquet';
    return undefined;
  }
  if (seen) return `the content is a ${seen}, not .${format} text; submit it under its real extension if the Datanet accepts it`;
  const nul = bytes.indexOf(0);
  if (nul >= 0) return `a .${format} file is text but byte ${nul} is NUL (binary content)`;
  return undefined;
}

function endsWith(bytes: Uint8Array, tail: number[]): boolean {
  return bytes.length >= tail.length * 2 && tail.every((b, i) => bytes[bytes.length - tail.length + i] === b);
}
