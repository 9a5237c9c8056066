import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/** The refund router alone: no constructor arguments, so with the create2 strategy its address is the same on every chain. */
export default buildModule("RefundRouter", (m) => {
  const refundRouter = m.contract("RefundRouter");
  return { refundRouter };
});
