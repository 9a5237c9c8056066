import { ponder } from "ponder:registry";
import { tokenTransfer } from "ponder:schema";

/**
 * A transaction sent to the PaymentRouter moves tokens only as the payment its `PaymentReceived` log records (payer to
 * the merchant address it names, what arrived): its `Transfer` is not stored a second time. The API takes a router
 * payment that names a deposit address as its merchant from the payment rows (api/confirmer/deposit-transfers.ts), so
 * it still pays that order. Half of a busy shop's rows, and on PGlite, where each insert first reads its key, half of
 * the block's work.
 */
const isRouterPayment = (to: string | null, router: unknown) => typeof router === "string" && to !== null && to.toLowerCase() === router.toLowerCase();

// Only a store write, like the router's handler: Ponder re-runs it after a reorg and on every re-index.
ponder.on("AcceptedToken:Transfer", async ({ event, context }) => {
  if (isRouterPayment(event.transaction.to, context.contracts.PaymentRouter.address)) return;
  await context.db.insert(tokenTransfer).values({
    chainId: context.chain.id,
    token: event.log.address,
    txHash: event.transaction.hash,
    logIndex: event.log.logIndex,
    blockNumber: event.block.number,
    blockHash: event.block.hash,
    blockTimestamp: event.block.timestamp,
    from: event.args.from,
    to: event.args.to,
    amount: event.args.value,
  });
});
