import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseKnowledgeBase, type KnowledgeBase } from '../../src/knowledge/kb.ts';

export const KB_PATH = fileURLToPath(new URL('../../tools/default-bundle/kb/gold-loan.json', import.meta.url));

/** The shipped knowledge base, read straight from the file (the bundle tests go through DirSource). */
export function loadKb(): KnowledgeBase {
  return parseKnowledgeBase(JSON.parse(readFileSync(KB_PATH, 'utf8')), KB_PATH);
}
