/**
 * What can go wrong in the order domain, as classes: the domain says what happened; the HTTP app decides the status
 * (`app.ts` `toApiError`).
 */
import { fieldErrorsMessage, type FieldError } from "../lib/errors.js";
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

/** An error about fields of the request: they are its `details`, and its message says `field: why` for each. */
export class FieldsError extends OrderError {
  override name = "FieldsError";
  declare readonly details: FieldError[];
  constructor(code: string, fields: FieldError[]) {
    super(code, fieldErrorsMessage(fields), { details: fields });
  }
}

/** The order's terms do not fit this gateway (a chain, token or amount it does not accept; an expiry too soon). */
export class InvalidOrderError extends FieldsError {
  override name = "InvalidOrderError";
  constructor(fields: FieldError[]) {
    super("validation_failed", fields);
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

/** What was asked for by id (an order, a refund) is not this merchant's, or does not exist: the API's 404. */
export class NotFoundError extends OrderError {
  override name = "NotFoundError";
  constructor(what: "Order" | "Refund") {
    super("not_found", `${what} not found`);
  }
}

/** Only a pending order or refund can be cancelled: the API's 409. */
export class NotCancellableError extends OrderError {
  override name = "NotCancellableError";
  constructor(what: "order" | "refund", status: string) {
    super(`${what}_not_cancellable`, `Only a pending ${what} can be cancelled; this one is ${status}`);
  }
}

export class OrderNotFoundError extends NotFoundError {
  override name = "OrderNotFoundError";
  constructor() {
    super("Order");
  }
}

export class OrderNotCancellableError extends NotCancellableError {
  override name = "OrderNotCancellableError";
  constructor(status: string) {
    super("order", status);
  }
}
