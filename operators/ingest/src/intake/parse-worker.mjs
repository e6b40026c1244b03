// Child process that extracts .docx/.pdf/.parquet under hard limits. Plain JavaScript on purpose:
// it runs without the TypeScript loader of its parent (CLI, tests). Its heap is capped by the
// parent (--max-old-space-size) and it is killed past the wall-time limit, so a hostile file can
// only cost this process, never intake. (A worker thread is not enough: a large allocation past a
// worker's resourceLimits aborts the whole process.)
import { inflateRawSync } from 'node:zlib';

const encoder = new TextEncoder();

class LimitError extends Error {
  constructor(reasonCode, message) {
    super(message);
    this.reasonCode = reasonCode;
  }
}

const send = (m) => process.send(m);
// The parent going away (killed, crashed) must not leave this process behind.
process.on('disconnect', () => process.exit(0));
process.on('message', async (job) => {
  try {
    const out = await extract(job.format, job.bytes, job.limits);
    send({ id: job.id, ok: true, ...out });
  } catch (e) {
    if (e instanceof LimitError) send({ id: job.id, ok: false, reasonCode: e.reasonCode, message: e.message });
    else {
      const first = String((e && e.message) || e)
        .split('\n')[0]
        .slice(0, 300);
      send({ id: job.id, ok: false, reasonCode: 'unparseable', message: `cannot read it as .${job.format}: ${first}` });
    }
  }
});

async function extract(format, bytes, limits) {
  if (format === 'docx') return docx(bytes, limits);
  if (format === 'pdf') return pdf(bytes, limits);
  if (format === 'parquet') return parquet(bytes, limits);
  throw new Error(`no worker parser for .${format}`);
}

function checkText(text, limits, what) {
  const n = encoder.encode(text).length;
  if (n > limits.maxTextBytes) {
    throw new LimitError('too_much_text', `the ${what} is ${n} bytes of text, over limit maxTextBytes (${limits.maxTextBytes})`);
  }
  return n;
}

/**
 * Reads the zip's central directory and inflates every member with a hard output cap before any
 * library sees the archive: sizes declared in a zip can lie, inflateRawSync's maxOutputLength cannot.
 */
function checkZip(bytes, limits) {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 65535); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new LimitError('unparseable', 'cannot read it as .docx: no zip end-of-central-directory record');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  if (count > 10_000) throw new LimitError('decompression_limit', `the archive lists ${count} members; a .docx needs far fewer`);
  let total = 0;
  for (let k = 0; k < count; k++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== 0x02014b50)
      throw new LimitError('unparseable', 'cannot read it as .docx: broken zip central directory');
    const method = buf.readUInt16LE(p + 10);
    const csize = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    p += 46 + nameLen + extraLen + commentLen;
    if (local + 30 > buf.length || buf.readUInt32LE(local) !== 0x04034b50)
      throw new LimitError('unparseable', `cannot read it as .docx: member ${name} has no local header`);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(start, start + csize);
    const budget = limits.maxDecompressedBytes - total;
    let size;
    if (method === 0) size = data.length;
    else if (method === 8) {
      try {
        size = inflateRawSync(data, { maxOutputLength: Math.max(1, budget + 1) }).length;
      } catch (e) {
        if (e && e.code === 'ERR_BUFFER_TOO_LARGE') size = budget + 1;
        else
          throw new LimitError(
            'unparseable',
            `cannot read it as .docx: member ${name} does not inflate (${String(e.message).slice(0, 100)})`,
          );
      }
    } else throw new LimitError('unparseable', `cannot read it as .docx: member ${name} uses compression method ${method}`);
    total += size;
    if (total > limits.maxDecompressedBytes) {
      throw new LimitError(
        'decompression_limit',
        `the archive expands past limit maxDecompressedBytes (${limits.maxDecompressedBytes} bytes) at member ${name}, from ${bytes.length} bytes compressed`,
      );
    }
  }
  return total;
}

