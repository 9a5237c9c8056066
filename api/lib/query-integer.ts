/**
 * A whole number in a query string, in plain decimal digits only: `limit=16`, never `0x10`, `1e3`, ` 16` or `16.0`
 * (which `Number()` would read). Documented as an integer.
 */
import { z } from "@hono/zod-openapi";

export const queryInteger = ({ min, max }: { min: number; max: number }) =>
  z
    .string()
    .regex(/^[0-9]{1,15}$/, "must be a whole number in plain decimal digits")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .openapi({ type: "integer", minimum: min, maximum: max });
