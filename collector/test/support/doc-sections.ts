/**
 * Generated sections of a Markdown document: the text between
 * `<!-- xray-output: NAME -->` and `<!-- /xray-output -->` is produced by a
 * test (the real output of a command), so the document cannot drift from
 * the program. The test compares, or rewrites when asked.
 */

const SECTION = /<!-- xray-output: ([a-z0-9-]+) -->\n([\s\S]*?)<!-- \/xray-output -->/g;

/** The sections of a document by name, with their current text. */
export function readSections(markdown: string): Map<string, string> {
  const sections = new Map<string, string>();
  for (const match of markdown.matchAll(SECTION)) {
    if (sections.has(match[1])) throw new Error(`section ${match[1]} appears twice`);
    sections.set(match[1], match[2]);
  }
  return sections;
}

/** The document with each named section's text replaced; other text is untouched. */
export function writeSections(markdown: string, texts: Map<string, string>): string {
  return markdown.replace(SECTION, (whole, name: string) => {
    const text = texts.get(name);
    return text === undefined ? whole : `<!-- xray-output: ${name} -->\n${text}<!-- /xray-output -->`;
  });
}

/** A fenced block showing a command line and what it printed. */
export function commandBlock(commandLine: string, output: string): string {
  return '```text\n$ ' + commandLine + '\n' + output.replace(/\n+$/, '') + '\n```\n';
}
