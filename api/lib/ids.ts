import { randomFillSync } from "node:crypto";
import type { Hex } from "viem";

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const TIME_CHARS = 10;
/** 80 random bits: 10 bytes, 16 base32 characters. */
const RANDOM_BYTES = 10;

/**
 * Random bytes from a CSPRNG, drawn in blocks: one `randomFillSync` per 4 KiB instead of one call per id, which
 * on the order path costs more than everything else about an id. Each byte is handed out once.
 */
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

function randomSlice(size: number): Buffer {
  if (poolOffset + size > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const slice = pool.subarray(poolOffset, poolOffset + size);
  poolOffset += size;
  return slice;
}

let lastTime = -1;
const lastRandom = Buffer.alloc(RANDOM_BYTES);

/** Adds one to a big-endian number in place, wrapping to zero. */
function increment(bytes: Buffer) {
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i]! < 255) {
      bytes[i]! += 1;
      return;
    }
    bytes[i] = 0;
  }
}

function encodeTime(time: number): string {
  let out = "";
  for (let i = 0; i < TIME_CHARS; i++, time = Math.floor(time / 32)) out = CROCKFORD[time % 32] + out;
  return out;
}

/** Crockford base32, five bits at a time, most significant first: 10 bytes become 16 characters. */
export function encodeRandom(bytes: Uint8Array): string {
  let out = "";
  for (let group = 0; group < RANDOM_BYTES; group += 5) {
    // 40 bits in two parts that each fit a 32-bit integer: 8 high bits, then 32 low bits.
    const high = bytes[group]!;
    const low = ((bytes[group + 1]! << 24) | (bytes[group + 2]! << 16) | (bytes[group + 3]! << 8) | bytes[group + 4]!) >>> 0;
    out += CROCKFORD[high >>> 3]! + CROCKFORD[((high & 7) << 2) | (low >>> 30)]!;
    for (let shift = 25; shift >= 0; shift -= 5) out += CROCKFORD[(low >>> shift) & 31]!;
  }
  return out;
}

/**
 * A prefixed, time-ordered id (`ord_01J…`, ULID layout): 10 characters of milliseconds then 16 random ones,
 * Crockford base32. Ids sort by creation time and serve directly as pagination cursors; within one millisecond
 * (or a clock that stands still) this process counts up, so events written together keep their order.
 */
export function newId(prefix: "mch" | "key" | "ord" | "pay" | "unm" | "evt" | "we" | "wd" | "wa" | "usr" | "aud" | "pch" | "rfd", now = Date.now()): string {
  if (now <= lastTime) {
    increment(lastRandom);
  } else {
    lastTime = now;
    randomSlice(RANDOM_BYTES).copy(lastRandom);
  }
  return `${prefix}_${encodeTime(lastTime)}${encodeRandom(lastRandom)}`;
}

/** The opaque on-chain refund reference: 32 random bytes, like an order reference. */
export const newRefundRef = (): Hex => `0x${randomSlice(32).toString("hex")}`;

/** The opaque on-chain order reference: 32 random bytes, no business data. */
export function newOrderRef(): Hex {
  return `0x${randomSlice(32).toString("hex")}`;
}

/** The capability a checkout URL carries: 24 random bytes (192 bits), base64url, 32 characters. */
export function newCheckoutToken(): string {
  return Buffer.from(randomSlice(24)).toString("base64url");
}

/** The capability a refund page or claim link carries: 192 random bits, like a checkout token. */
export const newUrlToken = newCheckoutToken;
