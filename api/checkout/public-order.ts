/**
 * The order as the paying customer may see it: what is still due, where it goes, and how far along it is. Built
 * from the order row by an allow-list, so merchant-private fields (their order id, customer id, metadata, settings)
 * never reach the page. The checkout is found by its random token (what `cashierUrl` carries), never by order id.
 */
import { eq } from "drizzle-orm";
import { loadHeads, orderPayments } from "../orders/reads.js";
import { readSnapshot, type Database, type Queryable } from "../db/client.js";
import { merchants, orders } from "../db/schema.js";
import { formatAmount } from "../lib/amount.js";
import { transferUri } from "../lib/eip681.js";
import type { ChainCatalog } from "../chains/catalog.js";
import { confirmationsOf } from "../orders/views.js";
import { metamaskDappLink } from "./metamask.js";
import type { OrderStatusName } from "./order-text.js";
import { networkInfo } from "./networks.js";

export type PublicOrder = {
  /** The checkout token from the URL: the script's way back to `/pay/<token>/status` and `/events`. */
  checkoutToken: string;
  /** Our order id, for the customer to quote to the merchant (it opens nothing). */
  id: string;
  merchantName: string;
  status: OrderStatusName;
  amount: string;
  amountReceived: string;
  /** What is still to pay: the amount less the confirmed payments (never below zero). */
  amountDue: string;
  /** `amountDue` in base units, for the wallet calls. */
  amountDueUnits: string;
  token: { symbol: string; address: string; decimals: number; permit: boolean };
  chain: { id: number; name: string; rpcUrls: string[]; nativeCurrency: { name: string; symbol: string; decimals: number } };
  /** The PaymentRouter: where the customer's transaction goes. */
  toAddress: string;
  /** The merchant's wallet the router pays into. */
  payoutAddress: string;
  orderRef: string;
  /**
   * The order's own deposit address, which takes a plain transfer from any wallet or exchange; null on a chain
   * without a DepositFactory.
   */
  depositAddress: string | null;
  /** EIP-681 `transfer` of `amountDueUnits` to the deposit address (for its QR code); null without one. */
  depositUri: string | null;
  /** Opens this page inside MetaMask Mobile's browser (QR code and the phone's "Open in MetaMask" link). */
  metamaskUrl: string;
  /** MetaMask opens dapp links over https only: false when this checkout is served over plain http. */
  https: boolean;
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

/** Checkout tokens are base64url (32 characters now; 64 hex for orders made before tokens); anything else is not looked up. */
export const CHECKOUT_TOKEN = /^[0-9A-Za-z_-]{32,64}$/;

export type PublicOrderDeps = { db: Database; chains: ChainCatalog; now: () => Date; config: { publicBaseUrl: string; walletRpcUrls?: Record<number, string> } };

export async function loadPublicOrder(deps: PublicOrderDeps, checkoutToken: string): Promise<PublicOrder | undefined> {
  if (!CHECKOUT_TOKEN.test(checkoutToken)) return undefined;
  // One snapshot: a confirmer pass committing between the reads must not show "confirming" beside a confirmed payment.
  const facts = await readSnapshot(deps.db, (tx) => readFacts(tx, checkoutToken));
  return facts && publicView(deps, facts);
}

type OrderFacts = NonNullable<Awaited<ReturnType<typeof readFacts>>>;

async function readFacts(db: Queryable, checkoutToken: string) {
  const [row] = await db
    .select({ order: orders, merchantName: merchants.name })
    .from(orders)
    .innerJoin(merchants, eq(merchants.id, orders.merchantId))
    .where(eq(orders.checkoutToken, checkoutToken));
  if (!row) return undefined;
  return { ...row, payments: await orderPayments(db, row.order.id), heads: await loadHeads(db) };
}

function publicView({ chains, now, config }: PublicOrderDeps, { order, merchantName, payments, heads }: OrderFacts): PublicOrder {
  const network = networkInfo(order.chainId);
  const explorerTxUrl = network.explorerTxUrl ?? null;
  const token = chains.tokenByAddress(order.chainId, order.tokenAddress);
  const due = order.amount > order.amountReceived ? order.amount - order.amountReceived : 0n;
  // Stored at creation: null when the order (or its merchant) takes no plain transfers, or the chain has no factory.
  const depositAddress = order.depositAddress;
  return {
    checkoutToken: order.checkoutToken,
    id: order.id,
    merchantName,
    status: order.status,
    amount: formatAmount(order.amount, order.tokenDecimals),
    amountReceived: formatAmount(order.amountReceived, order.tokenDecimals),
    amountDue: formatAmount(due, order.tokenDecimals),
    amountDueUnits: due.toString(),
    token: { symbol: order.tokenSymbol, address: order.tokenAddress, decimals: order.tokenDecimals, permit: token?.permit ?? false },
    chain: {
      id: order.chainId,
      name: chains.chain(order.chainId)?.name ?? `Chain ${order.chainId}`,
      rpcUrls: config.walletRpcUrls?.[order.chainId] ? [config.walletRpcUrls[order.chainId]!] : network.rpcUrls,
      nativeCurrency: network.nativeCurrency,
    },
    toAddress: order.routerAddress,
    payoutAddress: order.payoutAddress,
    orderRef: order.orderRef,
    depositAddress,
    depositUri: depositAddress && transferUri({ chainId: order.chainId, token: order.tokenAddress, to: depositAddress, amount: due }),
    metamaskUrl: metamaskDappLink(config.publicBaseUrl, order.checkoutToken),
    https: config.publicBaseUrl.startsWith("https://"),
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
