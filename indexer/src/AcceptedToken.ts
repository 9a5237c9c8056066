import { ponder } from "ponder:registry";
import { tokenTransfer } from "ponder:schema";

// Only a store write, like the router's handler: Ponder re-runs it after a reorg and on every re-index.
ponder.on("AcceptedToken:Transfer", async ({ event, context }) => {
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
