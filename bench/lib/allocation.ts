import { Session } from "node:inspector/promises";

/**
 * Bytes a step allocates on the JS heap, garbage included: V8's sampling heap profiler, keeping
 * the samples of objects collected since. An estimate (one sample per `intervalBytes` on average)
 * that, unlike time, does not move with the machine's load: what the garbage collector has to
 * deal with. Mean of `runs` after one warm-up run.
 */
export async function allocatedBytes(work: () => unknown, runs = 5, intervalBytes = 4096): Promise<number> {
  const session = new Session();
  session.connect();
  try {
    await session.post("HeapProfiler.enable");
    work();
    await session.post("HeapProfiler.startSampling", {
      samplingInterval: intervalBytes,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    for (let i = 0; i < runs; i++) work();
    const { profile } = await session.post("HeapProfiler.stopSampling");
    let total = 0;
    const add = (node: SampleNode) => {
      total += node.selfSize;
      for (const child of node.children) add(child);
    };
    add(profile.head);
    return total / runs;
  } finally {
    session.disconnect();
  }
}

interface SampleNode {
  selfSize: number;
  children: SampleNode[];
}
