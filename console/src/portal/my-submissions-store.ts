/**
 * The submissions this browser sent, per contributor and Datanet, so their fate can be followed
 * (kept in localStorage: ids only, which are public).
 */
const key = (address: string, datanet: string) => `datanet.submissions.${address.toLowerCase()}.${datanet}`;

export function rememberedSubmissions(address: string, datanet: string): { id: string; at: string }[] {
  try {
    return JSON.parse(localStorage.getItem(key(address, datanet)) ?? '[]') as { id: string; at: string }[];
  } catch {
    return [];
  }
}

export function rememberSubmission(address: string, datanet: string, id: string, at: string): void {
  const list = rememberedSubmissions(address, datanet).filter((s) => s.id !== id);
  list.unshift({ id, at });
  localStorage.setItem(key(address, datanet), JSON.stringify(list.slice(0, 200)));
}
