import { readFile } from "node:fs/promises";

interface NotebookCell {
  cell_type: string;
  source: string | string[];
}

/** The code cells of a Jupyter notebook, in order, as one TypeScript module. */
export async function notebookCode(path: string): Promise<string> {
  const notebook = JSON.parse(await readFile(path, "utf8")) as { cells: NotebookCell[] };
  return notebook.cells
    .filter((cell) => cell.cell_type === "code")
    .map((cell) => (Array.isArray(cell.source) ? cell.source.join("") : cell.source))
    .join("\n\n");
}
