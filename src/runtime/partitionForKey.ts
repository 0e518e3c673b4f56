/**
 * Kafka's default partitioner (murmur2 of the key, positive, modulo the partition count), so that
 * the in-process bus puts an account on the same shard that Kafka would put it on.
 */
const encoder = new TextEncoder();

export function partitionForKey(key: string, partitionCount: number): number {
  return ((murmur2OfAscii(key) ?? murmur2(encoder.encode(key))) & 0x7fffffff) % partitionCount;
}

/**
 * murmur2 of an ASCII key's bytes, read from the string itself (each character is its one UTF-8
 * byte), or null when the key is not ASCII. Every read and every message routes by its account's
 * hash; encoding the key first made a new array each time.
 */
export function murmur2OfAscii(key: string): number | null {
  const m = 0x5bd1e995;
  const length = key.length;
  let h = 0x9747b28c ^ length;
  let seen = 0;
  const blocks = length >> 2;
  for (let i = 0; i < blocks; i++) {
    const o = i * 4;
    let k = key.charCodeAt(o) | (key.charCodeAt(o + 1) << 8) | (key.charCodeAt(o + 2) << 16) | (key.charCodeAt(o + 3) << 24);
    seen |= key.charCodeAt(o) | key.charCodeAt(o + 1) | key.charCodeAt(o + 2) | key.charCodeAt(o + 3);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const tail = blocks * 4;
  const rest = length & 3;
  for (let i = tail; i < length; i++) seen |= key.charCodeAt(i);
  if (seen > 0x7f) return null;
  if (rest >= 3) h ^= key.charCodeAt(tail + 2) << 16;
  if (rest >= 2) h ^= key.charCodeAt(tail + 1) << 8;
  if (rest >= 1) {
    h ^= key.charCodeAt(tail);
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2), seed 0x9747b28c. */
export function murmur2(data: Uint8Array): number {
  const m = 0x5bd1e995;
  const length = data.length;
  let h = 0x9747b28c ^ length;
  const blocks = length >> 2;
  for (let i = 0; i < blocks; i++) {
    const o = i * 4;
    let k = data[o]! | (data[o + 1]! << 8) | (data[o + 2]! << 16) | (data[o + 3]! << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const tail = blocks * 4;
  const rest = length & 3;
  if (rest >= 3) h ^= data[tail + 2]! << 16;
  if (rest >= 2) h ^= data[tail + 1]! << 8;
  if (rest >= 1) {
    h ^= data[tail]!;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}
