import { readFile, writeFile } from "node:fs/promises";

/** The markers around a section a benchmark writes into a document. */
export interface SectionMarkers {
  begin: string;
  end: string;
}

/**
 * Writes `section` into `path` between `markers.begin` and `markers.end`,
 * markers included, keeping everything else; without the markers in the
 * file, appends the section; without the file, creates it with `intro`.
 */
export async function writeSection(path: string, markers: SectionMarkers, section: string, intro: string): Promise<void> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    text = `${intro.trimEnd()}\n`;
  }
  const wrapped = `${markers.begin}\n\n${section.trim()}\n\n${markers.end}`;
  const begin = text.indexOf(markers.begin);
  const end = text.indexOf(markers.end);
  const next =
    begin >= 0 && end > begin
      ? text.slice(0, begin) + wrapped + text.slice(end + markers.end.length)
      : `${text.trimEnd()}\n\n${wrapped}\n`;
  await writeFile(path, next);
}
