// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {BinancePegUSD} from "../../../contracts/mocks/BinancePegUSD.sol";
import {PermitUSD} from "../../../contracts/mocks/PermitUSD.sol";
import {TetherUSD} from "../../../contracts/mocks/TetherUSD.sol";
import {IVm, VM_ADDRESS} from "./Vm.sol";
import {Test} from "./Test.sol";

/// @title BaseTest
/// @author Stablegate
/// @notice The shared fixture of the contract tests (Morpho Blue's `BaseTest` style): the three USDT flavours the
/// gateway meets, owned by this contract, three named accounts, and the helpers every test arranges with (funding,
/// approving, permit signing, bounded fees, balances, picking events out of recorded logs).
/// @dev Each `*Base` of a contract under test extends this with the contract and its own helpers; `setUp` is virtual
/// and calls up the chain.
abstract contract BaseTest is Test {
    /// @notice EIP-2612's `Permit` struct type hash:
    /// `keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)")`.
    bytes32 internal constant PERMIT_TYPEHASH = 0x6e71edae12b1b97f4d1f60370fef10105fa2faae0126114a169c64845d6126c9;

    /// @notice The order reference used where its value does not matter.
    bytes32 internal constant ORDER_REF = keccak256("order-42");

    /// @notice The token address standing for the chain's native coin.
    address internal constant NATIVE = address(0);

    /// @notice Each token's supply minted to this contract (the tokens' owner) at deployment.
    uint256 internal constant INITIAL_SUPPLY = 1_000_000_000e6;

    /// @notice The largest fuzzed amount: big enough for any real payment, small enough that minting never
    /// overflows a total supply and TetherUSD's `value * basisPointsRate` never overflows.
    uint256 internal constant MAX_AMOUNT = type(uint128).max;

    /// @notice Tether's own ceiling on its fee rate: under 20 basis points.
    uint256 internal constant MAX_TETHER_BASIS_POINTS = 19;

    /// @notice Tether's own ceiling on its fee cap: under 50 whole tokens.
    uint256 internal constant MAX_TETHER_FEE = 49;

    /// @notice `Error(string)` for Tether's blacklist refusal.
    bytes internal constant BLACKLISTED = abi.encodeWithSignature("Error(string)", "blacklisted");

    /// @notice Ethereum-style USDT: 6 decimals, no return values, approve-through-zero, blacklist, pause, fee.
    TetherUSD internal tether;

    /// @notice USDC-like token: 6 decimals and EIP-2612 `permit`.
    PermitUSD internal permitUsd;

    /// @notice BSC-style USDT: 18 decimals, returns `bool`.
    BinancePegUSD internal bscUsd;

    /// @notice A shop (the payout address, the refund's sender).
    address internal merchant;

    /// @notice `merchant`'s private key, for permits.
    uint256 internal merchantKey;

    /// @notice A customer (the payer, the refund's recipient).
    address internal customer;

    /// @notice `customer`'s private key, for permits.
    uint256 internal customerKey;

    /// @notice Someone who is neither customer nor merchant.
    address internal stranger;

    /// @notice Deploys the tokens (this contract owns them and holds their initial supply) and names the accounts.
    function setUp() public virtual {
        tether = new TetherUSD(INITIAL_SUPPLY, "Tether USD", "USDT", 6);
        permitUsd = new PermitUSD(INITIAL_SUPPLY);
        bscUsd = new BinancePegUSD(INITIAL_SUPPLY);
        (merchant, merchantKey) = makeAddrAndKey("merchant");
        (customer, customerKey) = makeAddrAndKey("customer");
        stranger = makeAddr("stranger");
    }

    /* TOKENS */

    /// @notice The three tokens, for tests and invariants that loop over them.
    /// @return list TetherUSD, PermitUSD and BinancePegUSD.
    function _tokens() internal view returns (address[] memory list) {
        list = new address[](3);
        (list[0], list[1], list[2]) = (address(tether), address(permitUsd), address(bscUsd));
    }

    /// @notice Gives `to` `amount` of `token` (TetherUSD: issued to this contract, its owner, and sent on, so an
    /// active fee applies on the way; the others: minted to `to`).
    /// @param token One of the three tokens.
    /// @param to The recipient.
    /// @param amount The amount.
    function _fund(address token, address to, uint256 amount) internal {
        if (token == address(tether)) {
            tether.issue(amount);
            tether.transfer(to, amount);
        } else if (token == address(permitUsd)) {
            permitUsd.mint(to, amount);
        } else {
            bscUsd.mint(to, amount);
        }
    }

    /// @notice Sets `holder`'s allowance for `spender` to `amount`, going through zero as TetherUSD demands.
    /// @param token One of the three tokens.
    /// @param holder The approving account.
    /// @param spender The approved contract.
    /// @param amount The new allowance.
    function _approve(address token, address holder, address spender, uint256 amount) internal {
        vm.startPrank(holder);
        if (token == address(tether)) {
            if (tether.allowance(holder, spender) != 0) tether.approve(spender, 0);
            tether.approve(spender, amount);
        } else {
            assertTrue(IERC20(token).approve(spender, amount), "approve failed");
        }
        vm.stopPrank();
    }

    /// @notice `_fund`, then `_approve` for the same amount.
    /// @param token One of the three tokens.
    /// @param holder The funded, approving account.
    /// @param spender The approved contract.
    /// @param amount The amount.
    function _fundAndApprove(address token, address holder, address spender, uint256 amount) internal {
        _fund(token, holder, amount);
        _approve(token, holder, spender, amount);
    }

    /// @notice Switches TetherUSD's transfer fee, bounded to Tether's own limits.
    /// @param basisPoints The fee rate (bounded to `[0, MAX_TETHER_BASIS_POINTS]`).
    /// @param maxFee The fee cap in whole tokens (bounded to `[0, MAX_TETHER_FEE]`).
    /// @return rate The rate set.
    /// @return cap The cap set, in whole tokens.
    function _setTetherFee(uint256 basisPoints, uint256 maxFee) internal returns (uint256 rate, uint256 cap) {
        rate = bound(basisPoints, 0, MAX_TETHER_BASIS_POINTS);
        cap = bound(maxFee, 0, MAX_TETHER_FEE);
        tether.setParams(rate, cap);
    }

    /// @notice TetherUSD's fee on a transfer of `amount`: `min(amount * basisPoints / 10_000, maxFee * 10 ** 6)`.
    /// @param amount The transferred amount.
    /// @param basisPoints The fee rate.
    /// @param maxFee The fee cap in whole tokens.
    /// @return fee The fee.
    function _tetherFee(uint256 amount, uint256 basisPoints, uint256 maxFee) internal pure returns (uint256 fee) {
        fee = (amount * basisPoints) / 10_000;
        if (fee > maxFee * 10 ** 6) fee = maxFee * 10 ** 6;
    }

    /// @notice Signs an EIP-2612 permit of PermitUSD at `holder`'s current nonce.
    /// @param privateKey The signing key (the holder's, unless forging).
    /// @param holder The permit's owner.
    /// @param spender The permit's spender.
    /// @param amount The permit's value.
    /// @param deadline The permit's deadline.
    /// @return v The recovery byte.
    /// @return r The signature's r.
    /// @return s The signature's s.
    function _signPermit(uint256 privateKey, address holder, address spender, uint256 amount, uint256 deadline)
        internal
        view
        returns (uint8 v, bytes32 r, bytes32 s)
    {
        bytes32 structHash =
            keccak256(abi.encode(PERMIT_TYPEHASH, holder, spender, amount, permitUsd.nonces(holder), deadline));
        return vm.sign(privateKey, keccak256(abi.encodePacked("\x19\x01", permitUsd.DOMAIN_SEPARATOR(), structHash)));
    }

    /* ACCOUNTS AND BALANCES */

    /// @notice Discards fuzzed accounts that would make a test about something else: the zero address, the
    /// cheatcode address and the tokens.
    /// @param account The fuzzed account.
    function _assumeNotTokenOrZero(address account) internal view {
        vm.assume(account != address(0) && account != VM_ADDRESS);
        vm.assume(account != address(tether) && account != address(permitUsd) && account != address(bscUsd));
    }

    /// @notice Sends native coin from this contract.
    /// @param to The recipient.
    /// @param amount The amount.
    function _sendNative(address to, uint256 amount) internal {
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok,) = to.call{value: amount}("");
        assertTrue(ok, "native send");
    }

    /// @notice `account`'s balance of `asset` (native coin for `NATIVE`).
    /// @param asset A token, or `NATIVE`.
    /// @param account The holder.
    /// @return value The balance.
    function _balance(address asset, address account) internal view returns (uint256 value) {
        return asset == NATIVE ? account.balance : IERC20(asset).balanceOf(account);
    }

    /// @notice The summed balance of `asset` over `accounts`.
    /// @param asset A token, or `NATIVE`.
    /// @param accounts The holders.
    /// @return total The sum.
    function _sumBalances(address asset, address[] memory accounts) internal view returns (uint256 total) {
        for (uint256 i; i < accounts.length; ++i) {
            total += _balance(asset, accounts[i]);
        }
    }

    /* EVENTS */

    /// @notice The logs among `logs` that `emitter` emitted with event selector `selector`.
    /// @param logs The captured logs.
    /// @param emitter The contract.
    /// @param selector The event's selector (`topics[0]`).
    /// @return found The matching logs, in order.
    function _eventsOf(IVm.Log[] memory logs, address emitter, bytes32 selector)
        internal
        pure
        returns (IVm.Log[] memory found)
    {
        found = new IVm.Log[](logs.length);
        uint256 count;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter != emitter || logs[i].topics[0] != selector) continue;
            found[count] = logs[i];
            ++count;
        }
        assembly ("memory-safe") {
            mstore(found, count) // shrink to the matches
        }
    }

    /// @notice Checks that `emitter` emitted exactly one event among `logs`, and that it is `selector`; returns it.
    /// @param logs The captured logs.
    /// @param emitter The contract.
    /// @param selector The expected event's selector.
    /// @param name The event's name, for the failure message.
    /// @return log The one event.
    function _soleEvent(IVm.Log[] memory logs, address emitter, bytes32 selector, string memory name)
        internal
        pure
        returns (IVm.Log memory log)
    {
        uint256 found;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter != emitter) continue;
            assertEq(logs[i].topics[0], selector, string.concat("unexpected event instead of ", name));
            log = logs[i];
            ++found;
        }
        assertEq(found, 1, string.concat(name, " count"));
    }

    /// @notice An address as an indexed event topic.
    /// @param account The address.
    /// @return topic The 32-byte topic.
    function _topic(address account) internal pure returns (bytes32 topic) {
        return bytes32(uint256(uint160(account)));
    }
}
