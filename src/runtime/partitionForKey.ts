/**
 * Kafka's default partitioner (murmur2 of the key, positive, modulo the partition count), so that
 * the in-process bus puts an account on the same shard that Kafka would put it on.
 */
const encoder = new TextEncoder();

export function partitionForKey(key: string, partitionCount: number): number {
  return ((murmur2OfAscii(key) ?? murmur2(encoder.encode(key))) & 0x7fffffff) % partitionCount;
}

/** Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2), seed 0x9747b28c. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = SEED ^ length;
  const blocks = length >> 2;
  for (let i = 0; i < blocks; i++) {
    const o = i * 4;
    h = mixed(h, data[o]! | (data[o + 1]! << 8) | (data[o + 2]! << 16) | (data[o + 3]! << 24));
  }
  const tail = blocks * 4;
  return finished(h, length & 3, data[tail]!, data[tail + 1]!, data[tail + 2]!);
}

/**
 * murmur2 of an ASCII key's bytes, read from the string itself (each character is its one UTF-8
 * byte), or null when the key is not ASCII. Every read and every message routes by its account's
 * hash; encoding the key first made a new array each time.
 */
export function murmur2OfAscii(key: string): number | null {
  const length = key.length;
  let h = SEED ^ length;
  let seen = 0;
  const blocks = length >> 2;
  for (let i = 0; i < blocks; i++) {
    const o = i * 4;
    const a = key.charCodeAt(o), b = key.charCodeAt(o + 1), c = key.charCodeAt(o + 2), d = key.charCodeAt(o + 3);
    seen |= a | b | c | d;
    h = mixed(h, a | (b << 8) | (c << 16) | (d << 24));
  }
  const tail = blocks * 4;
  for (let i = tail; i < length; i++) seen |= key.charCodeAt(i);
  if (seen > 0x7f) return null;
  return finished(h, length & 3, key.charCodeAt(tail), key.charCodeAt(tail + 1), key.charCodeAt(tail + 2));
}

const M = 0x5bd1e995;
const SEED = 0x9747b28c;

/** One 4-byte block mixed into the hash. */
function mixed(h: number, block: number): number {
  let k = Math.imul(block, M);
  k ^= k >>> 24;
  k = Math.imul(k, M);
  return Math.imul(h, M) ^ k;
}

/** The last `rest` (0–3) bytes, then the final avalanche. */
function finished(hash: number, rest: number, b0: number, b1: number, b2: number): number {
  let h = hash;
  if (rest >= 3) h ^= b2 << 16;
  if (rest >= 2) h ^= b1 << 8;
  if (rest >= 1) {
    h ^= b0;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}
