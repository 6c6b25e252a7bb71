import type { Document } from "@langchain/core/documents";
import { describe, expectTypeOf, it } from "vitest";
import {
  type ChunkSource,
  chunkSources,
  type ElementCategory,
  flattenMetadata,
  type SotaOcrElementMetadata,
  type SotaOcrFileMetadata,
  SotaOcrLoader,
  type SotaOcrMetadata,
} from "../src/index.js";

// Compile-time checks (`pnpm typecheck` compiles this file, strict with noUncheckedIndexedAccess):
// what the README shows, `doc.metadata.loc.pageNumber`, type-checks without `!`, and the loader
// says `loc` is absent only where it is (split: "file"). Nothing here loads a file.

describe("the metadata types of SotaOcrLoader's Documents", () => {
  it("pages: loc.pageNumber and pageNumber are always there, from load, lazyLoad and loadAndSplit", () => {
    const pages = new SotaOcrLoader("report.pdf");
    expectTypeOf(pages.load).returns.resolves.toEqualTypeOf<Document<SotaOcrMetadata>[]>();
    expectTypeOf(pages.loadAndSplit).returns.resolves.toEqualTypeOf<Document<SotaOcrMetadata>[]>();
    expectTypeOf(pages.lazyLoad).returns.toEqualTypeOf<AsyncGenerator<Document<SotaOcrMetadata>>>();
    expectTypeOf<SotaOcrMetadata["loc"]["pageNumber"]>().toEqualTypeOf<number>();
    expectTypeOf<SotaOcrMetadata["pageNumber"]>().toEqualTypeOf<number>();
    // The splitters' loc.lines, typed.
    expectTypeOf<SotaOcrMetadata["loc"]["lines"]>().toEqualTypeOf<{ from: number; to: number } | undefined>();
    expectTypeOf(new SotaOcrLoader("report.pdf", { split: "page" }).load).returns.resolves.toEqualTypeOf<Document<SotaOcrMetadata>[]>();
  });

  it('elements (split: "element"): category and page number in the type', () => {
    const elements = new SotaOcrLoader("report.pdf", { split: "element" });
    expectTypeOf(elements.load).returns.resolves.toEqualTypeOf<Document<SotaOcrElementMetadata>[]>();
    expectTypeOf<SotaOcrElementMetadata["page_number"]>().toEqualTypeOf<number>();
    expectTypeOf<SotaOcrElementMetadata["category"]>().toEqualTypeOf<ElementCategory>();
    expectTypeOf<SotaOcrElementMetadata["text_as_html"]>().toEqualTypeOf<string | undefined>();
    expectTypeOf<NonNullable<SotaOcrElementMetadata["coordinates"]>["system"]>().toEqualTypeOf<"PixelSpace">();
    expectTypeOf<SotaOcrElementMetadata["sotaocr"]["pageImage"]>().toEqualTypeOf<string | undefined>();
  });

  it("chunkSources takes a chunk of any split, and flattenMetadata gives only primitive values", () => {
    expectTypeOf<Document<SotaOcrMetadata>>().toExtend<Parameters<typeof chunkSources>[0]>();
    expectTypeOf<Document<SotaOcrElementMetadata>>().toExtend<Parameters<typeof chunkSources>[0]>();
    expectTypeOf<Document<SotaOcrFileMetadata>>().toExtend<Parameters<typeof chunkSources>[0]>();
    expectTypeOf(chunkSources).returns.toEqualTypeOf<ChunkSource[]>();
    expectTypeOf(flattenMetadata).returns.toEqualTypeOf<Record<string, string | number | boolean>>();
  });

  it('whole files (split: "file"): no page number in the type', () => {
    const files = new SotaOcrLoader("report.pdf", { split: "file" });
    expectTypeOf(files.load).returns.resolves.toEqualTypeOf<Document<SotaOcrFileMetadata>[]>();
    expectTypeOf<SotaOcrFileMetadata["pageNumber"]>().toEqualTypeOf<undefined>();
  });

  it("a split only known at run time: any kind", () => {
    const split: "page" | "file" = Math.random() > 2 ? "page" : "file";
    const either = new SotaOcrLoader("report.pdf", { split });
    expectTypeOf(either.load).returns.resolves.toEqualTypeOf<Document<SotaOcrMetadata | SotaOcrFileMetadata>[]>();
  });
});
