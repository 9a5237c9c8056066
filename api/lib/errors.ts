/**
 * One error shape for every failure: `{"error": {"code", "message", "details"}}`. Handlers throw `ApiError`;
 * `onError` turns anything else into a 500 that never shows a stack.
 */
import { z } from "@hono/zod-openapi";
import type { ZodError } from "zod";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { BaseError } from "./base-error.js";

export const fieldErrorSchema = z
  .object({
    field: z.string().openapi({ description: "The field, dotted for nested ones (`metadata.sku`).", example: "amount" }),
    in: z.enum(["body", "query", "path", "header"]),
    message: z.string(),
  })
  .openapi("FieldError");

export const errorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ description: "Stable, machine-readable.", example: "validation_failed" }),
      message: z.string().openapi({ description: "For people; may change.", example: "amount: has 7 decimals; the token has 6" }),
      details: z
        .unknown()
        .optional()
        .openapi({ description: "Depends on the code: for `validation_failed`, a list of field errors (FieldError)." }),
    }),
  })
  .openapi("Error");

export type FieldError = z.infer<typeof fieldErrorSchema>;

export class ApiError extends BaseError {
  override name = "ApiError";
  readonly status: ContentfulStatusCode;
  readonly code: string;
  readonly headers: Record<string, string>;

  constructor(
    status: ContentfulStatusCode,
    code: string,
    message: string,
    { details, headers = {}, cause }: { details?: unknown; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, { details, cause });
    this.status = status;
    this.code = code;
    this.headers = headers;
  }

  toJSON() {
    return { error: { code: this.code, message: this.message, ...(this.details === undefined ? {} : { details: this.details }) } };
  }
}

/** The message of an error made of field errors: `field: message`, `; ` between them (`(body)` for the body itself). */
export const fieldErrorsMessage = (fields: readonly FieldError[]): string =>
  fields.map((f) => `${f.field || "(body)"}: ${f.message}`).join("; ");

export function validationFailed(fields: FieldError[]): ApiError {
  return new ApiError(422, "validation_failed", fieldErrorsMessage(fields), { details: fields });
}

const TARGETS: Record<string, FieldError["in"]> = { json: "body", form: "body", query: "query", param: "path", header: "header" };

/** Where a validator's target is, in field errors. */
export const fieldLocation = (target: string): FieldError["in"] => TARGETS[target] ?? "body";

export function fromZodError(error: ZodError, target: string): ApiError {
  return validationFailed(
    error.issues.map((issue) => ({
      field: issue.path.map(String).join("."),
      in: fieldLocation(target),
      message: issue.message,
    })),
  );
}

export const notFound = (what: string) => new ApiError(404, "not_found", `${what} not found`);
