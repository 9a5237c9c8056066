import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * Test tokens for local chains and testnets that have no official USDT: a Tether-faithful USDT (6 decimals),
 * a USDC-like permit token (6 decimals) and an 18-decimal USDT as on BSC. Supplies go to the deployer.
 */
export default buildModule("TestTokens", (m) => {
  const usdtSupply = m.getParameter("usdtSupply", 1_000_000_000n * 10n ** 6n);
  const usdcSupply = m.getParameter("usdcSupply", 1_000_000_000n * 10n ** 6n);
  const usdt18Supply = m.getParameter("usdt18Supply", 1_000_000_000n * 10n ** 18n);

  const usdt = m.contract("TetherUSD", [usdtSupply, "Tether USD", "USDT", 6]);
  const usdc = m.contract("PermitUSD", [usdcSupply]);
  const usdt18 = m.contract("BinancePegUSD", [usdt18Supply]);
  return { usdt, usdc, usdt18 };
});
