import { randomBytes } from "node:crypto";
import type { Hex } from "viem";

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const RANDOM_CHARS = 16;
const RANDOM_SPACE = 32n ** BigInt(RANDOM_CHARS);

let lastTime = -1;
let lastRandom = 0n;

function encode(value: bigint, length: number): string {
  let out = "";
  for (let i = 0; i < length; i++, value /= 32n) out = CROCKFORD[Number(value % 32n)] + out;
  return out;
}

/**
 * A prefixed, time-ordered id (`ord_01J…`, ULID layout): 10 characters of milliseconds then 16 random ones,
 * Crockford base32. Ids sort by creation time and serve directly as pagination cursors; within one millisecond
 * (or a clock that stands still) this process counts up, so events written together keep their order.
 */
export function newId(prefix: "mch" | "key" | "ord" | "pay" | "unm" | "evt" | "we" | "wd" | "wa", now = Date.now()): string {
  let time = now;
  let random: bigint;
  if (time <= lastTime) {
    time = lastTime;
    random = (lastRandom + 1n) % RANDOM_SPACE;
  } else {
    random = BigInt(`0x${randomBytes(10).toString("hex")}`);
  }
  lastTime = time;
  lastRandom = random;
  return `${prefix}_${encode(BigInt(time), 10)}${encode(random, RANDOM_CHARS)}`;
}

/** The opaque on-chain order reference: 32 random bytes, no business data. */
export function newOrderRef(): Hex {
  return `0x${randomBytes(32).toString("hex")}`;
}
