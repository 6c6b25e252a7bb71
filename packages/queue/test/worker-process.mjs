// One worker process for the tests: `node worker-process.mjs` with its settings as JSON in
// WORKER_OPTIONS. Prints "ready" once it takes files; SIGTERM closes it (finishing its files).
import { OcrWorker } from "../dist/index.js";

const options = JSON.parse(process.env.WORKER_OPTIONS ?? "{}");
const worker = new OcrWorker(options);
worker.worker.on("active", (job) => process.stdout.write(`active ${job.id} ${job.data.sotaocrJobId ?? "-"}\n`));
worker.worker.on("completed", (job) => process.stdout.write(`completed ${job.id}\n`));
worker.worker.on("failed", (job, error) => process.stdout.write(`failed ${job?.id} ${error.message}\n`));
worker.stopOnSignals(() => process.stdout.write("closed\n"));
await worker.ready();
process.stdout.write("ready\n");