async function docx(bytes, limits) {
  const expanded = checkZip(bytes, limits);
  const mammoth = (await import('mammoth')).default;
  const { value } = await mammoth.extractRawText({ buffer: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) });
  return { text: value, textBytes: checkText(value, limits, 'DOCX'), expanded };
}

async function pdf(bytes, limits) {
  const { getDocumentProxy } = await import('unpdf');
  const doc = await getDocumentProxy(new Uint8Array(bytes), { isEvalSupported: false, stopAtErrors: true });
  const pages = doc.numPages;
  if (pages > limits.maxPages)
    throw new LimitError('too_many_pages', `the PDF has ${pages} pages, over limit maxPages (${limits.maxPages})`);
  // Page by page, as unpdf's extractText does, stopping as soon as the text limit is crossed.
  const texts = [];
  let bytesSoFar = 0;
  for (let i = 1; i <= pages; i++) {
    const page = await doc.getPage(i);
    const content = await page.getTextContent();
    const t = content.items
      .filter((it) => it.str != null)
      .map((it) => it.str + (it.hasEOL ? '\n' : ''))
      .join('');
    bytesSoFar += t.length;
    if (bytesSoFar > limits.maxTextBytes)
      throw new LimitError('too_much_text', `the PDF yields more than limit maxTextBytes (${limits.maxTextBytes}) of text by page ${i}`);
    texts.push(t);
    page.cleanup();
  }
  const text = texts
    .join('\n')
    .replace(/[^\S\n]+/g, ' ')
    .replace(/ ?\n ?/g, '\n')
    .replace(/\n{3,}/g, '\n\n');
  await doc.destroy();
  return { text, textBytes: checkText(text, limits, 'PDF'), pages };
}

async function parquet(bytes, limits) {
  const pw = await import('parquet-wasm/node');
  const { tableFromIPC } = await import('apache-arrow');
  // The footer says how many rows and how many bytes the columns expand to: refuse before decoding.
  const file = await pw.ParquetFile.fromFile(new Blob([bytes]));
  const meta = file.metadata();
  const rows = meta.fileMetadata().numRows();
  if (rows > limits.maxRecordsPerFile) {
    throw new LimitError(
      'too_many_records',
      `the Parquet file declares ${rows} rows, over limit maxRecordsPerFile (${limits.maxRecordsPerFile})`,
    );
  }
  let expanded = 0;
  for (const rg of meta.rowGroups()) for (const c of rg.columns()) expanded += Number(c.uncompressedSize());
  if (expanded > limits.maxDecompressedBytes) {
    throw new LimitError(
      'decompression_limit',
      `the Parquet columns expand to ${expanded} bytes, over limit maxDecompressedBytes (${limits.maxDecompressedBytes})`,
    );
  }
  file.free();
  const table = tableFromIPC(pw.readParquet(bytes, { limit: limits.maxRecordsPerFile + 1 }).intoIPCStream());
  if (table.numRows > limits.maxRecordsPerFile)
    throw new LimitError('too_many_records', `the Parquet file has more than ${limits.maxRecordsPerFile} rows (maxRecordsPerFile)`);
  const names = table.schema.fields.map((f) => f.name);
  const out = [];
  let textBytes = 0;
  for (let i = 0; i < table.numRows; i++) {
    const row = table.get(i);
    const value = {};
    for (const n of names) {
      const v = row?.[n];
      value[n] = v === null || v === undefined ? v : typeof v === 'bigint' ? v.toString() : v;
      if (typeof value[n] === 'string') textBytes += value[n].length;
    }
    if (textBytes > limits.maxTextBytes)
      throw new LimitError(
        'too_much_text',
        `the Parquet rows hold more than limit maxTextBytes (${limits.maxTextBytes}) of text by row ${i + 1}`,
      );
    out.push({ where: `row ${i + 1}`, value });
  }
  return { rows: out, expanded };
}
