/**
 * A refund as its two pages show it. The merchant's refund page (`/refund/<page token>`) gets what its payout wallet
 * needs to send it (amount, token, network, destination, the RefundRouter transaction); the customer's claim page
 * (`/claim/<claim token>`) gets less: amount, token, network, status and the address once set (never the reason,
 * the merchant's ids or the transaction). Both are found by their random token only, never by refund id.
 */
import { eq, type SQL } from "drizzle-orm";
import { encodeFunctionData, erc20Abi, type Address, type Hex } from "viem";
import type { Database } from "../db/client.js";
import { merchants, orders, refunds, type RefundStatus } from "../db/schema.js";
import { formatAmount } from "../lib/amount.js";
import type { ChainCatalog } from "../chains/catalog.js";
import { networkInfo } from "../checkout/networks.js";
import { refundTransaction, type RefundRow } from "../refunds/views.js";
import type { OrderRow } from "../orders/views.js";

type PublicChain = { id: number; name: string; rpcUrls: string[]; nativeCurrency: { name: string; symbol: string; decimals: number } };

/** What the claim page shows the customer. */
export type ClaimView = {
  claimToken: string;
  merchantName: string;
  status: RefundStatus;
  amount: string;
  token: { symbol: string; address: Address; decimals: number };
  chain: PublicChain;
  destination: Address | null;
};

/** What the merchant's refund page shows and its script sends. */
export type MerchantRefundView = Omit<ClaimView, "claimToken"> & {
  pageToken: string;
  id: string;
  orderId: string;
  reason: string;
  amountUnits: string;
  /** The payout wallet: the only one whose refund transaction counts. */
  from: Address;
  refundRef: Hex;
  /** The refund is waiting for the customer's address (a claim link not filled in yet). */
  awaitingClaim: boolean;
  claimUrl: string | null;
  transaction: { to: Address; value: string; data: Hex } | null;
  /** Step one for a Safe: `approve(RefundRouter, amount)` on the token. */
  approveTransaction: { to: Address; value: string; data: Hex } | null;
  txHash: string | null;
  txUrl: string | null;
  failureReason: string | null;
};

/** Refund page and claim tokens are base64url (32 characters; 64 hex for refunds made before the column). */
export const REFUND_PAGE_TOKEN = /^[0-9A-Za-z_-]{32,64}$/;

export type RefundPageDeps = { db: Database; chains: ChainCatalog; config: { publicBaseUrl: string; walletRpcUrls?: Record<number, string> } };

async function load(db: Database, where: SQL) {
  const [row] = await db
    .select({ refund: refunds, order: orders, merchantName: merchants.name })
    .from(refunds)
    .innerJoin(orders, eq(orders.id, refunds.orderId))
    .innerJoin(merchants, eq(merchants.id, refunds.merchantId))
    .where(where);
  return row;
}

function shared(refund: RefundRow, order: OrderRow, merchantName: string, deps: RefundPageDeps) {
  const network = networkInfo(order.chainId);
  const rpc = deps.config.walletRpcUrls?.[order.chainId];
  return {
    merchantName,
    status: refund.status,
    amount: formatAmount(refund.amount, order.tokenDecimals),
    token: { symbol: order.tokenSymbol, address: order.tokenAddress as Address, decimals: order.tokenDecimals },
    chain: {
      id: order.chainId,
      name: deps.chains.chain(order.chainId)?.name ?? `Chain ${order.chainId}`,
      rpcUrls: rpc ? [rpc] : network.rpcUrls,
      nativeCurrency: network.nativeCurrency,
    },
    destination: (refund.destination as Address | null) ?? null,
  };
}

export async function loadClaimView(deps: RefundPageDeps, claimToken: string): Promise<ClaimView | undefined> {
  if (!REFUND_PAGE_TOKEN.test(claimToken)) return undefined;
  const row = await load(deps.db, eq(refunds.claimToken, claimToken));
  if (!row) return undefined;
  return { claimToken, ...shared(row.refund, row.order, row.merchantName, deps) };
}

export async function loadMerchantRefund(deps: RefundPageDeps, pageToken: string): Promise<MerchantRefundView | undefined> {
  if (!REFUND_PAGE_TOKEN.test(pageToken)) return undefined;
  const row = await load(deps.db, eq(refunds.pageToken, pageToken));
  if (!row) return undefined;
  const { refund, order } = row;
  const explorer = networkInfo(order.chainId).explorerTxUrl;
  const transaction = refundTransaction(refund, order, deps.chains.chain(order.chainId)?.refundRouter) as MerchantRefundView["transaction"];
  const approve = (spender: Address) => encodeFunctionData({ abi: erc20Abi, functionName: "approve", args: [spender, refund.amount] });
  return {
    pageToken,
    id: refund.id,
    orderId: order.id,
    reason: refund.reason,
    ...shared(refund, order, row.merchantName, deps),
    amountUnits: refund.amount.toString(),
    from: order.payoutAddress as Address,
    refundRef: refund.refundRef as Hex,
    awaitingClaim: refund.status === "pending" && refund.destination === null && refund.claimToken !== null,
    claimUrl: refund.claimToken ? `${deps.config.publicBaseUrl}/claim/${refund.claimToken}` : null,
    transaction,
    approveTransaction: transaction ? { to: order.tokenAddress as Address, value: "0", data: approve(transaction.to) } : null,
    txHash: refund.txHash,
    txUrl: explorer && refund.txHash ? `${explorer}${refund.txHash}` : null,
    failureReason: refund.failureReason,
  };
}
