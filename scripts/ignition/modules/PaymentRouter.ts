import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/** The router alone: no constructor arguments, so with the create2 strategy its address is the same on every chain. */
export default buildModule("PaymentRouter", (m) => {
  const router = m.contract("PaymentRouter");
  return { router };
});
