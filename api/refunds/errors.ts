/**
 * What can go wrong with a refund. They are order-domain errors (`OrderError`), so the HTTP app maps them like the
 * order's: not found 404, conflicts 409, anything else 422.
 */
import { FieldsError, NotCancellableError, NotFoundError, OrderError } from "../orders/errors.js";

export class RefundNotFoundError extends NotFoundError {
  override name = "RefundNotFoundError";
  constructor() {
    super("Refund");
  }
}

/** The refund would take the order's open and succeeded refunds past what the order received. */
export class RefundExceedsReceivedError extends OrderError {
  override name = "RefundExceedsReceivedError";
  constructor({ received, refunded, available }: { received: string; refunded: string; available: string }) {
    super("refund_exceeds_received", `The order received ${received}; ${refunded} is already refunded or being refunded, so at most ${available} can be refunded`, {
      details: [{ field: "amount", in: "body", message: `at most ${available} can be refunded` }],
    });
  }
}

export class RefundDestinationRequiredError extends FieldsError {
  override name = "RefundDestinationRequiredError";
  constructor(why: string) {
    super("validation_failed", [{ field: "destination", in: "body", message: why }]);
  }
}

export class RefundNotCancellableError extends NotCancellableError {
  override name = "RefundNotCancellableError";
  constructor(status: string) {
    super("refund", status);
  }
}

/** A claim link of a refund that is no longer waiting (cancelled, or already sent some other way). */
export class RefundClaimClosedError extends OrderError {
  override name = "RefundClaimClosedError";
  constructor(status: string) {
    super("refund_claim_closed", `This refund is ${status}: its claim link is closed and takes no address`);
  }
}

/** The customer already gave the refund's address: it does not change (the merchant can cancel and refund anew). */
export class RefundDestinationAlreadySetError extends OrderError {
  override name = "RefundDestinationAlreadySetError";
  constructor(destination: string) {
    super("refund_destination_already_set", `The address for this refund is already set (${destination}) and cannot be changed; ask the merchant if it is wrong`, {
      details: [{ field: "address", in: "body", message: "already set; it cannot be changed" }],
    });
  }
}

/** The address the customer entered cannot receive this refund (zero, the merchant's own wallet, a contract of ours). */
export class RefundClaimAddressError extends FieldsError {
  override name = "RefundClaimAddressError";
  constructor(why: string) {
    super("validation_failed", [{ field: "address", in: "body", message: why }]);
  }
}

/** Only a pending refund with a destination can be paid by a recorded transaction. */
export class RefundNotRecordableError extends OrderError {
  override name = "RefundNotRecordableError";
  constructor(why: string) {
    super("refund_not_recordable", `A transaction can be recorded only for a pending refund with a destination; ${why}`);
  }
}

/** The transaction already pays another refund: one transaction, one refund. */
export class RefundTxAlreadyUsedError extends OrderError {
  override name = "RefundTxAlreadyUsedError";
  constructor() {
    super("refund_tx_already_used", "This transaction is already recorded for another refund; one transaction pays one refund", {
      details: [{ field: "txHash", in: "body", message: "already recorded for another refund" }],
    });
  }
}

/** The transaction, read on-chain, does not pay the refund; `code` names why (verify-tx.ts). */
export class RefundTxMismatchError extends FieldsError {
  override name = "RefundTxMismatchError";
  constructor(reason: string, why: string) {
    super(reason, [{ field: "txHash", in: "body", message: why }]);
  }
}

/** The API cannot read the chain to verify a transaction (no RPC_URL_<chainId>, or the RPC does not answer). */
export class RefundChainUnavailableError extends OrderError {
  override name = "RefundChainUnavailableError";
  constructor(chainId: number, why: string, cause?: unknown) {
    super("chain_unavailable", `Cannot verify transactions on chain ${chainId}: ${why}`, { cause });
  }
}
