/**
 * Regenerates the sample documents in `examples/data/` (committed; run this only to change them):
 *
 *   pnpm exec tsx scripts/make-samples.ts
 *
 * - `report.pdf`: 3 pages with a real text layer, one topic each (revenue, solar panels, hiking).
 * - `report-scanned.pdf`: the same 3 pages as image-only scans (no text layer).
 * - `page.png`, `page.jpg`: one-page scans (a receipt, a memo).
 * - `mixed.pdf`: 4 pages, 1 and 3 with a text layer, 2 and 4 scanned.
 * - `ground-truth.json`: the exact plain text of every page, in order, by file name.
 *
 * Output is deterministic (fixed dates, no randomness). Scans use DejaVu Sans when installed.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  addScanPage,
  addTextPage,
  newSamplePdf,
  renderScan,
  type SamplePage,
  samplePageText,
} from "../packages/emulator/src/engines/local/sample-render.js";

const OUT_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "examples", "data");
/** Resolution of the scanned pages: enough for accurate OCR, small enough to commit. */
const SCAN_DPI = 200;

const REPORT: SamplePage[] = [
  {
    heading: "Quarterly Revenue Report",
    paragraphs: [
      "Northwind Supplies closed the third quarter with total revenue of 4.82 million dollars, an increase of 12 percent over the same quarter last year. Growth came mostly from the wholesale division, which signed three new regional distributors in July and August.",
      "We issued 1,284 invoices during the quarter. The average invoice value rose to 3,750 dollars, and 91 percent of invoices were paid within the agreed thirty day term. Outstanding receivables at the end of September stood at 612,000 dollars, of which 48,000 dollars are more than sixty days overdue.",
      "The finance team recommends sending automatic payment reminders seven days before each due date and offering a two percent discount for payment within ten days. Both measures should shorten the collection period and improve cash flow before the busy winter season.",
    ],
  },
  {
    heading: "Solar Panel Maintenance",
    paragraphs: [
      "Rooftop solar panels need little care, but dust, pollen and bird droppings can reduce their output by up to fifteen percent. Inspect the panels from the ground every month and look for dirt, cracked glass, loose cables or shading from branches that have grown since the installation.",
      "Clean the panels early in the morning or late in the evening, when the glass is cool. Use a soft brush or sponge with plain water. Never use a pressure washer, abrasive powder or strong detergents, because they can damage the anti reflective coating and void the warranty.",
      "Check the inverter display once a week. A green light means the system is producing power normally. Compare the daily energy yield with the same week of last year; a drop of more than ten percent on sunny days usually points to a fault that a qualified installer should examine.",
    ],
  },
  {
    heading: "Hiking Trail Guide: Eagle Ridge Loop",
    paragraphs: [
      "The Eagle Ridge Loop is a moderate hike of 11 kilometers with an elevation gain of 540 meters. Most walkers complete it in four to five hours. The trail starts at the Pine Hollow parking area, where you will find drinking water, toilets and a map of the park.",
      "Follow the red markers through the beech forest to the first lookout after about three kilometers. From there the path climbs steeply along the ridge, with views over the valley and the lake. The rocky section near the summit can be slippery after rain, so wear boots with a good grip.",
      "Carry at least two liters of water per person, a warm layer and a rain jacket, since the weather on the ridge changes quickly. Dogs are welcome on a leash. Please stay on the marked trail to protect the nesting birds between April and July.",
    ],
  },
];

const RECEIPT: SamplePage = {
  heading: "Corner Bakery",
  paragraphs: [
    "12 Market Street, Springfield\nReceipt 20417, 14 March 2024, 08:42",
    "2 x Sourdough loaf 9.00\n3 x Butter croissant 7.50\n1 x Cinnamon roll 3.25\n1 x Large cappuccino 4.10",
    "Subtotal 23.85\nSales tax 1.91\nTotal 25.76\nPaid by card ending 4821",
    "Thank you for your visit!",
  ],
};

const MEMO: SamplePage = {
  heading: "Memo: Office Move",
  paragraphs: [
    "To: All staff\nFrom: Facilities team\nDate: 3 June 2024",
    "Our office will move to the fourth floor of the Riverside Building on Friday, 21 June. Please pack your desk into the labeled boxes by Thursday afternoon and take home any personal items you need over the weekend.",
    "The movers will arrive at 7 in the morning. Network and phones will be down from Friday noon until Monday at 8. The new parking permits can be collected from reception.",
  ],
};

