import { ponder } from "ponder:registry";
import { payment } from "ponder:schema";

// Only a store write: Ponder re-runs handlers after a reorg and on every re-index, so nothing may leave the store.
ponder.on("PaymentRouter:PaymentReceived", async ({ event, context }) => {
  await context.db.insert(payment).values({
    chainId: context.chain.id,
    router: event.log.address,
    txHash: event.transaction.hash,
    logIndex: event.log.logIndex,
    blockNumber: event.block.number,
    blockHash: event.block.hash,
    blockTimestamp: event.block.timestamp,
    orderRef: event.args.orderRef,
    merchant: event.args.merchant,
    payer: event.args.payer,
    token: event.args.token,
    amount: event.args.amount,
  });
});
