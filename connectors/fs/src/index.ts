export { sha256File, sha256Hex, writeFileAtomic, fileExists } from './file-digest.js';
export type { FileDigest } from './file-digest.js';
