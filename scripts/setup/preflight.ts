/**
 * Run before `npm start` and `npm test`: platform packages present (installed now if npm skipped them) and contract
 * artifacts current (compiled now if missing or stale). One clear line and exit 1 when the machine cannot run us.
 */
import { ensureContractArtifacts } from "./contract-artifacts.js";
import { ensureNativePackages } from "./native-packages.js";

try {
  ensureNativePackages();
  ensureContractArtifacts();
} catch (error) {
  console.error(`stablegate: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
