/** The root package's `postinstall` (npm 11 runs the root's own scripts): put back platform packages npm skipped. */
import { ensureNativePackages } from "./native-packages.js";

try {
  ensureNativePackages();
} catch (error) {
  // The install itself succeeded; `npm start` and `npm test` check again and stop with this same line.
  console.warn(`stablegate: ${error instanceof Error ? error.message : String(error)}`);
}
