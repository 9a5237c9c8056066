/**
 * Merchants as the operator sets them up with `npm run admin`: the merchant (with its settings), its payout wallet
 * on each chain, one API key. The one set-up the in-process harness, the gateway and the cluster share.
 */
import * as admin from "../../api/admin/commands.js";
import type { ChainCatalog } from "../../api/chains/catalog.js";
import type { Database } from "../../api/db/client.js";

export type MerchantSetUp = { name: string; payouts: { chainId: number; address: string }[]; keyLabel?: string } & admin.MerchantSettings;

export async function setUpMerchant(db: Database, chains: ChainCatalog, { name, payouts, keyLabel, ...settings }: MerchantSetUp): Promise<{ id: string; key: string }> {
  const merchant = await admin.createMerchant(db, { name, ...settings });
  for (const { chainId, address } of payouts) await admin.setPayoutAddress(db, chains, { merchantId: merchant.id, chainId, address });
  const { key } = await admin.issueApiKey(db, { merchantId: merchant.id, ...(keyLabel === undefined ? {} : { label: keyLabel }) });
  return { id: merchant.id, key };
}
