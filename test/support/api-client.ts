/**
 * Typed reads of API responses, from the route definitions the OpenAPI document is generated from: `readAs(res,
 * routes.getOrder, 200)` checks the status, parses the body with that route's own zod response schema and returns it
 * typed. A test gets the type without a cast, and a response that drifts from the documented contract fails the test.
 */
import { type Hex, isHex } from "viem";
import { z } from "zod";
import { errorSchema, fieldErrorSchema } from "../../api/lib/errors.js";
import { orderSchema, paymentSchema } from "../../api/orders/views.js";

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

/** An error answer of `status` from any route (the pages' JSON too), parsed with the API's one error schema. */
export async function readError(res: Readable, status: number): Promise<z.output<typeof errorSchema>> {
  const body = "json" in res ? await res.json() : JSON.parse(res.body);
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${JSON.stringify(body)}`);
  return errorSchema.parse(body);
}

/** What a validation error's `details` are: the fields and what is wrong with each. */
export const fieldErrorsOf = (error: { details?: unknown }) => z.array(fieldErrorSchema).parse(error.details);

/** A response of Hono's typed client (`hc<typeof router>`): each status with the body type its handler returns. */
type TypedAnswer = { status: number; json(): Promise<unknown>; text(): Promise<string> };

/**
 * The body of a typed client's answer, for routes with no OpenAPI declaration (the pages' JSON): the status must be
 * `status`, and the body has the type the handler returns for it (hono/client infers it from the router).
 */
export async function bodyOf<R extends TypedAnswer, S extends R["status"]>(res: R, status: S): Promise<Awaited<ReturnType<Extract<R, { status: S }>["json"]>>> {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${await res.text()}`);
  return (await res.json()) as Awaited<ReturnType<Extract<R, { status: S }>["json"]>>;
}

/** An order event's `data` (the events list, webhook bodies, stored events): the order with its payments, and for payment.* the payment. */
const orderEventDataSchema = z.object({ order: orderSchema.extend({ payments: z.array(paymentSchema) }), payment: paymentSchema.optional() });
export const orderEventDataOf = (data: unknown) => orderEventDataSchema.parse(data);

/** What the tests read of the served OpenAPI document; every other key is kept as served (`looseObject`). */
const operationSchema = z.looseObject({
  operationId: z.string(),
  parameters: z.array(z.looseObject({ name: z.string(), in: z.string() })).optional(),
  security: z.array(z.record(z.string(), z.array(z.string()))).optional(),
  responses: z.record(z.string(), z.unknown()),
});
const documentSchema = z.looseObject({
  openapi: z.string(),
  paths: z.record(z.string(), z.record(z.string(), operationSchema)),
  components: z.looseObject({ schemas: z.record(z.string(), z.unknown()), securitySchemes: z.record(z.string(), z.unknown()) }),
});

export type OpenApiDocument = z.output<typeof documentSchema>;

/** The app's `/openapi.json`, checked to be one (200, paths of operations) and typed. */
export async function readOpenApiDocument(app: { request(path: string): Response | Promise<Response> }): Promise<OpenApiDocument> {
  const res = await app.request("/openapi.json");
  if (res.status !== 200) throw new Error(`GET /openapi.json: expected 200, got ${res.status}`);
  return documentSchema.parse(await res.json());
}
