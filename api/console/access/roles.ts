/**
 * Who may do what in the console. A person holds one role per merchant; an operator may do everything in every
 * merchant, plus the operator pages. Routes name the permission they need; pages show only what the role allows.
 */
import type { ConsoleRole } from "../../db/schema.js";

export const PERMISSIONS = {
  "orders:view": ["owner", "developer", "support", "finance"],
  "orders:cancel": ["owner", "support"],
  "orders:redeliver": ["owner", "support", "developer"],
  /** Create and cancel refunds: the people who already cancel orders; finance reads, developers build. */
  "orders:refund": ["owner", "support"],
  "unmatched:review": ["owner", "support"],
  "finance:view": ["owner", "finance"],
  "developers:manage": ["owner", "developer"],
  "owner:manage": ["owner"],
  "audit:view": ["owner"],
} as const satisfies Record<string, readonly ConsoleRole[]>;

export type Permission = keyof typeof PERMISSIONS;

/** Role `null` with `operator` true: an operator looking at a merchant they are not a member of. */
export function can(role: ConsoleRole | null, permission: Permission, { operator = false } = {}): boolean {
  if (operator) return true;
  return role !== null && (PERMISSIONS[permission] as readonly ConsoleRole[]).includes(role);
}

export const ROLE_DESCRIPTIONS: Record<ConsoleRole, string> = {
  owner: "everything for this merchant: payout addresses, settings, people, audit log",
  developer: "API keys, webhook endpoints, signed requests; orders and redelivery",
  support: "orders, cancel, refund and redeliver, unmatched payments",
  finance: "finance totals and exports; orders (read only)",
};
