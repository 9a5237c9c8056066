/**
 * The claim form's two fields, checked the same way in the browser (at once, as the customer types) and on the
 * server (which decides): an address of 40 hex digits whose mixed-case checksum (EIP-55) is right, or all one case,
 * and a confirmation that is the same address. Surrounding spaces, as pasting often adds, are ignored.
 */
import { getAddress, isAddress, type Address } from "viem";

export type ClaimFieldError = { field: "address" | "confirmation"; in: "body"; message: string };

const HEX_ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** Why `value` is not a usable address, or undefined when it is. */
export function addressProblem(value: string): string | undefined {
  if (value === "") return "is required";
  if (!HEX_ADDRESS.test(value)) return "must be 0x followed by 40 hex digits (0-9, a-f)";
  if (!isAddress(value, { strict: true })) return "has a wrong checksum (the mix of capital and small letters is off): copy it again from your wallet";
  return undefined;
}

export function checkClaimInput(body: unknown): { address: Address } | { errors: ClaimFieldError[] } {
  const input = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
  const errors: ClaimFieldError[] = [];
  const text = (field: "address" | "confirmation") => {
    const value = input[field];
    if (value !== undefined && typeof value !== "string") errors.push({ field, in: "body", message: "must be a string" });
    return typeof value === "string" ? value.trim() : "";
  };
  const address = text("address");
  const confirmation = text("confirmation");
  if (errors.length > 0) return { errors };
  const problem = addressProblem(address);
  if (problem) errors.push({ field: "address", in: "body", message: problem });
  if (confirmation === "") errors.push({ field: "confirmation", in: "body", message: "is required: type the address a second time" });
  else if (confirmation.toLowerCase() !== address.toLowerCase()) errors.push({ field: "confirmation", in: "body", message: "does not match the address: check both" });
  return errors.length > 0 ? { errors } : { address: getAddress(address) };
}
