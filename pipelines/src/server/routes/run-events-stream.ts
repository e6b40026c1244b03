import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RunReader } from '../runs/run-reader.js';

const POLL_MS = 300;
const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * Streams a run's events as Server-Sent Events. Events are read from the store, not from this
 * process's engine, so any replica can serve any run and a client reconnects with Last-Event-ID.
 * The stream ends after the run finishes and its last events are sent.
 */
export async function streamRunEvents(
  req: FastifyRequest,
  reply: FastifyReply,
  reader: RunReader,
  runId: string,
  afterId: number,
  isClosing: () => boolean,
): Promise<void> {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  let closed = false;
  req.raw.on('close', () => {
    closed = true;
  });
  let last = afterId;
  let idle = 0;
  try {
    // A shutting-down server ends its streams (clients reconnect elsewhere with Last-Event-ID).
    while (!closed && !isClosing()) {
      const events = await reader.eventsAfter(runId, last);
      for (const e of events) {
        res.write(`id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
        last = e.id;
      }
      if (events.length === 0) {
        const run = await reader.get(runId);
        if (!run || FINISHED.has(run.status)) {
          // One more read: the engine may have written the last events just before the status.
          const tail = await reader.eventsAfter(runId, last);
          for (const e of tail) res.write(`id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
          res.write(`event: end\ndata: ${JSON.stringify({ runId, status: run?.status ?? 'unknown' })}\n\n`);
          break;
        }
        if (++idle % 50 === 0) res.write(': keep-alive\n\n');
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    }
  } catch (e) {
    req.log.warn({ runId, err: { message: (e as Error).message } }, 'run event stream stopped');
  } finally {
    res.end();
  }
}
