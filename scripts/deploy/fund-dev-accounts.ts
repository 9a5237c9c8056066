/** Gives local dev accounts test tokens so they can pay orders (the deployer owns every test token's supply). */
import type { NetworkConnection } from "hardhat/types/network";
import { type Address, erc20Abi, parseUnits } from "viem";
import type { DeploymentRecord } from "../../contracts/deployments/record.js";

export async function fundDevAccounts(
  connection: NetworkConnection<"l1">,
  record: DeploymentRecord,
  accounts: readonly Address[],
  wholeTokens = 100_000n,
): Promise<void> {
  const [deployer] = await connection.viem.getWalletClients();
  const publicClient = await connection.viem.getPublicClient();
  for (const token of record.tokens) {
    for (const account of accounts) {
      // TetherUSD's transfer returns nothing; erc20Abi's `transfer` still encodes the call, the receipt tells success.
      const hash = await deployer!.writeContract({
        address: token.address,
        abi: erc20Abi,
        functionName: "transfer",
        args: [account, parseUnits(wholeTokens.toString(), token.decimals)],
      });
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success") throw new Error(`Funding ${account} with ${token.symbol} failed (tx ${hash})`);
    }
  }
}

/** Sends the sweeper (the account that pays forwards' gas from deposit addresses) native coin from the deployer. */
export async function fundSweeper(connection: NetworkConnection<"l1">, sweeper: Address, wholeCoins = 10n): Promise<void> {
  const [deployer] = await connection.viem.getWalletClients();
  const publicClient = await connection.viem.getPublicClient();
  const hash = await deployer!.sendTransaction({ to: sweeper, value: parseUnits(wholeCoins.toString(), 18) });
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`Funding the sweeper ${sweeper} failed (tx ${hash})`);
}
