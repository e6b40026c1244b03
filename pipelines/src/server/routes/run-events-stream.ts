import type { FastifyReply, FastifyRequest } from 'fastify';
import type { EventView } from '../../read/run-reader.js';
import type { RunReader } from '../runs/run-reader.js';

const POLL_MS = 300;
/** While a run is quiet (nothing new, every id read settled, its status as before) the stream looks ever less often, up to this. */
const QUIET_POLL_MAX_MS = 3_000;
/** Between looks, how often the stream checks whether it was woken, closed or the server is closing (no store read). */
const TICK_MS = 100;
const KEEP_ALIVE_MS = 15_000;
const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);
/** How long a final run's still-running steps (being aborted by their workers) hold the stream's end. */
const STEPS_ABORT_WAIT_MS = 60_000;
/** A gap in the ids older than this is taken as an insert that rolled back (no transaction writing events lasts this long). */
const GAP_GIVE_UP_MS = 30_000;

/**
 * Streams a run's events as Server-Sent Events. Events are read from the store, not from this
 * process's engine, so any replica can serve any run and a client reconnects with Last-Event-ID.
 * The stream ends after the run finishes and its last events are sent.
 *
 * Event ids come from one sequence, but writers (workers, replicas, concurrent flushes) commit out
 * of id order: an insert holding id 10 can become visible after id 11 was read and sent. So the
 * stream keeps a floor below which every id is final (every transaction in flight when those ids
 * were read has ended, by the store's snapshot horizon) and looks again between the floor and
 * the highest id sent for events it has not sent, each sent once. `id:` is the highest id sent, so
 * a reconnect with Last-Event-ID repeats nothing.
 *
 * A run that waits (for a review, a date) may stay quiet for days: while nothing changes the looks
 * back off from 300 ms to 3 s, and go back to 300 ms as soon as anything is read. `watch` wakes the
 * stream at once when this process writes events or a status of the run (a resume or a wake here,
 * a cancel), so those are not delayed; writes by other processes are seen within 3 s.
 */
export async function streamRunEvents(
  req: FastifyRequest,
  reply: FastifyReply,
  reader: RunReader,
  runId: string,
  afterId: number,
  isClosing: () => boolean,
  watch?: (fn: () => void) => () => void,
): Promise<void> {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  // Sent now, not with the first event: a client learns at once that it follows the run, even one
  // with nothing new to send (a run that waits, a reconnect after its last event).
  res.flushHeaders();
  let closed = false;
  req.raw.on('close', () => {
    closed = true;
  });
  let floor = afterId;
  let top = afterId;
  const sent = new Set<number>();
  // The highest id read, and when the store's oldest running transaction is past `xmax`, all
  // transactions that could hold an id up to `top` have ended.
  const unsettled: { xmax: bigint; top: number; at: number }[] = [];
  let lastRead = afterId;
  let delivered = 0;
  const send = (events: EventView[]) => {
    for (const e of events) {
      if (sent.has(e.id) || e.id <= floor) continue;
      sent.add(e.id);
      delivered++;
      top = Math.max(top, e.id);
      res.write(`id: ${top}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
    }
  };
  /**
   * One look at the store. What is settled is decided before reading (an id settled now is
   * visible to the reads that follow): up to `top` when no id below it is missing, or up to what
   * was read before the transactions then in flight all ended. Then events committed late below
   * `top` are sent, the floor moves up, and new events are sent.
   */
  const poll = async () => {
    const h = await reader.eventHorizon(floor, top);
    const now = Date.now();
    if (lastRead > (unsettled.at(-1)?.top ?? floor)) unsettled.push({ xmax: h.xmax, top: lastRead, at: now });
    let settled = h.visible === top - floor ? top : floor;
    while (unsettled.length && (unsettled[0].xmax <= h.xmin || now - unsettled[0].at > GAP_GIVE_UP_MS))
      settled = Math.max(settled, unsettled.shift()!.top);
    if (top > floor) {
      const late = (await reader.eventIdsBetween(runId, floor, top)).filter((id) => !sent.has(id));
      send(await reader.eventsWithIds(runId, late));
    }
    floor = Math.max(floor, Math.min(settled, top));
    for (const id of sent) if (id <= floor) sent.delete(id);
    while (unsettled.length && unsettled[0].top <= floor) unsettled.shift();
    send(await reader.eventsAfter(runId, top));
    lastRead = top;
  };
  let delay = POLL_MS;
  let lastStatus: string | undefined;
  let lastWrite = Date.now();
  let woken = false;
  /** When the stream first saw the run final with steps still running (0: not yet). */
  let endSeen = 0;
  const unwatch = watch?.(() => {
    woken = true;
  });
  try {
    // A shutting-down server ends its streams (clients reconnect elsewhere with Last-Event-ID).
    while (!closed && !isClosing()) {
      const before = delivered;
      woken = false;
      await poll();
      if (delivered > before) {
        delay = POLL_MS;
        lastWrite = Date.now();
        continue;
      }
      const run = await reader.get(runId);
      // A cancelled distributed run is final before its workers have aborted its running steps:
      // their step.failed events are still to come (a step is left running by then: a lease's time).
      if (
        run &&
        FINISHED.has(run.status) &&
        (!endSeen || Date.now() - endSeen < STEPS_ABORT_WAIT_MS) &&
        (await reader.hasRunningSteps(runId))
      ) {
        endSeen ||= Date.now();
      } else if (!run || FINISHED.has(run.status)) {
        // The engine may have written the last events just before the status: look until every
        // write that was in flight has settled (a few seconds at most), then end.
        for (let i = 0; i < 100 && !closed; i++) {
          await poll();
          if (floor >= top) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        res.write(`event: end\ndata: ${JSON.stringify({ runId, status: run?.status ?? 'unknown' })}\n\n`);
        break;
      }
      // Quiet (nothing new, every id read settled, the same status): look less often.
      delay = floor >= top && run.status === lastStatus ? Math.min(delay * 2, QUIET_POLL_MAX_MS) : POLL_MS;
      lastStatus = run.status;
      if (Date.now() - lastWrite >= KEEP_ALIVE_MS) {
        res.write(': keep-alive\n\n');
        lastWrite = Date.now();
      }
      // A write by this process during the look above has set `woken`: look again at once.
      for (let waited = 0; waited < delay && !woken && !closed && !isClosing(); waited += TICK_MS)
        await new Promise((r) => setTimeout(r, TICK_MS));
      if (woken) delay = POLL_MS;
    }
  } catch (e) {
    req.log.warn({ runId, err: { message: (e as Error).message } }, 'run event stream stopped');
  } finally {
    unwatch?.();
    res.end();
  }
}
