// Entry of a kernel thread. Sources are TypeScript run through tsx (no build step), so the thread
// registers tsx's loader before it imports the kernel module it is asked for.
import { register } from 'tsx/esm/api';

register();

/** One task: `fn` of the module at `module` (a file URL), called with `args` and a progress callback. */
export default async function runTask({ module, fn, args, port }) {
  const mod = await import(module);
  const kernel = mod[fn];
  if (typeof kernel !== 'function') throw new Error(`kernel ${fn} is not exported by ${module}`);
  try {
    return await kernel(args, { progress: (...values) => port?.postMessage(values) });
  } finally {
    port?.close();
  }
}
