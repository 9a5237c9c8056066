/**
 * What can go wrong in the order domain, as classes: the domain says what happened; the HTTP app decides the status
 * (`app.ts` `toApiError`).
 */
import type { FieldError } from "../lib/errors.js";
import { BaseError } from "../lib/base-error.js";

export class OrderError extends BaseError {
  override name = "OrderError";
  /** Stable, machine-readable; the API's error code. */
  readonly code: string;

  constructor(code: string, message: string, { details, cause }: { details?: unknown; cause?: unknown } = {}) {
    super(message, { details, cause });
    this.code = code;
  }
}

/** The order's terms do not fit this gateway (a chain, token or amount it does not accept; an expiry too soon). */
export class InvalidOrderError extends OrderError {
  override name = "InvalidOrderError";
  declare readonly details: FieldError[];
  constructor(fields: FieldError[]) {
    super("validation_failed", fields.map((f) => `${f.field || "(body)"}: ${f.message}`).join("; "), { details: fields });
  }
}

export class PayoutAddressNotSetError extends OrderError {
  override name = "PayoutAddressNotSetError";
  constructor(chainId: number) {
    super("payout_address_not_set", `No payout address is set for chain ${chainId}; ask the operator to set one`, {
      details: [{ field: "chainId", in: "body", message: "the merchant has no payout address on this chain" }],
    });
  }
}

export class DuplicateMerchantOrderIdError extends OrderError {
  override name = "DuplicateMerchantOrderIdError";
  constructor(merchantOrderId: string, existingOrderId: string | undefined) {
    super("duplicate_merchant_order_id", `An order with merchantOrderId "${merchantOrderId}" already exists`, {
      details: { orderId: existingOrderId },
    });
  }
}

export class OrderNotFoundError extends OrderError {
  override name = "OrderNotFoundError";
  constructor() {
    super("not_found", "Order not found");
  }
}

export class OrderNotCancellableError extends OrderError {
  override name = "OrderNotCancellableError";
  constructor(status: string) {
    super("order_not_cancellable", `Only a pending order can be cancelled; this one is ${status}`);
  }
}
