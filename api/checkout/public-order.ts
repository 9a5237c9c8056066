/**
 * The order as the paying customer may see it: what to pay, where, and how far along it is. Built from the order
 * row by an allow-list, so merchant-private fields (their order id, customer id, metadata, settings) never reach
 * the page.
 */
import { eq } from "drizzle-orm";
import { loadHeads, orderPayments } from "../orders/reads.js";
import type { Database } from "../db/client.js";
import { merchants, orders } from "../db/schema.js";
import { formatAmount } from "../lib/amount.js";
import type { ChainCatalog } from "../chains/catalog.js";
import { paymentUris } from "../lib/eip681.js";
import { confirmationsOf } from "../orders/views.js";
import { networkInfo } from "./networks.js";

export type PublicOrder = {
  id: string;
  merchantName: string;
  status: string;
  amount: string;
  amountReceived: string;
  /** Base units, for the wallet calls. */
  amountUnits: string;
  token: { symbol: string; address: string; decimals: number; permit: boolean };
  chain: { id: number; name: string; rpcUrls: string[]; nativeCurrency: { name: string; symbol: string; decimals: number } };
  /** The PaymentRouter: where the customer's transaction goes. */
  toAddress: string;
  /** The merchant's wallet the router pays into. */
  payoutAddress: string;
  orderRef: string;
  paymentUri: string;
  approveUri: string;
  expiresAt: string;
  /** The server's clock, so the countdown does not depend on the customer's. */
  serverTime: string;
  confirmationsRequired: number;
  payments: { txHash: string; amount: string; state: string; confirmations: number; txUrl: string | null }[];
  explorerTxUrl: string | null;
  /** Only for sending the customer back to the shop; a redirect proves nothing. */
  successUrl: string | null;
  cancelUrl: string | null;
};

/** Order ids are ours (`ord_` + ULID); anything else is not looked up. */
export const ORDER_ID = /^ord_[0-9A-Za-z]{10,40}$/;

export async function loadPublicOrder(
  { db, chains, now }: { db: Database; chains: ChainCatalog; now: () => Date },
  orderId: string,
): Promise<PublicOrder | undefined> {
  if (!ORDER_ID.test(orderId)) return undefined;
  const [row] = await db
    .select({ order: orders, merchantName: merchants.name })
    .from(orders)
    .innerJoin(merchants, eq(merchants.id, orders.merchantId))
    .where(eq(orders.id, orderId));
  if (!row) return undefined;
  const { order } = row;
  const [payments, heads] = await Promise.all([orderPayments(db, order.id), loadHeads(db)]);
  const network = networkInfo(order.chainId);
  const explorerTxUrl = network.explorerTxUrl ?? null;
  const token = chains.tokenByAddress(order.chainId, order.tokenAddress);
  const { paymentUri, approveUri } = paymentUris({
    chainId: order.chainId,
    router: order.routerAddress,
    token: order.tokenAddress,
    amount: order.amount,
    payout: order.payoutAddress,
    orderRef: order.orderRef,
  });
  return {
    id: order.id,
    merchantName: row.merchantName,
    status: order.status,
    amount: formatAmount(order.amount, order.tokenDecimals),
    amountReceived: formatAmount(order.amountReceived, order.tokenDecimals),
    amountUnits: order.amount.toString(),
    token: { symbol: order.tokenSymbol, address: order.tokenAddress, decimals: order.tokenDecimals, permit: token?.permit ?? false },
    chain: {
      id: order.chainId,
      name: chains.chain(order.chainId)?.name ?? `Chain ${order.chainId}`,
      rpcUrls: network.rpcUrls,
      nativeCurrency: network.nativeCurrency,
    },
    toAddress: order.routerAddress,
    payoutAddress: order.payoutAddress,
    orderRef: order.orderRef,
    paymentUri,
    approveUri,
    expiresAt: order.expiresAt.toISOString(),
    serverTime: now().toISOString(),
    confirmationsRequired: order.confirmations,
    payments: payments.map((payment) => ({
      txHash: payment.txHash,
      amount: formatAmount(payment.amount, order.tokenDecimals),
      state: payment.state,
      confirmations: payment.state === "reverted" ? 0 : confirmationsOf(payment.blockNumber, heads.get(payment.chainId)),
      txUrl: explorerTxUrl ? `${explorerTxUrl}${payment.txHash}` : null,
    })),
    explorerTxUrl,
    successUrl: order.successUrl,
    cancelUrl: order.cancelUrl,
  };
}
