/**
 * Deposit addresses computed off-chain, exactly as `DepositFactory` derives them on-chain: an OpenZeppelin 5 minimal
 * clone with immutable arguments (`Clones.cloneDeterministicWithImmutableArgs`) whose implementation and deployer
 * are the factory, whose one argument is the merchant's payout address (20 bytes) and whose CREATE2 salt is the
 * order reference. A leaf module (viem only) for the API, the indexer and the sweeper.
 */
import { type Address, concat, getAddress, getContractAddress, type Hex, isAddress, isHex, numberToHex, size, zeroAddress } from "viem";

/** `Clones._cloneCodeWithImmutableArgs`' fixed parts around the implementation address (OpenZeppelin 5.x). */
const CLONE_PREFIX: Hex = "0x3d81600a3d39f3363d3d373d3d3d363d73";
const CLONE_SUFFIX: Hex = "0x5af43d82803e903d91602b57fd5bf3";
/** The runtime code of a clone without arguments is 0x2d (45) bytes long. */
const CLONE_RUNTIME_SIZE = 0x2d;

export interface DepositAddressInput {
  /** The `DepositFactory` on the chain (its address is the same on every chain). */
  factory: Address;
  /** The merchant's payout address on that chain. */
  payout: Address;
  /** The order's 32-byte reference (the `orderRef` of the router's events). */
  orderRef: Hex;
}

/** The creation code of the clone bound to `payout`: what CREATE2 hashes. */
export function depositAddressInitCode(factory: Address, payout: Address): Hex {
  const args = getAddress(payout);
  return concat(["0x61", numberToHex(CLONE_RUNTIME_SIZE + size(args), { size: 2 }), CLONE_PREFIX, getAddress(factory), CLONE_SUFFIX, args]);
}

/** The deposit address of order `orderRef` paying out to `payout` (deployed or not), checksummed. */
export function depositAddress({ factory, payout, orderRef }: DepositAddressInput): Address {
  if (!isAddress(factory, { strict: false })) throw new TypeError(`factory: not an address: ${String(factory)}`);
  if (!isAddress(payout, { strict: false }) || getAddress(payout) === zeroAddress) {
    throw new TypeError(`payout: must be a non-zero address, got ${String(payout)}`);
  }
  if (!isHex(orderRef, { strict: true }) || size(orderRef) !== 32) {
    throw new TypeError(`orderRef: must be 32 bytes of hex, got ${String(orderRef)}`);
  }
  return getContractAddress({
    opcode: "CREATE2",
    from: getAddress(factory),
    salt: orderRef,
    bytecode: depositAddressInitCode(factory, payout),
  });
}
