/** A stand-in resolver, so that tests about host names never ask a real DNS server (or dial what it answers). */
import type { LookupFunction } from "node:net";

/** A resolver that knows only `names` (name -> addresses) and records every question. */
export function fakeResolver(names: Record<string, string[]>): LookupFunction & { asked: string[] } {
  const asked: string[] = [];
  const lookup: LookupFunction = (hostname, options, callback) => {
    asked.push(hostname);
    const addresses = names[hostname];
    if (!addresses) {
      const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
      return process.nextTick(() => callback(error, options.all ? [] : "", undefined));
    }
    const answers = addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
    process.nextTick(() => (options.all ? callback(null, answers) : callback(null, answers[0]?.address ?? "", answers[0]?.family)));
  };
  return Object.assign(lookup, { asked });
}
