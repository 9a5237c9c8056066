/**
 * What the operator does to merchants and keys. The CLI (`npm run admin`) and the tests call these directly.
 */
import { and, desc, eq, isNull } from "drizzle-orm";
import { getAddress, isAddress } from "viem";
import type { Database } from "../db/client.js";
import { apiKeys, merchants, type PaymentMethod, paymentMethods, payoutAddresses, unmatchedPayments } from "../db/schema.js";
import { generateApiKey, generateRequestSigningSecret } from "../lib/api-keys.js";
import type { ChainCatalog } from "../chains/catalog.js";
import { newId } from "../lib/ids.js";
import { API_SCOPES, isApiScope, type ApiScope } from "../lib/scopes.js";
import { BaseError } from "../lib/base-error.js";

export class AdminError extends BaseError {
  override name = "AdminError";
}

export type MerchantSettings = {
  /** Chain id → confirmations, replacing the operator's default for this merchant. */
  confirmations?: Record<string, number>;
  orderExpirySeconds?: number | null;
  underpaymentToleranceBps?: number;
  overpaymentToleranceBps?: number;
};

/** 50 %: beyond that a "tolerance" stops describing a payment of this order (10000 would count nothing as paid). */
export const MAX_TOLERANCE_BPS = 5_000;

function checkSettings(settings: MerchantSettings) {
  for (const [name, bps] of [
    ["underpayment tolerance", settings.underpaymentToleranceBps],
    ["overpayment tolerance", settings.overpaymentToleranceBps],
  ] as const) {
    if (bps !== undefined && (!Number.isInteger(bps) || bps < 0 || bps > MAX_TOLERANCE_BPS)) {
      throw new AdminError(`${name} must be whole basis points between 0 and ${MAX_TOLERANCE_BPS} (50 %)`);
    }
  }
  if (settings.orderExpirySeconds != null && (!Number.isInteger(settings.orderExpirySeconds) || settings.orderExpirySeconds < 60)) {
    throw new AdminError("order expiry must be at least 60 seconds");
  }
  for (const [chainId, n] of Object.entries(settings.confirmations ?? {})) {
    if (!/^\d+$/.test(chainId) || !Number.isInteger(n) || n < 0) throw new AdminError(`confirmations for chain ${chainId} must be a whole number >= 0`);
  }
}

export async function createMerchant(db: Database, { name, ...settings }: { name: string } & MerchantSettings) {
  if (!name.trim()) throw new AdminError("a merchant needs a name");
  checkSettings(settings);
  const [merchant] = await db
    .insert(merchants)
    .values({ id: newId("mch"), name: name.trim(), ...settings })
    .returning();
  return merchant!;
}

export async function updateMerchant(db: Database, merchantId: string, settings: MerchantSettings) {
  checkSettings(settings);
  const [merchant] = await db.update(merchants).set(settings).where(eq(merchants.id, merchantId)).returning();
  if (!merchant) throw new AdminError(`no merchant ${merchantId}`);
  return merchant;
}

export async function listMerchants(db: Database) {
  return db.select().from(merchants).orderBy(merchants.id);
}

export async function setPayoutAddress(
  db: Database,
  chains: ChainCatalog,
  { merchantId, chainId, address }: { merchantId: string; chainId: number; address: string },
) {
  if (!chains.chain(chainId)) {
    throw new AdminError(`chain ${chainId} has no deployment record here (accepted: ${chains.list().map((c) => c.chainId).join(", ")})`);
  }
  if (!isAddress(address, { strict: false })) throw new AdminError(`${address} is not an address`);
  const checksummed = getAddress(address);
  if (/^0x0{40}$/i.test(checksummed) || checksummed.toLowerCase() === chains.chain(chainId)!.router.toLowerCase()) {
    throw new AdminError("the payout address cannot be the zero address or the router");
  }
  await requireMerchant(db, merchantId);
  const [row] = await db
    .insert(payoutAddresses)
    .values({ merchantId, chainId, address: checksummed })
    .onConflictDoUpdate({ target: [payoutAddresses.merchantId, payoutAddresses.chainId], set: { address: checksummed, updatedAt: new Date() } })
    .returning();
  return row!;
}

