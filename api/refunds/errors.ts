/**
 * What can go wrong with a refund. They are order-domain errors (`OrderError`), so the HTTP app maps them like the
 * order's: not found 404, conflicts 409, anything else 422.
 */
import { OrderError } from "../orders/errors.js";

export class RefundNotFoundError extends OrderError {
  override name = "RefundNotFoundError";
  constructor() {
    super("not_found", "Refund not found");
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

export class RefundDestinationRequiredError extends OrderError {
  override name = "RefundDestinationRequiredError";
  constructor(why: string) {
    super("validation_failed", `destination: ${why}`, { details: [{ field: "destination", in: "body", message: why }] });
  }
}

export class RefundNotCancellableError extends OrderError {
  override name = "RefundNotCancellableError";
  constructor(status: string) {
    super("refund_not_cancellable", `Only a pending refund can be cancelled; this one is ${status}`);
  }
}
