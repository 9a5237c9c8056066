/**
 * `POST /deposit-transfers` with `{ chainId, fromBlock, toBlock, addresses, seen? }`, all within
 * `fromBlock <= blockNumber <= toBlock` (the API's rescan window), in one SQL statement (one snapshot of the table):
 * - `transfers`: the indexed `Transfer` logs of accepted tokens to any of `addresses`, and, when `seen` is given
 *   (`"<height>:<blockHash>"` of the blocks the API has already scanned), every transfer in a block not among them:
 *   the new blocks, and any a reorg put in place of a scanned one;
 * - `blocks`: each block in the range that holds transfers, by height and hash: what the API records as scanned.
 * A POST because the lists can be long (10,000 addresses are 430 KB): no URL carries that.
 */
import { sql } from "drizzle-orm";
import type { Context } from "hono";
import { tokenTransfer as t } from "../../ponder.schema.js";

/** Addresses (and scanned blocks) a request may name. */
export const MAX_ADDRESSES = 100_000;
export const MAX_SEEN = 10_000;

type Body = { chainId: number; fromBlock: bigint; toBlock: bigint; addresses: string[]; seen: string[] | undefined };
type Row = { kind: "transfer" | "block"; chainId: number; token: string; txHash: string; logIndex: number; blockNumber: string; blockHash: string; blockTimestamp: string; from: string; to: string; amount: string };

function parseBody(raw: unknown): Body | string {
  const body = raw as Partial<Record<keyof Body, unknown>> | null;
  if (typeof body !== "object" || body === null) return "body: a JSON object";
  const { chainId, fromBlock, toBlock, addresses, seen } = body;
  if (typeof chainId !== "number" || !Number.isSafeInteger(chainId) || chainId <= 0) return "chainId: a positive integer";
  const block = /^[0-9]{1,20}$/;
  if (typeof fromBlock !== "string" || !block.test(fromBlock)) return "fromBlock: a decimal block number as a string";
  if (typeof toBlock !== "string" || !block.test(toBlock)) return "toBlock: a decimal block number as a string";
  if (!Array.isArray(addresses) || addresses.length > MAX_ADDRESSES || !addresses.every((a) => typeof a === "string" && /^0x[0-9a-fA-F]{40}$/.test(a))) {
    return `addresses: at most ${MAX_ADDRESSES} 0x-prefixed 20-byte addresses`;
  }
  if (seen !== undefined && (!Array.isArray(seen) || seen.length > MAX_SEEN || !seen.every((s) => typeof s === "string" && /^[0-9]{1,20}:0x[0-9a-fA-F]{64}$/.test(s)))) {
    return `seen: at most ${MAX_SEEN} "<height>:<0x block hash>" strings`;
  }
  return {
    chainId,
    fromBlock: BigInt(fromBlock),
    toBlock: BigInt(toBlock),
    addresses: addresses.map((a) => a.toLowerCase()),
    seen: seen?.map((s) => s.toLowerCase()),
  };
}

/** `db`: Ponder's read-only database of `ponder:api`. Lists go in as one comma-joined text parameter each. */
export async function depositTransfers(c: Context, db: ReadonlyDb) {
  const body = parseBody(await c.req.json().catch(() => null));
  if (typeof body === "string") return c.json({ error: body }, 400);
  const inRange = sql`${t.chainId} = ${body.chainId} and ${t.blockNumber} between ${String(body.fromBlock)}::numeric(78) and ${String(body.toBlock)}::numeric(78)`;
  const columns = sql`'transfer' as kind, ${t.chainId} as "chainId", ${t.token} as token, ${t.txHash} as "txHash", ${t.logIndex} as "logIndex",
      ${t.blockNumber}::text as "blockNumber", ${t.blockHash} as "blockHash", ${t.blockTimestamp}::text as "blockTimestamp",
      ${t.from} as "from", ${t.to} as "to", ${t.amount}::text as amount`;
  // The blocks not seen, read in full: a join of the (few) unseen blocks on the (chain, block, hash) index.
  const unseen =
    body.seen === undefined
      ? sql``
      : sql`union all
    select ${columns} from ${t} join blocks on ${t.blockNumber} = blocks.n and ${t.blockHash} = blocks.h
    where ${t.chainId} = ${body.chainId} and not ((blocks.n::text || ':' || blocks.h) = any(string_to_array(${body.seen.join(",")}, ',')))`;
  const result = await db.execute(sql`
    with blocks as (select ${t.blockNumber} as n, ${t.blockHash} as h from ${t} where ${inRange} group by 1, 2)
    select ${columns} from ${t} where ${inRange} and ${t.to} = any(string_to_array(${body.addresses.join(",")}, ','))
    ${unseen}
    union all
    select 'block', null, null, null, null, n::text, h, null, null, null, null from blocks`);
  const rows = (result as unknown as { rows: Row[] }).rows;
  const byChainOrder = (a: Omit<Row, "kind">, b: Omit<Row, "kind">) => (a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : BigInt(a.blockNumber) < BigInt(b.blockNumber) ? -1 : 1);
  return c.json({
    // A transfer both to an address asked and in an unseen block comes once.
    transfers: [...new Map(rows.filter((row) => row.kind === "transfer").map(({ kind: _, ...row }) => [`${row.txHash}:${row.logIndex}`, row] as const)).values()].sort(byChainOrder),
    blocks: rows.filter((row) => row.kind === "block").map((row) => ({ number: row.blockNumber, hash: row.blockHash })),
  });
}

type ReadonlyDb = typeof import("ponder:api").db;
