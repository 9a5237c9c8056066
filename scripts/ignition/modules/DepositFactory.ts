import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * The deposit-address factory alone: no constructor arguments, so with the create2 strategy its address, and with it
 * every deposit address it derives, is the same on every chain.
 */
export default buildModule("DepositFactory", (m) => {
  const depositFactory = m.contract("DepositFactory");
  return { depositFactory };
});
