/**
 * Typed reads of API responses, from the route definitions the OpenAPI document is generated from: `readAs(res,
 * routes.getOrder, 200)` checks the status, parses the body with that route's own zod response schema and returns it
 * typed. A test gets the type without a cast, and a response that drifts from the documented contract fails the test.
 */
import { type Hex, isHex } from "viem";
import type { z } from "zod";

type JsonResponse = { content: { "application/json": { schema: z.ZodType } } };
export type RouteLike = { method: string; path: string; responses: Record<number, unknown> };
export type JsonOf<R extends RouteLike, S extends keyof R["responses"]> = R["responses"][S] extends JsonResponse
  ? z.output<R["responses"][S]["content"]["application/json"]["schema"]>
  : never;

/** Any response with a JSON body, for a status whose documented body is JSON. */
type Readable = { status: number; json(): Promise<unknown> } | { status: number; body: string };

export async function readAs<R extends RouteLike, S extends keyof R["responses"] & number>(
  res: Readable,
  route: R,
  status: S,
): Promise<JsonOf<R, S>> {
  const body = "json" in res ? await res.json() : JSON.parse(res.body);
  if (res.status !== status) {
    throw new Error(`${route.method.toUpperCase()} ${route.path}: expected ${status}, got ${res.status}: ${JSON.stringify(body)}`);
  }
  const documented = route.responses[status] as JsonResponse | undefined;
  const schema = documented?.content?.["application/json"]?.schema;
  if (!schema) throw new Error(`${route.method.toUpperCase()} ${route.path} documents no JSON body for ${status}`);
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new Error(`${route.method.toUpperCase()} ${route.path} ${status}: the body does not match its documented schema: ${parsed.error.message}`);
  }
  return parsed.data as JsonOf<R, S>;
}

/** A hex value from an answer (the schemas type hashes, refs and calldata as strings), checked. */
export function hexOf(value: string | null | undefined): Hex {
  if (!isHex(value)) throw new Error(`not a 0x hex string: ${value}`);
  return value;
}
