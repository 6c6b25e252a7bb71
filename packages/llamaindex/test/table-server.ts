import { readFile } from "node:fs/promises";
import { job, makePdf, type ScriptedServer, startScriptedServer } from "@sotaocr/test-support";
import { dataPath } from "./support.js";

// A service whose result has a table: PaddleOCR-shaped JSON (parsing_res_list, the table as HTML),
// two pages, and page previews. The emulator's engines may not detect tables; this one always has.

export const TABLE_HTML =
  "<table><tr><td>Trail</td><td>Length</td><td>Elevation gain</td></tr>" +
  "<tr><td>Eagle Ridge Loop</td><td>7.2 km</td><td>410 m</td></tr>" +
  "<tr><td>Cedar Creek Path</td><td>3.1 km</td><td>85 m</td></tr></table>";

const PAGES = [
  {
    page_index: 0,
    doc_preprocessor_res: { angle: 0 },
    page_preview: { width: 1224, height: 1584 },
    parsing_res_list: [
      { block_label: "doc_title", block_content: "Hiking Trails of the Valley", block_bbox: [144, 120, 900, 180] },
      {
        block_label: "text",
        block_content: "The valley offers trails for every walker, from short creek paths to steep ridge loops.",
        block_bbox: [144, 220, 1080, 300],
      },
      { block_label: "table_title", block_content: "Table 1: Trails by length", block_bbox: [144, 340, 700, 370] },
      { block_label: "table", block_content: TABLE_HTML, block_bbox: [144, 380, 1080, 620] },
    ],
  },
  {
    page_index: 1,
    doc_preprocessor_res: { angle: 90 },
    page_preview: { width: 1224, height: 1584 },
    parsing_res_list: [
      { block_label: "paragraph_title", block_content: "Safety", block_bbox: [144, 120, 500, 170] },
      {
        block_label: "text",
        block_content: "Carry water and a map; the ridge has no shade after the second bridge.",
        block_bbox: [144, 200, 1080, 280],
      },
    ],
  },
];

/** The PDF to upload: two pages (the server answers the same whatever is sent). */
export const TABLE_PDF = makePdf(["Hiking Trails of the Valley", "Safety"]);

/** A scripted service answering one job, `job_tbl`, with the pages above (any number of uploads). */
export async function startTableServer(): Promise<ScriptedServer> {
  // Two different images, so an image query can tell the pages apart.
  const [png, jpeg] = await Promise.all([readFile(dataPath("page.png")), readFile(dataPath("page.jpg"))]);
  const server = await startScriptedServer();
  return server
    .on("POST /v1/extract", job("job_tbl", "pending"))
    .on("GET /v1/jobs/job_tbl", job("job_tbl", "completed", 2, 2))
    .on("GET /v1/jobs/job_tbl/result", { json: { job_id: "job_tbl", format: "json", page_count: 2, content: PAGES } })
    .on("GET /v1/jobs/job_tbl/pages/1/preview", { body: png, headers: { "content-type": "image/png" } })
    .on("GET /v1/jobs/job_tbl/pages/2/preview", { body: jpeg, headers: { "content-type": "image/jpeg" } });
}
