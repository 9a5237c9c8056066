/**
 * The guard that keeps a merchant's webhook URL from reaching the operator's own network (SSRF).
 *
 * A check of the URL's host name before sending is not enough: DNS may answer a public address to the check and a
 * private one to the connection (DNS rebinding). So the guard is the `lookup` the socket itself uses: the address
 * it refuses is the address that would have been dialled. IP literals in the URL never reach `lookup` (Node
 * connects to them directly), so `checkTargetUrl` judges those.
 */
import { lookup as systemLookup } from "node:dns";
import type { LookupAddress } from "node:dns";
import { isIP } from "node:net";
import type { LookupFunction } from "node:net";
import { classifyAddress } from "./address-ranges.js";
import type { AddressCategory } from "./address-ranges.js";
import { BaseError } from "../lib/base-error.js";

export type TargetPolicy = {
  /** Operator setting for local development and tests: allow loopback, private and other non-public targets. */
  allowPrivateTargets: boolean;
};

/** A webhook target that the guard will not connect to. The request was never sent. */
export class RefusedTargetError extends BaseError {
  override name = "RefusedTargetError";
  readonly code = "ERR_WEBHOOK_TARGET_REFUSED";
  /** The address that was refused, when the refusal is about an address. */
  readonly address: string | undefined;
  readonly category: AddressCategory | undefined;

  constructor(message: string, { address, category }: { address?: string; category?: AddressCategory } = {}) {
    super(message, { details: { address, category } });
    this.address = address;
    this.category = category;
  }
}

/**
 * Parses a webhook URL and refuses what can never be delivered to: a scheme other than http/https, credentials in
 * the URL (they would leak into logs and the dashboard), and, unless allowed, a host that is a non-public IP literal.
 * Host names are judged when connecting (`guardLookup`). Use it to validate an endpoint when it is saved, too.
 */
export function checkTargetUrl(url: string | URL, { allowPrivateTargets }: TargetPolicy): URL {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new RefusedTargetError("the webhook URL is not a valid absolute URL");
  }
  if (target.protocol !== "http:" && target.protocol !== "https:") {
    throw new RefusedTargetError(`the webhook URL must be http or https, not ${target.protocol.slice(0, -1)}`);
  }
  if (target.username || target.password) throw new RefusedTargetError("the webhook URL must not contain credentials");
  if (!target.hostname) throw new RefusedTargetError("the webhook URL has no host");
  // The WHATWG parser has already normalised IPv4 spellings such as 0x7f.1 or 2130706433 to dotted form.
  const literal = target.hostname.replace(/^\[(.*)\]$/, "$1");
  if (isIP(literal) && !allowPrivateTargets) refuseUnlessPublic(literal, target.hostname);
  return target;
}

/**
 * A `lookup` for `http.request` / `net.connect` that resolves with `lookup` (default: the system resolver) and fails
 * the connection with RefusedTargetError if any resolved address is not public, unless `allowPrivateTargets`.
 * Refusing when any answer is private (rather than dropping those answers) keeps a half-rebound name out entirely.
 */
export function guardLookup({
  allowPrivateTargets,
  lookup = systemLookup as LookupFunction,
}: TargetPolicy & { lookup?: LookupFunction | undefined }): LookupFunction {
  if (allowPrivateTargets) return lookup;
  return (hostname, options, callback) => {
    lookup(hostname, options, (error, address, family) => {
      if (error) return callback(error, address, family);
      const answers: LookupAddress[] = typeof address === "string" ? [{ address, family: family ?? isIP(address) }] : address;
      try {
        if (answers.length === 0) throw new RefusedTargetError(`${hostname} resolved to no address`);
        for (const answer of answers) refuseUnlessPublic(answer.address, hostname);
      } catch (refusal) {
        return callback(refusal as RefusedTargetError, options.all ? [] : "", undefined);
      }
      callback(null, address, family);
    });
  };
}

function refuseUnlessPublic(address: string, host: string): void {
  if (!isIP(address)) throw new RefusedTargetError(`${host} resolved to ${JSON.stringify(address)}, which is not an IP address`);
  const category = classifyAddress(address);
  if (category === "public") return;
  const where = host.replace(/^\[(.*)\]$/, "$1") === address ? address : `${host} (${address})`;
  throw new RefusedTargetError(`refused to deliver to ${where}: ${category} address (allowPrivateTargets is off)`, { address, category });
}
