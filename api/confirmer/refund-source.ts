/**
 * The production `RefundSource`: `RefundSent` rows of the Ponder indexer's `refund` table through `@ponder/client`,
 * heads and the chain's block hashes from the payment source (the same indexer, the same heads).
 */
import { and, createClient, eq, inArray } from "@ponder/client";
import { getAddress } from "viem";
import * as indexerSchema from "../../indexer/ponder.schema.js";
import type { Config } from "../config.js";
import type { IndexedRefund, RefundSource } from "../refunds/source.js";
import type { PaymentSource } from "./payment-source.js";

export function createIndexerRefundSource(
  { indexerUrl }: Pick<Config, "indexerUrl">,
  heads: Pick<PaymentSource, "indexedHead"> & Partial<Pick<PaymentSource, "blockHashes">>,
): RefundSource {
  const { db } = createClient(`${indexerUrl}/sql`, { schema: indexerSchema });
  const { refund } = indexerSchema;
  return {
    indexedHead: (chainId) => heads.indexedHead(chainId),
    ...(heads.blockHashes ? { blockHashes: heads.blockHashes.bind(heads) } : {}),
    async refunds({ chainId, refundRefs }) {
      if (refundRefs.length === 0) return [];
      const rows = await db
        .select()
        .from(refund)
        .where(and(eq(refund.chainId, chainId), inArray(refund.refundRef, refundRefs)));
      return rows.map(
        (row): IndexedRefund => ({
          ...row,
          router: getAddress(row.router),
          from: getAddress(row.from),
          to: getAddress(row.to),
          token: getAddress(row.token),
        }),
      );
    },
  };
}
