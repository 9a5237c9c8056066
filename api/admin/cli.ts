/**
 * The operator's CLI: `npm run admin -- <command> [arguments] [--json]`. It uses the same settings as the API
 * (DATABASE_URL or API_DATA_DIR, DEPLOYMENTS_DIR). With the embedded database (PGlite), stop the API first: only one
 * process may open a PGlite data directory.
 */
import { parseArgs } from "node:util";
import { ConfigError, parseConfig } from "../config.js";
import { openDatabase } from "../db/client.js";
import { migrate } from "../db/migrate.js";
import { ChainCatalog } from "../chains/catalog.js";
import { API_SCOPES } from "../lib/scopes.js";
import * as admin from "./commands.js";
import { consoleCommand } from "./console-commands.js";
import { createSweepers } from "../sweeper/runner.js";

const USAGE = `Usage: npm run admin -- <command> [arguments] [--json]

Merchants
  merchant:create --name <name> [settings]      create a merchant; prints its id
  merchant:update <merchantId> [settings]       change its settings
  merchant:list
    settings: --confirmations <chainId=n,...> --expiry-seconds <n>
              --underpayment-bps <n> --overpayment-bps <n>

Payout addresses (the merchant's own wallets; the router pays into them)
  payout:set <merchantId> <chainId> <address>

API keys (printed once, stored hashed)
  key:issue <merchantId> [--label <text>] [--scopes <scope,...>]
                                                without --scopes a full key; with them a restricted one
                                                (${Object.keys(API_SCOPES).join(", ")})
  key:list <merchantId>
  key:revoke <keyId>

Signed requests
  signed-requests <merchantId> on|off           on prints a new signing secret once (again: rotates it)

Payments the gateway could not match to an order
  unmatched:list [--limit <n>]

Deposit addresses (plain transfers)
  payment-methods <merchantId> <router,transfer>  the ways the merchant's orders may be paid (default both)
  deposit:forward <chainId>                     forward every due transfer now, whatever SWEEP_POLICY says (needs
                                                SWEEPER_PRIVATE_KEY_<chainId> and RPC_URL_<chainId>; meant for
                                                SWEEP_POLICY=manual, where the API never forwards on its own)

Console (the web console at /console)
  console:operator <email>                      create an operator (across merchants); prints a first password once
  console:user <email> <merchantId> <role>      give a person a role (owner, developer, support, finance) in a
                                                merchant, creating the account (first password printed once)
  console:reset-password <email>                new password (printed once), signs the person out everywhere

Database
  migrate                                       apply pending migrations (the API also does at start)`;

