/**
 * What an API key may do. A key issued without scopes is a full key; a restricted key lists its scopes, and each
 * route names the one scope it needs (`middlewares/require-scope.ts`).
 */
export const API_SCOPES = {
  "orders:read": "read orders, their payments and contractPayment",
  "orders:write": "create and cancel orders",
  "payments:read": "list payments and read the balance",
  "refunds:read": "list and read refunds",
  "refunds:write": "create, cancel and record refunds",
  "events:read": "list events and their deliveries",
  "webhooks:read": "list webhook endpoints and their deliveries",
  "webhooks:write": "register, change, delete webhook endpoints, rotate their secrets, redeliver events",
} as const;

export type ApiScope = keyof typeof API_SCOPES;

export const isApiScope = (value: string): value is ApiScope => Object.hasOwn(API_SCOPES, value);
