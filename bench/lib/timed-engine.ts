import { open } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { performance } from "node:perf_hooks";
import { createSyntheticEngine, type Engine, type EngineDocument } from "@sotaocr/emulator";

/** When the server finished a job, in `performance.now()` of this process (the emulator runs in it). */
export interface JobTiming {
  startedAt: number;
  completedAt: number | undefined;
  pages: number;
  msPerPage: number;
}

/** The synthetic engine, with each document's page time read from its `%bench msPerPage=` line, and timed. */
export interface TimedEngine extends Engine {
  /** Timings by job id (the emulator stores each upload under a directory named after its job). */
  readonly timings: ReadonlyMap<string, JobTiming>;
}

const MARKER = /%bench msPerPage=(\d+(?:\.\d+)?)/;

/**
 * The emulator's synthetic engine (pages at a set pace, with progress), but with a page time per
 * document instead of one per server, so one emulator serves jobs of 2 s and of 60 s side by side.
 * It records when the last page of each job was read: the moment the job completes on the server.
 */
export function createTimedEngine(defaultMsPerPage = 50): TimedEngine {
  const timings = new Map<string, JobTiming>();
  const engines = new Map<number, Engine>();
  const engineFor = (msPerPage: number) => {
    let engine = engines.get(msPerPage);
    if (!engine) {
      engine = createSyntheticEngine({ msPerPage });
      engines.set(msPerPage, engine);
    }
    return engine;
  };
  return {
    name: "synthetic",
    pageConcurrency: 1,
    timings,
    async open(path, fileType, signal): Promise<EngineDocument> {
      const msPerPage = (await readMarker(path)) ?? defaultMsPerPage;
      const document = await engineFor(msPerPage).open(path, fileType, signal);
      const timing: JobTiming = { startedAt: performance.now(), completedAt: undefined, pages: document.pageCount, msPerPage };
      timings.set(basename(dirname(path)), timing);
      let read = 0;
      return {
        pageCount: document.pageCount,
        previewPage: (pageNumber) => document.previewPage(pageNumber),
        close: () => document.close(),
        async readPage(pageNumber, pageSignal) {
          const page = await document.readPage(pageNumber, pageSignal);
          // The job queue marks the job completed in the same tick as its last page is recorded.
          if (++read === document.pageCount) timing.completedAt = performance.now();
          return page;
        },
      };
    },
    async close() {
      await Promise.all([...engines.values()].map((engine) => engine.close()));
    },
  };
}

async function readMarker(path: string): Promise<number | undefined> {
  const file = await open(path, "r");
  try {
    const head = Buffer.alloc(128);
    const { bytesRead } = await file.read(head, 0, head.length, 0);
    const match = MARKER.exec(head.subarray(0, bytesRead).toString("latin1"));
    return match ? Number(match[1]) : undefined;
  } finally {
    await file.close();
  }
}
