import { ponder } from "ponder:registry";
import { refund } from "ponder:schema";

// Only a store write, as for payments: Ponder re-runs handlers after a reorg and on every re-index.
ponder.on("RefundRouter:RefundSent", async ({ event, context }) => {
  await context.db.insert(refund).values({
    chainId: context.chain.id,
    router: event.log.address,
    txHash: event.transaction.hash,
    logIndex: event.log.logIndex,
    blockNumber: event.block.number,
    blockHash: event.block.hash,
    blockTimestamp: event.block.timestamp,
    refundRef: event.args.refundRef,
    orderRef: event.args.orderRef,
    from: event.args.from,
    to: event.args.to,
    token: event.args.token,
    amount: event.args.amount,
  });
});
