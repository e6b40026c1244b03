// Real hostile files, generated (never committed): a zip bomb .docx, a PDF whose page tree lists
// one page a million times, a row-bomb Parquet. Each is small on disk and huge when parsed naively.
import { constants, crc32, deflateRawSync } from 'node:zlib';
import { Table, Utf8, vectorFromArray } from 'apache-arrow';
import { tableToParquet } from '@datanet/pipelines';

const MIB = 1024 * 1024;

interface ZipMember {
  name: string;
  deflated: Buffer;
  crc: number;
  size: number;
}

/** A zip (deflate members) with correct headers, CRCs and sizes, as any zip reader expects. */
function zip(members: ZipMember[]): Uint8Array {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const m of members) {
    const name = Buffer.from(m.name, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(m.crc, 14);
    local.writeUInt32LE(m.deflated.length, 18);
    local.writeUInt32LE(m.size, 22);
    local.writeUInt16LE(name.length, 26);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(20, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(8, 10);
    cd.writeUInt32LE(m.crc, 16);
    cd.writeUInt32LE(m.deflated.length, 20);
    cd.writeUInt32LE(m.size, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt32LE(offset, 42);
    parts.push(local, name, m.deflated);
    central.push(cd, name);
    offset += local.length + name.length + m.deflated.length;
  }
  const cdBytes = Buffer.concat(central);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(members.length, 8);
  eocd.writeUInt16LE(members.length, 10);
  eocd.writeUInt32LE(cdBytes.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...parts, cdBytes, eocd]));
}

function member(name: string, text: string): ZipMember {
  const data = Buffer.from(text, 'utf8');
  return { name, deflated: deflateRawSync(data), crc: crc32(data), size: data.length };
}

/**
 * A member of head + chunk x times + tail. Independent deflate streams flushed without a final
 * block concatenate into one valid stream, so the repeated chunk is compressed once: a 340 MB
 * document costs a few hundred KB and a fraction of a second to make.
 */
function repeatedMember(name: string, head: string, chunk: string, times: number, tail: string): ZipMember {
  const [h, c, t] = [head, chunk, tail].map((s) => Buffer.from(s, 'utf8'));
  const sync = { finishFlush: constants.Z_SYNC_FLUSH, level: 9 };
  const dc = deflateRawSync(c, sync);
  const deflated = Buffer.concat([deflateRawSync(h, sync), ...Array.from({ length: times }, () => dc), deflateRawSync(t, { level: 9 })]);
  let crc = crc32(h);
  for (let i = 0; i < times; i++) crc = crc32(c, crc);
  crc = crc32(t, crc);
  return { name, deflated, crc, size: h.length + c.length * times + t.length };
}

const CONTENT_TYPES =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>';
const RELS =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>';
const DOC_HEAD =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>';
const DOC_TAIL = '</w:body></w:document>';

/** A .docx whose document.xml is `mib` MiB of repetitive markup (empty runs: almost no text). */
export function zipBombDocx(mib = 340): Uint8Array {
  const unit = '<w:p><w:r><w:rPr><w:b/></w:rPr></w:r></w:p>';
  const chunk = unit.repeat(Math.floor(MIB / unit.length));
  return zip([
    member('[Content_Types].xml', CONTENT_TYPES),
    member('_rels/.rels', RELS),
    repeatedMember('word/document.xml', DOC_HEAD, chunk, mib, DOC_TAIL),
  ]);
}

/** A .docx holding `mib` MiB of paragraph text. */
export function textBombDocx(mib = 200): Uint8Array {
  const unit = '<w:p><w:r><w:t>Aspirin thins the blood and eases pain in most adults.</w:t></w:r></w:p>';
  const chunk = unit.repeat(Math.floor(MIB / unit.length));
  return zip([
    member('[Content_Types].xml', CONTENT_TYPES),
    member('_rels/.rels', RELS),
    repeatedMember('word/document.xml', DOC_HEAD, chunk, mib, DOC_TAIL),
  ]);
}

/** A PDF whose page tree lists the same page object `times` times (and counts them all). */
export function pageTreePdf(times = 1_000_000): Uint8Array {
  const stream = 'BT /F1 12 Tf 72 720 Td (one page, many times) Tj ET';
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [${'3 0 R '.repeat(times)}] /Count ${times} >>`,
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) out += `${String(off).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new TextEncoder().encode(out);
}

/** A Parquet file of `rows` identical Q&A rows: dictionary-encoded and compressed to almost nothing. */
export async function rowBombParquet(rows = 300_000): Promise<Uint8Array> {
  const col = (s: string) =>
    vectorFromArray(
      Array.from({ length: rows }, () => s),
      new Utf8(),
    );
  return tableToParquet(new Table({ question: col('What is the same question?'), answer: col('The same answer, again and again.') }));
}
