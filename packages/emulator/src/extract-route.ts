import { mkdir, rename, rm } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import { join } from "node:path";
import type { Account } from "./accounts.js";
import { EXTENSIONS } from "./file-type.js";
import { ApiError, isoSeconds } from "./http.js";
import type { Job } from "./jobs.js";
import { MULTIPART_SLACK_BYTES, type ReceivedFile, receiveUpload } from "./multipart.js";
import { MODEL_PROFILES } from "./options.js";
import { type PageRange, parsePageRanges } from "./page-ranges.js";
import type { Reply, RequestContext, ServerState } from "./request-context.js";

/** Longest `Idempotency-Key` accepted. */
const MAX_IDEMPOTENCY_KEY = 255;

/** Refuses an upload whose declared size is surely too large, before reading any of it. */
export function checkDeclaredLength(req: IncomingMessage, maxUploadBytes: number): void {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxUploadBytes + MULTIPART_SLACK_BYTES) {
    throw new ApiError(
      413,
      "file_too_large",
      `The upload (${declared} bytes) is larger than this server accepts (${maxUploadBytes} bytes).`,
      { connection: "close" },
    );
  }
}

/**
 * `POST /v1/extract`: stores the file, checks it and its fields, and creates a job, or replays the
 * job an earlier upload with the same `Idempotency-Key` created. An injected ambiguous upload
 * creates (or finds) the job, then drops the connection unanswered.
 */
export async function extract(state: ServerState, context: RequestContext): Promise<Reply> {
  const { req, res, entry, account } = context;
  // From the request, not the log entry: the log cuts long values short.
  const header = req.headers["idempotency-key"];
  const idempotencyKey = typeof header === "string" ? header : undefined;
  if (idempotencyKey !== undefined && (idempotencyKey.length === 0 || idempotencyKey.length > MAX_IDEMPOTENCY_KEY)) {
    throw new ApiError(400, "invalid_idempotency_key", `Idempotency-Key must be 1–${MAX_IDEMPOTENCY_KEY} characters.`);
  }
  const upload = await receiveUpload(req, { dir: state.dataDir, maxFileBytes: state.config.maxUploadBytes });
  const file = upload.file;
  if (file) {
    entry.sha256 = file.sha256;
    entry.bytes = file.bytes;
  }
  let job: Job;
  try {
    const checked = checkUpload(file, upload.fields);
    const fingerprint = JSON.stringify([checked.file.sha256, checked.pageRanges ?? null, checked.modelProfile]);
    if (idempotencyKey !== undefined) {
      const replay = replayed(state, account, idempotencyKey, fingerprint);
      if (replay) {
        await rm(checked.file.path, { force: true });
        entry.jobId = replay.id;
        if (context.fault?.kind === "ambiguous_upload") {
          res.socket?.destroy();
          return undefined;
        }
        return { status: 200, json: uploadBody(replay), headers: { "idempotent-replayed": "true" } };
      }
    }
    if (account.remainingPages <= 0) {
      throw new ApiError(402, "insufficient_balance", "This API key has no pages left (GET /v1/balance).");
    }
    const maxActive = state.config.maxActiveJobsPerKey;
    if (state.jobs.activeCount(account.index) >= maxActive) {
      throw new ApiError(
        429,
        "too_many_active_jobs",
        `This API key already has ${maxActive} jobs pending or running; wait for one to finish.`,
        {},
        1000,
      );
    }
    job = state.jobs.add({
      keyIndex: account.index,
      dir: "",
      filePath: "",
      fileType: checked.fileType,
      sha256: checked.file.sha256,
      bytes: checked.file.bytes,
      pageRanges: checked.pageRanges,
      modelProfile: checked.modelProfile,
      injectedFailure: state.faults.failsJob(checked.file.sha256),
      idempotencyKey,
    });
    // Registered before any await, so a concurrent retry with the same key finds this job.
    if (idempotencyKey !== undefined) account.idempotency.set(idempotencyKey, { jobId: job.id, fingerprint });
    const dir = join(state.dataDir, job.id);
    const path = join(dir, `document.${EXTENSIONS[checked.fileType]}`);
    Object.assign(job, { dir, filePath: path });
    await mkdir(dir, { recursive: true });
    await rename(checked.file.path, path);
  } catch (error) {
    if (file) await rm(file.path, { force: true }).catch(() => undefined);
    throw error;
  }
  entry.jobId = job.id;
  state.jobs.start(job);
  if (context.fault?.kind === "ambiguous_upload") {
    res.socket?.destroy();
    return undefined;
  }
  return { status: 200, json: uploadBody(job) };
}

function checkUpload(file: ReceivedFile | undefined, fields: Map<string, string>) {
  if (!file) throw new ApiError(400, "missing_file", 'No file: send the document as the multipart part "file" (with a filename).');
  if (file.bytes === 0) throw new ApiError(400, "empty_file", "The file is empty (0 bytes).");
  if (!file.fileType) {
    throw new ApiError(415, "unsupported_file_type", "The file is not a PDF, PNG or JPEG (judged by its first bytes).");
  }
  const rangesField = fields.get("page_ranges");
  const pageRanges: PageRange[] | undefined =
    rangesField === undefined || rangesField.trim() === "" ? undefined : parsePageRanges(rangesField);
  const modelProfile = fields.get("model_profile") || (MODEL_PROFILES[0] as string);
  if (!MODEL_PROFILES.includes(modelProfile)) {
    throw new ApiError(
      400,
      "invalid_model_profile",
      `Unknown model_profile ${JSON.stringify(modelProfile)}; use one of ${MODEL_PROFILES.join(", ")} (GET /api/v1/info).`,
    );
  }
  return { file, fileType: file.fileType, pageRanges, modelProfile };
}

/** The job an earlier upload with this Idempotency-Key created, or 409 if it uploaded something else. */
function replayed(state: ServerState, account: Account, key: string, fingerprint: string): Job | undefined {
  const record = account.idempotency.get(key);
  if (!record) return undefined;
  const job = state.jobs.get(record.jobId, account.index);
  if (!job) {
    account.idempotency.delete(key);
    return undefined;
  }
  if (record.fingerprint !== fingerprint) {
    throw new ApiError(
      409,
      "idempotency_key_reused",
      `Idempotency-Key ${JSON.stringify(key)} was already used for a different upload (job ${job.id}); use a new key for a new upload.`,
    );
  }
  return job;
}

function uploadBody(job: Job) {
  return { id: job.id, status: job.status, page_count: job.pageNumbers?.length ?? 0, created_at: isoSeconds(job.createdAt) };
}
