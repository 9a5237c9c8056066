/**
 * Whether a mined transaction pays a refund, read from its receipt alone.
 *
 * The rule: a refund's `amount` is what leaves the merchant's payout wallet for it; the customer gets that less the
 * token's transfer fee, if the token takes one (`delivered`). A transaction pays the refund when it succeeded and
 * - it carries the refund's `RefundSent` (from the chain's RefundRouter): sent by the payout wallet to the
 *   destination in the order's token, and the token's `Transfer`s out of the payout wallet inside that refund call
 *   (after the router's previous log in the transaction) add up to the amount; `delivered` is what RefundSent reports;
 * - or, with no `RefundSent` at all (a plain transfer, a Safe), a `Transfer` of the token from the payout wallet to the
 *   destination of exactly the amount; or, for a fee-on-transfer token, `Transfer`s out of the payout wallet that add
 *   up to the amount with the destination getting less (the rest is the token's fee).
 * A transaction carrying another refund's `RefundSent` pays that refund, not this one.
 */
import { decodeEventLog, erc20Abi, type Address, type Hex } from "viem";
import { refundRouterAbi } from "../../contracts/abi/RefundRouter.js";
import type { ChainLog, ChainReceipt } from "../chains/rpc.js";
import { formatAmount } from "../lib/amount.js";

export type RefundTerms = {
  refundRef: Hex;
  token: Address;
  symbol: string;
  decimals: number;
  /** The merchant's payout wallet, which must send it. */
  from: Address;
  to: Address;
  amount: bigint;
  refundRouter: Address | undefined;
};

export type RefundTxReason =
  | "tx_not_found"
  | "tx_reverted"
  | "tx_is_another_refund"
  | "tx_wrong_token"
  | "tx_no_token_transfer"
  | "tx_wrong_sender"
  | "tx_wrong_destination"
  | "tx_wrong_amount";

export type RefundTxCheck =
  | { ok: true; logIndex: number; blockNumber: bigint; blockHash: Hex; delivered: bigint }
  | { ok: false; reason: RefundTxReason; message: string };

type Transfer = { from: Address; to: Address; value: bigint; logIndex: number };
type Sent = { refundRef: Hex; from: Address; to: Address; token: Address; amount: bigint; logIndex: number };

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
const miss = (reason: RefundTxReason, message: string): RefundTxCheck => ({ ok: false, reason, message });

export function checkRefundTx(receipt: ChainReceipt | null, terms: RefundTerms): RefundTxCheck {
  if (!receipt) return miss("tx_not_found", "no transaction with this hash is mined on this chain (unknown, still pending, or removed by a reorg)");
  if (receipt.status !== "success") return miss("tx_reverted", "the transaction reverted, so it moved nothing");
  const transfers = tokenTransfers(receipt.logs, terms.token);
  const routerLogs = terms.refundRouter ? receipt.logs.filter((log) => same(log.address, terms.refundRouter!)) : [];
  const sent = routerLogs.flatMap((log) => decodeRefundSent(log) ?? []);
  const found = { ...receipt, transfers };
  if (sent.length === 0) return checkTransfers(found, terms);
  const ours = sent.find((log) => same(log.refundRef, terms.refundRef));
  if (!ours) return miss("tx_is_another_refund", "the transaction is a RefundRouter refund of another refund (its RefundSent carries another refundRef)");
  const previous = Math.max(-1, ...routerLogs.filter((log) => log.logIndex < ours.logIndex).map((log) => log.logIndex));
  return checkRefundSent({ ...found, transfers: transfers.filter((t) => t.logIndex > previous && t.logIndex < ours.logIndex) }, ours, terms);
}

type Found = { blockNumber: bigint; blockHash: Hex; transfers: Transfer[] };