const options = {
  name: { type: "string" },
  label: { type: "string" },
  scopes: { type: "string" },
  confirmations: { type: "string" },
  "expiry-seconds": { type: "string" },
  "underpayment-bps": { type: "string" },
  "overpayment-bps": { type: "string" },
  limit: { type: "string" },
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>["values"];

function integer(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new admin.AdminError(`--${name} must be a whole number`);
  return Number(value);
}

function settingsFrom(values: Values): admin.MerchantSettings {
  const settings: admin.MerchantSettings = {};
  if (values.confirmations !== undefined) {
    settings.confirmations = {};
    for (const pair of values.confirmations.split(",").filter(Boolean)) {
      const match = /^(\d+)=(\d+)$/.exec(pair.trim());
      if (!match) throw new admin.AdminError(`--confirmations: "${pair}" is not <chainId>=<n>`);
      settings.confirmations[match[1]!] = Number(match[2]);
    }
  }
  const expiry = integer("expiry-seconds", values["expiry-seconds"]);
  if (expiry !== undefined) settings.orderExpirySeconds = expiry;
  const under = integer("underpayment-bps", values["underpayment-bps"]);
  if (under !== undefined) settings.underpaymentToleranceBps = under;
  const over = integer("overpayment-bps", values["overpayment-bps"]);
  if (over !== undefined) settings.overpaymentToleranceBps = over;
  return settings;
}

function arg(positionals: string[], index: number, name: string): string {
  const value = positionals[index];
  if (value === undefined) throw new admin.AdminError(`missing <${name}>\n\n${USAGE}`);
  return value;
}

/** What a command gets: the open database, the settings, the flags, the positional arguments after the command. */
type CommandContext = {
  db: Awaited<ReturnType<typeof openDatabase>>["db"];
  config: ReturnType<typeof parseConfig>;
  values: Values;
  rest: string[];
  /** The human text, or with --json the data. */
  out(human: string, data: unknown): string;
};

const merchantCommands: Record<string, (c: CommandContext) => Promise<string>> = {
  migrate: async ({ out }) => out("Database is up to date.", { ok: true }),
  "merchant:create": async ({ db, values, out }) => {
    if (!values.name) throw new admin.AdminError("--name is required");
    const m = await admin.createMerchant(db, { name: values.name, ...settingsFrom(values) });
    return out(`Created merchant ${m.id} (${m.name}).\nNext: payout:set ${m.id} <chainId> <address>, then key:issue ${m.id}`, m);
  },
  "merchant:update": async ({ db, values, rest, out }) => {
    const m = await admin.updateMerchant(db, arg(rest, 0, "merchantId"), settingsFrom(values));
    return out(`Updated merchant ${m.id}.`, m);
  },
  "merchant:list": async ({ db, out }) => {
    const list = await admin.listMerchants(db);
    return out(list.map((m) => `${m.id}  ${m.name}${m.requireSignedRequests ? "  (signed requests)" : ""}`).join("\n") || "No merchants.", list);
  },
  "payout:set": async ({ db, config, rest, out }) => {
    const chains = await ChainCatalog.load({ dir: config.deploymentsDir, confirmations: config.confirmations });
    const chainId = integer("chainId", arg(rest, 1, "chainId"))!;
    const row = await admin.setPayoutAddress(db, chains, { merchantId: arg(rest, 0, "merchantId"), chainId, address: arg(rest, 2, "address") });
    return out(`Payout address of ${row.merchantId} on chain ${row.chainId}: ${row.address}`, row);
  },
  "unmatched:list": async ({ db, values, out }) => {
    const rows = await admin.listUnmatchedPayments(db, { limit: integer("limit", values.limit) ?? 50 });
    return out(
      rows.map((u) => `${u.id}  chain ${u.chainId}  ${u.txHash}#${u.logIndex}  ${u.reason}  amount ${u.amount} (base units)${u.revertedAt ? "  reverted" : ""}`).join("\n") ||
        "No unmatched payments.",
      rows.map((u) => ({ ...u, amount: u.amount.toString(), blockNumber: u.blockNumber.toString() })),
    );
  },
};

const depositCommands: Record<string, (c: CommandContext) => Promise<string>> = {
  "payment-methods": async ({ db, rest, out }) => {
    const methods = arg(rest, 1, "methods").split(",").map((method) => method.trim()).filter(Boolean);
    const row = await admin.setPaymentMethods(db, { merchantId: arg(rest, 0, "merchantId"), methods });
    return out(`Payment methods of ${row.id}: ${row.paymentMethods.join(", ")}`, row);
  },
  "deposit:forward": async ({ db, config, rest, out }) => {
    const chainId = integer("chainId", arg(rest, 0, "chainId"))!;
    const chains = await ChainCatalog.load({ dir: config.deploymentsDir, confirmations: config.confirmations });
    const sweeper = createSweepers({ db, config, chains, log: (message) => console.error(message) }).find((s) => s.chainId === chainId);
    if (!sweeper) throw new admin.AdminError(`No sweeper for chain ${chainId}: it needs a DepositFactory, SWEEPER_PRIVATE_KEY_${chainId} and RPC_URL_${chainId}`);
    const result = await sweeper.sweep({ force: true });
    return out(result.sent ? `Forwarding ${result.sent.items} deposit address(es) in ${result.sent.txHash}` : "Nothing due to forward (or a forward is still being mined).", result);
  },
};

const credentialCommands: Record<string, (c: CommandContext) => Promise<string>> = {
  "key:issue": async ({ db, values, rest, out }) => {
    const scopes = values.scopes?.split(",").map((scope) => scope.trim()).filter(Boolean);
    const k = await admin.issueApiKey(db, { merchantId: arg(rest, 0, "merchantId"), label: values.label, scopes });
    return out(`API key ${k.id}, ${k.scopes ? `scopes ${k.scopes.join(", ")}` : "full access"} (shown once; store it now):\n\n  ${k.key}\n`, k);
  },
  "key:list": async ({ db, rest, out }) => {
    const keys = await admin.listApiKeys(db, arg(rest, 0, "merchantId"));
    return out(
      keys
        .map((k) => `${k.id}  ${k.prefix}…  ${k.label ?? ""}  ${k.scopes?.join(",") ?? "full access"}  ${k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : "active"}`)
        .join("\n") || "No keys.",
      keys,
    );
  },
  "key:revoke": async ({ db, rest, out }) => {
    const k = await admin.revokeApiKey(db, arg(rest, 0, "keyId"));
    return out(`Revoked ${k.id}.`, k);
  },
  "signed-requests": async ({ db, rest, out }) => {
    const state = arg(rest, 1, "on|off");
    if (state !== "on" && state !== "off") throw new admin.AdminError("signed-requests takes on or off");
    const r = await admin.setSignedRequests(db, { merchantId: arg(rest, 0, "merchantId"), required: state === "on" });
    return out(r.secret ? `Signed requests required. Request signing secret (shown once):\n\n  ${r.secret}\n` : "Signed requests no longer required.", r);
  },
};

const consoleCommands: Record<string, (c: CommandContext) => Promise<string>> = Object.fromEntries(
  ["console:operator", "console:user", "console:reset-password"].map((command) => [
    command,
    async ({ db, rest, out }: CommandContext) => out(...(await consoleCommand(db, command, rest))),
  ]),
);

const COMMANDS: Record<string, (c: CommandContext) => Promise<string>> = { ...merchantCommands, ...credentialCommands, ...depositCommands, ...consoleCommands };

export async function runAdmin(argv: string[], env: Record<string, string | undefined> = process.env): Promise<string> {
  const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  const [command, ...rest] = positionals;
  if (!command || values.help) return USAGE;

  const config = parseConfig(env);
  const handle = await openDatabase(config.database);
  try {
    await migrate(handle.db);
    const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
    if (!run) throw new admin.AdminError(`unknown command ${command}\n\n${USAGE}`);
    const out = (human: string, data: unknown) => (values.json ? JSON.stringify(data, null, 2) : human);
    return await run({ db: handle.db, config, values, rest, out });
  } finally {
    await handle.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runAdmin(process.argv.slice(2)).then(
    (output) => console.log(output),
    (error: unknown) => {
      if (error instanceof admin.AdminError || error instanceof ConfigError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
        console.error((error as Error).message);
      } else {
        console.error(error);
      }
      process.exitCode = 1;
    },
  );
}
