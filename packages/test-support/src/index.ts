export { JPEG_HEAD, makePdf, PNG_HEAD, padPdf } from "./fixtures.js";
export { type HoldingProxy, startHoldingProxy } from "./holding-proxy.js";
export { hasRedisServer, startRedis, type TestRedis } from "./redis-server.js";
export { collapse, dataPath, groundTruth } from "./samples.js";
export {
  answerUploadsByFileName,
  drainedOrClosed,
  formOf,
  job,
  type RecordedRequest,
  type Reply,
  type ScriptedServer,
  startScriptedServer,
} from "./scripted-server.js";
