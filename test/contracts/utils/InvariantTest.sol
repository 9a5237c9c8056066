// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {BaseTest} from "./BaseTest.sol";

/// @title InvariantTest
/// @author Stablegate
/// @notice The shared part of the invariant tests, Morpho-style: the test contract is its own handler. The fuzzer
/// calls only this contract, and of it only the selectors `_handlers` lists; each handler counts its call, and
/// `afterInvariant` fails a run in which none was made (the invariants would then pass vacuously).
/// @dev The config sets `failOnRevert`, so a handler must never revert.
abstract contract InvariantTest is BaseTest {
    /// @notice A target contract and the functions of it the fuzzer may call (Foundry's `targetSelectors` shape).
    /// @param addr The target contract.
    /// @param selectors The functions of it to call.
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    /// @notice The shops the handlers pay; none is a token's owner (which collects TetherUSD's fee).
    address[] internal merchants;

    /// @notice Per asset, the sum of the amounts the contract under test reported in its events.
    mapping(address asset => uint256 amount) internal ghostEmitted;

    /// @notice How many handler calls the fuzzer made in the current run.
    uint256 internal ghostCalls;

    /// @notice Counts a handler call.
    modifier countCall() {
        ++ghostCalls;
        _;
    }

    /// @notice Deploys the tokens, names the accounts and the shops.
    function setUp() public virtual override {
        super.setUp();
        merchants = [makeAddr("coffee shop"), makeAddr("book shop"), makeAddr("bike shop")];
    }

    /// @notice Foundry's target list: only this contract, whose callable functions `targetSelectors` narrows.
    /// @return targetedContracts_ The contracts the fuzzer calls.
    function targetContracts() public view returns (address[] memory targetedContracts_) {
        targetedContracts_ = new address[](1);
        targetedContracts_[0] = address(this);
    }

    /// @notice Foundry's selector list: the handlers and nothing else (not `setUp`, not the invariants).
    /// @return targetedSelectors_ The functions the fuzzer calls.
    function targetSelectors() public view returns (FuzzSelector[] memory targetedSelectors_) {
        targetedSelectors_ = new FuzzSelector[](1);
        targetedSelectors_[0] = FuzzSelector({addr: address(this), selectors: _handlers()});
    }

    /// @notice Runs after each invariant run and fails if the fuzzer called no handler.
    function afterInvariant() public view {
        assertTrue(ghostCalls > 0, "no handler was called");
    }

    /// @notice The handlers the fuzzer may call.
    /// @return selectors Their selectors.
    function _handlers() internal view virtual returns (bytes4[] memory selectors);

    /// @notice Picks one of `accounts` by `seed`.
    /// @param accounts The accounts to pick from.
    /// @param seed Any number.
    /// @return account `accounts[seed % accounts.length]`.
    function _pick(address[] storage accounts, uint256 seed) internal view returns (address account) {
        return accounts[seed % accounts.length];
    }
}
