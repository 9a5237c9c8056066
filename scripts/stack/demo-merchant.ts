/**
 * The demo merchant `npm start` prints a key for: created once in the API's database, given the dev chain's merchant
 * wallet as payout address, and a fresh API key every run (keys are stored hashed, so an old one cannot be shown
 * again; the previous run's demo keys are revoked).
 */
import { and, eq, isNull } from "drizzle-orm";
import type { Address } from "viem";
import * as admin from "../../api/admin/commands.js";
import type { Database } from "../../api/db/client.js";
import { apiKeys, confirmerCursors, merchants } from "../../api/db/schema.js";
import type { ChainCatalog } from "../../api/chains/catalog.js";
import { createUser, findUserByEmail, resetPassword, setMembership } from "../../api/console/access/users.js";

export const DEMO_MERCHANT_NAME = "Demo Shop";
export const DEMO_CONSOLE_EMAIL = "demo@stablegate.local";
const DEMO_KEY_LABEL = "npm start demo key";

export async function prepareDemoMerchant(
  db: Database,
  chains: ChainCatalog,
  { chainId, payoutAddress }: { chainId: number; payoutAddress: Address },
): Promise<{ merchantId: string; apiKey: string; console: { email: string; password: string } }> {
  const [existing] = await db.select().from(merchants).where(eq(merchants.name, DEMO_MERCHANT_NAME)).limit(1);
  const merchant = existing ?? (await admin.createMerchant(db, { name: DEMO_MERCHANT_NAME }));
  await admin.setPayoutAddress(db, chains, { merchantId: merchant.id, chainId, address: payoutAddress });
  await db
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiKeys.merchantId, merchant.id), eq(apiKeys.label, DEMO_KEY_LABEL), isNull(apiKeys.revokedAt)));
  const { key } = await admin.issueApiKey(db, { merchantId: merchant.id, label: DEMO_KEY_LABEL });
  return { merchantId: merchant.id, apiKey: key, console: await prepareDemoConsoleUser(db, merchant.id) };
}

/**
 * The demo's console login: owner of the demo merchant and operator, with a new password every run (printed once;
 * stored hashed). Two-factor sign-in is set up on the first sign-in and kept between runs.
 */
async function prepareDemoConsoleUser(db: Database, merchantId: string): Promise<{ email: string; password: string }> {
  const existing = await findUserByEmail(db, DEMO_CONSOLE_EMAIL);
  const user = existing ?? (await createUser(db, { email: DEMO_CONSOLE_EMAIL, isOperator: true })).user;
  const password = await resetPassword(db, user.id);
  await setMembership(db, { userId: user.id, merchantId, role: "owner" });
  return { email: user.email, password };
}

/**
 * The dev chain starts again from block 0 on every run: the confirmer's progress on it from a previous run would
 * point past the new chain's head, so it is forgotten.
 */
export async function forgetDevChainProgress(db: Database, chainId: number): Promise<void> {
  await db.delete(confirmerCursors).where(eq(confirmerCursors.chainId, chainId));
}
