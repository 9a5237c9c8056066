/**
 * `GET /block-hashes/:chainId?numbers=12,13`: the hash of the block the indexer's chain has at each height, read
 * through the indexer's own RPC clients, `null` where the chain has no block yet. The API's confirmer asks this before
 * it calls a missing payment reorged: a row can also be missing because Ponder is recovering from a crash (it deletes
 * unfinalized rows and indexes them again), and then the block is still there, with the same hash.
 */
import type { Context } from "hono";
import type { Hex, PublicClient } from "viem";

/** Heights a request may ask for at once: the confirmer asks only for blocks whose payments went missing. */
export const MAX_BLOCK_NUMBERS = 256;

export async function blockHashes(c: Context, clients: Readonly<Record<string, PublicClient>>) {
  const chainId = c.req.param("chainId") ?? "";
  const numbers = (c.req.query("numbers") ?? "").split(",").filter((n) => n !== "");
  if (!/^[0-9]{1,12}$/.test(chainId)) return c.json({ error: "chainId: a decimal chain id" }, 400);
  if (numbers.length === 0 || numbers.length > MAX_BLOCK_NUMBERS || !numbers.every((n) => /^[0-9]{1,20}$/.test(n))) {
    return c.json({ error: `numbers: 1 to ${MAX_BLOCK_NUMBERS} comma-separated decimal block numbers` }, 400);
  }
  // Ponder names each chain `chain<chainId>` (indexer/config/chains.ts).
  const client = clients[`chain${chainId}`];
  if (!client) return c.json({ error: `chainId: chain ${chainId} is not indexed here` }, 404);
  const blocks: { number: string; hash: Hex | null }[] = [];
  for (const number of numbers) {
    const block = await client.request({ method: "eth_getBlockByNumber", params: [`0x${BigInt(number).toString(16)}`, false] });
    blocks.push({ number, hash: block?.hash ?? null });
  }
  return c.json({ blocks });
}
