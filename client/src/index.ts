export { createDatanetClient, type DatanetClient, type DatanetClientOptions } from './datanet-client.js';
export { siweMessage, signIn, type SiweSigner } from './sign-in.js';
export { submitFiles, type SubmissionFile } from './submit-files.js';
export type { paths, components, operations } from './schema.js';
