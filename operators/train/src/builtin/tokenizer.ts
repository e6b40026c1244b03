/**
 * Byte-level tokenizer: ids 0-255 are UTF-8 bytes, then three specials. No merges to train or
 * ship, any text round-trips, and token counts are honest byte counts.
 */
export const BOS = 256;
export const EOS = 257;
export const PAD = 258;
export const BYTE_VOCAB_SIZE = 259;

export interface TokenizerFile {
  type: 'bytes';
  vocab_size: number;
  special_tokens: Record<string, number>;
}

export const BYTE_TOKENIZER: TokenizerFile = {
  type: 'bytes',
  vocab_size: BYTE_VOCAB_SIZE,
  special_tokens: { '<bos>': BOS, '<eos>': EOS, '<pad>': PAD },
};

export function encode(text: string, opts: { bos?: boolean; eos?: boolean } = {}): number[] {
  const ids = Array.from(Buffer.from(text, 'utf8'));
  if (opts.bos) ids.unshift(BOS);
  if (opts.eos) ids.push(EOS);
  return ids;
}

export function decode(ids: number[]): string {
  return Buffer.from(ids.filter((i) => i < 256)).toString('utf8');
}

/** How a prompt/response pair is laid out for training and for generation: one place, so both agree. */
export function formatExample(prompt: string, response?: string): string {
  return response === undefined ? `Question: ${prompt}\nAnswer:` : `Question: ${prompt}\nAnswer: ${response}`;
}