const MIXED: SamplePage[] = [
  {
    heading: "Team Meeting Minutes",
    paragraphs: [
      "The product team met on Tuesday to review the release schedule. Version 2.4 will ship on 15 November after two more weeks of testing. Maria will prepare the release notes and Tom will update the installation guide.",
      "The team agreed to move the weekly meeting to Wednesday mornings starting next month, so that the support engineers in the Singapore office can join before the end of their day.",
    ],
  },
  {
    heading: "Warehouse Inventory Notice",
    paragraphs: [
      "The annual stock count will take place on Saturday, 7 December. The warehouse will be closed to deliveries from Friday at 4 in the afternoon until Monday morning.",
      "Each shelf will be counted twice by different teams. Please report any damaged pallets, missing labels or broken scanners to the shift supervisor before the count begins.",
    ],
  },
  {
    heading: "Recipe: Red Lentil Soup",
    paragraphs: [
      "Rinse 250 grams of red lentils under cold water. Fry one chopped onion, two cloves of garlic and a grated carrot in olive oil for five minutes, then add one teaspoon of cumin and a pinch of chili flakes.",
      "Add the lentils with one liter of vegetable stock and simmer for twenty minutes until soft. Blend until smooth, season with salt and lemon juice, and serve with warm bread.",
    ],
  },
  {
    heading: "Bicycle Safety Checklist",
    paragraphs: [
      "Before every ride, squeeze both brake levers to make sure the brakes stop the wheels firmly. Check that the tires are inflated to the pressure printed on their sidewall and that the quick release levers are closed.",
      "Lights are required from dusk to dawn: a white light at the front and a red light at the back. Wear a helmet that fits snugly and replace it after any crash.",
    ],
  },
];

async function main(): Promise<void> {
  mkdirSync(OUT_DIR, { recursive: true });
  const files: Record<string, Uint8Array> = {};
  const truth: Record<string, string[]> = {};

  const report = await newSamplePdf("Sample report");
  for (const page of REPORT) await addTextPage(report, page);
  files["report.pdf"] = await report.save();
  truth["report.pdf"] = REPORT.map(samplePageText);

  const scanned = await newSamplePdf("Sample report (scanned)");
  for (const page of REPORT) addScanPage(scanned, renderScan(page, { dpi: SCAN_DPI }));
  files["report-scanned.pdf"] = await scanned.save();
  truth["report-scanned.pdf"] = REPORT.map(samplePageText);

  const mixed = await newSamplePdf("Sample mixed document");
  for (const [i, page] of MIXED.entries()) {
    if (i % 2 === 0) await addTextPage(mixed, page);
    else addScanPage(mixed, renderScan(page, { dpi: SCAN_DPI }));
  }
  files["mixed.pdf"] = await mixed.save();
  truth["mixed.pdf"] = MIXED.map(samplePageText);

  // A narrow till receipt and a half-letter memo, scanned at 300 dpi like a phone scanner app would.
  files["page.png"] = renderScan(RECEIPT, { dpi: 300, sizePt: [360, 500], mono: true }).toBuffer("image/png");
  truth["page.png"] = [samplePageText(RECEIPT)];
  files["page.jpg"] = renderScan(MEMO, { dpi: 300, sizePt: [612, 420] }).toBuffer("image/jpeg", 85);
  truth["page.jpg"] = [samplePageText(MEMO)];

  let total = 0;
  for (const [name, bytes] of Object.entries(files)) {
    writeFileSync(join(OUT_DIR, name), bytes);
    total += bytes.byteLength;
    console.log(`${name.padEnd(20)} ${(bytes.byteLength / 1024).toFixed(1).padStart(8)} KiB`);
  }
  const json = `${JSON.stringify(truth, null, 2)}\n`;
  writeFileSync(join(OUT_DIR, "ground-truth.json"), json);
  total += json.length;
  console.log(`${"total".padEnd(20)} ${(total / 1024).toFixed(1).padStart(8)} KiB`);
}

await main();
