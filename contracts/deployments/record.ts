/**
 * The deployment record: one JSON file per chain (`contracts/deployments/<chainId>.json`) written by
 * `scripts/deploy.ts` and read by the indexer and the API. It says where the router, the deposit-address factory and
 * the refund router live, from which block to index, and which tokens the gateway accepts on that chain.
 */
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { getAddress, isAddress } from "viem";
import { z } from "zod";
/**
 * A deployment record that is missing, unreadable or does not match the schema. A plain `Error` (with `cause`): the
 * contracts folder imports nothing from `api/`; the API matches it by class.
 */
export class DeploymentRecordError extends Error {
  override name = "DeploymentRecordError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export const DEFAULT_DEPLOYMENTS_DIR = path.dirname(fileURLToPath(import.meta.url));

const address = z
  .string()
  .refine((value) => isAddress(value, { strict: false }), "must be a 0x-prefixed 20-byte address")
  .transform((value) => getAddress(value));

export const acceptedTokenSchema = z.object({
  symbol: z.string().min(1).max(16),
  name: z.string().min(1),
  address,
  decimals: z.number().int().min(0).max(36),
  /** Whether the token implements EIP-2612 `permit` (one signature instead of an approve transaction). */
  permit: z.boolean(),
});

export const deploymentRecordSchema = z.object({
  chainId: z.number().int().positive(),
  chainName: z.string().min(1),
  router: address,
  /**
   * The `DepositFactory`: deploys and forwards per-order deposit addresses (see `contracts/deposit-address.ts`).
   * Optional so that records written before it existed still load; `scripts/deploy.ts` always writes it.
   */
  depositFactory: address.optional(),
  /** The `RefundRouter`: merchants' refunds with `RefundSent(refundRef, orderRef, ...)`. Optional as above. */
  refundRouter: address.optional(),
  /** The block the router was deployed in: where indexing starts (the other contracts come with it or later). */
  deployBlock: z.number().int().nonnegative(),
  tokens: z.array(acceptedTokenSchema).min(1),
});

export type AcceptedToken = z.infer<typeof acceptedTokenSchema>;
export type DeploymentRecord = z.infer<typeof deploymentRecordSchema>;

export function deploymentRecordPath(chainId: number, dir = DEFAULT_DEPLOYMENTS_DIR): string {
  return path.join(dir, `${chainId}.json`);
}

export async function writeDeploymentRecord(record: DeploymentRecord, dir = DEFAULT_DEPLOYMENTS_DIR): Promise<string> {
  const parsed = deploymentRecordSchema.parse(record);
  const file = deploymentRecordPath(parsed.chainId, dir);
  await mkdir(dir, { recursive: true });
  await writeFile(file, `${JSON.stringify(parsed, null, 2)}\n`);
  return file;
}

/** Reads every `<chainId>.json` in `dir`; a malformed record is an error naming the file and the field. */
export async function readDeploymentRecords(dir = DEFAULT_DEPLOYMENTS_DIR): Promise<DeploymentRecord[]> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((name) => /^\d+\.json$/.test(name));
  const records: DeploymentRecord[] = [];
  for (const name of files.sort((a, b) => Number.parseInt(a) - Number.parseInt(b))) {
    const file = path.join(dir, name);
    const result = deploymentRecordSchema.safeParse(JSON.parse(await readFile(file, "utf8")));
    if (!result.success) {
      const issue = result.error.issues[0]!;
      throw new DeploymentRecordError(`Deployment record ${file}: ${issue.path.join(".") || "(root)"} ${issue.message}`);
    }
    if (`${result.data.chainId}.json` !== name) {
      throw new DeploymentRecordError(`Deployment record ${file}: chainId ${result.data.chainId} does not match the file name`);
    }
    records.push(result.data);
  }
  return records;
}
