/**
 * A payout address changes only with proof that the new address is controlled by the merchant: the console issues a
 * message (merchant, chain, address, nonce, time; valid 15 minutes, usable once) and the new address signs it in
 * the browser wallet. An EOA's signature is checked offline (EIP-191, viem `verifyMessage`); otherwise, with the
 * chain's RPC URL configured, a contract wallet such as a Safe is asked on-chain (EIP-1271 via viem's public-client
 * `verifyMessage`, which also reads EIP-6492 signatures of wallets not yet deployed).
 */
import { randomBytes } from "node:crypto";
import { and, eq, gt, isNull } from "drizzle-orm";
import { createPublicClient, getAddress, http, isAddress, isHex, verifyMessage, type Hex } from "viem";
import * as admin from "../../admin/commands.js";
import type { Database } from "../../db/client.js";
import { payoutAddresses, payoutChallenges } from "../../db/schema.js";
import type { ChainCatalog } from "../../chains/catalog.js";
import type { Merchant } from "../../http/context.js";
import { ApiError } from "../../lib/errors.js";
import { newId } from "../../lib/ids.js";

const VALID_MS = 15 * 60 * 1000;

const invalid = (field: string, message: string) => new ApiError(422, "validation_failed", `${field}: ${message}`, { details: [{ field, in: "body", message }] });

export type Challenge = typeof payoutChallenges.$inferSelect;

export async function createChallenge(
  db: Database,
  chains: ChainCatalog,
  { merchant, chainId, address, userId, now }: { merchant: Merchant; chainId: number; address: string; userId: string; now: Date },
): Promise<Challenge> {
  const chain = chains.chain(chainId);
  if (!chain) throw invalid("chainId", `chain ${chainId} is not accepted here`);
  if (!isAddress(address, { strict: false })) throw invalid("address", "is not an address (0x and 40 hex digits)");
  const checksummed = getAddress(address);
  if (/^0x0{40}$/i.test(checksummed) || checksummed.toLowerCase() === chain.router.toLowerCase()) throw invalid("address", "cannot be the zero address or the router");
  const message = [
    "Stablegate: change of payout address",
    "",
    `Merchant: ${merchant.name} (${merchant.id})`,
    `Chain: ${chain.name} (${chain.chainId})`,
    `New payout address: ${checksummed}`,
    `Nonce: ${randomBytes(16).toString("hex")}`,
    `Issued: ${now.toISOString()}`,
    "",
    "Signing proves you control this address. It sends no transaction and costs nothing.",
  ].join("\n");
  const [row] = await db
    .insert(payoutChallenges)
    .values({ id: newId("pch", now.getTime()), merchantId: merchant.id, chainId, address: checksummed, message, createdBy: userId, createdAt: now, expiresAt: new Date(now.getTime() + VALID_MS) })
    .returning();
  return row!;
}

export async function findChallenge(db: Database, { merchantId, challengeId, now }: { merchantId: string; challengeId: string; now: Date }) {
  const [row] = await db
    .select()
    .from(payoutChallenges)
    .where(and(eq(payoutChallenges.id, challengeId), eq(payoutChallenges.merchantId, merchantId), isNull(payoutChallenges.usedAt), gt(payoutChallenges.expiresAt, now)));
  return row;
}

export async function signatureIsFrom(
  { address, message, signature, rpcUrl }: { address: Hex; message: string; signature: Hex; rpcUrl?: string | undefined },
): Promise<"eoa" | "contract" | null> {
  if (await verifyMessage({ address, message, signature }).catch(() => false)) return "eoa";
  if (!rpcUrl) return null;
  const client = createPublicClient({ transport: http(rpcUrl, { timeout: 10_000, retryCount: 0 }) });
  return (await client.verifyMessage({ address, message, signature }).catch(() => false)) ? "contract" : null;
}

export async function confirmChallenge(
  db: Database,
  chains: ChainCatalog,
  { merchantId, challengeId, signature, now, rpcUrls }: { merchantId: string; challengeId: string; signature: string; now: Date; rpcUrls: Record<number, string> },
) {
  const challenge = await findChallenge(db, { merchantId, challengeId, now });
  if (!challenge) throw new ApiError(404, "not_found", "This change request has expired or was already used; start again");
  if (!isHex(signature) || signature.length < 132) throw invalid("signature", "is not a signature (0x hex)");
  const kind = await signatureIsFrom({ address: challenge.address as Hex, message: challenge.message, signature, rpcUrl: rpcUrls[challenge.chainId] });
  if (!kind) {
    throw invalid("signature", `was not made by ${challenge.address}${rpcUrls[challenge.chainId] ? "" : " (contract wallets need RPC_URL_" + challenge.chainId + " set on the API to be checked)"}`);
  }
  const used = await db.update(payoutChallenges).set({ usedAt: now }).where(and(eq(payoutChallenges.id, challenge.id), isNull(payoutChallenges.usedAt))).returning({ id: payoutChallenges.id });
  if (used.length === 0) throw new ApiError(409, "already_used", "This change request was just used");
  const [before] = await db.select({ address: payoutAddresses.address }).from(payoutAddresses).where(and(eq(payoutAddresses.merchantId, merchantId), eq(payoutAddresses.chainId, challenge.chainId)));
  const row = await admin.setPayoutAddress(db, chains, { merchantId, chainId: challenge.chainId, address: challenge.address });
  return { chainId: challenge.chainId, before: before?.address ?? null, after: row.address, proof: kind };
}
