/**
 * Deposit addresses computed off-chain, exactly as `DepositFactory` derives them on-chain: a 33-byte delegating clone
 * (`contracts/libraries/DepositClone.sol`) whose implementation and deployer are the factory and whose CREATE2 salt
 * is `keccak256(abi.encode(payout, orderRef))`, binding the merchant's payout address and the order reference.
 * A leaf module (viem only) for the API, the indexer and the sweeper.
 */
import {
  type Address,
  concat,
  encodeAbiParameters,
  getAddress,
  type Hex,
  isAddress,
  isHex,
  keccak256,
  size,
  zeroAddress,
} from "viem";

/** `DepositClone`'s creation code around the implementation address (0x2a bytes in all; 0x21 of runtime). */
const CLONE_PREFIX: Hex = "0x60218060095f395ff3365f5f375f5f365f73";
const CLONE_SUFFIX: Hex = "0x5af45ff3";

export interface DepositAddressInput {
  /** The `DepositFactory` on the chain (its address is the same on every chain). */
  factory: Address;
  /** The merchant's payout address on that chain. */
  payout: Address;
  /** The order's 32-byte reference (the `orderRef` of the router's events). */
  orderRef: Hex;
}

/** The creation code of every deposit address of `factory`: what CREATE2 hashes. */
export function depositAddressInitCode(factory: Address): Hex {
  return concat([CLONE_PREFIX, getAddress(factory), CLONE_SUFFIX]);
}

/** The CREATE2 salt of the deposit address bound to `payout` and `orderRef`. */
export function depositAddressSalt(payout: Address, orderRef: Hex): Hex {
  return keccak256(encodeAbiParameters([{ type: "address" }, { type: "bytes32" }], [getAddress(payout), orderRef]));
}

/** The deposit address of order `orderRef` paying out to `payout` (deployed or not), checksummed. */
/** keccak256 of the clone's init code, per factory: the same for every order on the chain. */
const initCodeHashes = new Map<string, Hex>();

const hexDigits = (value: string) => value.slice(2).toLowerCase();

/**
 * The CREATE2 address, `keccak256(0xff ++ factory ++ salt ++ keccak256(initCode))[12:]`, written out rather than
 * through viem's `getContractAddress`: the API derives one per order it creates, and this costs half as much (the
 * init code's hash is kept per factory, and only the result is checksummed). Same result (tested against the chain).
 */
export function depositAddress({ factory, payout, orderRef }: DepositAddressInput): Address {
  if (!isAddress(factory, { strict: false })) throw new TypeError(`factory: not an address: ${String(factory)}`);
  if (!isAddress(payout, { strict: false }) || hexDigits(payout) === hexDigits(zeroAddress)) {
    throw new TypeError(`payout: must be a non-zero address, got ${String(payout)}`);
  }
  if (!isHex(orderRef, { strict: true }) || size(orderRef) !== 32) {
    throw new TypeError(`orderRef: must be 32 bytes of hex, got ${String(orderRef)}`);
  }
  const key = hexDigits(factory);
  let codeHash = initCodeHashes.get(key);
  if (!codeHash) initCodeHashes.set(key, (codeHash = keccak256(depositAddressInitCode(factory))));
  // abi.encode(address, bytes32): the address left-padded to 32 bytes, then the reference.
  const salt = keccak256(`0x${"0".repeat(24)}${hexDigits(payout)}${hexDigits(orderRef)}`);
  const hash = keccak256(`0xff${key}${hexDigits(salt)}${hexDigits(codeHash)}`);
  return getAddress(`0x${hash.slice(26)}`);
}
