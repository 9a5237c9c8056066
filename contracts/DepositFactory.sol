// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Errors} from "@openzeppelin/contracts/utils/Errors.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IDepositFactory} from "./interfaces/IDepositFactory.sol";
import {DepositClone} from "./libraries/DepositClone.sol";
import {TokenBalance} from "./libraries/TokenBalance.sol";

/// @title DepositFactory
/// @notice Deploys and forwards per-order deposit addresses. It is also their implementation: each deposit address
/// is a 33-byte clone (`DepositClone`) that delegates to this contract's code, whose `sweep` then runs in the
/// clone's own context.
/// @dev A deposit address is bound to its payout address and order reference by its CREATE2 salt,
/// `keccak256(abi.encode(payout, orderRef))`: the clone's code carries nothing but the factory's address, and the
/// factory, the only caller `sweep` accepts, names as payout only the address that salt was made of. Being its own
/// implementation keeps the forward cheap (the factory is the transaction's target, so the clone's delegatecall to
/// it is warm). The factory measures the forward itself (the deposit's balance, then the payout's before and after
/// the sweep), so the clone answers only whether the sweep went through, which keeps its code short. Two guards keep
/// the roles apart: factory entry points run only as the factory (`address(this) == _SELF`), `sweep` only in a
/// clone and only when called by the factory. Neither role has storage, an owner or an upgrade path.
contract DepositFactory is IDepositFactory, ReentrancyGuardTransient {
    /// @notice Gas a batch gives each deployment: CREATE2 and the clone's code take about 39,000. Only an address
    /// that exists already (where CREATE2 fails and burns what it was given) costs this much.
    uint256 private constant _BATCH_DEPLOY_GAS = 100_000;

    /// @notice `_move`'s outcome: the sweep went through (or there was nothing to move).
    uint256 private constant _MOVED = 0;

    /// @notice `_move`'s outcome: the token does not answer `balanceOf`; nothing moved.
    uint256 private constant _NO_BALANCE = 1;

    /// @notice `_move`'s outcome: the sweep failed (the token refused the transfer, the payout refused the coin);
    /// nothing moved.
    uint256 private constant _SWEEP_FAILED = 2;

    /// @notice This contract's own address: the clones' implementation and the only caller `sweep` accepts.
    address private immutable _SELF = address(this);

    /// @notice The hash of the clones' creation code (the same for every deposit address of this factory).
    bytes32 private immutable _CLONE_HASH = DepositClone.initCodeHash(address(this));

    /// @notice Runs the function only as the factory, never delegated from a clone.
    modifier onlyFactoryContext() {
        if (address(this) != _SELF) revert WrongContext();
        _;
    }

    /// @notice Native coin sent to a deposit address is kept there until forwarded; the factory itself takes none.
    receive() external payable {
        if (address(this) == _SELF) revert WrongContext();
    }

    /* FACTORY */

    /// @inheritdoc IDepositFactory
    function depositAddress(address payout_, bytes32 orderRef) external view returns (address) {
        return _predict(_salt(payout_, orderRef));
    }

    /// @inheritdoc IDepositFactory
    function deploy(address payout_, bytes32 orderRef)
        external
        onlyFactoryContext
        nonReentrant
        returns (address deposit)
    {
        deposit = _deploy(payout_, orderRef);
        emit DepositAddressDeployed(orderRef, deposit, payout_);
    }

    /// @inheritdoc IDepositFactory
    function deployAndForward(address token, address payout_, bytes32 orderRef)
        external
        onlyFactoryContext
        nonReentrant
        returns (uint256 received)
    {
        return _forward(token, payout_, orderRef, _deploy(payout_, orderRef));
    }

    /// @inheritdoc IDepositFactory
    function forward(address token, address payout_, bytes32 orderRef)
        external
        onlyFactoryContext
        nonReentrant
        returns (uint256 received)
    {
        address deposit = _predict(_salt(payout_, orderRef));
        if (deposit.code.length == 0) revert NotDeployed(deposit);
        return _forward(token, payout_, orderRef, deposit);
    }

    /// @inheritdoc IDepositFactory
    function deployAndForwardMany(Forward[] calldata forwards) external onlyFactoryContext nonReentrant {
        for (uint256 i; i < forwards.length;) {
            Forward calldata item = forwards[i];
            if (item.payout == address(0)) revert InvalidPayout();
            bytes32 salt = _salt(item.payout, item.orderRef);
            // No code check first: it would be the address's first (cold) access, which CREATE2 makes for free.
            _tryDeploy(salt);
            _tryForward(item, _predict(salt));
            unchecked {
                ++i;
            }
        }
    }

    /// @inheritdoc IDepositFactory
    function forwardMany(Forward[] calldata forwards) external onlyFactoryContext nonReentrant {
        for (uint256 i; i < forwards.length;) {
            Forward calldata item = forwards[i];
            address deposit = _predict(_salt(item.payout, item.orderRef));
            // Checked first: a CREATE2 onto an existing contract would burn the gas given to it. The check warms the
            // address, so the sweep's call to it costs that much less.
            if (deposit.code.length == 0) _deploy(item.payout, item.orderRef);
            _tryForward(item, deposit);
            unchecked {
                ++i;
            }
        }
    }

    /// @inheritdoc IDepositFactory
    function deployFromBatch(bytes32 salt) external {
        if (msg.sender != _SELF || address(this) != _SELF) revert WrongContext();
        DepositClone.deploy(_SELF, salt);
    }

    /* DEPOSIT ADDRESS (runs in a clone's context) */

    /// @inheritdoc IDepositFactory
    function sweep(address token, address payout_, uint256 amount) external {
        if (msg.sender != _SELF) revert OnlyFactory(msg.sender);
        if (address(this) == _SELF) revert WrongContext();
        bytes4 nativeFailed = NativeTransferFailed.selector;
        bytes4 transferFailed = SafeERC20.SafeERC20FailedOperation.selector;
        assembly ("memory-safe") {
            // Native coin: sent with all gas and no return data copied (a refusal reverts by name).
            if iszero(token) {
                if iszero(call(gas(), payout_, amount, 0x00, 0x00, 0x00, 0x00)) {
                    mstore(0x00, nativeFailed)
                    mstore(0x04, payout_)
                    revert(0x00, 0x24)
                }
                return(0x00, 0x00)
            }
            // `transfer(payout_, amount)`, judged as SafeERC20 does: it must not revert and must return nothing
            // (USDT) or `true`. The factory has seen the token answer `balanceOf`, so it has code.
            let m := mload(0x40)
            mstore(m, 0xa9059cbb00000000000000000000000000000000000000000000000000000000)
            mstore(add(m, 0x04), payout_)
            mstore(add(m, 0x24), amount)
            let ok := call(gas(), token, 0, m, 0x44, 0x00, 0x20)
            if iszero(and(ok, or(iszero(returndatasize()), and(gt(returndatasize(), 0x1f), eq(mload(0x00), 1))))) {
                mstore(0x00, transferFailed)
                mstore(0x04, token)
                revert(0x00, 0x24)
            }
        }
    }

    /* HELPERS */

    /// @dev Deploys the clone bound to `payout_` and `orderRef`; reverts if it exists already.
    function _deploy(address payout_, bytes32 orderRef) private returns (address deposit) {
        if (payout_ == address(0)) revert InvalidPayout();
        deposit = DepositClone.deploy(_SELF, _salt(payout_, orderRef));
        if (deposit == address(0)) revert Errors.FailedDeployment();
    }

    /// @dev Deploys the clone of `salt` with at most `_BATCH_DEPLOY_GAS`, through `deployFromBatch`; whether it
    /// worked (it fails where the clone exists already) is for the sweep that follows to find out.
    function _tryDeploy(bytes32 salt) private {
        bytes4 selector = this.deployFromBatch.selector;
        assembly ("memory-safe") {
            mstore(0x00, selector)
            mstore(0x04, salt)
            pop(call(_BATCH_DEPLOY_GAS, address(), 0, 0x00, 0x24, 0x00, 0x00))
        }
    }

    /// @dev The CREATE2 salt binding a deposit address to `payout_` and `orderRef`.
    function _salt(address payout_, bytes32 orderRef) private pure returns (bytes32 salt) {
        assembly ("memory-safe") {
            mstore(0x00, and(payout_, 0xffffffffffffffffffffffffffffffffffffffff))
            mstore(0x20, orderRef)
            salt := keccak256(0x00, 0x40)
        }
    }

    /// @dev The clone of `salt`, deployed by this factory.
    function _predict(bytes32 salt) private view returns (address) {
        return DepositClone.predict(_CLONE_HASH, salt, _SELF);
    }

    /// @dev Forwards `deposit` (reverting by name if it fails, nothing moved) and reports the forward when
    /// something moved.
    function _forward(address token, address payout_, bytes32 orderRef, address deposit)
        private
        returns (uint256 received)
    {
        (uint256 outcome, uint256 sent, uint256 got) = _move(deposit, token, payout_);
        if (outcome != _MOVED) {
            if (outcome == _NO_BALANCE) revert InvalidToken(token);
            if (token == address(0)) revert NativeTransferFailed(payout_);
            revert SafeERC20.SafeERC20FailedOperation(token);
        }
        if (sent != 0) emit Forwarded(orderRef, token, got);
        return got;
    }

    /// @dev Forwards one batch item; a failure (a blacklisted merchant, a token that is no token, an address
    /// without code) emits `ForwardFailed` and leaves the funds in place.
    function _tryForward(Forward calldata item, address deposit) private {
        (uint256 outcome, uint256 sent, uint256 received) = _move(deposit, item.token, item.payout);
        if (outcome != _MOVED) emit ForwardFailed(item.orderRef, deposit, item.payout, item.token);
        else if (sent != 0) emit Forwarded(item.orderRef, item.token, received);
    }

    /// @dev Moves `deposit`'s whole balance of `token` (native coin for `address(0)`) to `payout_` through the
    /// clone's `sweep`, and measures it: `sent` is what the deposit held, `received` what `payout_`'s balance grew
    /// by (native coin arrives whole). Nothing is moved when the deposit holds nothing. A `payout_` balance the
    /// token fails to report after the move counts as no growth (only a token that is no token gets there).
    function _move(address deposit, address token, address payout_)
        private
        returns (uint256 outcome, uint256 sent, uint256 received)
    {
        if (token == address(0)) {
            sent = deposit.balance;
            if (sent != 0 && !_sweepCall(deposit, token, payout_, sent)) return (_SWEEP_FAILED, 0, 0);
            return (_MOVED, sent, sent);
        }
        (bool ok, uint256 held) = TokenBalance.read(token, deposit);
        if (!ok) return (_NO_BALANCE, 0, 0);
        if (held == 0) return (_MOVED, 0, 0);
        (bool readable, uint256 before) = TokenBalance.read(token, payout_);
        if (!readable) return (_NO_BALANCE, 0, 0);
        if (!_sweepCall(deposit, token, payout_, held)) return (_SWEEP_FAILED, 0, 0);
        (, uint256 afterwards) = TokenBalance.read(token, payout_);
        unchecked {
            received = afterwards > before ? afterwards - before : 0;
        }
        return (_MOVED, held, received);
    }

    /// @dev `deposit.sweep(token, payout_, amount)` by a raw call; true when the clone answered that the sweep went
    /// through (one byte; a failed sweep answers nothing, and so does an address without code).
    function _sweepCall(address deposit, address token, address payout_, uint256 amount) private returns (bool ok) {
        bytes4 selector = this.sweep.selector;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, selector)
            mstore(add(m, 0x04), token)
            mstore(add(m, 0x24), payout_)
            mstore(add(m, 0x44), amount)
            // Two statements: Yul evaluates arguments right to left, so returndatasize() must follow the call.
            ok := call(gas(), deposit, 0, m, 0x64, 0x00, 0x00)
            ok := and(ok, eq(returndatasize(), 1))
        }
    }
}
