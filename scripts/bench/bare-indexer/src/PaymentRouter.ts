import { ponder } from "ponder:registry";

// Empty on purpose: the benchmark's baseline for what our handler (one insert per payment) costs on top.
ponder.on("PaymentRouter:PaymentReceived", async () => {});
