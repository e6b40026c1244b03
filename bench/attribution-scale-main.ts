// Entry of the child process that runs the attribution benchmark's scale section (see
// attribution.bench.ts), started with GLIBC_TUNABLES=glibc.malloc.hugetlb=1 so that the large
// typed arrays get transparent huge pages. Arguments: tokens, work folder, baseline (1/0), result file.
import { writeFileSync } from 'node:fs';
import { closeKernelPool } from '@datanet/pipelines';
import { scaleRun } from './attribution-scale.js';

const [tokens, workDir, baseline, outFile] = process.argv.slice(2);
const result = await scaleRun(Number(tokens), workDir, { sequentialBaseline: baseline === '1' });
writeFileSync(outFile, JSON.stringify(result));
await closeKernelPool();
process.exit(0);
