/** Order-domain errors as HTTP answers, for the API's and the console's error handlers alike. */
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ApiError } from "../lib/errors.js";
import { DuplicateMerchantOrderIdError, NotCancellableError, NotFoundError, OrderError } from "../orders/errors.js";
import {
  RefundChainUnavailableError,
  RefundClaimClosedError,
  RefundDestinationAlreadySetError,
  RefundNotRecordableError,
  RefundTxAlreadyUsedError,
} from "../refunds/errors.js";

/** The status each domain error answers with; any other `OrderError` is a 422 (the request cannot be done). */
function domainStatus(error: OrderError): ContentfulStatusCode {
  if (error instanceof NotFoundError) return 404;
  if (error instanceof DuplicateMerchantOrderIdError || error instanceof NotCancellableError) return 409;
  if (error instanceof RefundClaimClosedError || error instanceof RefundDestinationAlreadySetError) return 409;
  if (error instanceof RefundNotRecordableError || error instanceof RefundTxAlreadyUsedError) return 409;
  if (error instanceof RefundChainUnavailableError) return 503;
  return 422;
}

/** The ApiError for a domain error; undefined for anything else. */
export function domainApiError(error: unknown): ApiError | undefined {
  if (error instanceof OrderError) return new ApiError(domainStatus(error), error.code, error.message, { details: error.details, cause: error });
  return undefined;
}
