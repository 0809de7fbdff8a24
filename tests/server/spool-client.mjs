// The client process of tests/server/spool-restart.test.ts: a service that logs a deterministic stream of records
// through a RollingLogger into an HttpProfileWriter, as an application would, and survives being SIGKILLed.
//
//   node spool-client.mjs '<json config>'   (API key in SIGHTGLASS_API_KEY)
//
// Stream time comes from the records (timestampColumn "ts", and the logger's clock is the newest timestamp
// logged), so a long stream of hourly buckets passes in a moment. After each batch the closed buckets are
// flushed into the spool (durable once flush() resolves) and a checkpoint file records the first record that
// is not yet spooled; a restart resumes from it. Each line on stdout is a JSON event; at the configured pauses
// the client prints {"type":"paused"} and waits for a line on stdin, so the test acts at a known point.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { createInterface } from "node:readline";
import { DatasetProfileView, RollingLogger } from "../../packages/profile/dist/index.js";
import { HttpProfileWriter } from "../../packages/profile/dist/node/index.js";

const HOUR = 3_600_000;
const config = JSON.parse(process.argv[2]);

function emit(event) {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

/** The same generator as the test's: uneven gaps, and a three-hour silence every 997 records. */
function records(n, t0) {
  const gaps = [5, 40, 90, 12, 150, 60, 25, 300, 8, 70, 45, 110, 3];
  const out = [];
  let ts = t0;
  for (let i = 0; i < n; i++) {
    if (i > 0) ts += i % 997 === 0 ? 3 * HOUR : gaps[(i * 7) % gaps.length] * 1000;
    out.push({ ts, i, x: ((i * 7919) % 1000) / 10 - 25, cat: ["a", "b", "c"][i % 3] });
  }
  return out;
}

function readCheckpoint() {
  try {
    return JSON.parse(readFileSync(config.stateFile, "utf8")).next;
  } catch {
    return 0;
  }
}

/** Temp file, fsync, rename: a kill leaves the old checkpoint or the new one, never a torn one. */
function writeCheckpoint(next) {
  const tmp = `${config.stateFile}.tmp`;
  const fd = openSync(tmp, "w");
  try {
    writeSync(fd, JSON.stringify({ next }));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, config.stateFile);
}

const stdinLines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

async function pause(label, index) {
  emit({ type: "paused", label, index });
  await stdinLines.next();
}

const http = new HttpProfileWriter({
  serverUrl: config.serverUrl,
  projectId: config.projectId,
  apiKey: process.env.SIGHTGLASS_API_KEY,
  spoolDir: config.spoolDir,
  // Short waits: the server is down for a second or two, and the test must stay fast.
  minBackoffMs: 50,
  maxBackoffMs: 400,
  timeoutMs: 10_000,
  onEvent: (event) => emit({ ...event, pid: process.pid }),
});

let spooledThisFlush = 0;
const writer = {
  write(view, info) {
    spooledThisFlush++;
    // The key names the bucket, and the creation timestamp (otherwise the wall clock at flush time) is pinned
    // to the bucket: a bucket spooled just before a crash, whose checkpoint was not written, is logged again
    // after the restart with the same records and must then be the same bytes under the same key, which the
    // server answers as a duplicate instead of storing it twice.
    const pinned = DatasetProfileView.fromMessage({ ...view.toMessage(), creationTimestamp: info.start });
    return http.enqueue(pinned.serialize(), `b${info.start}-s${info.sequence}`);
  },
};

const all = records(config.n, config.t0);
let now = 0;
const logger = new RollingLogger({
  interval: "hour",
  writers: [writer],
  timestampColumn: "ts",
  flushEveryMs: 0,
  clock: () => now,
});

const start = readCheckpoint();
emit({ type: "start", next: start, pending: http.pending, pid: process.pid });
const pauses = [...config.pauses];
let openFrom = start; // first record of the bucket still open in the logger
for (let i = start; i < config.n;) {
  // Batches end on multiples of the batch size whatever the resume point, so a bucket logged again after a
  // restart gets the same track() calls as the first time, hence the same sketches.
  const end = Math.min(config.n, (Math.floor(i / config.batch) + 1) * config.batch);
  const batch = all.slice(i, end);
  logger.log(batch);
  now = batch.at(-1).ts;
  for (let j = i; j < end; j++)
    if (Math.floor(all[j].ts / HOUR) !== Math.floor(all[openFrom].ts / HOUR)) openFrom = j;
  spooledThisFlush = 0;
  await logger.flush();
  i = end;
  const next = pauses[0];
  const due = next !== undefined && i >= next.at && (!next.afterSpool || spooledThisFlush > 0);
  if (due) pauses.shift();
  // The worst moment for a crash: buckets durably spooled, the checkpoint not yet moved past them.
  if (due && next.afterSpool) await pause(next.label, i);
  writeCheckpoint(openFrom);
  emit({ type: "progress", checkpoint: openFrom, logged: i });
  if (due && !next.afterSpool) await pause(next.label, i);
}
await logger.close();
writeCheckpoint(config.n);
const status = await http.flush(config.flushTimeoutMs);
await http.close();
emit({ type: "done", ...status });
process.exit(status.drained ? 0 : 1);
