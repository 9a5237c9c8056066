/**
 * Creating an order: the merchant's terms checked against the accepted chains and tokens, frozen with the
 * merchant's settings of the moment (payout wallet, confirmations, tolerances), and written by the batched insert.
 */
import { and, eq } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { orders, payoutAddresses, type merchants, type PaymentMethod } from "../db/schema.js";
import { AmountError, parseAmount } from "../lib/amount.js";
import type { AcceptedChain, ChainCatalog } from "../chains/catalog.js";
import { newCheckoutToken, newId, newOrderRef } from "../lib/ids.js";
import type { TtlCache } from "../lib/ttl-cache.js";
import type { AcceptedToken } from "../../contracts/deployments/record.js";
import { DuplicateMerchantOrderIdError, InvalidOrderError, PayoutAddressNotSetError } from "./errors.js";
import { orderDepositAddress } from "./deposit-address.js";
import { insertOrder } from "./insert.js";
import type { OrderRow } from "./views.js";

/** The longest an order stays payable, whether the request gives expiresIn or expiresAt. */
export const MAX_ORDER_LIFETIME_SECONDS = 7 * 24 * 3600;
/** The shortest expiry `expiresAt` may give. */
const MIN_EXPIRY_MS = 60_000;

export type CreateOrderInput = {
  chainId: number;
  symbol: string;
  amount: string;
  merchantOrderId: string;
  description?: string | undefined;
  customerId?: string | undefined;
  metadata?: Record<string, unknown> | undefined;
  expiresIn?: number | undefined;
  expiresAt?: string | undefined;
  successUrl?: string | undefined;
  cancelUrl?: string | undefined;
  paymentMethods?: PaymentMethod[] | undefined;
};

export type CreateOrderDeps = {
  db: Database;
  chains: ChainCatalog;
  /** Merchant id → chain id → payout address, remembered for a short while (the hot path). */
  payouts: TtlCache<Map<number, string>>;
  /** How long an order stays payable when neither the request nor the merchant says. */
  defaultExpirySeconds: number;
  now: Date;
};

type Merchant = typeof merchants.$inferSelect;

/** Creates the order or throws an `OrderError` saying why not. */
export async function createOrder(deps: CreateOrderDeps, merchant: Merchant, input: CreateOrderInput): Promise<OrderRow> {
  const { chain, token, amount } = acceptedTerms(deps.chains, input);
  const at = deps.now;
  const expiresAt = expiryOf(input, at, merchant.orderExpirySeconds ?? deps.defaultExpirySeconds);
  const payout = (await payoutAddressesOf(deps, merchant.id, at))?.get(chain.chainId);
  if (!payout) throw new PayoutAddressNotSetError(chain.chainId);
  const methods = paymentMethodsOf(merchant, input);
  const orderRef = newOrderRef();

  const order = await insertOrder(deps.db, {
    id: newId("ord", at.getTime()),
    merchantId: merchant.id,
    merchantOrderId: input.merchantOrderId,
    orderRef,
    checkoutToken: newCheckoutToken(),
    chainId: chain.chainId,
    routerAddress: chain.router,
    tokenSymbol: token.symbol,
    tokenAddress: token.address,
    tokenDecimals: token.decimals,
    payoutAddress: payout,
    depositAddress: methods.includes("transfer") ? orderDepositAddress(chain, { payoutAddress: payout, orderRef }) : null,
    paymentMethods: methods,
    amount,
    status: "pending",
    confirmations: merchant.confirmations[String(chain.chainId)] ?? chain.confirmations,
    underpaymentToleranceBps: merchant.underpaymentToleranceBps,
    overpaymentToleranceBps: merchant.overpaymentToleranceBps,
    description: input.description ?? null,
    customerId: input.customerId ?? null,
    metadata: input.metadata ?? null,
    successUrl: input.successUrl ?? null,
    cancelUrl: input.cancelUrl ?? null,
    expiresAt,
    createdAt: at,
    updatedAt: at,
  });
  if (!order) {
    const [existing] = await deps.db
      .select({ id: orders.id })
      .from(orders)
      .where(and(eq(orders.merchantId, merchant.id), eq(orders.merchantOrderId, input.merchantOrderId)));
    throw new DuplicateMerchantOrderIdError(input.merchantOrderId, existing?.id);
  }
  return order;
}

/** The order's methods: those asked for (each allowed by the merchant's settings), or the merchant's. */
function paymentMethodsOf(merchant: Merchant, input: CreateOrderInput): PaymentMethod[] {
  if (input.paymentMethods === undefined) return merchant.paymentMethods;
  const refused = input.paymentMethods.filter((method) => !merchant.paymentMethods.includes(method));
  if (refused.length > 0) {
    throw new InvalidOrderError([{ field: "paymentMethods", in: "body", message: `${refused.join(", ")} is turned off in your merchant settings` }]);
  }
  return input.paymentMethods;
}

/** The chain, the token and the amount in base units, or the field that is not accepted. */
function acceptedTerms(chains: ChainCatalog, input: CreateOrderInput): { chain: AcceptedChain; token: AcceptedToken; amount: bigint } {
  const chain = chains.chain(input.chainId);
  if (!chain) {
    const accepted = chains.list().map((ch) => ch.chainId).join(", ");
    throw new InvalidOrderError([{ field: "chainId", in: "body", message: `chain ${input.chainId} is not accepted here (accepted: ${accepted})` }]);
  }
  const token = chains.token(input.chainId, input.symbol);
  if (!token) {
    const accepted = chain.tokens.map((t) => t.symbol).join(", ");
    throw new InvalidOrderError([{ field: "symbol", in: "body", message: `${input.symbol} is not accepted on chain ${chain.chainId} (accepted: ${accepted})` }]);
  }
  try {
    return { chain, token, amount: parseAmount(input.amount, token.decimals) };
  } catch (error) {
    if (error instanceof AmountError) throw new InvalidOrderError([{ field: "amount", in: "body", message: `${error.message}` }]);
    throw error;
  }
}

function expiryOf(input: CreateOrderInput, at: Date, defaultSeconds: number): Date {
  if (input.expiresAt === undefined) return new Date(at.getTime() + (input.expiresIn ?? defaultSeconds) * 1000);
  const expiresAt = new Date(input.expiresAt);
  if (expiresAt.getTime() < at.getTime() + MIN_EXPIRY_MS) {
    throw new InvalidOrderError([{ field: "expiresAt", in: "body", message: "must be at least 60 seconds from now" }]);
  }
  if (expiresAt.getTime() > at.getTime() + MAX_ORDER_LIFETIME_SECONDS * 1000) {
    throw new InvalidOrderError([{ field: "expiresAt", in: "body", message: `must be at most ${MAX_ORDER_LIFETIME_SECONDS / 86_400} days from now` }]);
  }
  return expiresAt;
}

function payoutAddressesOf(deps: CreateOrderDeps, merchantId: string, at: Date) {
  return deps.payouts.get(merchantId, at.getTime(), async () => {
    const rows = await deps.db
      .select({ chainId: payoutAddresses.chainId, address: payoutAddresses.address })
      .from(payoutAddresses)
      .where(eq(payoutAddresses.merchantId, merchantId));
    return new Map(rows.map((row) => [row.chainId, row.address]));
  });
}
