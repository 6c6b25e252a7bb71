import { MODEL_PROFILES } from "./options.js";
import type { Reply, RequestContext, ServerState } from "./request-context.js";
import { VERSION } from "./version.js";

/** `GET /v1/balance`: the key's pages, in the shape the API docs show. */
export function getBalance(state: ServerState, context: RequestContext): Reply {
  const { account } = context;
  const remaining = account.remainingPages;
  const allowance = { total: state.config.initialBalance, allocated: account.usedPages, remaining };
  return {
    status: 200,
    json: {
      entity_code: "scan_page",
      remaining_pages: remaining,
      total_affordable_pages: remaining,
      monthly_pages: allowance,
      lifetime_pages: { ...allowance },
      tokens: { total: 0, allocated: 0, remaining: 0, affordable_pages: 0 },
      token_price: 10,
    },
  };
}

/** `GET /api/v1/info`: the model profiles, and what this emulator is set up to do. */
export function getInfo(state: ServerState): Reply {
  const { config } = state;
  return {
    status: 200,
    json: {
      model_profiles: [...MODEL_PROFILES],
      default_model_profile: MODEL_PROFILES[0],
      emulator: {
        version: VERSION,
        engine: state.engine.name,
        // Which tesseract model the built-in local engine reads with (an Engine of your own has its own).
        ...(config.engine === "local" ? { ocr_model: config.local.ocrModel } : {}),
        result_shape: config.resultShape,
        page_numbering: config.pageNumbering,
        max_upload_bytes: config.maxUploadBytes,
        poll_interval_ms: config.pollIntervalMs,
      },
    },
  };
}
