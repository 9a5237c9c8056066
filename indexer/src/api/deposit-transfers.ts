/**
 * `POST /deposit-transfers` with `{ chainId, fromBlock, toBlock, addresses }`: the indexed `Transfer` logs of accepted
 * tokens to any of `addresses` (the API's open deposit addresses) with `fromBlock <= blockNumber <= toBlock`, in chain
 * order. A POST because the list is as long as the open orders (10,000 addresses are 430 KB): no URL carries that.
 */
import { and, asc, between, eq, inArray } from "drizzle-orm";
import type { Context } from "hono";
import { tokenTransfer } from "../../ponder.schema.js";

/** Addresses a request may ask for at once, and how many go into one `IN (…)` (Postgres takes at most 65,535 parameters). */
export const MAX_ADDRESSES = 100_000;
const CHUNK = 5_000;

type Body = { chainId: number; fromBlock: bigint; toBlock: bigint; addresses: string[] };

function parseBody(raw: unknown): Body | string {
  const body = raw as Partial<Record<keyof Body, unknown>> | null;
  if (typeof body !== "object" || body === null) return "body: a JSON object";
  const { chainId, fromBlock, toBlock, addresses } = body;
  if (typeof chainId !== "number" || !Number.isSafeInteger(chainId) || chainId <= 0) return "chainId: a positive integer";
  const block = /^[0-9]{1,20}$/;
  if (typeof fromBlock !== "string" || !block.test(fromBlock)) return "fromBlock: a decimal block number as a string";
  if (typeof toBlock !== "string" || !block.test(toBlock)) return "toBlock: a decimal block number as a string";
  if (!Array.isArray(addresses) || addresses.length > MAX_ADDRESSES || !addresses.every((a) => typeof a === "string" && /^0x[0-9a-fA-F]{40}$/.test(a))) {
    return `addresses: at most ${MAX_ADDRESSES} 0x-prefixed 20-byte addresses`;
  }
  return { chainId, fromBlock: BigInt(fromBlock), toBlock: BigInt(toBlock), addresses: addresses.map((a) => a.toLowerCase()) };
}

/** `db`: Ponder's read-only database of `ponder:api`. */
export async function depositTransfers(c: Context, db: ReadonlyDb) {
  const body = parseBody(await c.req.json().catch(() => null));
  if (typeof body === "string") return c.json({ error: body }, 400);
  const rows: (typeof tokenTransfer.$inferSelect)[] = [];
  for (let i = 0; i < body.addresses.length; i += CHUNK) {
    const chunk = body.addresses.slice(i, i + CHUNK) as `0x${string}`[];
    const found = await db
      .select()
      .from(tokenTransfer)
      .where(and(eq(tokenTransfer.chainId, body.chainId), inArray(tokenTransfer.to, chunk), between(tokenTransfer.blockNumber, body.fromBlock, body.toBlock)))
      .orderBy(asc(tokenTransfer.blockNumber), asc(tokenTransfer.logIndex));
    rows.push(...found);
  }
  rows.sort((a, b) => (a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1));
  return c.json({
    transfers: rows.map((row) => ({ ...row, blockNumber: String(row.blockNumber), blockTimestamp: String(row.blockTimestamp), amount: String(row.amount) })),
  });
}

type ReadonlyDb = typeof import("ponder:api").db;