/**
 * Issues a key; the returned `key` is the only time anyone sees it. Without `scopes` it is a full key; with them, a
 * restricted key that may do only what they name.
 */
export async function issueApiKey(
  db: Database,
  { merchantId, label, scopes }: { merchantId: string; label?: string | undefined; scopes?: readonly string[] | undefined },
) {
  const checked = scopes === undefined ? null : checkScopes(scopes);
  await requireMerchant(db, merchantId);
  const { key, prefix, hash } = generateApiKey();
  const [row] = await db
    .insert(apiKeys)
    .values({ id: newId("key"), merchantId, prefix, hash, label: label ?? null, scopes: checked })
    .returning({ id: apiKeys.id, prefix: apiKeys.prefix, scopes: apiKeys.scopes, createdAt: apiKeys.createdAt });
  return { ...row!, key };
}

function checkScopes(scopes: readonly string[]): ApiScope[] {
  const known = Object.keys(API_SCOPES).join(", ");
  if (scopes.length === 0) throw new AdminError(`give at least one scope (${known}), or none for a full key`);
  const unknown = scopes.filter((scope) => !isApiScope(scope));
  if (unknown.length > 0) throw new AdminError(`unknown scope ${unknown.join(", ")} (scopes: ${known})`);
  return [...new Set(scopes as ApiScope[])];
}

export async function listApiKeys(db: Database, merchantId: string) {
  return db
    .select({
      id: apiKeys.id,
      prefix: apiKeys.prefix,
      label: apiKeys.label,
      scopes: apiKeys.scopes,
      createdAt: apiKeys.createdAt,
      revokedAt: apiKeys.revokedAt,
      lastUsedAt: apiKeys.lastUsedAt,
    })
    .from(apiKeys)
    .where(eq(apiKeys.merchantId, merchantId))
    .orderBy(apiKeys.id);
}

export async function revokeApiKey(db: Database, keyId: string) {
  const [row] = await db
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiKeys.id, keyId), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id, revokedAt: apiKeys.revokedAt });
  if (!row) throw new AdminError(`no active key ${keyId}`);
  return row;
}

/** The ways a merchant's orders may be paid: `router`, `transfer` (deposit address), or both. */
export async function setPaymentMethods(db: Database, { merchantId, methods }: { merchantId: string; methods: string[] }) {
  const unknown = methods.filter((method) => !(paymentMethods as readonly string[]).includes(method));
  if (methods.length === 0 || unknown.length > 0) {
    throw new AdminError(`payment methods: give one or both of ${paymentMethods.join(", ")}${unknown.length > 0 ? ` (not ${unknown.join(", ")})` : ""}`);
  }
  const [row] = await db
    .update(merchants)
    .set({ paymentMethods: [...new Set(methods)] as PaymentMethod[] })
    .where(eq(merchants.id, merchantId))
    .returning({ id: merchants.id, paymentMethods: merchants.paymentMethods });
  if (!row) throw new AdminError(`no merchant ${merchantId}`);
  return row;
}

/**
 * Turns signed requests on (with a new secret, returned once) or off. Turning it on again rotates the secret.
 */
export async function setSignedRequests(db: Database, { merchantId, required }: { merchantId: string; required: boolean }) {
  await requireMerchant(db, merchantId);
  const secret = required ? generateRequestSigningSecret() : null;
  await db.update(merchants).set({ requireSignedRequests: required, requestSigningSecret: secret }).where(eq(merchants.id, merchantId));
  return { required, secret };
}

export async function listUnmatchedPayments(db: Database, { limit = 50 } = {}) {
  return db.select().from(unmatchedPayments).orderBy(desc(unmatchedPayments.id)).limit(limit);
}

async function requireMerchant(db: Database, merchantId: string) {
  const [row] = await db.select({ id: merchants.id }).from(merchants).where(eq(merchants.id, merchantId));
  if (!row) throw new AdminError(`no merchant ${merchantId}`);
}
