export const SC = 'https://schema.org/';
export const CR = 'http://mlcommons.org/croissant/';
export const RAI = 'http://mlcommons.org/croissant/RAI/';
export const DCT = 'http://purl.org/dc/terms/';
export const PROV = 'http://www.w3.org/ns/prov#';
export const CROISSANT_1_1 = 'http://mlcommons.org/croissant/1.1';

const crTerms = [
  'arrayShape',
  'citeAs',
  'column',
  'containedIn',
  'extract',
  'field',
  'fileProperty',
  'fileObject',
  'fileSet',
  'format',
  'includes',
  'isArray',
  'isLiveDataset',
  'jsonPath',
  'key',
  'md5',
  'parentField',
  'path',
  'recordSet',
  'references',
  'regex',
  'repeated',
  'replace',
  'separator',
  'source',
  'subField',
  'transform',
] as const;

/** The recommended Croissant 1.1 JSON-LD context (spec, Appendix 1), plus the RAI and PROV prefixes. */
export function croissantContext(): Record<string, unknown> {
  const ctx: Record<string, unknown> = {
    '@language': 'en',
    '@vocab': SC,
    sc: SC,
    cr: CR,
    rai: RAI,
    dct: DCT,
    prov: PROV,
    conformsTo: 'dct:conformsTo',
    data: { '@id': 'cr:data', '@type': '@json' },
    dataType: { '@id': 'cr:dataType', '@type': '@vocab' },
    examples: { '@id': 'cr:examples', '@type': '@json' },
  };
  for (const t of crTerms) ctx[t] = `cr:${t}`;
  return Object.fromEntries(Object.entries(ctx).sort(([a], [b]) => (a.startsWith('@') ? -1 : b.startsWith('@') ? 1 : a.localeCompare(b))));
}