function checkRefundSent(found: Found, sent: Sent, terms: RefundTerms): RefundTxCheck {
  const format = (units: bigint) => `${formatAmount(units, terms.decimals)} ${terms.symbol}`;
  if (!same(sent.token, terms.token)) return miss("tx_wrong_token", `its RefundSent moved token ${sent.token}, not the order's ${terms.symbol} (${terms.token})`);
  if (!same(sent.from, terms.from)) return miss("tx_wrong_sender", `its RefundSent was sent by ${sent.from}, not the merchant's payout wallet ${terms.from}`);
  if (!same(sent.to, terms.to)) return miss("tx_wrong_destination", `its RefundSent paid ${sent.to}, not the refund's destination ${terms.to}`);
  const left = sum(found.transfers.filter((t) => same(t.from, terms.from)));
  if (left !== terms.amount) return miss("tx_wrong_amount", `${format(left)} left the payout wallet for it; the refund is ${format(terms.amount)}`);
  return { ok: true, logIndex: sent.logIndex, blockNumber: found.blockNumber, blockHash: found.blockHash, delivered: sent.amount };
}

function checkTransfers(found: Found, terms: RefundTerms): RefundTxCheck {
  const format = (units: bigint) => `${formatAmount(units, terms.decimals)} ${terms.symbol}`;
  const ok = (transfer: Transfer, delivered: bigint): RefundTxCheck => ({
    ok: true,
    logIndex: transfer.logIndex,
    blockNumber: found.blockNumber,
    blockHash: found.blockHash,
    delivered,
  });
  if (found.transfers.length === 0) return miss("tx_no_token_transfer", `the transaction moves no ${terms.symbol} (token ${terms.token})`);
  const out = found.transfers.filter((t) => same(t.from, terms.from));
  if (out.length === 0) return miss("tx_wrong_sender", `no ${terms.symbol} left the merchant's payout wallet ${terms.from} in it`);
  const toDestination = out.filter((t) => same(t.to, terms.to));
  if (toDestination.length === 0) return miss("tx_wrong_destination", `it pays no ${terms.symbol} from the payout wallet to the refund's destination ${terms.to}`);
  const exact = toDestination.find((t) => t.value === terms.amount);
  if (exact) return ok(exact, terms.amount);
  const delivered = sum(toDestination);
  if (sum(out) === terms.amount && delivered < terms.amount) return ok(toDestination[0]!, delivered);
  return miss("tx_wrong_amount", `it pays ${format(delivered)} to the destination (${format(sum(out))} left the payout wallet); the refund is ${format(terms.amount)}`);
}

const sum = (transfers: Transfer[]) => transfers.reduce((total, t) => total + t.value, 0n);

function tokenTransfers(logs: ChainLog[], token: Address): Transfer[] {
  return logs.flatMap((log) => {
    if (!same(log.address, token)) return [];
    try {
      const event = decodeEventLog({ abi: erc20Abi, eventName: "Transfer", topics: log.topics as [Hex, ...Hex[]], data: log.data });
      return [{ from: event.args.from, to: event.args.to, value: event.args.value, logIndex: log.logIndex }];
    } catch {
      return [];
    }
  });
}

function decodeRefundSent(log: ChainLog): Sent | undefined {
  try {
    const event = decodeEventLog({ abi: refundRouterAbi, eventName: "RefundSent", topics: log.topics as [Hex, ...Hex[]], data: log.data });
    return { ...event.args, logIndex: log.logIndex };
  } catch {
    return undefined;
  }
}

/** The terms a transaction must meet to pay `refund` (its destination must be set). */
export function refundTerms(refund: { refundRef: string; destination: string | null; amount: bigint }, order: OrderTerms, refundRouter: Address | undefined): RefundTerms {
  return {
    refundRef: refund.refundRef as Hex,
    token: order.tokenAddress as Address,
    symbol: order.tokenSymbol,
    decimals: order.tokenDecimals,
    from: order.payoutAddress as Address,
    to: (refund.destination ?? "0x0000000000000000000000000000000000000000") as Address,
    amount: refund.amount,
    refundRouter,
  };
}

type OrderTerms = { tokenAddress: string; tokenSymbol: string; tokenDecimals: number; payoutAddress: string };
