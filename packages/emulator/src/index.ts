export type { Engine, EngineBlock, EngineDocument, EngineFileType, EnginePage } from "./engine.js";
export { EngineInputError } from "./engine.js";
export type { OcrModel } from "./engines/local/ocr-model.js";
export { createSyntheticEngine, type SyntheticEngineOptions } from "./engines/synthetic.js";
export {
  DEFAULT_API_KEY,
  type EmulatorOptions,
  type FaultOptions,
  type LocalOptions,
  MODEL_PROFILES,
  type PageNumbering,
  type ResultShape,
  type RouteName,
  type SyntheticOptions,
} from "./options.js";
export { type InjectedFault, RequestLog, type RequestLogEntry } from "./request-log.js";
export { type Emulator, startEmulator } from "./server.js";
export { VERSION } from "./version.js";
