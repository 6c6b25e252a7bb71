// One vocabulary for what an element is, whatever labels the service used
// (docs/api-contract.md#elements-and-their-categories).

/** What a page element is. Labels the service sends that map to none of these become "uncategorized". */
export type ElementCategory =
  | "title"
  | "heading"
  | "text"
  | "list_item"
  | "table"
  | "table_caption"
  | "image"
  | "figure_caption"
  | "chart"
  | "formula"
  | "code"
  | "header"
  | "footer"
  | "page_number"
  | "footnote"
  | "aside"
  | "reference"
  | "uncategorized";

export const ELEMENT_CATEGORIES: readonly ElementCategory[] = [
  "title",
  "heading",
  "text",
  "list_item",
  "table",
  "table_caption",
  "image",
  "figure_caption",
  "chart",
  "formula",
  "code",
  "header",
  "footer",
  "page_number",
  "footnote",
  "aside",
  "reference",
  "uncategorized",
];

// PaddleOCR's layout labels (PP-StructureV3 and its predecessors) and the words other services use.
const LABELS: ReadonlyMap<string, ElementCategory> = new Map(
  Object.entries({
    doc_title: "title",
    title: "title",
    paragraph_title: "heading",
    heading: "heading",
    section_header: "heading",
    text: "text",
    paragraph: "text",
    plain_text: "text",
    content: "text",
    abstract: "text",
    list: "list_item",
    list_item: "list_item",
    table: "table",
    table_title: "table_caption",
    table_caption: "table_caption",
    table_footnote: "footnote",
    image: "image",
    figure: "image",
    picture: "image",
    seal: "image",
    header_image: "header",
    footer_image: "footer",
    figure_title: "figure_caption",
    figure_caption: "figure_caption",
    chart_title: "figure_caption",
    caption: "figure_caption",
    chart: "chart",
    formula: "formula",
    equation: "formula",
    isolate_formula: "formula",
    formula_number: "formula",
    algorithm: "code",
    code: "code",
    header: "header",
    page_header: "header",
    footer: "footer",
    page_footer: "footer",
    number: "page_number",
    page_number: "page_number",
    footnote: "footnote",
    vision_footnote: "footnote",
    aside_text: "aside",
    aside: "aside",
    reference: "reference",
    reference_content: "reference",
  }) as [string, ElementCategory][],
);

/** The category of a label as the service sent it (case and `-`/space insensitive); unknown → "uncategorized". */
export function categoryOf(label: string | undefined): ElementCategory {
  if (label === undefined) return "text";
  return (
    LABELS.get(label) ??
    LABELS.get(
      label
        .trim()
        .toLowerCase()
        .replace(/[\s-]+/g, "_"),
    ) ??
    "uncategorized"
  );
}
